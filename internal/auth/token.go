package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// APIKeyPrefix starts every API key, so that a leaked key is easy to
// recognise (by people and by secret scanners) and easy to tell apart
// from a session token.
const APIKeyPrefix = "rh_"

// apiKeyShownLen is how many leading characters of an API key admin
// lists show: "rh_" plus seven characters, enough to tell keys apart,
// far too few to use one.
const apiKeyShownLen = 10

// NewToken returns a fresh random token (32 bytes from crypto/rand,
// unpadded base64url: 43 characters) for sessions, e-mail confirmation
// links and the like.
func NewToken() string {
	return randomString(32)
}

// HashToken returns the hex SHA-256 of tok, which is what the database
// stores instead of the token. A fast hash is enough here, unlike for
// passwords: tokens carry 192 or more bits of entropy, so there is nothing
// to guess and a slow hash would only slow down every request.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// NewAPIKey returns a new API key ("rh_" and 24 random bytes in unpadded
// base64url: 35 characters) and its prefix, the first 10 characters,
// which may be stored in the clear and shown in admin lists. Store the key
// itself only as HashToken(key).
func NewAPIKey() (key, prefix string) {
	key = APIKeyPrefix + randomString(24)
	return key, key[:apiKeyShownLen]
}

// SecureCompare reports whether a and b are equal, in time that depends on
// their lengths but not on their contents.
func SecureCompare(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// randomString returns n random bytes in unpadded base64url.
func randomString(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error since Go 1.24: it crashes
	// the program instead when the system's generator fails.
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
