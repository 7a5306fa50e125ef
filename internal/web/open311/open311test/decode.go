package open311test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
	"testing"
	"time"
)

// text is an opaque scalar. GeoReport v2 lets JSON carry identifiers as
// strings or as numbers (service_request_id is "638344" in the spec but a
// number in some servers), so both decode to the same value.
type text string

func (s *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = text(v)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a scalar, got %.40s", b)
	default:
		*s = text(b)
	}
	return nil
}

// list is a JSON array or, in XML, an element whose children (of any name)
// are the items: <values><value>...</value></values>. The spec fixes the
// child names only for some lists, so the suite does not insist on them.
type list[T any] []T

func (l *list[T]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			var v T
			if err := d.DecodeElement(&v, &tok); err != nil {
				return err
			}
			*l = append(*l, v)
		case xml.EndElement:
			return nil
		}
	}
}

// strList is a list of strings: a JSON array of strings, or in XML either
// a wrapper element with one child per string or the element repeated with
// the string as its text (<media_urls>a</media_urls><media_urls>b</media_urls>).
type strList []string

func (l *strList) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var chars strings.Builder
	children := false
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			chars.Write(tok)
		case xml.StartElement:
			children = true
			var v string
			if err := d.DecodeElement(&v, &tok); err != nil {
				return err
			}
			*l = append(*l, strings.TrimSpace(v))
		case xml.EndElement:
			if s := strings.TrimSpace(chars.String()); !children && s != "" {
				*l = append(*l, s)
			}
			return nil
		}
	}
}

type errorItem struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type discovery struct {
	Changeset  string            `json:"changeset" xml:"changeset"`
	Contact    string            `json:"contact" xml:"contact"`
	KeyService string            `json:"key_service" xml:"key_service"`
	Endpoints  list[endpointDef] `json:"endpoints" xml:"endpoints"`
}

type endpointDef struct {
	Specification string  `json:"specification" xml:"specification"`
	URL           string  `json:"url" xml:"url"`
	Changeset     string  `json:"changeset" xml:"changeset"`
	Type          string  `json:"type" xml:"type"`
	Formats       strList `json:"formats" xml:"formats"`
}

type service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    text   `json:"keywords" xml:"keywords"`
	Group       text   `json:"group" xml:"group"`
}

type serviceDefinition struct {
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  list[attribute] `json:"attributes" xml:"attributes"`
}

type attribute struct {
	Variable            bool           `json:"variable" xml:"variable"`
	Code                string         `json:"code" xml:"code"`
	Datatype            string         `json:"datatype" xml:"datatype"`
	Required            bool           `json:"required" xml:"required"`
	DatatypeDescription text           `json:"datatype_description" xml:"datatype_description"`
	Order               int            `json:"order" xml:"order"`
	Description         string         `json:"description" xml:"description"`
	Values              list[valueDef] `json:"values" xml:"values"`
}

type valueDef struct {
	Key  text `json:"key" xml:"key"`
	Name text `json:"name" xml:"name"`
}

// request is the union of the POST answer, the token answer and the GET
// request representation; each check reads the fields its endpoint owes.
type request struct {
	ServiceRequestID  text      `json:"service_request_id" xml:"service_request_id"`
	Token             text      `json:"token" xml:"token"`
	AccountID         text      `json:"account_id" xml:"account_id"`
	Status            string    `json:"status" xml:"status"`
	StatusNotes       string    `json:"status_notes" xml:"status_notes"`
	ServiceName       string    `json:"service_name" xml:"service_name"`
	ServiceCode       string    `json:"service_code" xml:"service_code"`
	Description       string    `json:"description" xml:"description"`
	AgencyResponsible string    `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string    `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string    `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string    `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string    `json:"expected_datetime" xml:"expected_datetime"`
	Address           string    `json:"address" xml:"address"`
	AddressID         text      `json:"address_id" xml:"address_id"`
	Zipcode           text      `json:"zipcode" xml:"zipcode"`
	Lat               *float64  `json:"lat" xml:"lat"`
	Long              *float64  `json:"long" xml:"long"`
	MediaURL          string    `json:"media_url" xml:"media_url"`
	Extended          *extended `json:"extended_attributes" xml:"extended_attributes"`
}

type extended struct {
	DetailedStatus string             `json:"detailed_status" xml:"detailed_status"`
	StatusHistory  list[historyEntry] `json:"status_history" xml:"status_history"`
	MediaURLs      strList            `json:"media_urls" xml:"media_urls"`
}

type historyEntry struct {
	Status          string `json:"status" xml:"status"`
	DetailedStatus  string `json:"detailed_status" xml:"detailed_status"`
	UpdatedDatetime string `json:"updated_datetime" xml:"updated_datetime"`
	Description     string `json:"description" xml:"description"`
}

type requestUpdate struct {
	UpdateID         text   `json:"update_id" xml:"update_id"`
	ServiceRequestID text   `json:"service_request_id" xml:"service_request_id"`
	Status           string `json:"status" xml:"status"`
	UpdatedDatetime  string `json:"updated_datetime" xml:"updated_datetime"`
	Description      string `json:"description" xml:"description"`
	MediaURL         string `json:"media_url" xml:"media_url"`
}

