package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/backendkit/backendkit/internal/pgtest"
	"github.com/backendkit/backendkit/shortener"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// engine opens a fresh database of one dialect.
type engine struct {
	name    string
	dialect Dialect
	open    func(t testing.TB) *sql.DB
}

func sqliteDB(t testing.TB, file string) *sql.DB {
	db, err := sql.Open("sqlite", SQLiteDSN(file))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

var engines = []engine{
	{"sqlite", SQLite, func(t testing.TB) *sql.DB { return sqliteDB(t, filepath.Join(t.TempDir(), "links.db")) }},
	{"postgres", Postgres, func(t testing.TB) *sql.DB { return pgtest.New(t) }},
}

func forEngines(t *testing.T, f func(t *testing.T, e engine)) {
	for _, e := range engines {
		t.Run("engine="+e.name, func(t *testing.T) { f(t, e) })
	}
}

func open(t *testing.T, e engine, c *clock) *Store {
	s, err := Open(context.Background(), e.open(t), e.dialect, Config{Now: c.Now})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func link(c *clock, code string, ttl time.Duration) shortener.Link {
	l := shortener.Link{Code: code, URL: "https://example.com/" + code, CreatedAt: c.Now().Truncate(time.Microsecond)}
	if ttl > 0 {
		l.ExpiresAt = l.CreatedAt.Add(ttl)
	}
	return l
}

func TestSemantics(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		s := open(t, e, c)

		l := link(c, "abc", time.Hour)
		l.CreatedAt = l.CreatedAt.Add(123 * time.Microsecond)
		require.NoError(t, s.Create(ctx, l))
		require.ErrorIs(t, s.Create(ctx, link(c, "abc", 0)), shortener.ErrCodeTaken)
		got, err := s.Get(ctx, "abc")
		require.NoError(t, err)
		require.Equal(t, l.URL, got.URL)
		require.True(t, got.CreatedAt.Equal(l.CreatedAt), "CreatedAt %v, want %v", got.CreatedAt, l.CreatedAt)
		require.True(t, got.ExpiresAt.Equal(l.ExpiresAt))
		require.Equal(t, time.UTC, got.CreatedAt.Location())

		_, err = s.Get(ctx, "nope")
		require.ErrorIs(t, err, shortener.ErrNotFound)
		require.ErrorIs(t, s.Update(ctx, link(c, "nope", 0)), shortener.ErrNotFound)
		require.ErrorIs(t, s.Delete(ctx, "nope"), shortener.ErrNotFound)
		_, err = s.Clicks(ctx, "nope")
		require.ErrorIs(t, err, shortener.ErrNotFound)

		// Update keeps CreatedAt and replaces the rest; no expiry clears it.
		u := shortener.Link{Code: "abc", URL: "https://example.org/new"}
		require.NoError(t, s.Update(ctx, u))
		got, err = s.Get(ctx, "abc")
		require.NoError(t, err)
		require.Equal(t, u.URL, got.URL)
		require.True(t, got.ExpiresAt.IsZero())
		require.True(t, got.CreatedAt.Equal(l.CreatedAt))
		// An expiry not after the stored creation time is refused.
		u.ExpiresAt = l.CreatedAt
		require.ErrorIs(t, s.Update(ctx, u), shortener.ErrInvalidLink)

		// Clicks, then a delete: the tombstone keeps them and the code.
		require.NoError(t, s.AddClicks(ctx, map[string]int64{"abc": 5, "nope": 3}))
		n, err := s.Clicks(ctx, "abc")
		require.NoError(t, err)
		require.EqualValues(t, 5, n)
		require.NoError(t, s.Delete(ctx, "abc"))
		_, err = s.Get(ctx, "abc")
		require.ErrorIs(t, err, shortener.ErrGone)
		require.ErrorIs(t, s.Delete(ctx, "abc"), shortener.ErrGone)
		require.ErrorIs(t, s.Update(ctx, link(c, "abc", 0)), shortener.ErrGone)
		require.ErrorIs(t, s.Create(ctx, link(c, "abc", 0)), shortener.ErrCodeTaken)
		require.NoError(t, s.AddClicks(ctx, map[string]int64{"abc": 1}))
		n, err = s.Clicks(ctx, "abc")
		require.NoError(t, err)
		require.EqualValues(t, 5, n, "a gone link counted a click")
	})
}

func TestExpiry(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		s := open(t, e, c)
		require.NoError(t, s.Create(ctx, link(c, "soon", time.Minute)))
		require.NoError(t, s.Create(ctx, link(c, "never", 0)))
		c.Advance(time.Minute - time.Microsecond)
		_, err := s.Get(ctx, "soon")
		require.NoError(t, err)
		c.Advance(time.Microsecond) // exactly at ExpiresAt: expired
		_, err = s.Get(ctx, "soon")
		require.ErrorIs(t, err, shortener.ErrGone)
		require.ErrorIs(t, s.Create(ctx, link(c, "soon", 0)), shortener.ErrCodeTaken)
		require.ErrorIs(t, s.Update(ctx, link(c, "soon", 0)), shortener.ErrGone)
		recent, err := s.Recent(ctx, 10)
		require.NoError(t, err)
		require.Len(t, recent, 1)
		require.Equal(t, "never", recent[0].Code)
	})
}

