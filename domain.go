package rathaus

import (
	"encoding/json"
	"time"
)

// Jurisdiction is a municipality served by the installation. One
// installation may serve several; every tenant row carries its ID.
type Jurisdiction struct {
	ID       int64
	Slug     string // Open311 jurisdiction_id, e.g. "demo"
	Name     string
	State    string          // Bundesland code for public holidays, e.g. "NI"
	Boundary json.RawMessage // GeoJSON polygon or multipolygon; empty = no check
	BaseURL  string          // public URL used in mails; may be empty
}

// Department (Fachbereich) is an organisational unit that handles requests.
type Department struct {
	ID             int64
	JurisdictionID int64
	Code           string
	Name           string
	Email          string
}

// Role is what a staff member may do.
type Role string

const (
	RoleAdmin      Role = "admin"      // everything, including users, keys and settings
	RoleLead       Role = "lead"       // department lead: casework plus routing and reports
	RoleCaseworker Role = "caseworker" // works requests of the own department
	RoleViewer     Role = "viewer"     // reads requests, changes nothing
)

// Roles lists every role, most privileged first.
var Roles = []Role{RoleAdmin, RoleLead, RoleCaseworker, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// User is a staff member.
type User struct {
	ID             int64
	JurisdictionID int64
	Email          string
	Name           string
	Role           Role
	DepartmentID   int64 // 0 = none
	PasswordHash   string
	Disabled       bool
	CreatedAt      time.Time
}

// ServiceKind says which module a service belongs to.
type ServiceKind string

const (
	KindReport      ServiceKind = "report"      // Mängelmelder
	KindTicket      ServiceKind = "ticket"      // IT service desk
	KindOrder       ServiceKind = "order"       // staff orders
	KindApplication ServiceKind = "application" // citizen applications
	KindIncident    ServiceKind = "incident"    // IT control room
)

// Datatypes of service attributes, as Open311 GeoReport v2 names them.
const (
	TypeString          = "string"
	TypeNumber          = "number"
	TypeDatetime        = "datetime"
	TypeText            = "text"
	TypeSingleValueList = "singlevaluelist"
	TypeMultiValueList  = "multivaluelist"
)

// Attribute is a question a service asks beyond the standard fields.
type Attribute struct {
	Code        string           `json:"code"`
	Datatype    string           `json:"datatype"`
	Required    bool             `json:"required"`
	Variable    bool             `json:"variable"` // false: informational only
	Description string           `json:"description"`
	Order       int              `json:"order"`
	Values      []AttributeValue `json:"values,omitempty"`
}

// AttributeValue is one choice of a list attribute.
type AttributeValue struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Service is one entry of the service catalogue.
type Service struct {
	ID                int64
	JurisdictionID    int64
	Code              string
	Group             string
	Name              string
	Description       string
	Keywords          string
	Kind              ServiceKind
	Audience          string // "public" or "staff"
	Attributes        []Attribute
	ResponseHours     int // SLA: business hours until first response
	ResolutionHours   int // SLA: business hours until closed
	RetentionDays     int // personal data of closed requests is erased after this
	DefaultDepartment int64
	Active            bool
}

// State is the workflow state of a request.
type State string

const (
	StateNew        State = "new"
	StateAccepted   State = "accepted"
	StateInProgress State = "in_progress"
	StateWaiting    State = "waiting" // waits for the citizen; SLA clock paused
	StateClosed     State = "closed"
)

// States lists the workflow states in their usual order.
var States = []State{StateNew, StateAccepted, StateInProgress, StateWaiting, StateClosed}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, known := range States {
		if s == known {
			return true
		}
	}
	return false
}

// Open311Status maps the workflow state to GeoReport v2's open/closed.
func (s State) Open311Status() string {
	if s == StateClosed {
		return "closed"
	}
	return "open"
}

// Channel is how a request reached the town hall.
type Channel string

const (
	ChannelWeb     Channel = "web"
	ChannelOpen311 Channel = "open311"
	ChannelApp     Channel = "app"
	ChannelPhone   Channel = "phone"
	ChannelEmail   Channel = "email"
	ChannelCounter Channel = "counter"
	// ChannelIntranet is the staff portal: orders and tickets of employees.
	ChannelIntranet Channel = "intranet"
)

// Public reports whether citizens use the channel themselves (so staff-only
// services are not offered through it).
func (c Channel) Public() bool {
	return c == ChannelWeb || c == ChannelOpen311 || c == ChannelApp
}

// Contact is the reporter's personal data. It is never published and is
// erased when the retention period ends.
type Contact struct {
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Request (Vorgang) is one case of one service.
type Request struct {
	ID             int64
	JurisdictionID int64
	Number         string // human-facing, e.g. "2026-000123"
	Token          string // Open311 token, also the private status-link secret
	ServiceID      int64
	ServiceCode    string
	State          State
	Priority       int // 0 normal, 1 high, 2 urgent
	HasLocation    bool
	Lat, Lon       float64
	Address        string
	Description    string
	Attributes     map[string]string
	Channel        Channel
	Reporter       Contact
	DeviceID       string
	AccountID      string
	MediaURL       string // client-supplied URL; stored, never fetched
	DepartmentID   int64
	AssigneeID     int64
	DuplicateOf    int64
	Public         bool // description published
	SubmittedAt    time.Time
	UpdatedAt      time.Time
	ResponseDue    time.Time
	ResolutionDue  time.Time
	ClosedAt       time.Time // zero while open
	Resolution     string    // why it was closed: fixed, duplicate, not_responsible, rejected
	StatusNotes    string    // latest public reply
	// Version counts the stored changes of the request and its photos;
	// caches of its public representation compare it.
	Version int64
}

// EventType names what happened to a request.
type EventType string

const (
	EventSubmitted    EventType = "submitted"
	EventRouted       EventType = "routed"
	EventAccepted     EventType = "accepted"
	EventAssigned     EventType = "assigned"
	EventStateChanged EventType = "state_changed"
	EventReplied      EventType = "replied"
	EventNoted        EventType = "noted"
	EventForwarded    EventType = "forwarded"
	EventMerged       EventType = "merged"
	EventReopened     EventType = "reopened"
	EventClosed       EventType = "closed"
	EventRated        EventType = "rated"
	EventMediaAdded   EventType = "media_added"
)

// Event is one entry of a request's append-only history. Every statistic
// is derived from events.
type Event struct {
	ID             int64
	JurisdictionID int64
	RequestID      int64
	Type           EventType
	At             time.Time
	ActorID        int64 // 0 = citizen or system
	Public         bool  // shown on the public status history
	FromState      State
	ToState        State
	DepartmentID   int64 // routed/forwarded: the new department
	Body           string
}

// Media is an uploaded photo of a request.
type Media struct {
	ID          int64
	RequestID   int64
	BlobKey     string
	ContentType string
	Width       int
	Height      int
	Public      bool
	CreatedAt   time.Time
}
