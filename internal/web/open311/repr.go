package open311

import "encoding/xml"

// The representations of GeoReport v2: one struct per document, each with
// both xml and json tags so that the two formats cannot drift apart. Where
// the spec shows a list (⇊), JSON has a bare array and XML a root element
// holding one element per item.

// errorItem is one entry of an errors answer.
type errorItem struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

type errorList struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []errorItem `xml:"error"`
}

// discovery is the service discovery document.
type discovery struct {
	XMLName    xml.Name   `xml:"discovery" json:"-"`
	Changeset  string     `xml:"changeset" json:"changeset"`
	Contact    string     `xml:"contact" json:"contact"`
	KeyService string     `xml:"key_service" json:"key_service"`
	Endpoints  []endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// service is one entry of GET services.
type service struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	ServiceCode string   `xml:"service_code" json:"service_code"`
	ServiceName string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

type serviceList struct {
	XMLName  xml.Name  `xml:"services"`
	Services []service `xml:"service"`
}

// serviceDefinition is GET services/{code}.
type serviceDefinition struct {
	XMLName     xml.Name    `xml:"service_definition" json:"-"`
	ServiceCode string      `xml:"service_code" json:"service_code"`
	Attributes  []attribute `xml:"attributes>attribute" json:"attributes"`
}

type attribute struct {
	Variable            bool         `xml:"variable" json:"variable"`
	Code                string       `xml:"code" json:"code"`
	Datatype            string       `xml:"datatype" json:"datatype"`
	Required            bool         `xml:"required" json:"required"`
	DatatypeDescription string       `xml:"datatype_description" json:"datatype_description"`
	Order               int          `xml:"order" json:"order"`
	Description         string       `xml:"description" json:"description"`
	Values              []valueEntry `xml:"values>value" json:"values"`
}

type valueEntry struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

// created is the answer to POST requests: the spec's list of one.
type created struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	Token            string   `xml:"token" json:"token"`
	ServiceNotice    string   `xml:"service_notice" json:"service_notice"`
	AccountID        string   `xml:"account_id" json:"account_id"`
}

type createdList struct {
	XMLName  xml.Name  `xml:"service_requests"`
	Requests []created `xml:"request"`
}

// tokenAnswer is GET tokens/{token}.
type tokenAnswer struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	Token            string   `xml:"token" json:"token"`
}

type tokenList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []tokenAnswer `xml:"request"`
}

// request is one service request as GET requests shows it. It has no
// field for the reporter's contact data, device or account: what is not
// in the struct cannot leak.
type request struct {
	XMLName           xml.Name  `xml:"request" json:"-"`
	ServiceRequestID  string    `xml:"service_request_id" json:"service_request_id"`
	Status            string    `xml:"status" json:"status"`
	StatusNotes       string    `xml:"status_notes" json:"status_notes"`
	ServiceName       string    `xml:"service_name" json:"service_name"`
	ServiceCode       string    `xml:"service_code" json:"service_code"`
	Description       string    `xml:"description" json:"description"`
	AgencyResponsible string    `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     string    `xml:"service_notice" json:"service_notice"`
	RequestedDatetime string    `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string    `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  string    `xml:"expected_datetime,omitempty" json:"expected_datetime,omitempty"`
	Address           string    `xml:"address" json:"address"`
	AddressID         string    `xml:"address_id" json:"address_id"`
	Zipcode           string    `xml:"zipcode" json:"zipcode"`
	Lat               *float64  `xml:"lat,omitempty" json:"lat,omitempty"`
	Long              *float64  `xml:"long,omitempty" json:"long,omitempty"`
	MediaURL          string    `xml:"media_url" json:"media_url"`
	Extended          *extended `xml:"extended_attributes,omitempty" json:"extended_attributes,omitempty"`
}

type requestList struct {
	XMLName  xml.Name  `xml:"service_requests"`
	Requests []request `xml:"request"`
}

// extended holds rathaus' extended_attributes (with extensions=true).
type extended struct {
	DetailedStatus string         `xml:"detailed_status" json:"detailed_status"`
	StatusHistory  []historyEntry `xml:"status_history>entry" json:"status_history"`
	MediaURLs      []string       `xml:"media_urls>media_url" json:"media_urls"`
}

type historyEntry struct {
	Status          string `xml:"status" json:"status"`
	DetailedStatus  string `xml:"detailed_status" json:"detailed_status"`
	UpdatedDatetime string `xml:"updated_datetime" json:"updated_datetime"`
	Description     string `xml:"description" json:"description"`
}

// requestUpdate is one entry of mySociety's servicerequestupdates.
type requestUpdate struct {
	XMLName            xml.Name `xml:"request_update" json:"-"`
	UpdateID           string   `xml:"update_id" json:"update_id"`
	ServiceRequestID   string   `xml:"service_request_id" json:"service_request_id"`
	Status             string   `xml:"status" json:"status"`
	UpdatedDatetime    string   `xml:"updated_datetime" json:"updated_datetime"`
	Description        string   `xml:"description" json:"description"`
	MediaURL           string   `xml:"media_url" json:"media_url"`
	ExternalStatusCode string   `xml:"external_status_code" json:"external_status_code"`
}

type updateList struct {
	XMLName xml.Name        `xml:"service_request_updates"`
	Updates []requestUpdate `xml:"request_update"`
}
