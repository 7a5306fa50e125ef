package casework

import (
	"context"
	"sync"

	"github.com/rathaus/rathaus/internal/store"
)

// groupCommit writes submissions that arrive together in one transaction.
// On SQLite every transaction costs a WAL commit on the single writer, so
// sharing it multiplies throughput under load while a lone submission
// still commits at once: there is no timer, the first waiting submitter
// writes everything queued behind the one before it (leader-based group
// commit, as in database write-ahead logs). A submission is acknowledged
// only after its transaction committed.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*pendingWrite
	writing bool
}

type pendingWrite struct {
	ctx  context.Context
	p    *prepared
	err  error
	done chan struct{}
}

// maxBatch bounds one shared transaction.
const maxBatch = 128

// commit stores p, possibly together with other submissions.
func (c *Cases) commit(ctx context.Context, p *prepared) error {
	w := &pendingWrite{ctx: ctx, p: p, done: make(chan struct{})}
	g := &c.group
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.writing {
		g.mu.Unlock()
		<-w.done
		return w.err
	}
	g.writing = true
	for {
		n := min(len(g.queue), maxBatch)
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		c.writeBatch(batch)
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.writing = false
			g.mu.Unlock()
			break
		}
	}
	<-w.done
	return w.err
}

// writeBatch writes the batch in one transaction; if that fails, each
// submission is retried alone so that one bad submission cannot fail the
// others and every error reaches its own caller.
func (c *Cases) writeBatch(batch []*pendingWrite) {
	live := batch[:0:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = err // the caller gave up before the write: store nothing
			close(w.done)
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	// The writes must not be cancelled halfway by one caller leaving.
	ctx := context.WithoutCancel(live[0].ctx)
	mailed := false
	err := c.db.WriteTx(ctx, func(tx *store.Tx) error {
		mailed = false
		for _, w := range live {
			ok, err := c.write(ctx, tx, w.p)
			if err != nil {
				return err
			}
			mailed = mailed || ok
		}
		return nil
	})
	if err != nil && len(live) > 1 {
		for _, w := range live {
			c.writeBatch([]*pendingWrite{w})
		}
		return
	}
	for _, w := range live {
		w.err = err
		close(w.done)
	}
	if err == nil && mailed {
		c.kick()
	}
}
