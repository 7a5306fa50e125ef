// Package auth holds credentials: password hashing, tokens and API keys,
// and (in other files) sessions and permission checks.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/rathaus/rathaus"
)

// argonParams are the argon2id cost parameters stored in every hash.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
	saltLen int
	keyLen  int
}

// current are the parameters new hashes get: the OWASP Password Storage
// Cheat Sheet's first argon2id option (19 MiB, 2 passes, 1 lane). They
// live in every encoded hash, so raising them later only means changing
// this value; NeedsRehash then flags the old hashes for upgrade at the
// next login.
var current = argonParams{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// Limits on parameters read back from a stored hash. A hash is data from
// the database, and a forged or corrupted one must not make one login
// allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB, i.e. 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

// Password length limits. The minimum follows NIST SP 800-63B for
// passwords that are the only factor; the maximum (in bytes) keeps the
// hash input bounded.
const (
	minPasswordChars = 12
	maxPasswordBytes = 256
)

// errMalformed is wrapped by every parse error of an encoded hash.
var errMalformed = errors.New("auth: malformed password hash")

// HashPassword hashes password with argon2id and a random salt and
// returns it in the PHC string format,
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string) (string, error) {
	salt := make([]byte, current.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: read salt: %w", err)
	}
	return hashWithSalt(password, salt, current), nil
}

// hashWithSalt is HashPassword with the salt and parameters given, so that
// tests can pin a known vector.
func hashWithSalt(password string, salt []byte, p argonParams) string {
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// VerifyPassword reports whether password matches the encoded hash. The
// cost parameters come from the hash itself, so hashes made with older
// parameters keep working. A malformed hash or one with absurd parameters
// is an error, not a mismatch: it means the stored data is broken.
func VerifyPassword(encoded, password string) (ok bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// the current ones (or cannot be read at all), so that the caller should
// store a fresh hash after the next successful login.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != current
}

// decodeHash parses a PHC argon2id string strictly and checks that its
// parameters are within sane bounds.
func decodeHash(encoded string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 $-separated fields", errMalformed)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q, want argon2id", errMalformed, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q, want v=%d", errMalformed, parts[2], argon2.Version)
	}
	m, t, threads, err := parseParams(parts[3])
	if err != nil {
		return p, nil, nil, err
	}
	salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %v", errMalformed, err)
	}
	key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %v", errMalformed, err)
	}
	switch {
	case m < 8*uint64(threads) || m > maxMemory:
		// argon2 needs at least 8 KiB per lane.
		return p, nil, nil, fmt.Errorf("%w: memory %d KiB out of range", errMalformed, m)
	case t < 1 || t > maxTime:
		return p, nil, nil, fmt.Errorf("%w: time %d out of range", errMalformed, t)
	case threads < 1 || threads > 255:
		return p, nil, nil, fmt.Errorf("%w: parallelism %d out of range", errMalformed, threads)
	case len(salt) < minSaltLen || len(salt) > maxSaltLen:
		return p, nil, nil, fmt.Errorf("%w: salt of %d bytes", errMalformed, len(salt))
	case len(key) < minKeyLen || len(key) > maxKeyLen:
		return p, nil, nil, fmt.Errorf("%w: hash of %d bytes", errMalformed, len(key))
	}
	p = argonParams{memory: uint32(m), time: uint32(t), threads: uint8(threads), saltLen: len(salt), keyLen: len(key)}
	return p, salt, key, nil
}

// parseParams parses "m=<KiB>,t=<passes>,p=<lanes>" in exactly that order.
func parseParams(s string) (m, t, p uint64, err error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return 0, 0, 0, fmt.Errorf("%w: parameters %q", errMalformed, s)
	}
	vals := make([]uint64, 3)
	for i, name := range []string{"m", "t", "p"} {
		num, found := strings.CutPrefix(fields[i], name+"=")
		// ParseUint accepts no sign; reject leading zeros too so
		// that every hash has exactly one spelling.
		if !found || num == "" || (len(num) > 1 && num[0] == '0') {
			return 0, 0, 0, fmt.Errorf("%w: parameters %q", errMalformed, s)
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%w: parameter %s: %v", errMalformed, name, err)
		}
		vals[i] = v
	}
	return vals[0], vals[1], vals[2], nil
}

// CheckPasswordPolicy reports whether pw may be chosen as a new password:
// at least 12 characters and at most 256 bytes of valid UTF-8. Length is
// the only rule on purpose (NIST SP 800-63B): composition rules make
// passwords harder to remember, not harder to guess.
func CheckPasswordPolicy(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return rathaus.Invalidf("password", "Das Passwort enthält ungültige Zeichen.")
	case utf8.RuneCountInString(pw) < minPasswordChars:
		return rathaus.Invalidf("password", "Das Passwort muss mindestens %d Zeichen lang sein.", minPasswordChars)
	case len(pw) > maxPasswordBytes:
		return rathaus.Invalidf("password", "Das Passwort darf höchstens %d Byte lang sein.", maxPasswordBytes)
	}
	return nil
}
