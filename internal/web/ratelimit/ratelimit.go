// Package ratelimit limits public writes per client: per IP address (an
// IPv6 /64 counting as one address) or per API key, with a token bucket
// for each key and bounded memory for all of them.
package ratelimit

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxKeys bounds the keys a Limiter remembers. Past it, the key unused
// the longest is forgotten, so a flood of distinct addresses costs a
// bounded amount of memory (a few dozen MB) and can only reset other
// clients' buckets, never block them.
const MaxKeys = 100_000

// Limiter is a set of token buckets, one per key. It is safe for
// concurrent use.
type Limiter struct {
	limit   rate.Limit
	burst   int
	idle    time.Duration
	now     func() time.Time
	maxKeys int

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  *list.List               // most recently used at the front
}

// maxRetryAfter caps the wait Allow reports (in nanoseconds, as float64),
// far below where a Duration would overflow.
const maxRetryAfter = float64(100 * 365 * 24 * time.Hour)

type bucket struct {
	key  string
	lim  *rate.Limiter
	used time.Time // last call of Allow for key, allowed or not
}

// New returns a Limiter that lets each key make burst requests at once and
// r per second after that. A key unused for idle is forgotten; idle is
// raised to the time a bucket takes to refill, because forgetting a key
// earlier would hand it a full bucket before it had earned one. now is the
// clock (time.Now outside tests).
//
// r must be positive (rate.Inf allows everything) and burst at least 1;
// anything else is a programming error and panics.
func New(r rate.Limit, burst int, idle time.Duration, now func() time.Time) *Limiter {
	if r <= 0 || burst < 1 {
		panic(fmt.Sprintf("ratelimit: New(%v, %d): need a positive rate and burst", r, burst))
	}
	if r != rate.Inf {
		// Compared as float64: a tiny rate gives a refill time beyond
		// what a Duration holds.
		if refill := math.Ceil(float64(burst) / float64(r) * float64(time.Second)); refill > float64(idle) {
			idle = time.Duration(math.MaxInt64)
			if refill < float64(math.MaxInt64) {
				idle = time.Duration(refill)
			}
		}
	}
	return &Limiter{
		limit:   r,
		burst:   burst,
		idle:    idle,
		now:     now,
		maxKeys: MaxKeys,
		keys:    make(map[string]*list.Element),
		lru:     list.New(),
	}
}

// Allow takes a token from key's bucket. When the bucket is empty it
// reports false and how long the client should wait before the next
// request can pass, in whole seconds and at least one, ready for a
// Retry-After header.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictIdle(now)

	var b *bucket
	if el, found := l.keys[key]; found {
		b = el.Value.(*bucket)
		l.lru.MoveToFront(el)
	} else {
		if l.lru.Len() >= l.maxKeys {
			l.remove(l.lru.Back())
		}
		b = &bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
		l.keys[key] = l.lru.PushFront(b)
	}
	// A refused request counts as use too: a client that keeps knocking
	// must not be forgotten and so handed a fresh bucket.
	b.used = now

	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	// Truncating to whole nanoseconds first keeps float noise such as
	// 10.000000000000002 s from rounding up to 11 s.
	wait := min((1-b.lim.TokensAt(now))/float64(l.limit)*float64(time.Second), maxRetryAfter)
	secs := max(1, (time.Duration(wait)+time.Second-1)/time.Second)
	return false, secs * time.Second
}

// evictIdle forgets the keys unused for longer than l.idle. They sit at
// the back of the list, so the cost is proportional to what is evicted.
func (l *Limiter) evictIdle(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		if now.Sub(el.Value.(*bucket).used) <= l.idle {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.keys, el.Value.(*bucket).key)
	l.lru.Remove(el)
}

// size returns how many keys l remembers.
func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Middleware limits every request whose method is not GET or HEAD, keyed
// by keyFunc (ClientIP, or the API key when there is one; requests for
// which it returns "" share one bucket). A refused request gets a
// Retry-After header in seconds and then goes to onLimit, or, when onLimit
// is nil, gets a plain 429 response.
func (l *Limiter) Middleware(keyFunc func(*http.Request) string, onLimit http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			ok, retryAfter := l.Allow(keyFunc(r))
			if ok {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Retry-After", strconv.FormatInt(int64(retryAfter/time.Second), 10))
			if onLimit != nil {
				onLimit.ServeHTTP(w, r)
				return
			}
			http.Error(w, "Zu viele Anfragen. Bitte versuchen Sie es später noch einmal.", http.StatusTooManyRequests)
		})
	}
}
