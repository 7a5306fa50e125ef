package notify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/rathaus/rathaus"
)

// TLS modes of SMTPConfig.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS; refuses servers without it
	TLSImplicit = "tls"      // TLS from the first byte ("SMTPS", usually port 465)
	TLSNone     = "none"     // no encryption; only for a relay on localhost or in tests
)

// DefaultSMTPTimeout is the connection timeout when SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures an SMTPMailer.
type SMTPConfig struct {
	Host     string
	Port     int    // 1-65535; 0 means 587 for starttls and none, 465 for tls
	Username string // empty: no SMTP AUTH
	Password string
	From     string        // "noreply@musterstadt.de" or "Stadt Musterstadt <noreply@musterstadt.de>"
	TLS      string        // "starttls" (default), "tls" or "none"
	Timeout  time.Duration // dialling, and each step of the conversation; 0 means DefaultSMTPTimeout
}

// SMTPMailer sends mail through an SMTP relay (submission server).
//
// Each Send opens its own connection, sends one message and quits. That
// costs a handshake per mail, which notification volumes can afford, and
// buys robustness: no pooled connection that the relay silently dropped,
// no state shared between goroutines, and a failure affects one message.
type SMTPMailer struct {
	cfg      SMTPConfig
	from     *mail.Address
	msgIDDom string // domain part of Message-IDs
	opts     []gomail.Option
}

// NewSMTPMailer checks cfg and returns a mailer. It does not connect.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.Host == "" {
		return nil, rathaus.Invalidf("smtp host", "SMTP host is empty")
	}
	if strings.ContainsAny(cfg.Host, " /\r\n") {
		return nil, rathaus.Invalidf("smtp host", "SMTP host %q is not a host name", cfg.Host)
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == TLSImplicit {
			cfg.Port = 465
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, rathaus.Invalidf("smtp port", "SMTP port %d is outside 1-65535", cfg.Port)
	}
	if cfg.Timeout < 0 {
		return nil, rathaus.Invalidf("smtp timeout", "SMTP timeout %v is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, rathaus.Invalidf("smtp username", "SMTP password is set but the user name is empty")
	}
	if strings.ContainsAny(cfg.From, "\r\n") {
		return nil, rathaus.Invalidf("smtp from", "sender address contains a line break")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, rathaus.Invalidf("smtp from", "sender address %q is not valid: %v", cfg.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")

	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithoutNoop(), // a fresh connection needs no liveness check
	}
	switch cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, rathaus.Invalidf("smtp tls", "SMTP TLS mode %q is not one of starttls, tls, none", cfg.TLS)
	}
	if cfg.Username != "" {
		// Take the strongest mechanism the server offers. go-mail's PLAIN
		// and LOGIN refuse to send a password over an unencrypted
		// connection to anything but localhost, so TLS "none" with a
		// remote relay fails instead of leaking the password.
		opts = append(opts,
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password),
			gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256PLUS, gomail.SMTPAuthSCRAMSHA256,
				gomail.SMTPAuthSCRAMSHA1PLUS, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin,
			))
	}
	// Build one client now so that option errors surface at start-up, not
	// at the first mail.
	if _, err := gomail.NewClient(cfg.Host, opts...); err != nil {
		return nil, fmt.Errorf("notify: smtp client for %s: %w", cfg.Host, err)
	}
	return &SMTPMailer{cfg: cfg, from: from, msgIDDom: domain, opts: opts}, nil
}

// Send delivers m. ctx cancels dialling; once connected, the configured
// timeout, shortened to ctx's deadline if that comes first, bounds the
// conversation. The error names the recipient only in masked form, and
// IsPermanent classifies it.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("notify: send mail: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("notify: send mail to %s: %w", MaskEmail(m.To), err)
	}
	msg, err := s.build(m)
	if err != nil {
		return fmt.Errorf("notify: build mail to %s: %w", MaskEmail(m.To), err)
	}
	timeout := s.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
		if timeout <= 0 {
			return fmt.Errorf("notify: send mail to %s: %w", MaskEmail(m.To), context.DeadlineExceeded)
		}
	}
	opts := append(s.opts[:len(s.opts):len(s.opts)], gomail.WithTimeout(timeout))
	// A client per Send: go-mail's Client keeps per-connection state (the
	// negotiated auth mechanism), so sharing one between goroutines races.
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return &sendError{to: m.To, err: err}
	}
	return nil
}

func (s *SMTPMailer) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	// The Message-ID carries the sender's domain, not this host's name,
	// which may be an internal container id.
	msg.SetMessageIDWithValue(rand.Text() + "@" + s.msgIDDom)
	msg.SetDate()
	// RFC 3834: tells autoresponders (holiday replies) not to answer.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	// The same for Microsoft Exchange, which ignores Auto-Submitted.
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if m.Locale != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Locale)
	}
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(m.Text, "\r\n", "\n"))
	return msg, nil
}

// sendError wraps a delivery failure. Its message has the recipient
// address masked, because go-mail and relays echo it ("550 5.1.1
// <anna@example.org>: user unknown") and errors end up in logs.
type sendError struct {
	to  string
	err error
}

func (e *sendError) Error() string {
	masked := MaskEmail(e.to)
	// Relays may change the case of the address they echo.
	addr := regexp.MustCompile("(?i)" + regexp.QuoteMeta(e.to))
	return "notify: send mail to " + masked + ": " + addr.ReplaceAllLiteralString(e.err.Error(), masked)
}

func (e *sendError) Unwrap() error { return e.err }

// IsPermanent reports whether err is a failure that a retry cannot fix:
// an SMTP 5xx reply within the mail transaction (sender or recipient
// refused, content rejected) or a message that is invalid in itself.
// Everything else is temporary, so the outbox worker retries it: 4xx
// replies, network errors, timeouts, and also 5xx replies while setting
// up the connection (greeting, EHLO, AUTH). Those concern the relay or
// this installation's configuration, not the message, and mail should
// wait for the operator's fix instead of being dropped.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if k := rathaus.KindOf(err); k == rathaus.KindInvalid || k == rathaus.KindTooLarge {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code <= 599
	}
	return false
}