func TestRecentNewestFirst(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		s := open(t, e, c)
		for i := range 5 {
			require.NoError(t, s.Create(ctx, link(c, fmt.Sprintf("r%d", i), 0)))
			c.Advance(time.Second)
		}
		require.NoError(t, s.Delete(ctx, "r3"))
		got, err := s.Recent(ctx, 3)
		require.NoError(t, err)
		var codes []string
		for _, l := range got {
			codes = append(codes, l.Code)
		}
		require.Equal(t, []string{"r4", "r2", "r1"}, codes)
		got, err = s.Recent(ctx, 0)
		require.NoError(t, err)
		require.Empty(t, got)
	})
}

func TestOneOfManyCreatesWins(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		s := open(t, e, c)
		const n = 1000
		var wins, taken atomic.Int64
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				l := link(c, "claimed", 0)
				l.URL = fmt.Sprintf("https://example.com/%d", i)
				switch err := s.Create(ctx, l); {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, shortener.ErrCodeTaken):
					taken.Add(1)
				default:
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a loser got %v, not ErrCodeTaken", err)
		}
		require.EqualValues(t, 1, wins.Load())
		require.EqualValues(t, n-1, taken.Load())
	})
}

func TestClicksExactUnderConcurrency(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		s := open(t, e, c)
		require.NoError(t, s.Create(ctx, link(c, "hot", 0)))
		require.NoError(t, s.Create(ctx, link(c, "warm", 0)))
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if err := s.AddClicks(ctx, map[string]int64{"hot": 3, "warm": 1}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		hot, err := s.Clicks(ctx, "hot")
		require.NoError(t, err)
		warm, err := s.Clicks(ctx, "warm")
		require.NoError(t, err)
		require.EqualValues(t, 150, hot)
		require.EqualValues(t, 50, warm)
	})
}

// TestInvalidInputNeverReachesTheDatabase uses a closed *sql.DB: a check
// made by the store answers ErrInvalidLink, a query would answer
// ErrStoreUnavailable.
func TestInvalidInputNeverReachesTheDatabase(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		db := e.open(t)
		s, err := Open(ctx, db, e.dialect, Config{Now: c.Now})
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, db.Close())

		long := strings.Repeat("a", shortener.MaxCodeLen+1)
		bad := []shortener.Link{
			{Code: "", URL: "https://e.com", CreatedAt: c.Now()},
			{Code: long, URL: "https://e.com", CreatedAt: c.Now()},
			{Code: "a\x00b", URL: "https://e.com", CreatedAt: c.Now()},
			{Code: "ok", URL: "https://e.com/" + strings.Repeat("x", shortener.MaxStoredURLLen), CreatedAt: c.Now()},
			{Code: "ok", URL: "", CreatedAt: c.Now()},
			{Code: "ok", URL: "https://e.com"},
		}
		for _, l := range bad {
			require.ErrorIs(t, s.Create(ctx, l), shortener.ErrInvalidLink, "%+v", l)
		}
		for _, code := range []string{"", long, "a\x00b", "\xff"} {
			_, err := s.Get(ctx, code)
			require.ErrorIs(t, err, shortener.ErrInvalidLink)
			require.ErrorIs(t, s.Delete(ctx, code), shortener.ErrInvalidLink)
			_, err = s.Clicks(ctx, code)
			require.ErrorIs(t, err, shortener.ErrInvalidLink)
			require.ErrorIs(t, s.AddClicks(ctx, map[string]int64{code: 1}), shortener.ErrInvalidLink)
		}
		// And a valid one reaches it, and finds it closed.
		_, err = s.Get(ctx, "fine")
		require.ErrorIs(t, err, shortener.ErrStoreUnavailable)
		require.NotErrorIs(t, err, shortener.ErrInvalidLink)
	})
}

func TestRefusedConnectionIsUnavailable(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.NoError(t, err)
	defer db.Close()
	_, err = Open(context.Background(), db, Postgres, Config{})
	require.ErrorIs(t, err, shortener.ErrStoreUnavailable)
}

func TestPoolIsConfigured(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		db := e.open(t)
		s, err := Open(context.Background(), db, e.dialect, Config{Pool: PoolConfig{MaxOpen: 7}})
		require.NoError(t, err)
		defer s.Close()
		require.Equal(t, 7, s.Stats().MaxOpenConnections)

		s2, err := Open(context.Background(), db, e.dialect, Config{})
		require.NoError(t, err)
		defer s2.Close()
		want := DefaultMaxOpenPostgres
		if e.dialect == SQLite {
			want = DefaultMaxOpenSQLite
		}
		require.Equal(t, want, s2.Stats().MaxOpenConnections, "database/sql's unlimited default left in place")
	})
}

