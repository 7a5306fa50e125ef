package quality

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
)

// Surveys runs the one-click satisfaction survey: the closing mail carries
// five links, /bewertung/{token}?score=1 .. 5; following one records the
// score at once, and the page it shows offers an optional comment.
//
// The token names the request and is signed with a server secret (HMAC-
// SHA256, truncated to 128 bits), so it needs no table of its own and
// cannot be guessed from a request number; it carries no personal data.
type Surveys struct {
	db      *store.DB
	key     []byte
	now     func() time.Time
	onRated func() // e.g. Projector.Kick; may be nil
}

// MaxComment is the longest survey comment, in characters.
const MaxComment = 2000

// NewSurveys returns the survey engine. secret must be at least 32 bytes
// of server-side randomness that stays stable across restarts (tokens
// already mailed are checked with it). onRated is called after a rating
// committed (e.g. Projector.Kick) and may be nil.
func NewSurveys(db *store.DB, secret []byte, now func() time.Time, onRated func()) (*Surveys, error) {
	if len(secret) < 32 {
		return nil, errors.New("quality: the survey secret must be at least 32 bytes")
	}
	if onRated == nil {
		onRated = func() {}
	}
	return &Surveys{db: db, key: append([]byte(nil), secret...), now: now, onRated: onRated}, nil
}

func (s *Surveys) mac(requestID int64) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("rathaus-survey:" + strconv.FormatInt(requestID, 10)))
	return m.Sum(nil)[:16]
}

// Token returns the survey token of a request: its ID in base 36, a dot,
// and the signature in unpadded base64url.
func (s *Surveys) Token(requestID int64) string {
	return strconv.FormatInt(requestID, 36) + "." + base64.RawURLEncoding.EncodeToString(s.mac(requestID))
}

// RequestID checks a token and returns the request it names.
func (s *Surveys) RequestID(token string) (int64, error) {
	idPart, sigPart, ok := strings.Cut(token, ".")
	if !ok || len(token) > 64 {
		return 0, rathaus.NotFoundf("survey link not found")
	}
	id, err := strconv.ParseInt(idPart, 36, 64)
	if err != nil || id <= 0 {
		return 0, rathaus.NotFoundf("survey link not found")
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigPart)
	if err != nil || !hmac.Equal(sig, s.mac(id)) {
		return 0, rathaus.NotFoundf("survey link not found")
	}
	return id, nil
}

// Links returns the five one-click links for the closing mail, score 1
// first; baseURL is the public URL of the installation without a slash at
// the end.
func (s *Surveys) Links(baseURL string, requestID int64) [5]string {
	var out [5]string
	tok := s.Token(requestID)
	for i := range out {
		out[i] = fmt.Sprintf("%s/bewertung/%s?score=%d", baseURL, tok, i+1)
	}
	return out
}

// Rate records a score (1-5) and an optional comment for the request the
// token names, which must be closed. A second call replaces the score and
// comment (the citizen clicked again, or added a comment on the page).
// The score is also appended as a "rated" event, from which the projector
// takes it, so surveys are part of the history like everything measured.
func (s *Surveys) Rate(ctx context.Context, jurisdictionID int64, token string, score int, comment string) (*store.Rating, error) {
	id, err := s.RequestID(token)
	if err != nil {
		return nil, err
	}
	if score < 1 || score > 5 {
		return nil, rathaus.Invalidf("score", "must be 1 to 5, not %d", score)
	}
	comment = strings.TrimSpace(comment)
	if !utf8.ValidString(comment) {
		return nil, rathaus.Invalidf("comment", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(comment); n > MaxComment {
		return nil, rathaus.TooLargef("comment", "has %d characters, at most %d are allowed", n, MaxComment)
	}
	if strings.IndexFunc(comment, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		return nil, rathaus.Invalidf("comment", "contains a control character")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	rt := &store.Rating{RequestID: id, JurisdictionID: jurisdictionID, Score: score, Comment: comment, CreatedAt: now, UpdatedAt: now}
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		r, err := tx.RequestForUpdate(ctx, jurisdictionID, id)
		if err != nil {
			return err
		}
		if r.State != rathaus.StateClosed {
			return rathaus.Conflictf("request %s is not closed yet; it can be rated once it is done", r.Number)
		}
		if err := tx.SaveRating(ctx, rt); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &rathaus.Event{JurisdictionID: jurisdictionID, RequestID: id, Type: rathaus.EventRated,
			At: now, Body: strconv.Itoa(score)})
	})
	if err != nil {
		return nil, fmt.Errorf("quality: rate request %d: %w", id, err)
	}
	s.onRated()
	return rt, nil
}
