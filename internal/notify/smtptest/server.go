// Package smtptest runs a real, minimal SMTP server in the test process, so
// that mail senders are tested over TCP against the protocol rather than
// against a fake interface.
//
// It speaks the subset of RFC 5321 that a submission client needs: the 220
// greeting, EHLO/HELO, AUTH PLAIN (any credentials are accepted; the user
// name is recorded), MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET,
// NOOP and QUIT. It advertises neither STARTTLS nor anything it does not
// implement, so clients must be configured without TLS.
package smtptest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// maxLine bounds one command or data line. RFC 5321 allows 1000
	// octets; the slack tolerates sloppy clients without unbounded memory.
	maxLine = 64 << 10
	// maxData bounds one message, so a broken client cannot exhaust memory.
	maxData = 32 << 20
	// idleTimeout ends a connection whose client went silent, so that a
	// hung client cannot keep Close waiting forever.
	idleTimeout = 30 * time.Second
)

// Received is one message accepted by the server.
type Received struct {
	From     string      // envelope sender (MAIL FROM), without angle brackets
	To       []string    // envelope recipients (RCPT TO), without angle brackets
	Data     []byte      // the message as transmitted after dot-unstuffing, CRLF line ends
	AuthUser string      // user name from AUTH PLAIN, empty without AUTH
	Header   mail.Header // parsed header fields (raw, not decoded); nil if unparsable
	Subject  string      // the Subject header, RFC 2047 encoded words decoded
	// Body is the first text/plain part with its transfer encoding
	// (quoted-printable or base64) removed and line ends normalised to "\n".
	Body string
	// ParseError says why Header, Subject or Body could not be filled in;
	// the server still accepts such a message, as a real relay would.
	ParseError string
}

// failure is a scripted reply for the next transactions (see FailNext).
type failure struct {
	code   int
	n      int
	atData bool
}

// Server is a running SMTP server. All methods are safe for concurrent use.
type Server struct {
	ln net.Listener

	mu       sync.Mutex
	msgs     []Received
	changed  chan struct{} // closed and replaced whenever msgs grows
	failures []failure
	conns    map[net.Conn]struct{}
	closed   bool

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// NewServer starts a server on 127.0.0.1 with a free port and closes it
// when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s, err := NewStandalone("127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("smtptest: close: %v", err)
		}
	})
	return s
}

// NewStandalone starts a server listening on addr (for example
// "127.0.0.1:0") without a testing.TB, for programs and tests that run a
// separate binary against it. The caller must call Close.
func NewStandalone(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{
		ln:      ln,
		changed: make(chan struct{}),
		conns:   make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr is the listening address, host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the listening IP address.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Messages returns a copy of the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitFor waits until at least n messages have arrived or timeout has
// passed, and returns the messages received by then. The caller checks the
// length: fewer than n means the timeout struck.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := slices.Clone(s.msgs)
			s.mu.Unlock()
			return msgs
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return s.Messages()
		}
	}
}

// FailNext makes the next n transactions fail with code (for example 451
// or 550) at their first RCPT TO. A rejected transaction counts once, however
// many recipients it has. code must be a 4xx or 5xx reply code.
func (s *Server) FailNext(code, n int) {
	s.addFailure(failure{code: code, n: n})
}

// FailNextData makes the next n transactions fail with code in the reply
// to the end of DATA, after the message text was transmitted, as a relay
// does when it rejects content.
func (s *Server) FailNextData(code, n int) {
	s.addFailure(failure{code: code, n: n, atData: true})
}

func (s *Server) addFailure(f failure) {
	if f.code < 400 || f.code > 599 {
		panic(fmt.Sprintf("smtptest: failure code %d is not a 4xx or 5xx reply", f.code))
	}
	if f.n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}

// takeFailure consumes one scripted failure for the given phase.
func (s *Server) takeFailure(atData bool) (code int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.failures {
		f := &s.failures[i]
		if f.atData != atData {
			continue
		}
		code = f.code
		f.n--
		if f.n == 0 {
			s.failures = slices.Delete(s.failures, i, i+1)
		}
		return code, true
	}
	return 0, false
}

// Close stops the listener, ends open connections and waits for their
// goroutines. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.closeErr = s.ln.Close()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s.closeErr
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient accept error (for example too many open
			// files) must not stop the server; back off briefly.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.handle(c)
		}()
	}
}

