package notify

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/notify/smtptest"
)

func newTestMailer(t *testing.T, srv *smtptest.Server, change func(*SMTPConfig)) *SMTPMailer {
	t.Helper()
	cfg := SMTPConfig{
		Host:    srv.Host(),
		Port:    srv.Port(),
		From:    "Stadt Musterstadt <noreply@musterstadt.example>",
		TLS:     TLSNone,
		Timeout: 5 * time.Second,
	}
	if change != nil {
		change(&cfg)
	}
	m, err := NewSMTPMailer(cfg)
	if err != nil {
		t.Fatalf("NewSMTPMailer: %v", err)
	}
	return m
}

func TestSMTPMailerSendsEveryKind(t *testing.T) {
	srv := smtptest.NewServer(t)
	mailer := newTestMailer(t, srv, nil)
	r := RequestMail{
		Jurisdiction: "Jägerböhl an der Süßach",
		Number:       "2026-000123",
		ServiceName:  "Straßenschäden",
		StatusURL:    "https://jaegerboehl.example/status/k7Qx?lang=de&x=1",
		Reply:        "Wir haben den Schaden geprüft und ausgebessert.\n.Zeile mit führendem Punkt\nGrüße vom Bauhof",
		Reason:       "erledigt",
	}
	const confirmURL = "https://jaegerboehl.example/confirm/Zt9"
	tests := []struct {
		msg      Message
		subject  string
		wantBody []string
	}{
		{AcceptedMail("anna@example.org", "de", r),
			"[Jägerböhl an der Süßach] Ihre Meldung 2026-000123 wurde angenommen",
			[]string{"2026-000123", "„Straßenschäden“", "zuständige", r.StatusURL + "\n", "Mit freundlichen Grüßen\nJägerböhl an der Süßach\n"}},
		{RepliedMail("ben@example.org", "de", r),
			"[Jägerböhl an der Süßach] Neue Antwort zu Ihrer Meldung 2026-000123",
			[]string{"2026-000123", r.Reply + "\n", r.StatusURL + "\n"}},
		{ClosedMail("carla@example.org", "pl", r),
			"[Jägerböhl an der Süßach] Twoje zgłoszenie 2026-000123 zostało zamknięte",
			[]string{"2026-000123", "Powód: erledigt\n", r.Reply, "ponownie otworzyć", r.StatusURL + "\n"}},
		{ConfirmAddressMail("dirk@example.org", "en", r, confirmURL),
			"[Jägerböhl an der Süßach] Please confirm your e-mail address",
			[]string{"2026-000123", confirmURL + "\n"}},
	}
	for i, tt := range tests {
		if err := mailer.Send(context.Background(), tt.msg); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		got := srv.WaitFor(i+1, 5*time.Second)
		if len(got) != i+1 {
			t.Fatalf("server has %d messages, want %d", len(got), i+1)
		}
		rcv := got[i]
		if rcv.ParseError != "" {
			t.Fatalf("server could not parse the mail: %s\n%s", rcv.ParseError, rcv.Data)
		}
		if rcv.From != "noreply@musterstadt.example" || len(rcv.To) != 1 || rcv.To[0] != tt.msg.To {
			t.Errorf("envelope %q -> %q, want noreply@musterstadt.example -> %s", rcv.From, rcv.To, tt.msg.To)
		}
		if rcv.Subject != tt.subject {
			t.Errorf("Subject = %q, want %q", rcv.Subject, tt.subject)
		}
		if rcv.Body != tt.msg.Text {
			t.Errorf("Body differs from the sent text:\n got %q\nwant %q", rcv.Body, tt.msg.Text)
		}
		for _, w := range tt.wantBody {
			if !strings.Contains(rcv.Body, w) {
				t.Errorf("Body lacks %q:\n%s", w, rcv.Body)
			}
		}
		h := rcv.Header
		if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != tt.msg.To {
			t.Errorf("To header %q, want %s", h.Get("To"), tt.msg.To)
		}
		if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "Stadt Musterstadt" {
			t.Errorf("From header %q: %v", h.Get("From"), err)
		}
		if got := h.Get("Auto-Submitted"); got != "auto-generated" {
			t.Errorf("Auto-Submitted = %q", got)
		}
		if got := h.Get("Content-Language"); got != tt.msg.Locale {
			t.Errorf("Content-Language = %q, want %q", got, tt.msg.Locale)
		}
		if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@musterstadt.example>") {
			t.Errorf("Message-ID = %q, want <...@musterstadt.example>", id)
		}
		if d, err := h.Date(); err != nil || time.Since(d) > time.Minute || time.Since(d) < -time.Minute {
			t.Errorf("Date = %q (%v), want about now", h.Get("Date"), err)
		}
		// No 8-bit bytes on the wire: umlauts travel encoded.
		for _, b := range rcv.Data {
			if b >= 0x80 {
				t.Errorf("raw message has 8-bit byte %#x", b)
				break
			}
		}
	}
	ids := map[string]bool{}
	for _, m := range srv.Messages() {
		ids[m.Header.Get("Message-ID")] = true
	}
	if len(ids) != len(tests) {
		t.Errorf("%d distinct Message-IDs for %d mails", len(ids), len(tests))
	}
}

