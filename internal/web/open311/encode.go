package open311

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// A request list of a thousand entries is the largest document Open311
// serves, and encoding/json and encoding/xml spend most of its time in
// reflection. The append functions below write the same bytes as those
// packages do for requestList (json.Encoder with its default HTML
// escaping, xml.Encoder without indentation); encode_test.go compares them
// on random and hostile input. Documents with extended_attributes are rare
// and go through the reflecting encoders.

// appendRequestsJSON appends the JSON array of rs and a newline, as
// json.Encoder.Encode writes it. It reports false if an entry has extended
// attributes, which it does not encode.
func appendRequestsJSON(b []byte, rs []request) ([]byte, bool) {
	b = append(b, '[')
	for i := range rs {
		r := &rs[i]
		if r.Extended != nil {
			return b, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRequestJSON(b, r)
	}
	return append(b, ']', '\n'), true
}

// appendRequestJSON appends one entry of a request list without extended
// attributes as a JSON object.
func appendRequestJSON(b []byte, r *request) []byte {
	b = append(b, `{"service_request_id":`...)
	b = appendJSONString(b, r.ServiceRequestID)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.Status)
	b = append(b, `,"status_notes":`...)
	b = appendJSONString(b, r.StatusNotes)
	b = append(b, `,"service_name":`...)
	b = appendJSONString(b, r.ServiceName)
	b = append(b, `,"service_code":`...)
	b = appendJSONString(b, r.ServiceCode)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, r.Description)
	b = append(b, `,"agency_responsible":`...)
	b = appendJSONString(b, r.AgencyResponsible)
	b = append(b, `,"service_notice":`...)
	b = appendJSONString(b, r.ServiceNotice)
	b = append(b, `,"requested_datetime":`...)
	b = appendJSONString(b, r.RequestedDatetime)
	b = append(b, `,"updated_datetime":`...)
	b = appendJSONString(b, r.UpdatedDatetime)
	if r.ExpectedDatetime != "" {
		b = append(b, `,"expected_datetime":`...)
		b = appendJSONString(b, r.ExpectedDatetime)
	}
	b = append(b, `,"address":`...)
	b = appendJSONString(b, r.Address)
	b = append(b, `,"address_id":`...)
	b = appendJSONString(b, r.AddressID)
	b = append(b, `,"zipcode":`...)
	b = appendJSONString(b, r.Zipcode)
	if r.Lat != nil {
		b = append(b, `,"lat":`...)
		b = appendJSONFloat(b, *r.Lat)
	}
	if r.Long != nil {
		b = append(b, `,"long":`...)
		b = appendJSONFloat(b, *r.Long)
	}
	b = append(b, `,"media_url":`...)
	b = appendJSONString(b, r.MediaURL)
	return append(b, '}')
}

// appendRequestsXML appends the service_requests element of rs, as
// xml.Encoder.Encode writes it (no declaration, no trailing newline). It
// reports false if an entry has extended attributes.
func appendRequestsXML(b []byte, rs []request) ([]byte, bool) {
	b = append(b, "<service_requests>"...)
	for i := range rs {
		r := &rs[i]
		if r.Extended != nil {
			return b, false
		}
		b = appendRequestXML(b, r)
	}
	return append(b, "</service_requests>"...), true
}

// appendRequestXML appends one request element without extended
// attributes.
func appendRequestXML(b []byte, r *request) []byte {
	b = append(b, "<request>"...)
	b = appendXMLElem(b, "service_request_id", r.ServiceRequestID)
	b = appendXMLElem(b, "status", r.Status)
	b = appendXMLElem(b, "status_notes", r.StatusNotes)
	b = appendXMLElem(b, "service_name", r.ServiceName)
	b = appendXMLElem(b, "service_code", r.ServiceCode)
	b = appendXMLElem(b, "description", r.Description)
	b = appendXMLElem(b, "agency_responsible", r.AgencyResponsible)
	b = appendXMLElem(b, "service_notice", r.ServiceNotice)
	b = appendXMLElem(b, "requested_datetime", r.RequestedDatetime)
	b = appendXMLElem(b, "updated_datetime", r.UpdatedDatetime)
	if r.ExpectedDatetime != "" {
		b = appendXMLElem(b, "expected_datetime", r.ExpectedDatetime)
	}
	b = appendXMLElem(b, "address", r.Address)
	b = appendXMLElem(b, "address_id", r.AddressID)
	b = appendXMLElem(b, "zipcode", r.Zipcode)
	if r.Lat != nil {
		b = append(b, "<lat>"...)
		b = strconv.AppendFloat(b, *r.Lat, 'g', -1, 64)
		b = append(b, "</lat>"...)
	}
	if r.Long != nil {
		b = append(b, "<long>"...)
		b = strconv.AppendFloat(b, *r.Long, 'g', -1, 64)
		b = append(b, "</long>"...)
	}
	b = appendXMLElem(b, "media_url", r.MediaURL)
	return append(b, "</request>"...)
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json writes unescaped when it
// escapes HTML: printable characters except the quote, the backslash and
// <, >, &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string with encoding/json's
// escapes: the short forms for \b \f \n \r \t, \u00XX for other control
// characters and <, >, &, \ufffd for invalid UTF-8, and \u2028, \u2029,
// which JavaScript does not allow in string literals.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest decimal, in exponent form only for very small or large values
// and then without a leading zero in the exponent.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendXMLElem appends <name>s</name> with s escaped as xml.EscapeText
// escapes character data.
func appendXMLElem(b []byte, name, s string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendXMLText(b, s)
	b = append(b, '<', '/')
	b = append(b, name...)
	return append(b, '>')
}

// appendXMLText escapes like encoding/xml: the five markup characters,
// tab and line ends as character references, and U+FFFD for invalid
// UTF-8 and characters XML 1.0 does not allow.
func appendXMLText(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := rune(c), 1
		if c >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(s[i:])
		}
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			i += width
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		i += width
		start = i
	}
	return append(b, s[start:]...)
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
