package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// hostile holds strings that exercise every escape of encoding/json and
// encoding/xml: markup, quotes, control characters, line ends, invalid
// UTF-8, characters XML forbids, JavaScript's line separators.
var hostile = []string{
	"", "Schlagloch vor Hausnummer 12", "Ampel \"Nord\" & <Süd>", "it's", "a\\b", "Zeile 1\nZeile 2\r\n\tEnde",
	"\x00\x01\x08\x0b\x0c\x1f\x7f", "\xff\xfe kaputt \xc3", "\u2028\u2029", "\ufffd echt", "\ud7ff\ue000\uffff\U0001F600",
	"Straße ü ö ä ß €", "</description><script>alert(1)</script>", "]]>", "&amp;", "\u0085\u00a0",
}

func randomText(rnd *rand.Rand) string {
	var b strings.Builder
	for range rnd.IntN(4) {
		b.WriteString(hostile[rnd.IntN(len(hostile))])
	}
	return b.String()
}

func randomFloat(rnd *rand.Rand) *float64 {
	var f float64
	switch rnd.IntN(6) {
	case 0:
		return nil
	case 1:
		f = 0
	case 2:
		f = 1e-7 * rnd.Float64()
	case 3:
		f = 1e22 * (rnd.Float64() + 1)
	case 4:
		f = -math.Round(rnd.Float64()*1e6) / 1e6 * 90
	default:
		f = 52 + rnd.Float64()
	}
	return &f
}

func TestRequestEncodersMatchStandardLibrary(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		rs := make([]request, n%7)
		for i := range rs {
			rs[i] = request{ServiceRequestID: randomText(rnd), Status: randomText(rnd), StatusNotes: randomText(rnd),
				ServiceName: randomText(rnd), ServiceCode: randomText(rnd), Description: randomText(rnd),
				AgencyResponsible: randomText(rnd), ServiceNotice: randomText(rnd), RequestedDatetime: randomText(rnd),
				UpdatedDatetime: randomText(rnd), ExpectedDatetime: randomText(rnd), Address: randomText(rnd),
				AddressID: randomText(rnd), Zipcode: randomText(rnd), Lat: randomFloat(rnd), Long: randomFloat(rnd),
				MediaURL: randomText(rnd)}
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(nonNil(rs)); err != nil {
			t.Fatal(err)
		}
		got, ok := appendRequestsJSON(nil, rs)
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("JSON of %d requests differs:\n got %q\nwant %q", len(rs), got, want.Bytes())
		}
		want.Reset()
		if err := xml.NewEncoder(&want).Encode(requestList{Requests: rs}); err != nil {
			t.Fatal(err)
		}
		got, ok = appendRequestsXML(nil, rs)
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("XML of %d requests differs:\n got %q\nwant %q", len(rs), got, want.Bytes())
		}
	}
}

func TestRequestEncodersLeaveExtendedToReflection(t *testing.T) {
	rs := []request{{ServiceRequestID: "1"}, {ServiceRequestID: "2", Extended: &extended{DetailedStatus: "new"}}}
	if _, ok := appendRequestsJSON(nil, rs); ok {
		t.Error("appendRequestsJSON encoded extended attributes")
	}
	if _, ok := appendRequestsXML(nil, rs); ok {
		t.Error("appendRequestsXML encoded extended attributes")
	}
}
