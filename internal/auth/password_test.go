package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/rathaus/rathaus"
)

// knownHash was computed with the reference implementation (the argon2
// command of the Debian package argon2, 0~20171227):
//
//	echo -n "correct horse battery staple" | argon2 rathaus-salt-16b -id -t 2 -k 19456 -p 1 -l 32 -e
const (
	knownPassword = "correct horse battery staple"
	knownSalt     = "rathaus-salt-16b"
	knownHash     = "$argon2id$v=19$m=19456,t=2,p=1$cmF0aGF1cy1zYWx0LTE2Yg$VQyHMze8w2LBvEDNuz2CyV5Lj5QFleVdFf1HDRSsWm4"
)

func TestHashPasswordKnownVector(t *testing.T) {
	got := hashWithSalt(knownPassword, []byte(knownSalt), current)
	if got != knownHash {
		t.Fatalf("hashWithSalt = %s\nwant            %s", got, knownHash)
	}
	ok, err := VerifyPassword(knownHash, knownPassword)
	if err != nil || !ok {
		t.Fatalf("VerifyPassword(knownHash, knownPassword) = %v, %v; want true, nil", ok, err)
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	const pw = "Gänseblümchen am Rathausplatz"
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the current parameters", h1)
	}
	parts := strings.Split(h1, "$")
	// 16 bytes of salt and 32 bytes of key in unpadded base64.
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("hash %q: want salt of 22 and key of 43 base64 characters", h1)
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Errorf("two hashes of the same password are equal (%s): salt not random", h1)
	}
	for _, h := range []string{h1, h2} {
		ok, err := VerifyPassword(h, pw)
		if err != nil || !ok {
			t.Errorf("VerifyPassword(%s, pw) = %v, %v; want true, nil", h, ok, err)
		}
	}
	if NeedsRehash(h1) {
		t.Errorf("NeedsRehash(fresh hash) = true")
	}
}

func TestVerifyPasswordWrong(t *testing.T) {
	for _, pw := range []string{
		"",
		"correct horse battery stapl",
		"correct horse battery staple ",
		"Correct horse battery staple",
	} {
		ok, err := VerifyPassword(knownHash, pw)
		if err != nil || ok {
			t.Errorf("VerifyPassword(knownHash, %q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

func TestVerifyPasswordTampered(t *testing.T) {
	// Changing a cost parameter or the salt (keeping the hash well-formed)
	// must change the derived key, so the right password no longer matches.
	tampered := []string{
		strings.Replace(knownHash, "t=2", "t=3", 1),
		strings.Replace(knownHash, "m=19456", "m=19457", 1),
		strings.Replace(knownHash, "p=1", "p=2", 1),
		strings.Replace(knownHash, "cmF0aGF1cy1zYWx0LTE2Yg", "cmF0aGF1cy1zYWx0LTE2Zw", 1),
		strings.Replace(knownHash, "$VQyH", "$VQyI", 1),
	}
	for _, h := range tampered {
		if h == knownHash {
			t.Fatalf("replacement did not apply")
		}
		ok, err := VerifyPassword(h, knownPassword)
		if err != nil || ok {
			t.Errorf("VerifyPassword(%s) = %v, %v; want false, nil", h, ok, err)
		}
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	const salt, key = "cmF0aGF1cy1zYWx0LTE2Yg", "VQyHMze8w2LBvEDNuz2CyV5Lj5QFleVdFf1HDRSsWm4"
	tests := []struct {
		name, hash string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"missing field", "$argon2id$v=19$m=19456,t=2,p=1$" + key},
		{"extra field", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$"},
		{"leading text", "x$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"params reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key},
		{"param missing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key},
		{"param not a number", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key},
		{"negative param", "$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key},
		{"memory over 1 GiB", "$argon2id$v=19$m=1048577,t=2,p=1$" + salt + "$" + key},
		{"memory overflow", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key},
		{"memory too small", "$argon2id$v=19$m=7,t=2,p=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"huge time", "$argon2id$v=19$m=19456,t=100000,p=1$" + salt + "$" + key},
		{"zero parallelism", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"parallelism over 255", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{"salt not base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + key},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$YWJj$" + key},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$YWJjZGVm"},
		{"empty key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword(tt.hash, knownPassword)
			if ok || !errors.Is(err, errMalformed) {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, errMalformed", tt.hash, ok, err)
			}
			if !NeedsRehash(tt.hash) {
				t.Errorf("NeedsRehash(%q) = false, want true", tt.hash)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	salt := []byte(knownSalt)
	tests := []struct {
		name string
		p    argonParams
		want bool
	}{
		{"current", current, false},
		{"less memory", argonParams{memory: 8 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"more memory", argonParams{memory: 46 * 1024, time: 1, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"one pass", argonParams{memory: 19 * 1024, time: 1, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"two lanes", argonParams{memory: 19 * 1024, time: 2, threads: 2, saltLen: 16, keyLen: 32}, true},
		{"short key", argonParams{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 16}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hashWithSalt(knownPassword, salt[:tt.p.saltLen], tt.p)
			if got := NeedsRehash(h); got != tt.want {
				t.Errorf("NeedsRehash(%s) = %v, want %v", h, got, tt.want)
			}
			// Old parameters must still verify: that is what makes
			// raising them later possible.
			if ok, err := VerifyPassword(h, knownPassword); err != nil || !ok {
				t.Errorf("VerifyPassword(%s) = %v, %v; want true, nil", h, ok, err)
			}
		})
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"11 characters", "abcdefghijk", false},
		{"12 characters", "abcdefghijkl", true},
		// 11 characters but 14 bytes: length counts characters.
		{"11 characters with umlauts", "äöüabcdefgh", false},
		{"12 characters with umlauts", "äöüabcdefghi", true},
		{"256 bytes", strings.Repeat("a", 256), true},
		{"257 bytes", strings.Repeat("a", 257), false},
		{"200 characters, 400 bytes", strings.Repeat("ß", 200), false},
		{"invalid UTF-8", "abcdefghijkl\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPasswordPolicy(tt.pw)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckPasswordPolicy = %v, want nil", err)
				}
				return
			}
			e, ok := rathaus.AsError(err)
			if !ok || e.Kind != rathaus.KindInvalid || e.Field != "password" {
				t.Errorf("CheckPasswordPolicy = %#v, want an Invalid error on field password", err)
			}
		})
	}
}
