package casework

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"io"
	"math"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
)

// Inbox is one page of a staff inbox with the figures of its department.
type Inbox struct {
	Requests []*rathaus.Request
	More     bool // another page follows
	Counts   store.InboxCounts
}

// Inbox returns the requests that f selects and the counts per state and
// overdue of f's department (or of all departments).
func (c *Cases) Inbox(ctx context.Context, j *rathaus.Jurisdiction, f store.InboxFilter) (*Inbox, error) {
	f.JurisdictionID = j.ID
	var out Inbox
	counts, state := c.cachedCounts(j.ID, f.DepartmentID)
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if out.Requests, out.More, err = tx.Inbox(ctx, f); err != nil {
			return err
		}
		if state != countsMissing {
			out.Counts = counts
			return nil
		}
		out.Counts, err = tx.InboxCounts(ctx, j.ID, f.DepartmentID, c.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("casework: inbox: %w", err)
	}
	switch state {
	case countsMissing:
		c.storeCounts(j.ID, f.DepartmentID, out.Counts)
	case countsStale:
		c.refreshCounts(j.ID, f.DepartmentID)
	}
	return &out, nil
}

// The counts above an inbox (open requests per state, overdue) read every
// open request of a department, which takes seconds on millions of
// requests. They are kept for a few seconds and, once stale, served while
// one background query refreshes them, so no page waits for the count
// and concurrent pages do not all recount at once. The list itself is
// always current.
type countsKey struct{ jurisdiction, department int64 }

type cachedCounts struct {
	counts     store.InboxCounts
	loaded     time.Time
	refreshing bool
}

type countsState int

const (
	countsMissing countsState = iota
	countsFresh
	countsStale
)

const countsTTL = 10 * time.Second

func (c *Cases) cachedCounts(jurisdictionID, departmentID int64) (store.InboxCounts, countsState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cc, ok := c.counts[countsKey{jurisdictionID, departmentID}]
	switch {
	case !ok:
		return store.InboxCounts{}, countsMissing
	case c.now().Sub(cc.loaded) < countsTTL:
		return cc.counts, countsFresh
	}
	return cc.counts, countsStale
}

func (c *Cases) storeCounts(jurisdictionID, departmentID int64, counts store.InboxCounts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil || len(c.counts) > 1000 {
		c.counts = map[countsKey]cachedCounts{}
	}
	c.counts[countsKey{jurisdictionID, departmentID}] = cachedCounts{counts: counts, loaded: c.now()}
}

// refreshCounts recounts in the background, at most once at a time per
// inbox.
func (c *Cases) refreshCounts(jurisdictionID, departmentID int64) {
	key := countsKey{jurisdictionID, departmentID}
	c.mu.Lock()
	cc, ok := c.counts[key]
	if !ok || cc.refreshing {
		c.mu.Unlock()
		return
	}
	cc.refreshing = true
	c.counts[key] = cc
	c.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var counts store.InboxCounts
		err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			counts, err = tx.InboxCounts(ctx, jurisdictionID, departmentID, c.now())
			return err
		})
		if err != nil {
			c.log.Error("casework: refresh inbox counts", "err", err)
			c.mu.Lock()
			if cc, ok := c.counts[key]; ok {
				cc.refreshing = false
				c.counts[key] = cc
			}
			c.mu.Unlock()
			return
		}
		c.storeCounts(jurisdictionID, departmentID, counts)
	}()
}

// ByNumber returns the request with the human-facing number, e.g. "2026-000123".
func (c *Cases) ByNumber(ctx context.Context, j *rathaus.Jurisdiction, number string) (*rathaus.Request, error) {
	var r *rathaus.Request
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.RequestByNumber(ctx, j.ID, number)
		return err
	})
	return r, err
}

// Staff returns every staff member of a jurisdiction (for names in lists
// and the assignee select).
func (c *Cases) Staff(ctx context.Context, j *rathaus.Jurisdiction) ([]*rathaus.User, error) {
	var out []*rathaus.User
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Users(ctx, j.ID)
		return err
	})
	return out, err
}

