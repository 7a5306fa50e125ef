// Package store holds every SQL statement of rathaus, for SQLite and
// PostgreSQL. Callers state their intent with ReadTx or WriteTx; on SQLite
// all writes go through a pool of one connection, so SQLite never answers
// "database is locked", while reads use a separate pool.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rathaus/rathaus"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect is the SQL flavour of the open database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open rathaus database.
type DB struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection; PostgreSQL: the same pool as read
	read    *sql.DB
	log     *slog.Logger
	// On SQLite, statements stay prepared on each pool across
	// transactions (see Tx.stmt); pgx caches its own statements.
	writeStmts, readStmts *preparedCache
	checkpoints           *checkpointer // SQLite only
	// lists keeps decoded rollup value lists (listcache.go).
	lists *listCache
}

// preparedCache is a bounded map of statements prepared on one SQLite
// pool, which stay prepared for the life of the DB. A transaction binds
// one with Tx.StmtContext, which reuses the statement compiled on the
// transaction's connection (database/sql keeps one per connection)
// instead of parsing the SQL again. Statements are added after the
// transaction that first used them has ended: preparing on the writer
// pool needs its only connection.
type preparedCache struct {
	pool  *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// maxPrepared bounds the cache; SQL built with a variable number of
// placeholders (bulk inserts, IN lists) would otherwise grow it without
// end. Past the bound, statements are prepared per transaction.
const maxPrepared = 128

func (c *preparedCache) lookup(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.stmts[query]
	return st, ok || len(c.stmts) >= maxPrepared
}

// add prepares queries on the pool; the caller must not hold a
// connection of it.
func (c *preparedCache) add(ctx context.Context, queries []string) {
	for _, q := range queries {
		if _, known := c.lookup(q); known {
			continue
		}
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue // the statement failed in its transaction too, or the schema is not there yet
		}
		c.mu.Lock()
		if _, ok := c.stmts[q]; ok || len(c.stmts) >= maxPrepared {
			st.Close()
		} else {
			if c.stmts == nil {
				c.stmts = map[string]*sql.Stmt{}
			}
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *preparedCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for _, st := range c.stmts {
		err = errors.Join(err, st.Close())
	}
	c.stmts = nil
	return err
}

// Open connects to dsn: "sqlite:PATH" (or a path ending in .db) or a
// postgres:// / postgresql:// URL. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, log)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), log)
	}
	return nil, fmt.Errorf("store: unsupported database %q: use sqlite:PATH or a postgres:// URL", dsn)
}

func openSQLite(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: sqlite path is empty")
	}
	// busy_timeout comes first so that the journal_mode change itself waits
	// for other processes instead of failing.
	// The writer leaves checkpoints to the checkpointer (see below) and
	// runs one itself only when the WAL has grown far past its usual size.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerCheckpointPages) + ")&_txlock=immediate"
	uri := "file:" + path + "?" + pragmas
	write, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite writer: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	// Readers map the file into memory and keep 32 MiB of pages each
	// instead of SQLite's 2 MiB: lists, map queries and the quality
	// rollups read thousands of pages scattered over the tables, and with
	// a small cache of each connection's own most of those reads were a
	// pread system call each (a quarter of a map query's CPU time).
	// Mapped pages come from the kernel's cache, shared by all
	// connections. Writes still go through the WAL.
	read, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=query_only(ON)"+
		"&_pragma=mmap_size("+strconv.Itoa(readerMmapBytes)+")&_pragma=cache_size(-32768)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite reader: %w", err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxIdleTime(5 * time.Minute)
	cp, err := startCheckpointer(path, log)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	return &DB{dialect: SQLite, write: write, read: read, log: log, checkpoints: cp, lists: newListCache(listCacheValues),
		writeStmts: &preparedCache{pool: write}, readStmts: &preparedCache{pool: read}}, nil
}

// writerCheckpointPages is the WAL size (in pages of 4 KiB) at which the
// writer checkpoints by itself, if the checkpointer has fallen behind.
const writerCheckpointPages = 16384

// checkpointInterval is how often the checkpointer copies the WAL into
// the database file.
const checkpointInterval = 250 * time.Millisecond

