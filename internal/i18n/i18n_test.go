package i18n

import "testing"

func TestNegotiate(t *testing.T) {
	tests := []struct{ choice, header, want string }{
		{"", "", "de"},
		{"", "pl-PL,pl;q=0.9,en;q=0.8", "pl"},
		{"", "fr-FR, en;q=0.5, de;q=0.7", "de"},
		{"en", "pl", "en"},
		{"xx", "en-GB", "en"},
		{"", "fr", "de"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.choice, tt.header); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.choice, tt.header, got, tt.want)
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("pl", "nav.report"); got == "nav.report" || got == c.T("de", "nav.report") {
		t.Errorf("pl nav.report = %q, want a Polish text", got)
	}
	if got := c.T("de", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q", got)
	}
}
