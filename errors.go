// Package rathaus holds the domain vocabulary of the digital town hall:
// jurisdictions, departments, staff, the service catalogue, requests
// (Vorgänge) and their append-only event history, plus the error kinds
// that every layer shares. It imports only the standard library.
package rathaus

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that the web layer can map it to a status
// code in one place.
type Kind int

const (
	KindInternal     Kind = iota
	KindInvalid           // the caller sent something wrong (400)
	KindUnauthorized      // no or bad credentials (401/403 for Open311)
	KindForbidden         // authenticated but not allowed (403)
	KindNotFound          // no such thing (404)
	KindConflict          // the state forbids it (409)
	KindTooLarge          // body or upload over a limit (413, 400 in Open311)
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindTooLarge:
		return "too large"
	}
	return "internal"
}

// Error is a domain error: a kind, the input field at fault (if any) and a
// message fit to show to the user.
type Error struct {
	Kind  Kind
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// Invalidf reports bad input in field.
func Invalidf(field, format string, args ...any) error {
	return &Error{Kind: KindInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NotFoundf reports a missing thing.
func NotFoundf(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf(format, args...)}
}

// Forbiddenf reports a missing permission.
func Forbiddenf(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Msg: fmt.Sprintf(format, args...)}
}

// Unauthorizedf reports missing or wrong credentials.
func Unauthorizedf(format string, args ...any) error {
	return &Error{Kind: KindUnauthorized, Msg: fmt.Sprintf(format, args...)}
}

// Conflictf reports an action that the current state does not allow.
func Conflictf(format string, args ...any) error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, args...)}
}

// TooLargef reports input over a size limit.
func TooLargef(field, format string, args ...any) error {
	return &Error{Kind: KindTooLarge, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ErrNotFound is the sentinel that store lookups wrap when no row matches.
var ErrNotFound = &Error{Kind: KindNotFound, Msg: "not found"}

// KindOf returns the kind of the first domain error in err's chain, or
// KindInternal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns the first domain error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