// checkpointer copies committed WAL frames into the database file on a
// connection of its own. SQLite's default, a checkpoint by whichever
// commit fills the WAL past 1,000 pages, put the copy and its two fsyncs
// on the single writer: a tenth of a submission's CPU time, and while it
// ran every other submission waited. A PASSIVE checkpoint runs beside
// the writer and the readers. Durability does not change: a commit is in
// the WAL before it is acknowledged, and the WAL is replayed after a
// crash whether or not it was checkpointed.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(path string, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(checkpointInterval)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				if _, err := db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
					log.Warn("store: wal checkpoint", "err", err)
				}
			}
		}
	}()
	return c, nil
}

func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// readerMmapBytes is how much of the database file each reader maps; the
// largest value this SQLite build allows (SQLITE_MAX_MMAP_SIZE), since
// address space is not memory.
const readerMmapBytes = 0x7fff0000

func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	return &DB{dialect: Postgres, write: pool, read: pool, log: log, lists: newListCache(listCacheValues)}, nil
}

// Dialect reports the SQL flavour.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes both pools.
func (db *DB) Close() error {
	err := errors.Join(db.checkpoints.close(), db.writeStmts.close(), db.readStmts.close(), db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers (for health checks).
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// Tx is a transaction. Its methods are the store's queries; a Tx must not
// be used after the function given to ReadTx or WriteTx returns.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	// stmts holds the statements of this transaction, by SQL text, so
	// that a transaction repeating a statement (a group commit of many
	// submissions, the time slices of a map query) binds it once. They
	// come from cache, so that SQLite parses a statement once per
	// process and connection, not once per transaction (parsing was a
	// tenth of a submission's CPU time and a quarter of a GET by id).
	// database/sql closes the transaction's copies when it ends.
	stmts map[string]*sql.Stmt
	cache *preparedCache
	lists *listCache
	// unshared lists statements this transaction prepared for itself
	// alone, for cache to take up once the transaction has ended.
	unshared []string
}

// Dialect reports the SQL flavour of the transaction.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// WriteTx runs fn in a read-write transaction and commits when fn returns
// nil. On SQLite the transaction begins IMMEDIATE on the single writer
// connection, so concurrent writers queue instead of failing.
func (db *DB) WriteTx(ctx context.Context, fn func(*Tx) error) error {
	// SQLite parses SQL text on every call; pgx caches its own statements.
	return db.runTx(ctx, db.write, nil, fn, db.writeStmts)
}

// ReadTx runs fn in a read-only transaction.
func (db *DB) ReadTx(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == SQLite {
		opts = nil // the reader pool is query_only; modernc rejects ReadOnly options with _txlock
	}
	return db.runTx(ctx, db.read, opts, fn, db.readStmts)
}

func (db *DB) runTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error, cache *preparedCache) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	tx := &Tx{tx: sqlTx, dialect: db.dialect, cache: cache, lists: db.lists}
	if cache != nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if len(tx.unshared) > 0 {
		cache.add(ctx, tx.unshared)
	}
	return nil
}

// stmt returns the statement for query prepared in this transaction, or
// nil outside write transactions or when preparing fails (the direct call
// then reports the error).
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	if st, ok := tx.stmts[query]; ok {
		return st
	}
	if len(tx.stmts) >= 64 {
		return nil
	}
	var st *sql.Stmt
	if shared, known := tx.cache.lookup(query); shared != nil {
		st = tx.tx.StmtContext(ctx, shared)
	} else {
		var err error
		if st, err = tx.tx.PrepareContext(ctx, query); err != nil {
			return nil
		}
		if !known {
			tx.unshared = append(tx.unshared, query)
		}
	}
	tx.stmts[query] = st
	return st
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, query, args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, query, args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, query, args...)
}

// insertID runs an INSERT ... RETURNING id.
func (tx *Tx) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, query, args...).Scan(&id)
	return id, err
}

// Times are stored as Unix microseconds in BIGINT columns: identical on
// both dialects, compact, and indexable without time-zone surprises.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// notFound turns sql.ErrNoRows into the domain's not-found error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return rathaus.NotFoundf(format+" not found", args...)
	}
	return fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), err)
}

// isUniqueViolation reports a unique-constraint error on either dialect.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}
