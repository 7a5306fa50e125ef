package notify

import (
	"context"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// LogMailer is the Mailer of development mode (--dev): it validates the
// message like SMTPMailer and logs that it would have been sent, but sends
// nothing. The log line has the subject, a masked recipient and the text
// length; never the full address or the text, which hold personal data.
type LogMailer struct {
	log *slog.Logger
}

// NewLogMailer returns a LogMailer that writes to log.
func NewLogMailer(log *slog.Logger) *LogMailer {
	return &LogMailer{log: log}
}

// Send validates m and logs it.
func (l *LogMailer) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("notify: send mail: %w", err)
	}
	l.log.InfoContext(ctx, "mail not sent (development mode)",
		slog.String("to", MaskEmail(m.To)),
		slog.String("subject", m.Subject),
		slog.String("locale", m.Locale),
		slog.Int("text_chars", utf8.RuneCountInString(m.Text)),
	)
	return nil
}
