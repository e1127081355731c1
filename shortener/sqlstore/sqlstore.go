package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// The errors of configuration and misuse.
var (
	// ErrInvalidConfig is wrapped by the error of Open given a Config or
	// dialect it cannot honour; the detail says which.
	ErrInvalidConfig = errors.New("sqlstore: invalid configuration")
	// ErrMigration is wrapped by the error of Open when a migration
	// fails. The failed migration's transaction is rolled back, so the
	// schema is as it was before it.
	ErrMigration = errors.New("sqlstore: migration failed")
	// ErrNotInitialized is wrapped by the errors of a Store not made by
	// Open.
	ErrNotInitialized = errors.New("sqlstore: Store used without Open")
)

// Dialect names the SQL engine behind a *sql.DB: the statements and the
// schema differ in placeholders and types, nothing else.
type Dialect int

// The dialects.
const (
	// SQLite is modernc.org/sqlite (driver name "sqlite") or any SQLite
	// 3.35 or later; open it with SQLiteDSN.
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL through github.com/jackc/pgx/v5/stdlib
	// (driver name "pgx"), version 12 or later.
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Defaults of PoolConfig and Config.
const (
	// DefaultMaxOpenPostgres is PoolConfig.MaxOpen's default on
	// PostgreSQL: enough for two cores' worth of requests waiting on the
	// network, far below the server's max_connections (100 by default),
	// so that several instances fit.
	DefaultMaxOpenPostgres = 16
	// DefaultMaxOpenSQLite is PoolConfig.MaxOpen's default on SQLite: in
	// WAL mode readers run beside the one writer, and more connections
	// only queue on the write lock.
	DefaultMaxOpenSQLite = 4
	// DefaultMaxLifetime is PoolConfig.MaxLifetime's default: connections
	// are renewed, so a fail-over or a proxy's rebalancing is picked up.
	DefaultMaxLifetime = 30 * time.Minute
	// DefaultMaxIdleTime is PoolConfig.MaxIdleTime's default.
	DefaultMaxIdleTime = 5 * time.Minute
	// DefaultTimeout is Config.Timeout's default.
	DefaultTimeout = 5 * time.Second
)

// PoolConfig is the connection pool's configuration, applied to the
// *sql.DB given to Open, since database/sql's defaults (unlimited open
// connections, two idle, no lifetime) suit no server. Zero fields mean the
// defaults.
type PoolConfig struct {
	// MaxOpen bounds the open connections: DefaultMaxOpenPostgres or
	// DefaultMaxOpenSQLite.
	MaxOpen int
	// MaxIdle bounds the idle connections kept; zero means MaxOpen, so
	// a steady load never reconnects.
	MaxIdle int
	// MaxLifetime is how long a connection is used before it is
	// replaced: DefaultMaxLifetime.
	MaxLifetime time.Duration
	// MaxIdleTime is how long an idle connection is kept:
	// DefaultMaxIdleTime.
	MaxIdleTime time.Duration
}

// Config is Open's optional configuration; its zero value means the
// defaults.
type Config struct {
	// Now is the clock expiry is decided by; nil means time.Now.
	Now func() time.Time
	// Pool configures the connection pool.
	Pool PoolConfig
	// Timeout bounds each operation beside the caller's context: zero
	// means DefaultTimeout, a negative value none.
	Timeout time.Duration

	// migrations replaces the embedded migrations (tests).
	migrations fs.FS
}

//go:embed migrations
var embedded embed.FS

// Store is a shortener.Store in a SQL database: one row per code, keyed by
// it, with the statements prepared once by Open. It is safe for
// simultaneous use by multiple goroutines.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	timeout time.Duration
	closed  atomic.Bool

	create, get, update, remove, recent, addClick, clicks, block *sql.Stmt
}

var _ shortener.Store = (*Store)(nil)
var _ shortener.BlockSource = (*Store)(nil)

// SQLiteDSN returns the modernc.org/sqlite data source name of the database
// file at path, with the settings Store needs: write-ahead logging (readers
// do not block the writer), a busy timeout of ten seconds (a writer waits
// for the write lock instead of failing with SQLITE_BUSY), transactions
// that take the write lock when they begin (so two of them never deadlock
// upgrading a read lock), synchronous=NORMAL (durable across a process
// crash; the last transactions may be lost on a power cut) and foreign
// keys on.
func SQLiteDSN(file string) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: file}).EscapedPath()}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u.RawQuery = q.Encode()
	return u.String()
}

