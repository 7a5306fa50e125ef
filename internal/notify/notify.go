// Package notify sends notifications to citizens and staff: plain-text
// e-mail over SMTP (SMTPMailer), a logging stand-in for development
// (LogMailer), and the German-first texts of the citizen mails
// (AcceptedMail, RepliedMail, ClosedMail, ConfirmAddressMail).
//
// Senders sit behind the small Mailer interface so that the outbox worker
// does not care how a message leaves the system; IsPermanent tells it
// whether a failure is worth retrying.
package notify

import (
	"context"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
)

// Limits of a Message. The subject limit keeps the encoded header within
// what every relay accepts; the text limit is far above any notification
// and stops a runaway template or reply from producing a huge mail.
const (
	maxAddressLen = 254 // RFC 5321 path limit minus the angle brackets
	maxSubjectLen = 250 // runes
	maxTextLen    = 256 << 10
)

// Message is one plain-text mail to one recipient.
type Message struct {
	To      string // bare address, "anna@example.org"; no display name
	Subject string
	Text    string // UTF-8 plain text, "\n" line ends
	Locale  string // language of the text ("de", "en", "pl"); sent as Content-Language
}

// Validate reports whether m can be sent. It refuses CR, LF and other
// control characters in To and Subject, because those end up in mail
// headers where a line break would let an attacker add headers or
// recipients.
func (m Message) Validate() error {
	if err := validateAddress(m.To); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return rathaus.Invalidf("subject", "subject is empty")
	}
	if !utf8.ValidString(m.Subject) || strings.IndexFunc(m.Subject, unicode.IsControl) >= 0 {
		return rathaus.Invalidf("subject", "subject contains a line break or control character")
	}
	if n := utf8.RuneCountInString(m.Subject); n > maxSubjectLen {
		return rathaus.TooLargef("subject", "subject has %d characters, at most %d are allowed", n, maxSubjectLen)
	}
	if strings.TrimSpace(m.Text) == "" {
		return rathaus.Invalidf("text", "text is empty")
	}
	if !utf8.ValidString(m.Text) {
		return rathaus.Invalidf("text", "text is not valid UTF-8")
	}
	if len(m.Text) > maxTextLen {
		return rathaus.TooLargef("text", "text has %d bytes, at most %d are allowed", len(m.Text), maxTextLen)
	}
	if m.Locale != "" && !validLocale(m.Locale) {
		return rathaus.Invalidf("locale", "locale %q is not a language tag", m.Locale)
	}
	return nil
}

func validateAddress(addr string) error {
	if addr == "" {
		return rathaus.Invalidf("to", "recipient address is empty")
	}
	if strings.IndexFunc(addr, unicode.IsControl) >= 0 {
		return rathaus.Invalidf("to", "recipient address contains a line break or control character")
	}
	if len(addr) > maxAddressLen {
		return rathaus.TooLargef("to", "recipient address is longer than %d characters", maxAddressLen)
	}
	a, err := mail.ParseAddress(addr)
	// Only a bare addr-spec is accepted: a display name or comment would
	// be copied into the header, and nothing in rathaus needs one.
	if err != nil || a.Name != "" || a.Address != addr {
		return rathaus.Invalidf("to", "recipient %s is not a valid e-mail address", MaskEmail(addr))
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	if local == "" || domain == "" || strings.HasPrefix(domain, "[") {
		// Address literals ("user@[192.0.2.1]") are legal but only
		// ever seen in abuse; citizens have domain addresses.
		return rathaus.Invalidf("to", "recipient %s is not a valid e-mail address", MaskEmail(addr))
	}
	return nil
}

// validLocale accepts a BCP 47 shaped tag: a 2-8 letter language and
// optional alphanumeric subtags ("de", "de-DE", "pl-PL").
func validLocale(s string) bool {
	if len(s) > 35 {
		return false
	}
	for i, part := range strings.Split(s, "-") {
		if len(part) == 0 || len(part) > 8 || (i == 0 && len(part) < 2) {
			return false
		}
		for _, r := range part {
			isLetter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
			if !isLetter && (i == 0 || r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}

// Mailer sends one message. Implementations must be safe for concurrent
// use. An error for which IsPermanent is false may succeed on a retry.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// MaskEmail hides the local part of an address but its first character,
// so that logs can tell mails apart without holding personal data:
// "maria.muster@example.org" becomes "m***@example.org". Input without
// an "@" is masked entirely.
func MaskEmail(addr string) string {
	if addr == "" {
		return ""
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "***"
	}
	local, domain := addr[:at], addr[at+1:]
	// The domain is kept, but it must not smuggle a line break into a log.
	domain = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, domain)
	r, size := utf8.DecodeRuneInString(local)
	if size == 0 || r == utf8.RuneError || unicode.IsControl(r) || r == '"' || r == '<' {
		return "***@" + domain
	}
	return string(r) + "***@" + domain
}
