package notify

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"unicode"
)

// RequestMail is what the citizen mails say about a request (Vorgang).
type RequestMail struct {
	Jurisdiction string // "Musterstadt"; the subject prefix and the signature
	Number       string // "2026-000123"
	ServiceName  string // "Schlagloch", optional
	StatusURL    string // public status page of the request
	Reply        string // public reply of the department (RepliedMail, ClosedMail)
	Reason       string // why the request was closed (ClosedMail), optional
	// Ratings are the one-click survey links for the scores 1 to 5
	// (ClosedMail), optional.
	Ratings []Rating
}

// Rating is one survey link: following it records the score.
type Rating struct {
	Score int
	URL   string
}

// mailData is the template data: the request plus per-mail extras.
type mailData struct {
	RequestMail
	ConfirmURL string
}

// AcceptedMail tells the citizen that the request was accepted, with its
// number and status page.
func AcceptedMail(to, locale string, r RequestMail) Message {
	return compose("accepted", to, locale, mailData{RequestMail: r})
}

// ReceivedMail confirms that a request arrived, with its number and status
// page, before anyone has looked at it.
func ReceivedMail(to, locale string, r RequestMail) Message {
	return compose("received", to, locale, mailData{RequestMail: r})
}

// RepliedMail carries a public reply of the department to the citizen.
func RepliedMail(to, locale string, r RequestMail) Message {
	return compose("replied", to, locale, mailData{RequestMail: r})
}

// ClosedMail tells the citizen that the request was closed, with the
// closing message and the status page where they can reopen or rate it.
func ClosedMail(to, locale string, r RequestMail) Message {
	return compose("closed", to, locale, mailData{RequestMail: r})
}

// ConfirmAddressMail asks the citizen to confirm the address given with a
// request before further mails go there (double opt-in).
func ConfirmAddressMail(to, locale string, r RequestMail, confirmURL string) Message {
	return compose("confirm", to, locale, mailData{RequestMail: r, ConfirmURL: confirmURL})
}

// defaultLocale is the language of a mail whose locale is unknown.
const defaultLocale = "de"

// mailTemplates holds one template set per locale, parsed once. Each set
// defines "<kind>.subject" and "<kind>.body" for every kind of mail.
var mailTemplates = map[string]*template.Template{
	"de": template.Must(template.New("de").Parse(textsDE)),
	"en": template.Must(template.New("en").Parse(textsEN)),
	"pl": template.Must(template.New("pl").Parse(textsPL)),
}

// mailLocale maps "de", "de-AT", "PL_pl", "" and the like to a locale that
// has texts, falling back to German.
func mailLocale(locale string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	lang, _, _ = strings.Cut(lang, "_")
	if _, ok := mailTemplates[lang]; ok {
		return lang
	}
	return defaultLocale
}

// compose renders one mail. The templates are constants, parsed at start-up,
// and the data is a struct of strings, so execution can fail only through
// a defect in a template; TestEveryMailRenders executes every kind in every
// locale. Such a defect panics, like template.Must, rather than letting the
// outbox deliver a broken mail.
func compose(kind, to, locale string, data mailData) Message {
	lang := mailLocale(locale)
	subject, body, err := render(mailTemplates[lang], kind, data)
	if err != nil {
		panic(fmt.Errorf("notify: %s mail in %s: %w", kind, lang, err))
	}
	return Message{To: to, Subject: subject, Text: body, Locale: lang}
}

func render(t *template.Template, kind string, data mailData) (subject, body string, err error) {
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, kind+".subject", data); err != nil {
		return "", "", fmt.Errorf("render subject: %w", err)
	}
	subject = oneLine(b.String())
	b.Reset()
	if err := t.ExecuteTemplate(&b, kind+".body", data); err != nil {
		return "", "", fmt.Errorf("render body: %w", err)
	}
	return subject, tidy(b.String()), nil
}

// oneLine folds a rendered subject into one line: a line break in a
// jurisdiction or service name must neither break the mail header nor make
// the mail unsendable.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidy normalises a rendered body, so that templates can be written for
// readability: "\n" line ends, no trailing blanks, at most one empty line
// in a row, exactly one final line end.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.Trim(s, "\n") + "\n"
}

// The texts. German is the original; English and Polish follow it. The
// citizen is addressed formally ("Sie"); Polish uses "Ty", as gov.pl does.

