package notify

import (
	"strings"
	"testing"

	"github.com/rathaus/rathaus"
)

func validMessage() Message {
	return Message{To: "anna@example.org", Subject: "Ihre Meldung", Text: "Guten Tag\n", Locale: "de"}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		change    func(m *Message)
		wantField string // empty: valid
		wantKind  rathaus.Kind
	}{
		{"valid", func(m *Message) {}, "", 0},
		{"valid without locale", func(m *Message) { m.Locale = "" }, "", 0},
		{"valid region locale", func(m *Message) { m.Locale = "pl-PL" }, "", 0},
		{"valid umlaut subject", func(m *Message) { m.Subject = "Grüße: Straßenschäden in Köln" }, "", 0},
		{"empty to", func(m *Message) { m.To = "" }, "to", rathaus.KindInvalid},
		{"no at", func(m *Message) { m.To = "anna.example.org" }, "to", rathaus.KindInvalid},
		{"no domain", func(m *Message) { m.To = "anna@" }, "to", rathaus.KindInvalid},
		{"no local part", func(m *Message) { m.To = "@example.org" }, "to", rathaus.KindInvalid},
		{"space", func(m *Message) { m.To = "an na@example.org" }, "to", rathaus.KindInvalid},
		{"display name", func(m *Message) { m.To = "Anna <anna@example.org>" }, "to", rathaus.KindInvalid},
		{"two addresses", func(m *Message) { m.To = "anna@example.org, ben@example.org" }, "to", rathaus.KindInvalid},
		{"address literal", func(m *Message) { m.To = "anna@[192.0.2.1]" }, "to", rathaus.KindInvalid},
		{"CRLF in to", func(m *Message) { m.To = "anna@example.org\r\nBcc: all@example.org" }, "to", rathaus.KindInvalid},
		{"LF in to", func(m *Message) { m.To = "anna@example.org\nBcc: all@example.org" }, "to", rathaus.KindInvalid},
		{"long to", func(m *Message) { m.To = strings.Repeat("a", 250) + "@example.org" }, "to", rathaus.KindTooLarge},
		{"empty subject", func(m *Message) { m.Subject = " " }, "subject", rathaus.KindInvalid},
		{"CRLF in subject", func(m *Message) { m.Subject = "Hallo\r\nBcc: all@example.org" }, "subject", rathaus.KindInvalid},
		{"LF in subject", func(m *Message) { m.Subject = "Hallo\nX-Spam: no" }, "subject", rathaus.KindInvalid},
		{"NUL in subject", func(m *Message) { m.Subject = "Hallo\x00" }, "subject", rathaus.KindInvalid},
		{"bad UTF-8 subject", func(m *Message) { m.Subject = "Gr\xfc\xdfe" }, "subject", rathaus.KindInvalid},
		{"long subject", func(m *Message) { m.Subject = strings.Repeat("ä", 251) }, "subject", rathaus.KindTooLarge},
		{"empty text", func(m *Message) { m.Text = "\n\n" }, "text", rathaus.KindInvalid},
		{"bad UTF-8 text", func(m *Message) { m.Text = "Gr\xfc\xdfe" }, "text", rathaus.KindInvalid},
		{"huge text", func(m *Message) { m.Text = strings.Repeat("x", maxTextLen+1) }, "text", rathaus.KindTooLarge},
		{"bad locale", func(m *Message) { m.Locale = "de\r\nX: y" }, "locale", rathaus.KindInvalid},
		{"one-letter locale", func(m *Message) { m.Locale = "d" }, "locale", rathaus.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			tt.change(&m)
			err := m.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			e, ok := rathaus.AsError(err)
			if !ok {
				t.Fatalf("Validate() = %v, want a domain error on %s", err, tt.wantField)
			}
			if e.Field != tt.wantField || e.Kind != tt.wantKind {
				t.Errorf("Validate() = %s error on %q (%v), want %s on %q", e.Kind, e.Field, err, tt.wantKind, tt.wantField)
			}
			if strings.Contains(err.Error(), "anna@example.org") {
				t.Errorf("error %q contains the full address", err)
			}
			if !IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false; an invalid message never succeeds on retry", err)
			}
		})
	}
}

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"maria.muster@example.org", "m***@example.org"},
		{"m@example.org", "m***@example.org"},
		{"ärger@example.de", "ä***@example.de"},
		{"\"quoted@local\"@example.org", "***@example.org"},
		{"@example.org", "***@example.org"},
		{"no-address", "***"},
		{"", ""},
		{"a@exa\nmple.org", "a***@exa?mple.org"},
	}
	for _, tt := range tests {
		if got := MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMailLocale(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "de"}, {"de", "de"}, {"de-AT", "de"}, {"EN", "en"}, {"en-GB", "en"},
		{"pl_PL", "pl"}, {"fr", "de"}, {"  pl ", "pl"},
	}
	for _, tt := range tests {
		if got := mailLocale(tt.in); got != tt.want {
			t.Errorf("mailLocale(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