// TestResolveUsesTheIndex loads 10 000 rows, so that the planner picks an
// index on merit, and reads the plan of the resolve statement.
func TestResolveUsesTheIndex(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		c := newClock()
		db := e.open(t)
		s, err := Open(ctx, db, e.dialect, Config{Now: c.Now})
		require.NoError(t, err)
		defer s.Close()
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		ins, err := tx.PrepareContext(ctx, s.bind(`INSERT INTO links (code, url, created_us) VALUES (?, ?, ?)`))
		require.NoError(t, err)
		for i := range 10_000 {
			_, err := ins.ExecContext(ctx, fmt.Sprintf("c%05d", i), "https://example.com/", int64(i))
			require.NoError(t, err)
		}
		require.NoError(t, ins.Close())
		require.NoError(t, tx.Commit())
		_, err = db.ExecContext(ctx, "ANALYZE")
		require.NoError(t, err)

		var plan []string
		var rows *sql.Rows
		switch e.dialect {
		case SQLite:
			rows, err = db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+ResolveStatement, "c01234")
		case Postgres:
			rows, err = db.QueryContext(ctx, "EXPLAIN "+s.bind(ResolveStatement), "c01234")
		}
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			plan = append(plan, fmt.Sprint(vals...))
		}
		require.NoError(t, rows.Err())
		text := strings.Join(plan, "\n")
		t.Logf("plan:\n%s", text)
		switch e.dialect {
		case SQLite:
			// A WITHOUT ROWID table is its primary-key index.
			require.Contains(t, text, "SEARCH links USING PRIMARY KEY (code=?)")
		case Postgres:
			require.Contains(t, text, "Index Scan using links_pkey")
		}
		require.NotContains(t, text, "SCAN links")
		require.NotContains(t, text, "Seq Scan")
	})
}

func TestFailedMigrationLeavesTheSchema(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		db := e.open(t)
		s, err := Open(ctx, db, e.dialect, Config{})
		require.NoError(t, err)
		s.Close()
		bad := fstest.MapFS{
			"0002_half.sql": {Data: []byte("CREATE TABLE extra (x INTEGER);\nALTER TABLE links ADD COLUMN note TEXT;\nTHIS IS NOT SQL;\n")},
		}
		_, err = Open(ctx, db, e.dialect, Config{migrations: bad})
		require.ErrorIs(t, err, ErrMigration)
		var n int
		q := `SELECT count(*) FROM sqlite_master WHERE name = 'extra'`
		if e.dialect == Postgres {
			q = `SELECT count(*) FROM information_schema.tables WHERE table_name = 'extra'`
		}
		require.NoError(t, db.QueryRowContext(ctx, q).Scan(&n))
		require.Zero(t, n, "the failed migration's first statement stayed")
		require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = 2`).Scan(&n))
		require.Zero(t, n)
		// The store still opens on the old schema.
		s, err = Open(ctx, db, e.dialect, Config{})
		require.NoError(t, err)
		s.Close()
	})
}

func TestNextBlock(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e, newClock())
		const callers, size = 40, 100
		firsts := make(chan uint64, callers)
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				f, err := s.NextBlock(ctx, size)
				if err != nil {
					t.Error(err)
					return
				}
				firsts <- f
			})
		}
		wg.Wait()
		close(firsts)
		seen := map[uint64]bool{}
		for f := range firsts {
			require.Zero(t, (f-1)%size, "block at %d", f)
			require.False(t, seen[f], "block %d handed out twice", f)
			seen[f] = true
		}
		require.Len(t, seen, callers)
		for i := range uint64(callers) {
			require.True(t, seen[1+i*size], "blocks are not consecutive from 1: missing %d", 1+i*size)
		}
		_, err := s.NextBlock(ctx, 0)
		require.ErrorIs(t, err, ErrInvalidConfig)
	})
}

// TestNextBlockSurvivesARestart reopens the SQLite file: the counter goes
// on where it was, so no code is issued twice.
func TestNextBlockSurvivesARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "links.db")
	ctx := context.Background()
	s, err := Open(ctx, sqliteDB(t, file), SQLite, Config{})
	require.NoError(t, err)
	first, err := s.NextBlock(ctx, 1000)
	require.NoError(t, err)
	s.Close()
	s, err = Open(ctx, sqliteDB(t, file), SQLite, Config{})
	require.NoError(t, err)
	defer s.Close()
	next, err := s.NextBlock(ctx, 1000)
	require.NoError(t, err)
	require.Equal(t, first+1000, next)
}

func TestOpenRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, nil, SQLite, Config{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	db := sqliteDB(t, filepath.Join(t.TempDir(), "x.db"))
	_, err = Open(ctx, db, Dialect(9), Config{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = Open(ctx, db, SQLite, Config{Pool: PoolConfig{MaxOpen: -1}})
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestZeroAndClosedStore(t *testing.T) {
	var s *Store
	_, err := s.Get(context.Background(), "x")
	require.ErrorIs(t, err, ErrNotInitialized)
	require.NoError(t, s.Close())
	var z Store
	require.ErrorIs(t, z.Create(context.Background(), shortener.Link{}), ErrNotInitialized)

	st := open(t, engines[0], newClock())
	require.NoError(t, st.Close())
	require.NoError(t, st.Close())
	_, err = st.Get(context.Background(), "x")
	require.ErrorIs(t, err, shortener.ErrClosed)
}