func TestSMTPMailerAuth(t *testing.T) {
	srv := smtptest.NewServer(t)
	mailer := newTestMailer(t, srv, func(c *SMTPConfig) { c.Username, c.Password = "rathaus", "geheim" })
	if err := mailer.Send(context.Background(), validMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 || got[0].AuthUser != "rathaus" {
		t.Fatalf("messages %+v, want one sent as user rathaus", got)
	}
}

func TestSMTPMailerFailures(t *testing.T) {
	tests := []struct {
		name      string
		fail      func(*smtptest.Server)
		permanent bool
		code      string
	}{
		{"550 at RCPT", func(s *smtptest.Server) { s.FailNext(550, 1) }, true, "550"},
		{"451 at RCPT", func(s *smtptest.Server) { s.FailNext(451, 1) }, false, "451"},
		{"554 after DATA", func(s *smtptest.Server) { s.FailNextData(554, 1) }, true, "554"},
		{"452 after DATA", func(s *smtptest.Server) { s.FailNextData(452, 1) }, false, "452"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t)
			mailer := newTestMailer(t, srv, nil)
			tt.fail(srv)
			err := mailer.Send(context.Background(), validMessage())
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
			}
			if !strings.Contains(err.Error(), tt.code) {
				t.Errorf("error %q lacks the reply code %s", err, tt.code)
			}
			if strings.Contains(err.Error(), "anna@example.org") || !strings.Contains(err.Error(), "a***@example.org") {
				t.Errorf("error %q must name the recipient only masked", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server stored %d messages, want 0", n)
			}
			// The failure was scripted for one transaction: a retry works.
			if err := mailer.Send(context.Background(), validMessage()); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got := srv.WaitFor(1, 5*time.Second); len(got) != 1 {
				t.Errorf("after retry the server has %d messages, want 1", len(got))
			}
		})
	}
}

func TestSMTPMailerNetworkErrorIsTemporary(t *testing.T) {
	// A port that was just free: connection refused.
	srv, err := smtptest.NewStandalone("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port := srv.Host(), srv.Port()
	srv.Close()
	mailer, err := NewSMTPMailer(SMTPConfig{Host: host, Port: port, From: "noreply@musterstadt.example", TLS: TLSNone, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = mailer.Send(context.Background(), validMessage())
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true for a refused connection", err)
	}
}

func TestSMTPMailerRequiresStartTLS(t *testing.T) {
	// smtptest offers no STARTTLS, and the default mode must not fall
	// back to plain text.
	srv := smtptest.NewServer(t)
	mailer := newTestMailer(t, srv, func(c *SMTPConfig) { c.TLS = "" })
	err := mailer.Send(context.Background(), validMessage())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want an error about STARTTLS", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server stored %d messages without TLS", n)
	}
}

