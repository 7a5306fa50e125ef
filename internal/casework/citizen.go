package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/notify"
	"github.com/rathaus/rathaus/internal/store"
)

// ConfirmTTL is how long an e-mail confirmation link stays valid.
const ConfirmTTL = 30 * 24 * time.Hour

// SubmitWeb stores a report from the web form. An e-mail address given
// there is not trusted until its owner confirms it (double opt-in): the
// request is stored without it, and one confirmation mail is written to the
// outbox in the same transaction as the request. ConfirmEmail later sets
// the address as the reporter's and sends the receipt.
func (c *Cases) SubmitWeb(ctx context.Context, j *rathaus.Jurisdiction, sub Submission, email string) (*rathaus.Request, error) {
	email = strings.TrimSpace(email)
	sub.Contact = rathaus.Contact{Email: email} // validated like any contact, then held back
	sub.Channel = rathaus.ChannelWeb
	p, err := c.prepare(ctx, j, sub)
	if err != nil {
		return nil, err
	}
	p.r.Reporter = rathaus.Contact{}
	if email != "" {
		p.after = func(ctx context.Context, tx *store.Tx, r *rathaus.Request) error {
			return c.askConfirmation(ctx, tx, j, r, p.s.Name, email, store.ConfirmReporter, r.SubmittedAt)
		}
	}
	if err := c.commit(ctx, p); err != nil {
		return nil, fmt.Errorf("casework: submit %s from the web: %w", p.s.Code, err)
	}
	return p.r, nil
}

// citizenURL is an absolute URL of this installation for mails.
func (c *Cases) citizenURL(j *rathaus.Jurisdiction, path string) string {
	base := j.BaseURL
	if base == "" {
		base = c.baseURL
	}
	return base + path
}

// askConfirmation stores a pending confirmation of email and writes the
// mail with its link to the outbox.
func (c *Cases) askConfirmation(ctx context.Context, tx *store.Tx, j *rathaus.Jurisdiction, r *rathaus.Request, serviceName, email, kind string, now time.Time) error {
	token := auth.NewToken()
	conf := &store.EmailConfirmation{JurisdictionID: j.ID, TokenHash: auth.HashToken(token), RequestID: r.ID, Email: email,
		Kind: kind, CreatedAt: now}
	if err := tx.CreateEmailConfirmation(ctx, conf); err != nil {
		return err
	}
	rm := notify.RequestMail{Jurisdiction: j.Name, Number: r.Number, ServiceName: serviceName, StatusURL: c.StatusURL(j, r)}
	if kind == store.ConfirmSubscriber {
		// The status link is the reporter's secret; a subscriber gets the
		// public page of the report.
		rm.StatusURL = c.citizenURL(j, fmt.Sprintf("/meldungen/%d", r.ID))
	}
	m := notify.ConfirmAddressMail(email, "de", rm, c.citizenURL(j, "/bestaetigen/"+token))
	return enqueueCitizenMail(ctx, tx, j, m, fmt.Sprintf("confirm:%d", conf.ID), now)
}

func enqueueCitizenMail(ctx context.Context, tx *store.Tx, j *rathaus.Jurisdiction, m notify.Message, dedupe string, now time.Time) error {
	payload, err := json.Marshal(MailPayload{Message: m})
	if err != nil {
		return fmt.Errorf("casework: encode mail: %w", err)
	}
	return tx.Enqueue(ctx, &store.OutboxItem{JurisdictionID: j.ID, Kind: "mail", DedupeKey: dedupe, Payload: string(payload), CreatedAt: now})
}

// checkCitizenEmail validates an address the way Submit does.
func checkCitizenEmail(email string) error {
	if email == "" {
		return rathaus.Invalidf("email", "is required")
	}
	if len(email) > 254 {
		return rathaus.Invalidf("email", "is longer than 254 characters")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return rathaus.Invalidf("email", "is not a valid e-mail address")
	}
	return nil
}

// Subscription is the outcome of Subscribe.
type Subscription struct {
	Request *rathaus.Request
	// Confirmed is true when the address already followed the request
	// with a confirmed address; then no mail was sent.
	Confirmed bool
}