func (s *Server) store(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

// session is the state of one SMTP connection.
type session struct {
	s        *Server
	c        net.Conn
	r        *bufio.Reader
	w        *bufio.Writer
	greeted  bool
	authUser string
	inTx     bool // MAIL FROM accepted
	failCode int  // non-zero: this transaction was rejected by FailNext
	from     string
	rcpts    []string
}

func (s *Server) handle(c net.Conn) {
	ss := &session{s: s, c: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriter(c)}
	if !ss.reply(220, "127.0.0.1 rathaus smtptest ESMTP ready") {
		return
	}
	for {
		line, err := ss.readLine()
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				ss.reply(500, "5.5.2 line too long")
			}
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !ss.command(strings.ToUpper(verb), strings.TrimSpace(arg)) {
			return
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its line end; bare LF is tolerated.
func (ss *session) readLine() (string, error) {
	if err := ss.c.SetReadDeadline(time.Now().Add(idleTimeout)); err != nil {
		return "", err
	}
	var buf []byte
	for {
		chunk, err := ss.r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxLine {
			return "", errLineTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return "", err
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return string(buf), nil
	}
}

// reply writes one reply line; it reports whether the write succeeded.
func (ss *session) reply(code int, text string) bool {
	return ss.replyLines(code, text)
}

// replyLines writes a reply, one line per text (RFC 5321 section 4.2.1).
func (ss *session) replyLines(code int, lines ...string) bool {
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		fmt.Fprintf(ss.w, "%d%s%s\r\n", code, sep, l)
	}
	return ss.w.Flush() == nil
}

func (ss *session) reset() {
	ss.inTx, ss.failCode, ss.from, ss.rcpts = false, 0, "", nil
}

// command handles one command line; it reports whether the session goes on.
func (ss *session) command(verb, arg string) bool {
	switch verb {
	case "EHLO":
		if arg == "" {
			return ss.reply(501, "5.5.4 EHLO needs a domain")
		}
		ss.greeted = true
		ss.reset()
		return ss.replyLines(250, "127.0.0.1 greets "+arg, "8BITMIME", "ENHANCEDSTATUSCODES",
			"AUTH PLAIN", "SIZE "+strconv.Itoa(maxData))
	case "HELO":
		if arg == "" {
			return ss.reply(501, "5.5.4 HELO needs a domain")
		}
		ss.greeted = true
		ss.reset()
		return ss.reply(250, "127.0.0.1 greets "+arg)
	case "AUTH":
		return ss.auth(arg)
	case "MAIL":
		return ss.mail(arg)
	case "RCPT":
		return ss.rcpt(arg)
	case "DATA":
		return ss.data(arg)
	case "RSET":
		ss.reset()
		return ss.reply(250, "2.0.0 OK")
	case "NOOP":
		return ss.reply(250, "2.0.0 OK")
	case "QUIT":
		ss.reply(221, "2.0.0 bye")
		return false
	case "VRFY":
		return ss.reply(252, "2.5.0 cannot verify, but will accept")
	case "":
		return ss.reply(500, "5.5.2 empty command")
	}
	return ss.reply(502, "5.5.1 command not implemented")
}

func (ss *session) auth(arg string) bool {
	if !ss.greeted {
		return ss.reply(503, "5.5.1 EHLO first")
	}
	if ss.authUser != "" {
		return ss.reply(503, "5.5.1 already authenticated")
	}
	if ss.inTx {
		return ss.reply(503, "5.5.1 AUTH not allowed during a mail transaction")
	}
	mech, initial, _ := strings.Cut(arg, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		return ss.reply(504, "5.5.4 only AUTH PLAIN is supported")
	}
	if initial == "" {
		if !ss.reply(334, "") {
			return false
		}
		line, err := ss.readLine()
		if err != nil {
			return false
		}
		initial = line
	}
	if initial == "*" {
		return ss.reply(501, "5.0.0 authentication cancelled")
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return ss.reply(501, "5.5.2 cannot decode AUTH PLAIN response")
	}
	// authzid NUL authcid NUL passwd (RFC 4616)
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[1] == "" {
		return ss.reply(501, "5.5.2 malformed AUTH PLAIN response")
	}
	ss.authUser = parts[1]
	return ss.reply(235, "2.7.0 authentication succeeded")
}

// pathArg extracts the address from "FROM:<addr> params" or "TO:<addr>".
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

func (ss *session) mail(arg string) bool {
	if !ss.greeted {
		return ss.reply(503, "5.5.1 EHLO first")
	}
	if ss.inTx {
		return ss.reply(503, "5.5.1 nested MAIL command")
	}
	from, ok := pathArg(arg, "FROM:")
	if !ok {
		return ss.reply(501, "5.5.4 syntax: MAIL FROM:<address>")
	}
	ss.inTx, ss.from = true, from
	return ss.reply(250, "2.1.0 sender OK")
}

func (ss *session) rcpt(arg string) bool {
	if !ss.inTx {
		return ss.reply(503, "5.5.1 MAIL first")
	}
	to, ok := pathArg(arg, "TO:")
	if !ok || to == "" {
		return ss.reply(501, "5.5.4 syntax: RCPT TO:<address>")
	}
	if ss.failCode == 0 && len(ss.rcpts) == 0 {
		if code, fail := ss.s.takeFailure(false); fail {
			ss.failCode = code
		}
	}
	if ss.failCode != 0 {
		return ss.replyFailure(ss.failCode, "recipient <"+to+"> rejected")
	}
	ss.rcpts = append(ss.rcpts, to)
	return ss.reply(250, "2.1.5 recipient OK")
}

// replyFailure answers a scripted failure with a matching enhanced status
// code (RFC 3463), so clients see what a real relay would send.
func (ss *session) replyFailure(code int, what string) bool {
	return ss.reply(code, fmt.Sprintf("%d.0.0 %s (smtptest scripted failure)", code/100, what))
}

func (ss *session) data(arg string) bool {
	if arg != "" {
		return ss.reply(501, "5.5.4 DATA takes no arguments")
	}
	if !ss.inTx || len(ss.rcpts) == 0 {
		return ss.reply(503, "5.5.1 need MAIL and RCPT first")
	}
	if !ss.reply(354, "end data with <CR><LF>.<CR><LF>") {
		return false
	}
	var data bytes.Buffer
	tooBig := false
	for {
		line, err := ss.readLine()
		if err != nil {
			return false
		}
		if line == "." {
			break
		}
		// Dot-unstuffing (RFC 5321 section 4.5.2).
		line = strings.TrimPrefix(line, ".")
		if data.Len()+len(line)+2 > maxData {
			tooBig = true // keep reading to the end so the session stays in sync
			continue
		}
		data.WriteString(line)
		data.WriteString("\r\n")
	}
	from, rcpts := ss.from, ss.rcpts
	ss.reset()
	if tooBig {
		return ss.reply(552, "5.3.4 message too big")
	}
	if code, fail := ss.s.takeFailure(true); fail {
		return ss.replyFailure(code, "message rejected")
	}
	ss.s.store(parse(from, rcpts, ss.authUser, data.Bytes()))
	return ss.reply(250, "2.0.0 message accepted")
}