// Open applies the embedded migrations that db lacks, each in a
// transaction of its own, configures db's pool, and prepares the
// statements. The Store does not own db: Close closes the statements, and
// the caller closes db after it.
func Open(ctx context.Context, db *sql.DB, dialect Dialect, cfg Config) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", ErrInvalidConfig)
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("%w: unknown %v", ErrInvalidConfig, dialect)
	}
	p := cfg.Pool
	if p.MaxOpen < 0 || p.MaxIdle < 0 || p.MaxLifetime < 0 || p.MaxIdleTime < 0 {
		return nil, fmt.Errorf("%w: negative Pool setting %+v", ErrInvalidConfig, p)
	}
	if p.MaxOpen == 0 {
		p.MaxOpen = DefaultMaxOpenPostgres
		if dialect == SQLite {
			p.MaxOpen = DefaultMaxOpenSQLite
		}
	}
	if p.MaxIdle == 0 || p.MaxIdle > p.MaxOpen {
		p.MaxIdle = p.MaxOpen
	}
	if p.MaxLifetime == 0 {
		p.MaxLifetime = DefaultMaxLifetime
	}
	if p.MaxIdleTime == 0 {
		p.MaxIdleTime = DefaultMaxIdleTime
	}
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime)
	db.SetConnMaxIdleTime(p.MaxIdleTime)

	s := &Store{db: db, dialect: dialect, now: cfg.Now, timeout: cfg.Timeout}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	migrations := cfg.migrations
	if migrations == nil {
		sub, err := fs.Sub(embedded, "migrations/"+dialect.String())
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %w", err)
		}
		migrations = sub
	}
	if err := s.migrate(ctx, migrations); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the migrations, named NNNN_name.sql, above the highest