// Subscribe lets a citizen follow an open report of someone else ("Das
// ist auch mein Problem") instead of filing a duplicate. The address gets
// the reporter's mails once its owner confirmed it through the link of the
// confirmation mail written here.
func (c *Cases) Subscribe(ctx context.Context, j *rathaus.Jurisdiction, requestID int64, email string) (*Subscription, error) {
	email = strings.TrimSpace(email)
	if err := checkCitizenEmail(email); err != nil {
		return nil, err
	}
	now := c.now().UTC().Truncate(time.Microsecond)
	out := &Subscription{}
	err := c.db.WriteTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, j.ID, requestID)
		if err != nil {
			return err
		}
		if r.State == rathaus.StateClosed || r.DuplicateOf != 0 {
			return rathaus.Conflictf("request %s is closed", r.Number)
		}
		s, err := tx.Service(ctx, j.ID, r.ServiceCode)
		if err != nil {
			return err
		}
		if s.Audience == "staff" {
			return rathaus.NotFoundf("request %d not found", requestID)
		}
		out.Request = r
		sub := &store.Subscriber{JurisdictionID: j.ID, RequestID: r.ID, Email: email, Token: auth.NewToken(), CreatedAt: now}
		if _, err := tx.AddSubscriber(ctx, sub); err != nil {
			return err
		}
		if !sub.ConfirmedAt.IsZero() {
			out.Confirmed = true
			return nil
		}
		return c.askConfirmation(ctx, tx, j, r, s.Name, email, store.ConfirmSubscriber, now)
	})
	if err != nil {
		return nil, fmt.Errorf("casework: subscribe to request %d: %w", requestID, err)
	}
	if !out.Confirmed {
		c.kick()
	}
	return out, nil
}

// Confirmation is the outcome of ConfirmEmail.
type Confirmation struct {
	Kind    string // store.ConfirmReporter or store.ConfirmSubscriber
	Request *rathaus.Request
	// Again is true when the link had been followed before.
	Again bool
}

// ConfirmEmail follows a confirmation link: a reporter's address becomes
// the request's contact and gets the receipt; a subscriber's address starts
// getting the request's mails.
func (c *Cases) ConfirmEmail(ctx context.Context, j *rathaus.Jurisdiction, token string) (*Confirmation, error) {
	now := c.now().UTC().Truncate(time.Microsecond)
	out := &Confirmation{}
	mailed := false
	err := c.db.WriteTx(ctx, func(tx *store.Tx) error {
		conf, err := tx.EmailConfirmationByHash(ctx, j.ID, auth.HashToken(token))
		if err != nil {
			return err
		}
		r, err := tx.Request(ctx, j.ID, conf.RequestID)
		if err != nil {
			return err
		}
		out.Kind, out.Request = conf.Kind, r
		if !conf.ConfirmedAt.IsZero() {
			out.Again = true
			return nil
		}
		if now.Sub(conf.CreatedAt) > ConfirmTTL {
			return rathaus.Invalidf("token", "the confirmation link has expired")
		}
		if err := tx.MarkEmailConfirmed(ctx, conf.ID, now); err != nil {
			return err
		}
		if conf.Kind == store.ConfirmSubscriber {
			return tx.ConfirmSubscriber(ctx, j.ID, r.ID, conf.Email, now)
		}
		if err := tx.SetReporterEmail(ctx, j.ID, r.ID, conf.Email); err != nil {
			return err
		}
		r.Reporter.Email = conf.Email
		// The receipt is the mail the submitted event would have caused;
		// its dedupe key is the same, so it is written once.
		evs, err := tx.Events(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Type == rathaus.EventSubmitted {
				mailed, err = c.enqueueMail(ctx, tx, j, r, e)
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("casework: confirm e-mail: %w", err)
	}
	if mailed {
		c.kick()
	}
	return out, nil
}

// Recipients returns the addresses that get the citizen mails of a
// request: the reporter's (if any) and those of confirmed subscribers,
// each once. The mail path (enqueueMail) calls it inside its transaction.
func (c *Cases) Recipients(ctx context.Context, tx *store.Tx, r *rathaus.Request) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if key := strings.ToLower(a); a != "" && !seen[key] {
			seen[key] = true
			out = append(out, a)
		}
	}
	add(r.Reporter.Email)
	subs, err := tx.Subscribers(ctx, r.JurisdictionID, r.ID, true)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		add(s.Email)
	}
	return out, nil
}
