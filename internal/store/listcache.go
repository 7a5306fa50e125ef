package store

import "sync"

// A dashboard page over a year decodes millions of values from the
// rollups' value lists (valuelist.go), and most of them come from month
// rows of the past, which hardly change. listCache keeps decoded lists by
// the bytes they were decoded from: equal bytes decode to equal values,
// so an entry can never be stale and needs no invalidation, on any number
// of app nodes. A changed row simply has other bytes. The rows are still
// read, but not decoded again, and the page leaves no garbage of decoded
// values behind (a year's page left some 20 MB, a fifth of its CPU then
// going to the collector).
type listCache struct {
	mu sync.Mutex
	// Two generations, like the Open311 row cache: lookups see both, a
	// hit in the older one moves it to the newer, and when the newer
	// holds maxValues values the older is dropped.
	cur, old  map[string][]int64
	curValues int
	maxValues int
}

// minCachedList is the smallest list worth caching: a day row of a few
// values decodes faster than the lookup.
const minCachedList = 256

// listCacheValues bounds the values of one generation: 4 million (32 MB,
// plus about 8 MB of encoded keys), a year of a busy town's durations and
// backlog; two generations at most hold twice that.
const listCacheValues = 4 << 20

func newListCache(maxValues int) *listCache {
	return &listCache{cur: map[string][]int64{}, maxValues: maxValues}
}

// decode returns the values of the list b as their own slice, which the
// caller must not change: from the cache, or decoded (onto arena, as
// decodeRun does, when the list is too short to keep). b may be reused by
// the caller afterwards (sql.RawBytes).
func (c *listCache) decode(arena []int64, b []byte) ([]int64, []int64, error) {
	if c == nil || c.maxValues <= 0 || len(b) < minCachedList {
		return decodeRun(arena, b)
	}
	c.mu.Lock()
	vs, ok := c.cur[string(b)]
	if !ok {
		if vs, ok = c.old[string(b)]; ok {
			c.putLocked(string(b), vs)
		}
	}
	c.mu.Unlock()
	if ok {
		return arena, vs, nil
	}
	vs, err := appendValues(nil, b)
	if err != nil {
		return arena, nil, err
	}
	vs = vs[:len(vs):len(vs)]
	if len(vs) >= minCachedList && len(vs) <= c.maxValues {
		c.mu.Lock()
		c.putLocked(string(b), vs)
		c.mu.Unlock()
	}
	return arena, vs, nil
}

func (c *listCache) putLocked(key string, vs []int64) {
	if _, ok := c.cur[key]; ok {
		return
	}
	if c.curValues+len(vs) > c.maxValues {
		c.old, c.cur, c.curValues = c.cur, map[string][]int64{}, 0
	}
	c.cur[key] = vs
	c.curValues += len(vs)
}