// version recorded in schema_migrations.
func (s *Store) migrate(ctx context.Context, migrations fs.FS) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, applied_us BIGINT NOT NULL)`); err != nil {
		return unavailable("create schema_migrations", err)
	}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := path.Base(name)
		digits, _, ok := strings.Cut(base, "_")
		version, err := strconv.ParseInt(digits, 10, 64)
		if !ok || err != nil || version < 1 {
			return fmt.Errorf("%w: %s is not named NNNN_name.sql", ErrMigration, base)
		}
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrMigration, base, err)
		}
		if err := s.apply(ctx, version, base, string(body)); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration and records it in one transaction, unless it
// is recorded already. A failure rolls the transaction back: both engines
// have transactional DDL.
func (s *Store) apply(ctx context.Context, version int64, name, body string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("begin migration", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var n int
	if err := tx.QueryRowContext(ctx, s.bind(`SELECT count(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return unavailable("read schema_migrations", err)
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitStatements(body) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrMigration, name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO schema_migrations (version, applied_us) VALUES (?, ?)`), version, time.Now().UnixMicro()); err != nil {
		return fmt.Errorf("%w: %s: record: %w", ErrMigration, name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: %s: commit: %w", ErrMigration, name, err)
	}
	return nil
}

// splitStatements splits a migration at the semicolons that end its lines,
// dropping comment lines; the migrations hold no semicolon in a string.
func splitStatements(body string) []string {
	var out []string
	var b strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(b.String()))
			b.Reset()
		}
	}
	if rest := strings.TrimSpace(b.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

// The statements. A link is live when it is not deleted and not expired at
// the instant passed as the last parameter.
const (
	live        = `deleted_us IS NULL AND (expires_us IS NULL OR expires_us > ?)`
	sqlCreate   = `INSERT INTO links (code, url, created_us, expires_us) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`
	sqlGet      = `SELECT url, created_us, expires_us, deleted_us FROM links WHERE code = ?`
	sqlUpdate   = `UPDATE links SET url = ?, expires_us = ? WHERE code = ? AND created_us < ? AND ` + live
	sqlDelete   = `UPDATE links SET deleted_us = ? WHERE code = ? AND ` + live
	sqlRecent   = `SELECT code, url, created_us, expires_us FROM links WHERE ` + live + ` ORDER BY created_us DESC LIMIT ?`
	sqlAddClick = `UPDATE links SET clicks = clicks + ? WHERE code = ? AND ` + live
	sqlClicks   = `SELECT clicks FROM links WHERE code = ?`
	sqlBlock    = `UPDATE counters SET next = next + ? WHERE name = 'links' RETURNING next - ?`
)

// ResolveStatement is the statement Get runs, for a reader who wants to
// EXPLAIN it: a lookup by primary key.
const ResolveStatement = sqlGet

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst  **sql.Stmt
		text string
	}{
		{&s.create, sqlCreate}, {&s.get, sqlGet}, {&s.update, sqlUpdate}, {&s.remove, sqlDelete},
		{&s.recent, sqlRecent}, {&s.addClick, sqlAddClick}, {&s.clicks, sqlClicks}, {&s.block, sqlBlock},
	} {
		st, err := s.db.PrepareContext(ctx, s.bind(p.text))
		if err != nil {
			return unavailable("prepare", err)
		}
		*p.dst = st
	}
	return nil
}

// bind rewrites ? placeholders as $1, $2, … for PostgreSQL.
func (s *Store) bind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Stats returns the connection pool's statistics, for metrics.
func (s *Store) Stats() sql.DBStats { return s.db.Stats() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// Close closes the prepared statements; it does not close the *sql.DB,
// which belongs to the caller. Close is idempotent.
func (s *Store) Close() error {
	if s == nil || s.closed.Swap(true) {
		return nil
	}
	var errs []error
	for _, st := range []*sql.Stmt{s.create, s.get, s.update, s.remove, s.recent, s.addClick, s.clicks, s.block} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

func (s *Store) check() error {
	switch {
	case s == nil || s.db == nil:
		return ErrNotInitialized
	case s.closed.Load():
		return fmt.Errorf("sqlstore: %w", shortener.ErrClosed)
	}
	return nil
}

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// unavailable wraps an engine error: the database did not answer as it
// should, so the operation may be retried.
func unavailable(op string, err error) error {
	return fmt.Errorf("%w: sqlstore: %s: %w", shortener.ErrStoreUnavailable, op, err)
}

func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// Create stores l if its code was never used. It is one INSERT … ON
// CONFLICT DO NOTHING: the primary key decides between concurrent
// creators, and the losers get ErrCodeTaken.
func (s *Store) Create(ctx context.Context, l shortener.Link) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := l.Check(); err != nil {
		return fmt.Errorf("sqlstore: create %q: %w", l.Code, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	res, err := s.create.ExecContext(ctx, l.Code, l.URL, l.CreatedAt.UnixMicro(), micros(l.ExpiresAt))
	if err != nil {
		return unavailable("create "+strconv.Quote(l.Code), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return unavailable("create "+strconv.Quote(l.Code), err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q", shortener.ErrCodeTaken, l.Code)
	}
	return nil
}

// row is a link's row, live or not.
type row struct {
	link    shortener.Link
	deleted bool
}

func (s *Store) read(ctx context.Context, code string) (row, error) {
	var (
		r                row
		created          int64
		expires, deleted sql.NullInt64
	)
	err := s.get.QueryRowContext(ctx, code).Scan(&r.link.URL, &created, &expires, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: %q", shortener.ErrNotFound, code)
	}
	if err != nil {
		return r, unavailable("get "+strconv.Quote(code), err)
	}
	r.link.Code = code
	r.link.CreatedAt = time.UnixMicro(created).UTC()
	r.link.ExpiresAt = fromMicros(expires)
	r.deleted = deleted.Valid
	return r, nil
}

// Get returns the live link for code, by its primary key.
func (s *Store) Get(ctx context.Context, code string) (shortener.Link, error) {
	if err := s.check(); err != nil {
		return shortener.Link{}, err
	}
	if err := shortener.CheckCode(code); err != nil {
		return shortener.Link{}, fmt.Errorf("sqlstore: get: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	r, err := s.read(ctx, code)
	if err != nil {
		return shortener.Link{}, err
	}
	if r.deleted || r.link.Expired(s.now()) {
		return shortener.Link{}, fmt.Errorf("%w: %q", shortener.ErrGone, code)
	}
	return r.link, nil
}

// gone explains why a conditional write changed no row: no such code, a
// dead link, or (for Update) an expiry not after the creation time.
func (s *Store) gone(ctx context.Context, code string, expires time.Time) error {
	r, err := s.read(ctx, code)
	if err != nil {
		return err
	}
	if r.deleted || r.link.Expired(s.now()) {
		return fmt.Errorf("%w: %q", shortener.ErrGone, code)
	}
	if !expires.IsZero() && !expires.After(r.link.CreatedAt) {
		return fmt.Errorf("sqlstore: update %q: %w: ExpiresAt is not after CreatedAt %s", code,
			shortener.ErrInvalidLink, r.link.CreatedAt.Format(time.RFC3339Nano))
	}
	// The link changed between the UPDATE and this read: report it as the
	// UPDATE saw it, gone.
	return fmt.Errorf("%w: %q", shortener.ErrGone, code)
}

// Update replaces the URL and expiry of the live link l.Code in one
// conditional UPDATE.
func (s *Store) Update(ctx context.Context, l shortener.Link) error {
	if err := s.check(); err != nil {
		return err
	}
	probe := l
	probe.CreatedAt = time.UnixMicro(1).UTC() // the stored one is checked by the UPDATE
	if err := probe.Check(); err != nil {
		return fmt.Errorf("sqlstore: update %q: %w", l.Code, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	// An expiry must be after the stored creation time; no expiry passes
	// that condition with the largest instant.
	bound := int64(math.MaxInt64)
	if !l.ExpiresAt.IsZero() {
		bound = l.ExpiresAt.UnixMicro()
	}
	res, err := s.update.ExecContext(ctx, l.URL, micros(l.ExpiresAt), l.Code, bound, s.now().UnixMicro())
	if err != nil {
		return unavailable("update "+strconv.Quote(l.Code), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable("update "+strconv.Quote(l.Code), err)
	} else if n == 0 {
		return s.gone(ctx, l.Code, l.ExpiresAt)
	}
	return nil
}

// Delete marks the live link for code deleted; its row stays as the
// code's tombstone.
func (s *Store) Delete(ctx context.Context, code string) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := shortener.CheckCode(code); err != nil {
		return fmt.Errorf("sqlstore: delete: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	now := s.now().UnixMicro()
	res, err := s.remove.ExecContext(ctx, now, code, now)
	if err != nil {
		return unavailable("delete "+strconv.Quote(code), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable("delete "+strconv.Quote(code), err)
	} else if n == 0 {
		return s.gone(ctx, code, time.Time{})
	}
	return nil
}

// MaxRecent bounds Recent's n.
const MaxRecent = 1000

// Recent returns up to n live links, newest first, reading the creation
// index backwards. n above MaxRecent is cut to it; n < 1 gives none.
func (s *Store) Recent(ctx context.Context, n int) ([]shortener.Link, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, nil
	}
	n = min(n, MaxRecent)
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	rows, err := s.recent.QueryContext(ctx, s.now().UnixMicro(), n)
	if err != nil {
		return nil, unavailable("recent", err)
	}
	defer rows.Close()
	var out []shortener.Link
	for rows.Next() {
		var (
			l       shortener.Link
			created int64
			expires sql.NullInt64
		)
		if err := rows.Scan(&l.Code, &l.URL, &created, &expires); err != nil {
			return nil, unavailable("recent", err)
		}
		l.CreatedAt = time.UnixMicro(created).UTC()
		l.ExpiresAt = fromMicros(expires)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("recent", err)
	}
	return out, nil
}

// AddClicks adds the counts in one transaction: one UPDATE per code, in
// code order so that concurrent flushes never deadlock, so a flush is one
// commit however many codes it carries. Codes without a live
// link are skipped. Every code is checked before the transaction begins.
func (s *Store) AddClicks(ctx context.Context, counts map[string]int64) error {
	if err := s.check(); err != nil {
		return err
	}
	for code, n := range counts {
		if err := shortener.CheckCode(code); err != nil {
			return fmt.Errorf("sqlstore: add clicks: %w", err)
		}
		if n < 0 {
			return fmt.Errorf("sqlstore: add clicks %q: %w: negative count %d", code, shortener.ErrInvalidLink, n)
		}
	}
	if len(counts) == 0 {
		return nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("add clicks", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	st := tx.StmtContext(ctx, s.addClick)
	now := s.now().UnixMicro()
	// Rows are locked in code order: two flushes over the same codes taken
	// in map order would lock them in opposite orders and deadlock.
	codes := make([]string, 0, len(counts))
	for code, n := range counts {
		if n != 0 {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		if _, err := st.ExecContext(ctx, counts[code], code, now); err != nil {
			return unavailable("add clicks", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("add clicks", err)
	}
	return nil
}

// Clicks returns the clicks recorded for code, live or not.
func (s *Store) Clicks(ctx context.Context, code string) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	if err := shortener.CheckCode(code); err != nil {
		return 0, fmt.Errorf("sqlstore: clicks: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var n int64
	err := s.clicks.QueryRowContext(ctx, code).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: %q", shortener.ErrNotFound, code)
	}
	if err != nil {
		return 0, unavailable("clicks "+strconv.Quote(code), err)
	}
	return n, nil
}

// NextBlock reserves size ids and returns the first, implementing
// shortener.BlockSource: one UPDATE … RETURNING of the counter row, which
// holds the row's lock until it commits, so concurrent callers get
// consecutive, disjoint blocks, and the counter survives a restart, so a
// code is never issued twice. (A PostgreSQL sequence would need its
// increment fixed at creation; the row takes any block size.)
func (s *Store) NextBlock(ctx context.Context, size uint64) (uint64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	if size == 0 || size > 1<<40 {
		return 0, fmt.Errorf("sqlstore: next block: %w: size %d out of 1..2^40", ErrInvalidConfig, size)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var first int64
	if err := s.block.QueryRowContext(ctx, int64(size), int64(size)).Scan(&first); err != nil {
		return 0, unavailable("next block", err)
	}
	if first < 1 {
		return 0, fmt.Errorf("%w: sqlstore: next block: counter at %d", shortener.ErrStoreUnavailable, first)
	}
	return uint64(first), nil
}
