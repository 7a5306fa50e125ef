package smtptest

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// conn is a raw SMTP client that checks every reply code.
type conn struct {
	t  *testing.T
	tp *textproto.Conn
}

func dial(t *testing.T, s *Server) *conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &conn{t: t, tp: textproto.NewConn(nc)}
	t.Cleanup(func() { c.tp.Close() })
	c.expect(220)
	return c
}

// expect reads a reply and fails unless it has the code; it returns the text.
func (c *conn) expect(code int) string {
	c.t.Helper()
	got, msg, err := c.tp.ReadResponse(0)
	if err != nil && got == 0 {
		c.t.Fatalf("read reply: %v", err)
	}
	if got != code {
		c.t.Fatalf("reply %d %q, want %d", got, msg, code)
	}
	return msg
}

func (c *conn) cmd(code int, format string, args ...any) string {
	c.t.Helper()
	if err := c.tp.PrintfLine(format, args...); err != nil {
		c.t.Fatalf("send %q: %v", format, err)
	}
	return c.expect(code)
}

func TestConversation(t *testing.T) {
	s := NewServer(t)
	c := dial(t, s)
	ehlo := c.cmd(250, "EHLO client.example")
	if !strings.Contains(ehlo, "AUTH PLAIN") || strings.Contains(ehlo, "STARTTLS") {
		t.Errorf("EHLO reply %q: want AUTH PLAIN and no STARTTLS", ehlo)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("\x00mailer\x00secret"))
	c.cmd(235, "AUTH PLAIN %s", auth)
	c.cmd(250, "NOOP")
	c.cmd(250, "MAIL FROM:<noreply@musterstadt.example> BODY=8BITMIME")
	c.cmd(250, "RCPT TO:<anna@example.org>")
	c.cmd(250, "RCPT TO:<ben@example.org>")
	c.cmd(354, "DATA")
	lines := []string{
		"From: noreply@musterstadt.example",
		"To: anna@example.org",
		"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?= =?UTF-8?q?_und_M=C3=A4hren?=",
		"Content-Type: text/plain; charset=UTF-8",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"Stra=C3=9Fe ist repariert, sch=C3=B6n. Eine sehr lange Zeile wird weich um=",
		"gebrochen.",
		"..dieser Punkt war verdoppelt",
		"...",
		".",
	}
	for _, l := range lines[:len(lines)-1] {
		c.tp.PrintfLine("%s", l)
	}
	c.cmd(250, ".")
	c.cmd(221, "QUIT")

	msgs := s.WaitFor(1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "noreply@musterstadt.example" {
		t.Errorf("From = %q", m.From)
	}
	if strings.Join(m.To, ",") != "anna@example.org,ben@example.org" {
		t.Errorf("To = %q", m.To)
	}
	if m.AuthUser != "mailer" {
		t.Errorf("AuthUser = %q, want mailer", m.AuthUser)
	}
	if m.Subject != "Grüße aus Köln und Mähren" {
		t.Errorf("Subject = %q", m.Subject)
	}
	wantBody := "Straße ist repariert, schön. Eine sehr lange Zeile wird weich umgebrochen.\n.dieser Punkt war verdoppelt\n..\n"
	if m.Body != wantBody {
		t.Errorf("Body = %q, want %q", m.Body, wantBody)
	}
	if !strings.Contains(string(m.Data), "\r\n.dieser Punkt") || strings.Contains(string(m.Data), "..dieser") {
		t.Errorf("Data not dot-unstuffed: %q", m.Data)
	}
	if m.ParseError != "" {
		t.Errorf("ParseError = %q", m.ParseError)
	}
}

func TestCommandOrder(t *testing.T) {
	s := NewServer(t)
	c := dial(t, s)
	c.cmd(503, "MAIL FROM:<a@example.org>") // before EHLO
	c.cmd(250, "HELO client.example")
	c.cmd(503, "RCPT TO:<b@example.org>") // before MAIL
	c.cmd(503, "DATA")                    // before MAIL
	c.cmd(501, "MAIL FROM:a@example.org") // no angle brackets
	c.cmd(250, "MAIL FROM:<a@example.org>")
	c.cmd(503, "MAIL FROM:<a@example.org>") // nested
	c.cmd(503, "DATA")                      // no recipient yet
	c.cmd(250, "RCPT TO:<b@example.org>")
	c.cmd(250, "RSET")
	c.cmd(503, "DATA") // RSET ended the transaction
	c.cmd(502, "TURN")
	c.cmd(504, "AUTH LOGIN")
	c.cmd(221, "QUIT")
	if n := len(s.Messages()); n != 0 {
		t.Errorf("got %d messages, want 0", n)
	}
}

func TestFailNext(t *testing.T) {
	s := NewServer(t)
	s.FailNext(550, 2)
	s.FailNextData(451, 1)
	c := dial(t, s)
	c.cmd(250, "EHLO client.example")

	// Two transactions rejected at RCPT; every RCPT of a rejected
	// transaction gets the code, but it counts once.
	for range 2 {
		c.cmd(250, "MAIL FROM:<a@example.org>")
		if msg := c.cmd(550, "RCPT TO:<b@example.org>"); !strings.HasPrefix(msg, "5.0.0 ") {
			t.Errorf("550 reply text %q lacks enhanced status 5.0.0", msg)
		}
		c.cmd(550, "RCPT TO:<c@example.org>")
		c.cmd(250, "RSET")
	}
	// The third is rejected after the data.
	send := func(wantFinal int) {
		c.cmd(250, "MAIL FROM:<a@example.org>")
		c.cmd(250, "RCPT TO:<b@example.org>")
		c.cmd(354, "DATA")
		c.tp.PrintfLine("Subject: x")
		c.tp.PrintfLine("")
		c.tp.PrintfLine("hallo")
		c.cmd(wantFinal, ".")
	}
	send(451)
	send(250)
	msgs := s.WaitFor(1, 5*time.Second)
	if len(msgs) != 1 || msgs[0].Body != "hallo\n" {
		t.Fatalf("messages = %+v, want one with body hallo", msgs)
	}
}

func TestConcurrentClients(t *testing.T) {
	s := NewServer(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf("Subject: Nr. %d\r\n\r\nText %d\r\n", i, i)
			errs <- smtp.SendMail(s.Addr(), nil, "a@example.org", []string{fmt.Sprintf("r%d@example.org", i)}, []byte(body))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("SendMail: %v", err)
		}
	}
	msgs := s.WaitFor(n, 5*time.Second)
	if len(msgs) != n {
		t.Fatalf("got %d messages, want %d", len(msgs), n)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.Subject] = true
		if want := "Text " + strings.TrimPrefix(m.Subject, "Nr. ") + "\n"; m.Body != want {
			t.Errorf("message %q body = %q, want %q", m.Subject, m.Body, want)
		}
	}
	if len(seen) != n {
		t.Errorf("distinct subjects = %d, want %d", len(seen), n)
	}
}