// checkStatus fails unless r has one of the wanted status codes.
func checkStatus(t *testing.T, r *response, want ...int) bool {
	t.Helper()
	if !slices.Contains(want, r.status) {
		t.Errorf("%s\nstatus %d, want one of %v", r, r.status, want)
		return false
	}
	return true
}

// checkContentType checks the media type and charset that GeoReport v2
// requires for format.
func checkContentType(t *testing.T, r *response, format string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		t.Errorf("%s\nContent-Type: %v", r, err)
		return
	}
	switch format {
	case "xml":
		if mt != "application/xml" && mt != "text/xml" {
			t.Errorf("%s\nContent-Type %q, want application/xml or text/xml", r, mt)
		}
		if cs := params["charset"]; !strings.EqualFold(cs, "utf-8") {
			t.Errorf("%s\nContent-Type charset %q, want utf-8", r, cs)
		}
		// The spec: "the root element must be preceded with the XML
		// declaration including the encoding="UTF-8" attribute".
		head := bytes.TrimLeft(bytes.TrimPrefix(r.body, []byte("\xef\xbb\xbf")), " \t\r\n")
		decl, _, _ := bytes.Cut(head, []byte("?>"))
		if !bytes.HasPrefix(head, []byte("<?xml")) || !bytes.Contains(bytes.ToLower(decl), []byte(`encoding="utf-8"`)) {
			t.Errorf("%s\nbody does not start with an XML declaration carrying encoding=\"UTF-8\"", r)
		}
	case "json":
		if mt != "application/json" {
			t.Errorf("%s\nContent-Type %q, want application/json", r, mt)
		}
	}
}

// xmlRoot returns the name of the first element in body.
func xmlRoot(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local, nil
		}
	}
}

// decodeList decodes a list answer: a JSON array, or in XML the root
// element root holding only item elements.
func decodeList[T any](t *testing.T, r *response, format, root, item string) ([]T, bool) {
	t.Helper()
	var out []T
	var err error
	if format == "json" {
		err = json.Unmarshal(r.body, &out)
	} else {
		out, err = decodeXMLList[T](r.body, root, item)
	}
	if err != nil {
		t.Errorf("%s\ndecode %s list: %v", r, format, err)
		return nil, false
	}
	return out, true
}

func decodeXMLList[T any](body []byte, root, item string) ([]T, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var out []T
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if depth == 0 && out == nil {
				return nil, fmt.Errorf("no <%s> element", root)
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if tok.Name.Local != root {
					return nil, fmt.Errorf("root element <%s>, want <%s>", tok.Name.Local, root)
				}
				depth = 1
				out = []T{}
				continue
			}
			if tok.Name.Local != item {
				return nil, fmt.Errorf("<%s> holds <%s>, want only <%s>", root, tok.Name.Local, item)
			}
			var v T
			if err := d.DecodeElement(&v, &tok); err != nil {
				return nil, err
			}
			out = append(out, v)
		case xml.EndElement:
			depth = 0
		}
	}
}

// decodeOne decodes a single-object answer whose XML root is root.
func decodeOne[T any](t *testing.T, r *response, format, root string) (T, bool) {
	t.Helper()
	var v T
	var err error
	if format == "json" {
		err = json.Unmarshal(r.body, &v)
	} else {
		var name string
		name, err = xmlRoot(r.body)
		if err == nil && name != root {
			err = fmt.Errorf("root element <%s>, want <%s>", name, root)
		}
		if err == nil {
			err = xml.Unmarshal(r.body, &v)
		}
	}
	if err != nil {
		t.Errorf("%s\ndecode %s: %v", r, format, err)
		return v, false
	}
	return v, true
}

// checkError checks an error answer: one of the wanted status codes, the
// Content-Type of format, an errors list whose first code is the status
// and whose description names one of fields (case-insensitive; no field
// means any non-empty description will do).
func checkError(t *testing.T, r *response, format string, statuses []int, fields ...string) {
	t.Helper()
	if !checkStatus(t, r, statuses...) {
		return
	}
	checkContentType(t, r, format)
	errs, ok := decodeList[errorItem](t, r, format, "errors", "error")
	if !ok {
		return
	}
	if len(errs) == 0 {
		t.Errorf("%s\nerrors list is empty", r)
		return
	}
	var descs []string
	for _, e := range errs {
		if e.Code != r.status {
			t.Errorf("%s\nerror code %d, want the HTTP status %d", r, e.Code, r.status)
		}
		if strings.TrimSpace(e.Description) == "" {
			t.Errorf("%s\nerror without description", r)
		}
		descs = append(descs, strings.ToLower(e.Description))
	}
	if len(fields) == 0 {
		return
	}
	all := strings.Join(descs, " | ")
	for _, f := range fields {
		if strings.Contains(all, strings.ToLower(f)) {
			return
		}
	}
	t.Errorf("%s\nerror descriptions %q name none of %q", r, all, fields)
}

// checkTime parses an output datetime: W3C/RFC 3339 with an explicit
// offset (Z or ±hh:mm), as the spec demands.
func checkTime(t *testing.T, r *response, field, v string) (time.Time, bool) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Errorf("%s\n%s %q is not RFC 3339 with an offset: %v", r, field, v, err)
		return time.Time{}, false
	}
	return ts, true
}
