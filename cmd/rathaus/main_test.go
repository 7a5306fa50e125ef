package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/notify/smtptest"
	"github.com/rathaus/rathaus/internal/store"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestAdminCommands runs the administrative subcommands in-process, the
// way an operator would, and checks what they print and store.
func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "admin.db")
	getenv := env("RATHAUS_DB", dsn, "RATHAUS_PASSWORD", "korrekt-pferd-batterie")
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "database is up to date"},
		{[]string{"jurisdiction", "add", "--slug", "os", "--name", "Osnabrück", "--state", "NI"}, "jurisdiction os (Osnabrück) created"},
		{[]string{"user", "add", "--email", "Anna@OS.example", "--name", "Anna", "--role", "admin"}, "user anna@os.example (admin) added to os"},
		{[]string{"apikey", "add", "--name", "App"}, "rh_"},
		{[]string{"audit", "verify"}, "audit log intact: 3 entries"},
	}
	var key string
	for _, st := range steps {
		var out, errb bytes.Buffer
		if err := run(ctx, st.args, getenv, &out, &errb); err != nil {
			t.Fatalf("%v: %v\n%s", st.args, err, errb.String())
		}
		if !strings.Contains(out.String(), st.want) {
			t.Fatalf("%v printed %q, want it to contain %q", st.args, out.String(), st.want)
		}
		if st.args[0] == "apikey" {
			key = strings.TrimSpace(out.String())
		}
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := auth.New(db, time.Now)
	if _, err := a.CheckAPIKey(ctx, key); err != nil {
		t.Errorf("printed key does not work: %v", err)
	}
	if _, _, err := a.Login(ctx, "anna@os.example", "korrekt-pferd-batterie"); err != nil {
		t.Errorf("login of the added user: %v", err)
	}
	// Errors: a weak password, an unknown role, a bad Bundesland.
	bad := [][]string{
		{"user", "add", "--email", "b@os.example", "--name", "B", "--role", "king"},
		{"jurisdiction", "add", "--slug", "x", "--name", "X", "--state", "XX"},
		{"frobnicate"},
	}
	for _, args := range bad {
		if err := run(ctx, args, getenv, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%v succeeded, want an error", args)
		}
	}
	// Tampering with the audit log is detected.
	raw, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET target = 'mallory@os.example' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	err = run(ctx, []string{"audit", "verify"}, getenv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "2") {
		t.Errorf("audit verify after tampering: %v, want a broken chain at seq 2", err)
	}
}

// buildBinary compiles rathaus once for the end-to-end tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rathaus")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s did not become healthy", base)
}

