package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// parse fills in a Received from the raw message. A message that cannot be
// parsed is still recorded, with ParseError set, because a relay accepts
// it too and the test should see what was sent.
func parse(from string, rcpts []string, authUser string, data []byte) Received {
	r := Received{From: from, To: rcpts, Data: data, AuthUser: authUser}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		r.ParseError = fmt.Sprintf("header: %v", err)
		return r
	}
	r.Header = msg.Header
	dec := mime.WordDecoder{}
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		r.ParseError = fmt.Sprintf("subject: %v", err)
		return r
	}
	body, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		r.ParseError = fmt.Sprintf("body: %v", err)
		return r
	}
	r.Body = strings.ReplaceAll(body, "\r\n", "\n")
	return r
}

// textPart returns the decoded first text/plain part of an entity, walking
// into multipart entities. A missing Content-Type means text/plain (RFC 2045).
func textPart(contentType, transferEncoding string, body io.Reader) (string, error) {
	mediaType := "text/plain"
	var params map[string]string
	if contentType != "" {
		var err error
		mediaType, params, err = mime.ParseMediaType(contentType)
		if err != nil {
			return "", fmt.Errorf("content type %q: %w", contentType, err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: NextPart would silently decode
			// quoted-printable, and this code decodes it itself.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return "", fmt.Errorf("no text/plain part in %s", mediaType)
			}
			if err != nil {
				return "", fmt.Errorf("multipart: %w", err)
			}
			text, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", fmt.Errorf("media type %s is not text/plain", mediaType)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return "", fmt.Errorf("charset %s is not supported", cs)
	}
	var r io.Reader
	switch enc := strings.ToLower(strings.TrimSpace(transferEncoding)); enc {
	case "", "7bit", "8bit", "binary":
		r = body
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		// The base64 decoder skips \r and \n, the line breaks of the encoding.
		r = base64.NewDecoder(base64.StdEncoding, body)
	default:
		return "", fmt.Errorf("transfer encoding %q is not supported", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("decode %s: %w", transferEncoding, err)
	}
	return string(b), nil
}