func TestWaitForTimesOut(t *testing.T) {
	s := NewServer(t)
	start := time.Now()
	if msgs := s.WaitFor(1, 50*time.Millisecond); len(msgs) != 0 {
		t.Errorf("WaitFor returned %d messages from an idle server", len(msgs))
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Errorf("WaitFor returned after %v, want about 50ms", d)
	}
}

func TestStandaloneClose(t *testing.T) {
	s, err := NewStandalone("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.Host() != "127.0.0.1" || s.Port() == 0 || s.Addr() != fmt.Sprintf("127.0.0.1:%d", s.Port()) {
		t.Errorf("Host/Port/Addr = %s %d %s", s.Host(), s.Port(), s.Addr())
	}
	// An open, idle connection must not keep Close waiting.
	idle, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	done := make(chan error)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on an idle connection")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("dial after Close succeeded")
	}
}

func TestParseBodies(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("Grüße aus Łódź\r\nzweite Zeile"))
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "plain without content type",
			data: "Subject: a\r\n\r\nhallo\r\n",
			want: "hallo\n",
		},
		{
			name: "base64 with line breaks",
			data: "Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				b64[:20] + "\r\n" + b64[20:] + "\r\n",
			want: "Grüße aus Łódź\nzweite Zeile",
		},
		{
			name: "multipart alternative, text part second",
			data: "Subject: a\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=XYZ\r\n\r\n" +
				"--XYZ\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n" +
				"--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nText =C3=A4\r\n" +
				"--XYZ--\r\n",
			want: "Text ä",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parse("a@example.org", []string{"b@example.org"}, "", []byte(tt.data))
			if r.ParseError != "" {
				t.Fatalf("ParseError = %q", r.ParseError)
			}
			if r.Body != tt.want {
				t.Errorf("Body = %q, want %q", r.Body, tt.want)
			}
		})
	}

	r := parse("a@example.org", nil, "", []byte("Subject: a\r\nContent-Type: image/png\r\n\r\nxx"))
	if r.ParseError == "" || r.Subject != "a" {
		t.Errorf("image body: ParseError = %q, Subject = %q; want an error and the subject", r.ParseError, r.Subject)
	}
}