const textsDE = `
{{define "prefix"}}{{with .Jurisdiction}}[{{.}}] {{end}}{{end}}
{{define "service"}}{{with .ServiceName}} („{{.}}“){{end}}{{end}}
{{define "signature"}}
Mit freundlichen Grüßen
{{or .Jurisdiction "Ihre Verwaltung"}}

Diese Nachricht wurde automatisch erstellt. Bitte antworten Sie nicht auf diese E-Mail.
{{end}}

{{define "received.subject"}}{{template "prefix" .}}Ihre Meldung {{.Number}} ist eingegangen{{end}}
{{define "received.body"}}
Guten Tag,

vielen Dank für Ihre Meldung{{template "service" .}}. Sie ist unter der Nummer {{.Number}} bei uns eingegangen und wird geprüft.
{{with .StatusURL}}
Den Bearbeitungsstand können Sie jederzeit hier verfolgen:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "accepted.subject"}}{{template "prefix" .}}Ihre Meldung {{.Number}} wurde angenommen{{end}}
{{define "accepted.body"}}
Guten Tag,

vielen Dank für Ihre Meldung{{template "service" .}}. Wir haben sie unter der Nummer {{.Number}} angenommen und an die zuständige Stelle weitergegeben.
{{with .StatusURL}}
Den Bearbeitungsstand können Sie jederzeit hier verfolgen:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "replied.subject"}}{{template "prefix" .}}Neue Antwort zu Ihrer Meldung {{.Number}}{{end}}
{{define "replied.body"}}
Guten Tag,

zu Ihrer Meldung {{.Number}}{{template "service" .}} gibt es eine neue Antwort:

{{.Reply}}
{{with .StatusURL}}
Den ganzen Verlauf finden Sie hier:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "closed.subject"}}{{template "prefix" .}}Ihre Meldung {{.Number}} wurde abgeschlossen{{end}}
{{define "closed.body"}}
Guten Tag,

Ihre Meldung {{.Number}}{{template "service" .}} wurde abgeschlossen.
{{with .Reason}}
Grund: {{.}}
{{end}}
{{with .Reply}}
{{.}}
{{end}}
{{with .StatusURL}}
Ist Ihr Anliegen noch nicht erledigt, können Sie die Meldung hier wieder öffnen. Dort können Sie auch bewerten, wie zufrieden Sie mit der Bearbeitung sind:
{{.}}
{{end}}{{with .Ratings}}
Wie zufrieden sind Sie mit der Bearbeitung? Ein Klick genügt (1 = gar nicht, 5 = sehr):
{{range .}}{{.Score}}: {{.URL}}
{{end}}{{end}}
{{template "signature" .}}
{{end}}

{{define "confirm.subject"}}{{template "prefix" .}}Bitte bestätigen Sie Ihre E-Mail-Adresse{{end}}
{{define "confirm.body"}}
Guten Tag,

diese E-Mail-Adresse wurde {{if .Number}}bei der Meldung {{.Number}}{{template "service" .}}{{else}}bei einer Meldung{{end}} angegeben. Bitte bestätigen Sie sie über diesen Link, damit wir Sie über den Fortgang informieren können:
{{.ConfirmURL}}

Wenn Sie keine Meldung abgegeben haben, können Sie diese E-Mail einfach ignorieren.
{{template "signature" .}}
{{end}}
`

const textsEN = `
{{define "prefix"}}{{with .Jurisdiction}}[{{.}}] {{end}}{{end}}
{{define "service"}}{{with .ServiceName}} (“{{.}}”){{end}}{{end}}
{{define "signature"}}
Kind regards
{{or .Jurisdiction "Your town hall"}}

This message was sent automatically. Please do not reply to this e-mail.
{{end}}

{{define "received.subject"}}{{template "prefix" .}}Your report {{.Number}} has been received{{end}}
{{define "received.body"}}
Hello,

thank you for your report{{template "service" .}}. We have received it under the number {{.Number}} and will look at it soon.
{{with .StatusURL}}
You can follow its progress at any time here:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "accepted.subject"}}{{template "prefix" .}}Your report {{.Number}} has been accepted{{end}}
{{define "accepted.body"}}
Hello,

thank you for your report{{template "service" .}}. We have accepted it under the number {{.Number}} and passed it on to the responsible department.
{{with .StatusURL}}
You can follow its progress at any time here:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "replied.subject"}}{{template "prefix" .}}New reply to your report {{.Number}}{{end}}
{{define "replied.body"}}
Hello,

there is a new reply to your report {{.Number}}{{template "service" .}}:

{{.Reply}}
{{with .StatusURL}}
You can find the full history here:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "closed.subject"}}{{template "prefix" .}}Your report {{.Number}} has been closed{{end}}
{{define "closed.body"}}
Hello,

your report {{.Number}}{{template "service" .}} has been closed.
{{with .Reason}}
Reason: {{.}}
{{end}}
{{with .Reply}}
{{.}}
{{end}}
{{with .StatusURL}}
If your concern has not been resolved, you can reopen the report here. You can also rate how satisfied you are with how it was handled:
{{.}}
{{end}}
{{with .Ratings}}
How satisfied are you with how we handled it? One click is enough (1 = not at all, 5 = very):
{{range .}}{{.Score}}: {{.URL}}
{{end}}{{end}}{{template "signature" .}}
{{end}}

{{define "confirm.subject"}}{{template "prefix" .}}Please confirm your e-mail address{{end}}
{{define "confirm.body"}}
Hello,

this e-mail address was given {{if .Number}}with the report {{.Number}}{{template "service" .}}{{else}}with a report{{end}}. Please confirm it with this link so that we can keep you informed about its progress:
{{.ConfirmURL}}

If you did not submit a report, you can simply ignore this e-mail.
{{template "signature" .}}
{{end}}
`

