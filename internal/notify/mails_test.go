package notify

import (
	"strings"
	"testing"
)

var testRequest = RequestMail{
	Jurisdiction: "Musterstadt",
	Number:       "2026-000123",
	ServiceName:  "Schlagloch",
	StatusURL:    "https://musterstadt.example/status/k7Qx",
	Reply:        "Die Straße wurde ausgebessert.\r\nVielen Dank für Ihren Hinweis!",
	Reason:       "erledigt",
}

// TestAcceptedMailGerman pins the whole German text, the original that the
// translations follow.
func TestAcceptedMailGerman(t *testing.T) {
	m := AcceptedMail("anna@example.org", "", testRequest)
	want := Message{
		To:      "anna@example.org",
		Subject: "[Musterstadt] Ihre Meldung 2026-000123 wurde angenommen",
		Locale:  "de",
		Text: `Guten Tag,

vielen Dank für Ihre Meldung („Schlagloch“). Wir haben sie unter der Nummer 2026-000123 angenommen und an die zuständige Stelle weitergegeben.

Den Bearbeitungsstand können Sie jederzeit hier verfolgen:
https://musterstadt.example/status/k7Qx

Mit freundlichen Grüßen
Musterstadt

Diese Nachricht wurde automatisch erstellt. Bitte antworten Sie nicht auf diese E-Mail.
`,
	}
	if m != want {
		t.Errorf("AcceptedMail =\n%#v\nwant\n%#v", m, want)
	}
}

// TestEveryMailRenders executes every kind of mail in every locale, which
// is what guarantees that compose never panics.
func TestEveryMailRenders(t *testing.T) {
	const confirmURL = "https://musterstadt.example/confirm/Zt9"
	kinds := []struct {
		name string
		mail func(locale string) Message
		want []string // in the text, whatever the locale
	}{
		{"received", func(l string) Message { return ReceivedMail("anna@example.org", l, testRequest) },
			[]string{"2026-000123", "Schlagloch", testRequest.StatusURL}},
		{"accepted", func(l string) Message { return AcceptedMail("anna@example.org", l, testRequest) },
			[]string{"2026-000123", "Schlagloch", testRequest.StatusURL}},
		{"replied", func(l string) Message { return RepliedMail("anna@example.org", l, testRequest) },
			[]string{"2026-000123", "Die Straße wurde ausgebessert.\nVielen Dank für Ihren Hinweis!\n", testRequest.StatusURL}},
		{"closed", func(l string) Message { return ClosedMail("anna@example.org", l, testRequest) },
			[]string{"2026-000123", ": erledigt\n", "Vielen Dank für Ihren Hinweis!", testRequest.StatusURL + "\n"}},
		{"confirm", func(l string) Message {
			return ConfirmAddressMail("anna@example.org", l, testRequest, confirmURL)
		}, []string{"2026-000123", confirmURL + "\n"}},
	}
	locales := []struct {
		locale   string
		subjects map[string]string
		greeting string
	}{
		{"de", map[string]string{
			"received": "[Musterstadt] Ihre Meldung 2026-000123 ist eingegangen",
			"accepted": "[Musterstadt] Ihre Meldung 2026-000123 wurde angenommen",
			"replied":  "[Musterstadt] Neue Antwort zu Ihrer Meldung 2026-000123",
			"closed":   "[Musterstadt] Ihre Meldung 2026-000123 wurde abgeschlossen",
			"confirm":  "[Musterstadt] Bitte bestätigen Sie Ihre E-Mail-Adresse",
		}, "Guten Tag,\n"},
		{"en", map[string]string{
			"received": "[Musterstadt] Your report 2026-000123 has been received",
			"accepted": "[Musterstadt] Your report 2026-000123 has been accepted",
			"replied":  "[Musterstadt] New reply to your report 2026-000123",
			"closed":   "[Musterstadt] Your report 2026-000123 has been closed",
			"confirm":  "[Musterstadt] Please confirm your e-mail address",
		}, "Hello,\n"},
		{"pl", map[string]string{
			"received": "[Musterstadt] Twoje zgłoszenie 2026-000123 zostało zarejestrowane",
			"accepted": "[Musterstadt] Twoje zgłoszenie 2026-000123 zostało przyjęte",
			"replied":  "[Musterstadt] Nowa odpowiedź w sprawie zgłoszenia 2026-000123",
			"closed":   "[Musterstadt] Twoje zgłoszenie 2026-000123 zostało zamknięte",
			"confirm":  "[Musterstadt] Potwierdź swój adres e-mail",
		}, "Dzień dobry,\n"},
	}
	for _, loc := range locales {
		for _, k := range kinds {
			t.Run(loc.locale+"/"+k.name, func(t *testing.T) {
				m := k.mail(loc.locale)
				if err := m.Validate(); err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if m.Locale != loc.locale || m.To != "anna@example.org" {
					t.Errorf("Locale, To = %q, %q", m.Locale, m.To)
				}
				if m.Subject != loc.subjects[k.name] {
					t.Errorf("Subject = %q, want %q", m.Subject, loc.subjects[k.name])
				}
				if !strings.HasPrefix(m.Text, loc.greeting) {
					t.Errorf("text does not start with %q:\n%s", loc.greeting, m.Text)
				}
				for _, w := range k.want {
					if !strings.Contains(m.Text, w) {
						t.Errorf("text lacks %q:\n%s", w, m.Text)
					}
				}
				for _, bad := range []string{"<no value>", "{{", "\r", "\n\n\n", " \n"} {
					if strings.Contains(m.Text, bad) {
						t.Errorf("text contains %q:\n%s", bad, m.Text)
					}
				}
				if !strings.HasSuffix(m.Text, ".\n") {
					t.Errorf("text does not end with the footer sentence:\n%q", m.Text)
				}
			})
		}
	}
}

func TestMailOptionalFields(t *testing.T) {
	// Without jurisdiction, service name, reason or number the mails
	// still read well: no empty brackets, no dangling labels.
	m := ClosedMail("anna@example.org", "de", RequestMail{Number: "2026-000001", StatusURL: "https://x.example/s/1"})
	if m.Subject != "Ihre Meldung 2026-000001 wurde abgeschlossen" {
		t.Errorf("Subject = %q", m.Subject)
	}
	for _, bad := range []string{"()", "„“", "Grund:", "[]"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("text contains %q:\n%s", bad, m.Text)
		}
	}
	if !strings.Contains(m.Text, "Ihre Verwaltung\n") {
		t.Errorf("text lacks the fallback signature:\n%s", m.Text)
	}

	c := ConfirmAddressMail("anna@example.org", "en", RequestMail{}, "https://x.example/c/1")
	if !strings.Contains(c.Text, "this e-mail address was given with a report.") {
		t.Errorf("confirm text without number:\n%s", c.Text)
	}
}

func TestMailSubjectStaysOneLine(t *testing.T) {
	// A line break in a configured name must not reach the header.
	m := AcceptedMail("anna@example.org", "de", RequestMail{Jurisdiction: "Muster\r\nBcc: all@example.org", Number: "1"})
	if m.Subject != "[Muster Bcc: all@example.org] Ihre Meldung 1 wurde angenommen" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