// onRequest runs fn on a locked request after the permission check and
// writes one audit entry with detail, all in one transaction.
func (c *Cases) onRequest(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, action string,
	fn func(tx *store.Tx, r *rathaus.Request, now time.Time) (map[string]any, error)) (*rathaus.Request, error) {
	now := c.now().UTC().Truncate(time.Microsecond)
	var out *rathaus.Request
	err := c.db.WriteTx(ctx, func(tx *store.Tx) error {
		r, err := tx.RequestForUpdate(ctx, j.ID, id)
		if err != nil {
			return err
		}
		if err := rathaus.CanWork(actor, r); err != nil {
			return err
		}
		detail, err := fn(tx, r, now)
		if err != nil {
			return err
		}
		if _, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: j.ID, ActorID: actor.ID, ActorName: actor.Email,
			Action: "request." + action, Target: r.Number, Detail: auditDetail(detail)}); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("casework: %s request %d: %w", action, id, err)
	}
	return out, nil
}

// SetPublic publishes or hides the description of a request. Hidden
// descriptions are left out of Open311 answers and public pages.
func (c *Cases) SetPublic(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, public bool) (*rathaus.Request, error) {
	return c.onRequest(ctx, j, actor, id, "publish", func(tx *store.Tx, r *rathaus.Request, now time.Time) (map[string]any, error) {
		r.Public, r.UpdatedAt = public, now
		return map[string]any{"public": public}, tx.UpdateRequest(ctx, r)
	})
}

// mediaOf returns photo mediaID if it belongs to request r.
func mediaOf(ctx context.Context, tx *store.Tx, r *rathaus.Request, mediaID int64) (*rathaus.Media, error) {
	m, err := tx.MediaByID(ctx, r.JurisdictionID, mediaID)
	if err != nil {
		return nil, err
	}
	if m.RequestID != r.ID {
		return nil, rathaus.NotFoundf("media %d not found on request %s", mediaID, r.Number)
	}
	return m, nil
}

// SetMediaPublic publishes or hides one photo of a request.
func (c *Cases) SetMediaPublic(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id, mediaID int64, public bool) error {
	_, err := c.onRequest(ctx, j, actor, id, "media_publish", func(tx *store.Tx, r *rathaus.Request, now time.Time) (map[string]any, error) {
		if _, err := mediaOf(ctx, tx, r, mediaID); err != nil {
			return nil, err
		}
		return map[string]any{"media": mediaID, "public": public}, tx.SetMediaPublic(ctx, j.ID, mediaID, public)
	})
	return err
}

// Rect is a region of a photo, in pixels or (Percent) in percent of the
// photo's width and height.
type Rect struct {
	X, Y, W, H float64
	Percent    bool
}

// pixels converts r to a pixel rectangle inside bounds.
func (r Rect) pixels(bounds image.Rectangle) (image.Rectangle, error) {
	if r.W <= 0 || r.H <= 0 || r.X < 0 || r.Y < 0 || math.IsNaN(r.X+r.Y+r.W+r.H) || math.IsInf(r.X+r.Y+r.W+r.H, 0) {
		return image.Rectangle{}, rathaus.Invalidf("rect", "x and y must be 0 or more, width and height more than 0")
	}
	x, y, w, h := r.X, r.Y, r.W, r.H
	if r.Percent {
		if x+w > 100.0001 || y+h > 100.0001 {
			return image.Rectangle{}, rathaus.Invalidf("rect", "the region reaches beyond 100 %%")
		}
		bw, bh := float64(bounds.Dx()), float64(bounds.Dy())
		x, y, w, h = x*bw/100, y*bh/100, w*bw/100, h*bh/100
	}
	px := image.Rect(int(math.Floor(x)), int(math.Floor(y)), int(math.Ceil(x+w)), int(math.Ceil(y+h))).Add(bounds.Min)
	px = px.Intersect(bounds)
	if px.Empty() {
		return image.Rectangle{}, rathaus.Invalidf("rect", "the region lies outside the photo (%d×%d pixels)", bounds.Dx(), bounds.Dy())
	}
	return px, nil
}

// blurQuality is the JPEG quality of blurred photos: high, so that the
// parts outside the region lose little in the second encoding.
const blurQuality = 92