const textsPL = `
{{define "prefix"}}{{with .Jurisdiction}}[{{.}}] {{end}}{{end}}
{{define "service"}}{{with .ServiceName}} („{{.}}”){{end}}{{end}}
{{define "signature"}}
Z poważaniem
{{or .Jurisdiction "Twój urząd"}}

Ta wiadomość została wysłana automatycznie. Prosimy na nią nie odpowiadać.
{{end}}

{{define "received.subject"}}{{template "prefix" .}}Twoje zgłoszenie {{.Number}} zostało zarejestrowane{{end}}
{{define "received.body"}}
Dzień dobry,

dziękujemy za zgłoszenie{{template "service" .}}. Zarejestrowaliśmy je pod numerem {{.Number}} i wkrótce się nim zajmiemy.
{{with .StatusURL}}
Stan sprawy możesz w każdej chwili sprawdzić tutaj:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "accepted.subject"}}{{template "prefix" .}}Twoje zgłoszenie {{.Number}} zostało przyjęte{{end}}
{{define "accepted.body"}}
Dzień dobry,

dziękujemy za zgłoszenie{{template "service" .}}. Przyjęliśmy je pod numerem {{.Number}} i przekazaliśmy do właściwej jednostki.
{{with .StatusURL}}
Stan sprawy możesz w każdej chwili sprawdzić tutaj:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "replied.subject"}}{{template "prefix" .}}Nowa odpowiedź w sprawie zgłoszenia {{.Number}}{{end}}
{{define "replied.body"}}
Dzień dobry,

w sprawie Twojego zgłoszenia {{.Number}}{{template "service" .}} pojawiła się nowa odpowiedź:

{{.Reply}}
{{with .StatusURL}}
Pełną historię sprawy znajdziesz tutaj:
{{.}}
{{end}}
{{template "signature" .}}
{{end}}

{{define "closed.subject"}}{{template "prefix" .}}Twoje zgłoszenie {{.Number}} zostało zamknięte{{end}}
{{define "closed.body"}}
Dzień dobry,

Twoje zgłoszenie {{.Number}}{{template "service" .}} zostało zamknięte.
{{with .Reason}}
Powód: {{.}}
{{end}}
{{with .Reply}}
{{.}}
{{end}}
{{with .StatusURL}}
Jeśli sprawa nie została załatwiona, możesz tutaj ponownie otworzyć zgłoszenie. Możesz tam też ocenić sposób jego załatwienia:
{{.}}
{{end}}
{{with .Ratings}}
Jak oceniasz załatwienie sprawy? Wystarczy jedno kliknięcie (1 = źle, 5 = bardzo dobrze):
{{range .}}{{.Score}}: {{.URL}}
{{end}}{{end}}{{template "signature" .}}
{{end}}

{{define "confirm.subject"}}{{template "prefix" .}}Potwierdź swój adres e-mail{{end}}
{{define "confirm.body"}}
Dzień dobry,

ten adres e-mail został podany {{if .Number}}przy zgłoszeniu {{.Number}}{{template "service" .}}{{else}}przy zgłoszeniu{{end}}. Potwierdź go, klikając poniższy link, abyśmy mogli informować Cię o postępach:
{{.ConfirmURL}}

Jeśli ta wiadomość trafiła do Ciebie przez pomyłkę, po prostu ją zignoruj.
{{template "signature" .}}
{{end}}
`
