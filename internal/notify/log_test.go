package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/rathaus/rathaus"
)

func TestLogMailer(t *testing.T) {
	var buf bytes.Buffer
	mailer := NewLogMailer(slog.New(slog.NewJSONHandler(&buf, nil)))
	m := RepliedMail("maria.muster@example.org", "de", RequestMail{
		Jurisdiction: "Musterstadt", Number: "2026-000123",
		StatusURL: "https://musterstadt.example/status/k7Qx", Reply: "Geheime Antwort an Frau Muster",
	})
	if err := mailer.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	out := buf.String()
	for _, secret := range []string{"maria.muster", "Geheime Antwort", "k7Qx"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
	var line struct {
		Msg       string `json:"msg"`
		To        string `json:"to"`
		Subject   string `json:"subject"`
		Locale    string `json:"locale"`
		TextChars int    `json:"text_chars"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log is not one JSON line: %v\n%s", err, out)
	}
	if line.To != "m***@example.org" {
		t.Errorf("to = %q, want m***@example.org", line.To)
	}
	if line.Subject != "[Musterstadt] Neue Antwort zu Ihrer Meldung 2026-000123" || line.Locale != "de" {
		t.Errorf("subject, locale = %q, %q", line.Subject, line.Locale)
	}
	if want := len([]rune(m.Text)); line.TextChars != want {
		t.Errorf("text_chars = %d, want %d", line.TextChars, want)
	}

	buf.Reset()
	bad := m
	bad.To = "maria.muster@example.org\r\nBcc: x@example.org"
	err := mailer.Send(context.Background(), bad)
	if rathaus.KindOf(err) != rathaus.KindInvalid {
		t.Errorf("Send with header injection = %v, want invalid", err)
	}
	if buf.Len() != 0 {
		t.Errorf("invalid mail was logged: %s", buf.String())
	}
}

// The senders implement Mailer.
var (
	_ Mailer = (*SMTPMailer)(nil)
	_ Mailer = (*LogMailer)(nil)
)