// BlurMedia blurs a region of a photo (faces, number plates). The blurred
// JPEG is stored as a new blob and the photo row points at it in an
// audited transaction; the unblurred blob is deleted afterwards unless
// another photo shares it, so no route can serve it any more.
func (c *Cases) BlurMedia(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id, mediaID int64, rect Rect, blobs *media.BlobStore) (*rathaus.Media, error) {
	var m *rathaus.Media
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, j.ID, id)
		if err != nil {
			return err
		}
		if err := rathaus.CanWork(actor, r); err != nil {
			return err
		}
		m, err = mediaOf(ctx, tx, r, mediaID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("casework: blur media %d: %w", mediaID, err)
	}
	f, err := blobs.Open(m.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("casework: blur media %d: %w", mediaID, err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("casework: blur media %d: read: %w", mediaID, err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("casework: blur media %d: decode stored photo: %w", mediaID, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx(), src.Bounds().Dy()))
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	px, err := rect.pixels(img.Bounds())
	if err != nil {
		return nil, err
	}
	Blur(img, px)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: blurQuality}); err != nil {
		return nil, fmt.Errorf("casework: blur media %d: encode: %w", mediaID, err)
	}
	key, err := blobs.Put(ctx, buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("casework: blur media %d: store: %w", mediaID, err)
	}
	oldKey := m.BlobKey
	_, err = c.onRequest(ctx, j, actor, id, "media_blur", func(tx *store.Tx, r *rathaus.Request, now time.Time) (map[string]any, error) {
		cur, err := mediaOf(ctx, tx, r, mediaID)
		if err != nil {
			return nil, err
		}
		if cur.BlobKey != oldKey {
			return nil, rathaus.Conflictf("the photo was changed meanwhile; please try again")
		}
		if err := tx.SetMediaBlob(ctx, j.ID, mediaID, key, "image/jpeg", img.Bounds().Dx(), img.Bounds().Dy()); err != nil {
			return nil, err
		}
		return map[string]any{"media": mediaID, "x": px.Min.X, "y": px.Min.Y, "w": px.Dx(), "h": px.Dy()}, nil
	})
	if err != nil {
		return nil, err
	}
	m.BlobKey, m.ContentType = key, "image/jpeg"
	var users int
	if err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		users, err = tx.MediaUsingBlob(ctx, oldKey)
		return err
	}); err != nil {
		c.log.Error("casework: blur: count users of old blob", "media", mediaID, "err", err)
		return m, nil
	}
	if users == 0 && oldKey != key {
		if err := blobs.Delete(oldKey); err != nil {
			c.log.Error("casework: blur: delete unblurred blob", "media", mediaID, "err", err)
		}
	}
	return m, nil
}

// Blur replaces the pixels of img inside r by a strong blur of themselves:
// three passes of a box blur (close to a Gaussian) whose radius grows with
// the region, so that text and faces become unreadable. Pixels outside r
// are neither changed nor read.
func Blur(img *image.RGBA, r image.Rectangle) {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return
	}
	radius := max(6, min(r.Dx(), r.Dy())/4)
	for range 3 {
		boxBlur(img, r, radius, true)
		boxBlur(img, r, radius, false)
	}
}

// boxBlur averages each pixel with its radius neighbours along rows
// (horizontal) or columns, clamped to r, with a running sum.
func boxBlur(img *image.RGBA, r image.Rectangle, radius int, horizontal bool) {
	lines, length := r.Dy(), r.Dx()
	if !horizontal {
		lines, length = r.Dx(), r.Dy()
	}
	line := make([][4]int, length)
	offset := func(line, i int) int {
		if horizontal {
			return img.PixOffset(r.Min.X+i, r.Min.Y+line)
		}
		return img.PixOffset(r.Min.X+line, r.Min.Y+i)
	}
	for l := range lines {
		for i := range length {
			o := offset(l, i)
			line[i] = [4]int{int(img.Pix[o]), int(img.Pix[o+1]), int(img.Pix[o+2]), int(img.Pix[o+3])}
		}
		var sum [4]int
		n := 0
		// Window [i-radius, i+radius] clamped to [0, length).
		for k := 0; k <= radius && k < length; k++ {
			for ch := range 4 {
				sum[ch] += line[k][ch]
			}
			n++
		}
		for i := range length {
			o := offset(l, i)
			for ch := range 4 {
				img.Pix[o+ch] = uint8(sum[ch] / n)
			}
			if add := i + radius + 1; add < length {
				for ch := range 4 {
					sum[ch] += line[add][ch]
				}
				n++
			}
			if drop := i - radius; drop >= 0 {
				for ch := range 4 {
					sum[ch] -= line[drop][ch]
				}
				n--
			}
		}
	}
}
