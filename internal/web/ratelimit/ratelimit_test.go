package ratelimit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// clock is a manual clock for tests that advance it from one goroutine.
type clock struct{ t time.Time }

func newClock() *clock                   { return &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)} }
func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func TestAllowBurstThenRetryAfter(t *testing.T) {
	c := newClock()
	l := New(rate.Every(10*time.Second), 3, time.Hour, c.Now)
	type step struct {
		advance time.Duration
		key     string
		ok      bool
		retry   time.Duration
	}
	steps := []step{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 10 * time.Second},
		{0, "b", true, 0}, // keys are independent
		{2500 * time.Millisecond, "a", false, 8 * time.Second}, // 7.5 s rounds up
		{7 * time.Second, "a", false, time.Second},             // 0.5 s rounds up to 1 s
		{500 * time.Millisecond, "a", true, 0},                 // one token earned
		{0, "a", false, 10 * time.Second},
		{time.Minute, "a", true, 0}, // the bucket refills to 3, not more
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 10 * time.Second},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		ok, retry := l.Allow(s.key)
		if ok != s.ok || retry != s.retry {
			t.Errorf("step %d: Allow(%s) = %v, %v; want %v, %v", i, s.key, ok, retry, s.ok, s.retry)
		}
	}
}

func TestAllowRetryAfterAtLeastOneSecond(t *testing.T) {
	c := newClock()
	l := New(20, 1, time.Minute, c.Now) // a token every 50 ms
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("first request refused")
	}
	if ok, retry := l.Allow("k"); ok || retry != time.Second {
		t.Errorf("Allow = %v, %v; want false, 1s", ok, retry)
	}
}

func TestIdleKeysAreEvicted(t *testing.T) {
	c := newClock()
	l := New(rate.Every(time.Second), 2, time.Minute, c.Now)
	l.Allow("a")
	c.Advance(30 * time.Second)
	l.Allow("b")
	if got := l.size(); got != 2 {
		t.Fatalf("size = %d, want 2", got)
	}
	c.Advance(31 * time.Second) // a idle for 61 s, b for 31 s
	l.Allow("c")
	if got := l.size(); got != 2 {
		t.Errorf("size = %d after a went idle, want 2 (b and c)", got)
	}
	l.mu.Lock()
	_, hasA := l.keys["a"]
	_, hasB := l.keys["b"]
	l.mu.Unlock()
	if hasA || !hasB {
		t.Errorf("after eviction: a kept = %v, b kept = %v; want false, true", hasA, hasB)
	}
	c.Advance(2 * time.Minute)
	l.Allow("d")
	if got := l.size(); got != 1 {
		t.Errorf("size = %d after everyone else went idle, want 1", got)
	}
}

func TestIdleNotShorterThanRefill(t *testing.T) {
	// One request per hour: forgetting the key after a minute of silence
	// would let it through again an hour too early.
	c := newClock()
	l := New(rate.Every(time.Hour), 1, time.Minute, c.Now)
	l.Allow("a")
	c.Advance(2 * time.Minute)
	if ok, retry := l.Allow("a"); ok || retry != 58*time.Minute {
		t.Errorf("Allow after 2 min = %v, %v; want false, 58m", ok, retry)
	}
	c.Advance(time.Hour + time.Second) // a's last use was 2 min in
	l.Allow("b")
	if got := l.size(); got != 1 {
		t.Errorf("size = %d after a was idle for over an hour, want 1", got)
	}
}

func TestKeyCapEvictsLeastRecentlyUsed(t *testing.T) {
	c := newClock()
	l := New(rate.Every(time.Hour), 1, 24*time.Hour, c.Now)
	l.maxKeys = 3
	for _, k := range []string{"a", "b", "c"} {
		l.Allow(k)
		c.Advance(time.Second)
	}
	l.Allow("a") // refused, but a is now the most recently used
	l.Allow("d") // evicts b, the least recently used
	if got := l.size(); got != 3 {
		t.Errorf("size = %d, want the cap of 3", got)
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("a was allowed again: its bucket was forgotten")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("b was refused: its bucket was not evicted")
	}
	// Allowing b evicted c in turn.
	if ok, _ := l.Allow("c"); !ok {
		t.Error("c was refused: its bucket was not evicted")
	}
}

func TestAllowConcurrent(t *testing.T) {
	// The clock stands still, so exactly burst requests per key pass,
	// however the goroutines interleave.
	start := newClock().Now()
	l := New(rate.Every(time.Hour), 5, time.Hour, func() time.Time { return start })
	const keys, goroutines, calls = 50, 8, 1000
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				if ok, _ := l.Allow(fmt.Sprintf("key%d", (g*7+i)%keys)); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != keys*5 {
		t.Errorf("%d requests allowed, want %d", got, keys*5)
	}
	if got := l.size(); got != keys {
		t.Errorf("size = %d, want %d", got, keys)
	}
}

func TestNewPanicsOnNonsense(t *testing.T) {
	for _, tt := range []struct {
		r     rate.Limit
		burst int
	}{{0, 1}, {-1, 1}, {1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%v, %d) did not panic", tt.r, tt.burst)
				}
			}()
			New(tt.r, tt.burst, time.Minute, time.Now)
		}()
	}
}

func TestMiddleware(t *testing.T) {
	c := newClock()
	l := New(rate.Every(30*time.Second), 1, time.Hour, c.Now)
	byHeader := func(r *http.Request) string { return r.Header.Get("X-Client") }
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	var limitedRetry string
	custom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limitedRetry = w.Header().Get("Retry-After")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	plain := l.Middleware(byHeader, nil)(ok)
	withHandler := l.Middleware(byHeader, custom)(ok)

	do := func(h http.Handler, method, client string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/requests", strings.NewReader("x"))
		req.Header.Set("X-Client", client)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	if rec := do(plain, http.MethodPost, "a"); rec.Code != http.StatusOK || rec.Body.String() != "ok" {
		t.Fatalf("first POST: %d %q, want 200 ok", rec.Code, rec.Body)
	}
	rec := do(plain, http.MethodPost, "a")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "30" {
		t.Errorf("second POST: %d, Retry-After %q; want 429, 30", rec.Code, rec.Header().Get("Retry-After"))
	}
	if !strings.Contains(rec.Body.String(), "Zu viele Anfragen") {
		t.Errorf("429 body = %q, want the German message", rec.Body)
	}
	// Reads are never limited.
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		for range 3 {
			if rec := do(plain, m, "a"); rec.Code != http.StatusOK {
				t.Errorf("%s while limited: %d, want 200", m, rec.Code)
			}
		}
	}
	// Other writes are, and they share the key's bucket.
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if rec := do(plain, m, "a"); rec.Code != http.StatusTooManyRequests {
			t.Errorf("%s while limited: %d, want 429", m, rec.Code)
		}
	}
	if rec := do(plain, http.MethodPost, "b"); rec.Code != http.StatusOK {
		t.Errorf("POST by another client: %d, want 200", rec.Code)
	}

	c.Advance(20 * time.Second)
	rec = do(withHandler, http.MethodPost, "a")
	if rec.Code != http.StatusServiceUnavailable || limitedRetry != "10" {
		t.Errorf("limited POST with onLimit: %d, Retry-After seen by onLimit %q; want 503, 10", rec.Code, limitedRetry)
	}
	c.Advance(10 * time.Second)
	if rec := do(withHandler, http.MethodPost, "a"); rec.Code != http.StatusOK {
		t.Errorf("POST after waiting: %d, want 200", rec.Code)
	}
}
