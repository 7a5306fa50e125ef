package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// isBase64URL reports whether s uses only the unpadded base64url alphabet.
func isBase64URL(s string) bool {
	for _, c := range s {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

func TestNewToken(t *testing.T) {
	seen := make(map[string]bool, 1000)
	for range 1000 {
		tok := NewToken()
		if len(tok) != 43 {
			t.Fatalf("NewToken() = %q: %d characters, want 43", tok, len(tok))
		}
		if !isBase64URL(tok) {
			t.Fatalf("NewToken() = %q: not unpadded base64url", tok)
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Fatalf("NewToken() = %q decodes to %d bytes (%v), want 32", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatalf("NewToken() returned %q twice", tok)
		}
		seen[tok] = true
	}
}

func TestNewAPIKey(t *testing.T) {
	seenKeys := make(map[string]bool, 1000)
	seenPrefixes := make(map[string]bool, 1000)
	for range 1000 {
		key, prefix := NewAPIKey()
		if len(key) != 35 || !strings.HasPrefix(key, "rh_") {
			t.Fatalf("NewAPIKey() key = %q, want rh_ and 32 characters", key)
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(key[3:])
		if err != nil || len(raw) != 24 || !isBase64URL(key[3:]) {
			t.Fatalf("NewAPIKey() key = %q: body decodes to %d bytes (%v), want 24", key, len(raw), err)
		}
		if len(prefix) != 10 || prefix != key[:10] {
			t.Fatalf("NewAPIKey() prefix = %q, want the first 10 characters of %q", prefix, key)
		}
		if seenKeys[key] {
			t.Fatalf("NewAPIKey() returned %q twice", key)
		}
		seenKeys[key] = true
		seenPrefixes[prefix] = true
	}
	// Seven random base64 characters are 42 bits: among 1000 keys a
	// collision has a probability of about 1e-7.
	if len(seenPrefixes) != 1000 {
		t.Errorf("1000 API keys have only %d distinct prefixes", len(seenPrefixes))
	}
}

func TestHashToken(t *testing.T) {
	// SHA-256("abc") from FIPS 180-2, appendix B.1.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := HashToken("abc"); got != want {
		t.Errorf("HashToken(abc) = %s, want %s", got, want)
	}
	tok := NewToken()
	sum := sha256.Sum256([]byte(tok))
	if got := HashToken(tok); got != hex.EncodeToString(sum[:]) || got == HashToken(NewToken()) {
		t.Errorf("HashToken(%q) = %s", tok, got)
	}
}

func TestSecureCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"rh_abcdef", "rh_abcdef", true},
		{"rh_abcdef", "rh_abcdeg", false},
		{"rh_abcdef", "rh_abcde", false},
		{"rh_abcde", "rh_abcdef", false},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := SecureCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("SecureCompare(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
