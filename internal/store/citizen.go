package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of e-mail confirmation.
const (
	ConfirmReporter   = "reporter"   // the reporter's address of a web report
	ConfirmSubscriber = "subscriber" // someone following another's report
)

// EmailConfirmation is a pending or done double opt-in of an address.
type EmailConfirmation struct {
	ID             int64
	JurisdictionID int64
	TokenHash      string // hex SHA-256 of the link secret
	RequestID      int64
	Email          string
	Kind           string // ConfirmReporter or ConfirmSubscriber
	CreatedAt      time.Time
	ConfirmedAt    time.Time // zero while pending
}

// CreateEmailConfirmation stores c and sets its ID.
func (tx *Tx) CreateEmailConfirmation(ctx context.Context, c *EmailConfirmation) error {
	id, err := tx.insertID(ctx, `INSERT INTO email_confirmations (jurisdiction_id, token_hash, request_id, email, kind, created_at, confirmed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		c.JurisdictionID, c.TokenHash, c.RequestID, c.Email, c.Kind, micros(c.CreatedAt), micros(c.ConfirmedAt))
	if err != nil {
		return fmt.Errorf("store: create %s confirmation for request %d: %w", c.Kind, c.RequestID, err)
	}
	c.ID = id
	return nil
}

// EmailConfirmationByHash returns the confirmation with the given token hash.
func (tx *Tx) EmailConfirmationByHash(ctx context.Context, jurisdictionID int64, tokenHash string) (*EmailConfirmation, error) {
	var c EmailConfirmation
	var created, confirmed int64
	err := tx.queryRow(ctx, `SELECT id, jurisdiction_id, token_hash, request_id, email, kind, created_at, confirmed_at
		FROM email_confirmations WHERE jurisdiction_id = $1 AND token_hash = $2`, jurisdictionID, tokenHash).
		Scan(&c.ID, &c.JurisdictionID, &c.TokenHash, &c.RequestID, &c.Email, &c.Kind, &created, &confirmed)
	if err != nil {
		return nil, notFound(err, "e-mail confirmation")
	}
	c.CreatedAt, c.ConfirmedAt = fromMicros(created), fromMicros(confirmed)
	return &c, nil
}

// MarkEmailConfirmed records that the link of confirmation id was followed.
func (tx *Tx) MarkEmailConfirmed(ctx context.Context, id int64, at time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE email_confirmations SET confirmed_at = $1 WHERE id = $2 AND confirmed_at = 0`, micros(at), id); err != nil {
		return fmt.Errorf("store: mark e-mail confirmation %d: %w", id, err)
	}
	return nil
}

// SetReporterEmail sets the reporter's e-mail address of a request, once
// the reporter has confirmed it.
func (tx *Tx) SetReporterEmail(ctx context.Context, jurisdictionID, requestID int64, email string) error {
	res, err := tx.exec(ctx, `UPDATE requests SET reporter_email = $1 WHERE jurisdiction_id = $2 AND id = $3`, email, jurisdictionID, requestID)
	if err != nil {
		return fmt.Errorf("store: set reporter e-mail of request %d: %w", requestID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "request %d", requestID)
	}
	return nil
}

// Subscriber is a citizen who follows a request.
type Subscriber struct {
	ID             int64
	JurisdictionID int64
	RequestID      int64
	Email          string
	ConfirmedAt    time.Time // zero until the address is confirmed
	Token          string    // the subscriber's own secret
	CreatedAt      time.Time
}

// AddSubscriber stores s and sets its ID. If the address already follows
// the request, s is filled from the existing row instead (created false).
func (tx *Tx) AddSubscriber(ctx context.Context, s *Subscriber) (created bool, err error) {
	var id int64
	err = tx.queryRow(ctx, `INSERT INTO request_subscribers (jurisdiction_id, request_id, email, confirmed_at, token, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id, email) DO NOTHING RETURNING id`,
		s.JurisdictionID, s.RequestID, s.Email, micros(s.ConfirmedAt), s.Token, micros(s.CreatedAt)).Scan(&id)
	if err == nil {
		s.ID = id
		return true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: add subscriber to request %d: %w", s.RequestID, err)
	}
	var confirmed, createdAt int64
	err = tx.queryRow(ctx, `SELECT id, confirmed_at, token, created_at FROM request_subscribers
		WHERE jurisdiction_id = $1 AND request_id = $2 AND email = $3`, s.JurisdictionID, s.RequestID, s.Email).
		Scan(&s.ID, &confirmed, &s.Token, &createdAt)
	if err != nil {
		return false, fmt.Errorf("store: find subscriber of request %d: %w", s.RequestID, err)
	}
	s.ConfirmedAt, s.CreatedAt = fromMicros(confirmed), fromMicros(createdAt)
	return false, nil
}

// ConfirmSubscriber marks the subscription of email to a request confirmed.
func (tx *Tx) ConfirmSubscriber(ctx context.Context, jurisdictionID, requestID int64, email string, at time.Time) error {
	res, err := tx.exec(ctx, `UPDATE request_subscribers SET confirmed_at = $1
		WHERE jurisdiction_id = $2 AND request_id = $3 AND email = $4 AND confirmed_at = 0`, micros(at), jurisdictionID, requestID, email)
	if err != nil {
		return fmt.Errorf("store: confirm subscriber of request %d: %w", requestID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := tx.queryRow(ctx, `SELECT 1 FROM request_subscribers WHERE jurisdiction_id = $1 AND request_id = $2 AND email = $3`,
			jurisdictionID, requestID, email).Scan(&exists); err != nil {
			return notFound(err, "subscriber of request %d", requestID)
		}
	}
	return nil
}

// Subscribers returns the subscribers of a request in the order they
// subscribed; confirmedOnly leaves out those who have not confirmed yet.
func (tx *Tx) Subscribers(ctx context.Context, jurisdictionID, requestID int64, confirmedOnly bool) ([]*Subscriber, error) {
	q := `SELECT id, jurisdiction_id, request_id, email, confirmed_at, token, created_at FROM request_subscribers
		WHERE jurisdiction_id = $1 AND request_id = $2`
	if confirmedOnly {
		q += ` AND confirmed_at > 0`
	}
	rows, err := tx.query(ctx, q+` ORDER BY id`, jurisdictionID, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: subscribers of request %d: %w", requestID, err)
	}
	defer rows.Close()
	var out []*Subscriber
	for rows.Next() {
		var s Subscriber
		var confirmed, created int64
		if err := rows.Scan(&s.ID, &s.JurisdictionID, &s.RequestID, &s.Email, &confirmed, &s.Token, &created); err != nil {
			return nil, fmt.Errorf("store: subscribers of request %d: %w", requestID, err)
		}
		s.ConfirmedAt, s.CreatedAt = fromMicros(confirmed), fromMicros(created)
		out = append(out, &s)
	}
	return out, rows.Err()
}