func TestSMTPMailerRefusesInvalidMessage(t *testing.T) {
	srv := smtptest.NewServer(t)
	mailer := newTestMailer(t, srv, nil)
	m := validMessage()
	m.Subject = "Hallo\r\nBcc: everyone@example.org"
	err := mailer.Send(context.Background(), m)
	if rathaus.KindOf(err) != rathaus.KindInvalid || !IsPermanent(err) {
		t.Errorf("Send = %v, want a permanent invalid error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

func TestSMTPMailerContext(t *testing.T) {
	srv := smtptest.NewServer(t)
	mailer := newTestMailer(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := mailer.Send(ctx, validMessage())
	if !errors.Is(err, context.Canceled) || IsPermanent(err) {
		t.Errorf("Send with cancelled context = %v, want temporary context.Canceled", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

func TestNewSMTPMailerConfig(t *testing.T) {
	good := SMTPConfig{Host: "smtp.example.org", From: "noreply@musterstadt.example"}
	tests := []struct {
		name      string
		change    func(*SMTPConfig)
		wantField string // empty: valid
	}{
		{"defaults", func(c *SMTPConfig) {}, ""},
		{"implicit TLS", func(c *SMTPConfig) { c.TLS = "tls"; c.Port = 465 }, ""},
		{"display name", func(c *SMTPConfig) { c.From = "Stadt Musterstadt <noreply@musterstadt.example>" }, ""},
		{"no host", func(c *SMTPConfig) { c.Host = "" }, "smtp host"},
		{"host with slash", func(c *SMTPConfig) { c.Host = "smtp://example.org" }, "smtp host"},
		{"port 0 is default, 70000 is not", func(c *SMTPConfig) { c.Port = 70000 }, "smtp port"},
		{"negative port", func(c *SMTPConfig) { c.Port = -1 }, "smtp port"},
		{"unknown TLS", func(c *SMTPConfig) { c.TLS = "ssl" }, "smtp tls"},
		{"empty from", func(c *SMTPConfig) { c.From = "" }, "smtp from"},
		{"bad from", func(c *SMTPConfig) { c.From = "noreply" }, "smtp from"},
		{"from with CRLF", func(c *SMTPConfig) { c.From = "a@example.org\r\nBcc: b@example.org" }, "smtp from"},
		{"password without user", func(c *SMTPConfig) { c.Password = "x" }, "smtp username"},
		{"negative timeout", func(c *SMTPConfig) { c.Timeout = -time.Second }, "smtp timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			m, err := NewSMTPMailer(cfg)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("NewSMTPMailer: %v", err)
				}
				if m.cfg.Port == 0 || m.cfg.Timeout != DefaultSMTPTimeout || m.cfg.TLS == "" {
					t.Errorf("defaults not applied: %+v", m.cfg)
				}
				return
			}
			e, ok := rathaus.AsError(err)
			if !ok || e.Kind != rathaus.KindInvalid || e.Field != tt.wantField {
				t.Errorf("NewSMTPMailer = %v, want invalid %s", err, tt.wantField)
			}
		})
	}

	m, err := NewSMTPMailer(SMTPConfig{Host: "smtp.example.org", From: "a@example.org", TLS: "tls"})
	if err != nil || m.cfg.Port != 465 {
		t.Errorf("implicit TLS default port = %v (%v), want 465", m.cfg.Port, err)
	}
}

func TestIsPermanentPlainErrors(t *testing.T) {
	if IsPermanent(nil) {
		t.Error("IsPermanent(nil) = true")
	}
	if IsPermanent(errors.New("550 looks like a reply but is not one")) {
		t.Error("IsPermanent of a plain error = true")
	}
	if IsPermanent(context.DeadlineExceeded) {
		t.Error("IsPermanent(DeadlineExceeded) = true")
	}
}

func TestSMTPMailerRelayRefusingServiceIsTemporary(t *testing.T) {
	// A relay that refuses the connection with 554 says nothing about the
	// message; the mail must wait, not be dropped.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("554 5.3.2 no service for you\r\n"))
			c.Close()
		}
	}()
	addr := ln.Addr().(*net.TCPAddr)
	mailer, err := NewSMTPMailer(SMTPConfig{Host: "127.0.0.1", Port: addr.Port, From: "noreply@musterstadt.example", TLS: TLSNone, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = mailer.Send(context.Background(), validMessage())
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("Send = %v, want the 554 greeting", err)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true for a connection-level refusal", err)
	}
}