// TestCrashLosesNothing starts the built binary, sends a stream of
// reports, kills the process with SIGKILL in the middle, restarts it and
// checks that every report that was answered with success is stored with
// its events and its outbox mail, that no report exists twice, and that
// every receipt mail goes out after the restart.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "crash.db")
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	j := &rathaus.Jurisdiction{Slug: "crash", Name: "Crashstadt", State: "NW"}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, j, time.Now()); err != nil {
			return err
		}
		d := &rathaus.Department{JurisdictionID: j.ID, Code: "bauhof", Name: "Bauhof"}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		return tx.CreateService(ctx, &rathaus.Service{JurisdictionID: j.ID, Code: "pothole", Name: "Schlagloch",
			Kind: rathaus.KindReport, Active: true, DefaultDepartment: d.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.New(db, time.Now).StoreAPIKey(ctx, j.ID, "crash", "crash-key", "crash-key", "test"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	smtp := smtptest.NewServer(t)
	bin := buildBinary(t)
	addr := freePort(t)
	base := "http://" + addr
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--data", filepath.Join(dir, "data"),
			"--smtp-host", smtp.Host(), "--smtp-port", fmt.Sprint(smtp.Port()), "--smtp-tls", "none",
			"--smtp-from", "rathaus@crash.example", "--posts-per-minute", "1000000")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		waitHealthy(t, base)
		return cmd
	}
	proc := start()

	var mu sync.Mutex
	acked := map[string]string{} // service_request_id -> description
	post := func(i int) {
		desc := fmt.Sprintf("Schlagloch Nummer %d", i)
		form := url.Values{"api_key": {"crash-key"}, "service_code": {"pothole"}, "address_string": {"Marktplatz 1"},
			"description": {desc}, "email": {fmt.Sprintf("buerger%d@example.org", i)}}
		resp, err := http.PostForm(base+"/open311/v2/requests.json", form)
		if err != nil {
			return // the server is gone: this report was not acknowledged
		}
		defer resp.Body.Close()
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return
		}
		var id string
		if _, err := fmt.Sscanf(between(body.String(), `"service_request_id":"`, `"`), "%s", &id); err != nil || id == "" {
			return
		}
		mu.Lock()
		acked[id] = desc
		mu.Unlock()
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				post(i)
			}
		}()
	}
	killed := false
	for i := 0; i < 3000; i++ {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 150 && !killed {
			if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
		if killed && i%50 == 0 {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	_ = proc.Wait()
	if !killed || len(acked) < 150 {
		t.Fatalf("the stream did not reach the kill point: %d acknowledged", len(acked))
	}
	start()

	db, err = store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var reqs []*rathaus.Request
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		reqs, err = tx.Requests(ctx, store.RequestFilter{JurisdictionID: j.ID, Limit: 10000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*rathaus.Request{}
	seen := map[string]int{}
	for _, r := range reqs {
		byID[fmt.Sprint(r.ID)] = r
		seen[r.Description]++
	}
	for desc, n := range seen {
		if n > 1 {
			t.Errorf("report %q exists %d times", desc, n)
		}
	}
	var ids []int64
	for id, desc := range acked {
		r := byID[id]
		if r == nil {
			t.Errorf("acknowledged request %s (%s) is lost", id, desc)
			continue
		}
		if r.Description != desc {
			t.Errorf("request %s has description %q, want %q", id, r.Description, desc)
		}
		ids = append(ids, r.ID)
	}
	var events []*rathaus.Event
	_ = db.ReadTx(ctx, func(tx *store.Tx) error { events, err = tx.Events(ctx, ids...); return err })
	submitted := map[int64]int64{} // request -> submitted event id
	for _, e := range events {
		if e.Type == rathaus.EventSubmitted {
			submitted[e.RequestID] = e.ID
		}
	}
	if len(submitted) != len(ids) {
		t.Errorf("%d of %d acknowledged requests have a submitted event", len(submitted), len(ids))
	}
	// Every acknowledged request has its receipt mail in the outbox, and
	// the restarted worker delivers all of them.
	deadline := time.Now().Add(30 * time.Second)
	var items []*store.OutboxItem
	for {
		_ = db.ReadTx(ctx, func(tx *store.Tx) error { items, err = tx.OutboxItems(ctx, 100000); return err })
		pending := 0
		for _, it := range items {
			if it.DeliveredAt.IsZero() {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			if pending > 0 {
				t.Fatalf("%d outbox mails still pending after the restart", pending)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	keys := map[string]bool{}
	for _, it := range items {
		keys[it.DedupeKey] = true
	}
	for rid, eid := range submitted {
		if !keys[fmt.Sprintf("mail:event:%d", eid)] {
			t.Errorf("request %d has no receipt mail in the outbox", rid)
		}
	}
	// Delivery is at least once: a kill between the SMTP send and marking
	// it delivered repeats that one mail. Everything else arrives once.
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		got[m.To[0]]++
	}
	dups := 0
	for to, n := range got {
		if n > 1 {
			dups += n - 1
			t.Logf("mail to %s arrived %d times", to, n)
		}
	}
	if len(got) < len(items) {
		t.Errorf("%d distinct recipients got mail, want %d (one per report)", len(got), len(items))
	}
	if dups > 20 { // at most one claimed batch can be in flight at the kill
		t.Errorf("%d duplicate mails, more than one batch", dups)
	}
	t.Logf("acknowledged %d, stored %d, mails %d (duplicates %d)", len(acked), len(reqs), len(smtp.Messages()), dups)
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if k := strings.Index(s, end); k >= 0 {
		return s[:k]
	}
	return ""
}

// TestSortitionDrawIsAudited runs a small draw with --db and checks the
// audit entry: hashes and seed, no personal data.
func TestSortitionDrawIsAudited(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	people := filepath.Join(dir, "people.csv")
	quotas := filepath.Join(dir, "quotas.csv")
	if err := os.WriteFile(people, []byte("id,gender\np1,f\np2,f\np3,m\np4,m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(quotas, []byte("feature,value,min,max\ngender,f,1,1\ngender,m,1,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := "sqlite:" + filepath.Join(dir, "audit.db")
	var out bytes.Buffer
	err := run(ctx, []string{"sortition", "--people", people, "--quotas", quotas, "--seats", "2", "--seed", "4711",
		"--out", filepath.Join(dir, "out"), "--db", dsn}, env(), &out, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("sortition: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Audit-Log: Eintrag 1") {
		t.Errorf("output lacks the audit entry: %s", out.String())
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var entries []audit.Entry
	if err := db.AuditEntries(ctx, func(e audit.Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "sortition.draw" || len(entries[0].Target) != 64 ||
		!strings.Contains(entries[0].Detail, `"seed":"4711"`) || strings.Contains(entries[0].Detail, "p1") {
		t.Fatalf("audit entries = %+v", entries)
	}
}
