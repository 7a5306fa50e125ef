package casework_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// outbox returns the outbox items, oldest first, with their mails decoded.
func outbox(t *testing.T, db *store.DB) ([]*store.OutboxItem, []casework.MailPayload) {
	t.Helper()
	var items []*store.OutboxItem
	if err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		items, err = tx.OutboxItems(context.Background(), 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	mails := make([]casework.MailPayload, len(items))
	for i, it := range items {
		if err := json.Unmarshal([]byte(it.Payload), &mails[i]); err != nil {
			t.Fatalf("payload of %s: %v", it.DedupeKey, err)
		}
	}
	return items, mails
}

var confirmLink = regexp.MustCompile(`https://os\.example/bestaetigen/([A-Za-z0-9_-]+)`)

func linkToken(t *testing.T, m casework.MailPayload) string {
	t.Helper()
	got := confirmLink.FindStringSubmatch(m.Message.Text)
	if got == nil {
		t.Fatalf("no confirmation link in mail:\n%s", m.Message.Text)
	}
	return got[1]
}

func TestSubmitWebConfirmsTheAddressFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sub := pothole(52.28, 8.05)
		sub.Contact = rathaus.Contact{Email: "ignored@example.org", FirstName: "Not taken"}
		r, err := f.cases.SubmitWeb(ctx, f.j, sub, " anna@example.org ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.cases.Get(ctx, f.j, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reporter != (rathaus.Contact{}) || got.Channel != rathaus.ChannelWeb || got.Number != "2026-000001" || got.DepartmentID != f.roads.ID || got.ResolutionDue.IsZero() {
			t.Fatalf("stored request = %+v", got)
		}
		d, err := f.cases.Details(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if evs := d.Events[r.ID]; len(evs) != 2 || evs[0].Type != rathaus.EventSubmitted || evs[1].Type != rathaus.EventRouted {
			t.Errorf("events = %v", evs)
		}
		items, mails := outbox(t, db)
		if len(items) != 1 || !strings.HasPrefix(items[0].DedupeKey, "confirm:") || mails[0].Message.To != "anna@example.org" {
			t.Fatalf("outbox after submit = %+v", items)
		}
		if !strings.Contains(mails[0].Message.Text, "2026-000001") {
			t.Errorf("confirmation mail lacks the number:\n%s", mails[0].Message.Text)
		}
		token := linkToken(t, mails[0])

		if _, err := f.cases.ConfirmEmail(ctx, f.j, "not-a-token"); rathaus.KindOf(err) != rathaus.KindNotFound {
			t.Errorf("unknown token: err = %v, want not found", err)
		}
		c, err := f.cases.ConfirmEmail(ctx, f.j, token)
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != store.ConfirmReporter || c.Again || c.Request.ID != r.ID {
			t.Errorf("confirmation = %+v", c)
		}
		if got, _ = f.cases.Get(ctx, f.j, r.ID); got.Reporter.Email != "anna@example.org" {
			t.Errorf("reporter e-mail after confirmation = %q", got.Reporter.Email)
		}
		items, mails = outbox(t, db)
		if len(items) != 2 || !strings.HasPrefix(items[1].DedupeKey, "mail:event:") || mails[1].Message.To != "anna@example.org" ||
			!strings.Contains(mails[1].Message.Text, "https://os.example/s/"+r.Token) {
			t.Fatalf("outbox after confirmation = %+v", items)
		}
		// Following the link again changes nothing and mails nothing.
		if c, err = f.cases.ConfirmEmail(ctx, f.j, token); err != nil || !c.Again {
			t.Errorf("second confirmation = %+v, %v", c, err)
		}
		if items, _ = outbox(t, db); len(items) != 2 {
			t.Errorf("outbox after second confirmation has %d items, want 2", len(items))
		}
	})
}

func TestSubmitWebWithoutOrWithBadAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if _, err := f.cases.SubmitWeb(ctx, f.j, pothole(52.28, 8.05), "not an address"); rathaus.KindOf(err) != rathaus.KindInvalid {
			t.Fatalf("bad address: err = %v, want invalid", err)
		} else if e, _ := rathaus.AsError(err); e.Field != "email" {
			t.Errorf("bad address: field = %q, want email", e.Field)
		}
		noPlace := pothole(0, 0)
		noPlace.HasLocation = false
		if _, err := f.cases.SubmitWeb(ctx, f.j, noPlace, ""); rathaus.KindOf(err) != rathaus.KindInvalid {
			t.Fatalf("no location: err = %v, want invalid", err)
		}
		noPlace.Address = "Markt 1"
		r, err := f.cases.SubmitWeb(ctx, f.j, noPlace, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != "2026-000001" || r.Address != "Markt 1" || r.HasLocation {
			t.Errorf("request = %+v", r)
		}
		if items, _ := outbox(t, db); len(items) != 0 {
			t.Errorf("outbox has %d items, want none without an address", len(items))
		}
	})
}

func TestSubscribeAndRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		reporter := pothole(52.28, 8.05)
		reporter.Contact.Email = "rita@example.org"
		r, err := f.cases.Submit(ctx, f.j, reporter)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := outbox(t, db)

		if _, err := f.cases.Subscribe(ctx, f.j, r.ID, ""); rathaus.KindOf(err) != rathaus.KindInvalid {
			t.Errorf("no address: err = %v, want invalid", err)
		}
		if _, err := f.cases.Subscribe(ctx, f.j, r.ID+99, "bert@example.org"); rathaus.KindOf(err) != rathaus.KindNotFound {
			t.Errorf("unknown request: err = %v, want not found", err)
		}
		s, err := f.cases.Subscribe(ctx, f.j, r.ID, "bert@example.org")
		if err != nil || s.Confirmed || s.Request.ID != r.ID {
			t.Fatalf("subscribe = %+v, %v", s, err)
		}
		items, mails := outbox(t, db)
		if len(items) != len(before)+1 || mails[len(mails)-1].Message.To != "bert@example.org" {
			t.Fatalf("outbox after subscribing = %+v", items)
		}
		last := mails[len(mails)-1].Message.Text
		if strings.Contains(last, r.Token) {
			t.Errorf("a subscriber's mail must not carry the reporter's status link:\n%s", last)
		}
		recipients := func() []string {
			var out []string
			if err := db.ReadTx(ctx, func(tx *store.Tx) error {
				out, err = f.cases.Recipients(ctx, tx, r)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got := recipients(); len(got) != 1 || got[0] != "rita@example.org" {
			t.Errorf("recipients before confirmation = %v", got)
		}
		c, err := f.cases.ConfirmEmail(ctx, f.j, linkToken(t, mails[len(mails)-1]))
		if err != nil || c.Kind != store.ConfirmSubscriber {
			t.Fatalf("confirm = %+v, %v", c, err)
		}
		if got := recipients(); len(got) != 2 || got[0] != "rita@example.org" || got[1] != "bert@example.org" {
			t.Errorf("recipients after confirmation = %v", got)
		}
		if got, _ := f.cases.Get(ctx, f.j, r.ID); got.Reporter.Email != "rita@example.org" {
			t.Errorf("a subscriber changed the reporter address to %q", got.Reporter.Email)
		}
		// Subscribing again with a confirmed address sends nothing.
		n := len(items)
		if s, err = f.cases.Subscribe(ctx, f.j, r.ID, "bert@example.org"); err != nil || !s.Confirmed {
			t.Errorf("second subscribe = %+v, %v", s, err)
		}
		if items, _ = outbox(t, db); len(items) != n {
			t.Errorf("outbox grew from %d to %d", n, len(items))
		}
		if _, err := f.cases.Close(ctx, f.j, f.admin, r.ID, "fixed", "Erledigt."); err != nil {
			t.Fatal(err)
		}
		// The closing mail goes to the reporter (private link) and to the
		// confirmed subscriber (public page only).
		_, mails = outbox(t, db)
		var toRita, toBert string
		for _, m := range mails {
			if strings.Contains(m.Message.Subject, "abgeschlossen") || strings.Contains(m.Message.Subject, "erledigt") {
				switch m.Message.To {
				case "rita@example.org":
					toRita = m.Message.Text
				case "bert@example.org":
					toBert = m.Message.Text
				}
			}
		}
		if !strings.Contains(toRita, "/s/"+r.Token) {
			t.Errorf("reporter's closing mail lacks the status link:\n%s", toRita)
		}
		if toBert == "" || strings.Contains(toBert, r.Token) || !strings.Contains(toBert, fmt.Sprintf("/meldungen/%d", r.ID)) {
			t.Errorf("subscriber's closing mail = %q, want the public page and no token", toBert)
		}
		if _, err := f.cases.Subscribe(ctx, f.j, r.ID, "carl@example.org"); rathaus.KindOf(err) != rathaus.KindConflict {
			t.Errorf("closed request: err = %v, want conflict", err)
		}
	})
}

func TestConfirmationLinkExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		r, err := f.cases.SubmitWeb(ctx, f.j, pothole(52.28, 8.05), "anna@example.org")
		if err != nil {
			t.Fatal(err)
		}
		_, mails := outbox(t, db)
		f.now = f.now.Add(casework.ConfirmTTL + time.Hour)
		if _, err := f.cases.ConfirmEmail(ctx, f.j, linkToken(t, mails[0])); rathaus.KindOf(err) != rathaus.KindInvalid {
			t.Errorf("expired link: err = %v, want invalid", err)
		}
		if got, _ := f.cases.Get(ctx, f.j, r.ID); got.Reporter.Email != "" {
			t.Errorf("expired link set the address %q", got.Reporter.Email)
		}
	})
}
