package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// backend is one engine the tests run on: a client, the test's key prefix,
// and the engine's way to make time pass for key expiry.
type backend struct {
	client      redis.UniversalClient
	prefix      string
	fastForward func(time.Duration)
	cluster     bool
}

func server(t *testing.T) backend {
	s := redistest.New(t)
	return backend{client: s.Client, prefix: s.Prefix, fastForward: s.FastForward}
}

func cluster(t *testing.T) backend {
	c := redistest.NewCluster(t)
	return backend{client: c.Client, prefix: c.Prefix, fastForward: c.FastForward, cluster: true}
}

func newStore(t *testing.T, b backend, cfg redisstore.Config) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(b.client, b.prefix, cfg)
	require.NoError(t, err)
	return s
}

func link(code string, created time.Time, ttl time.Duration) shortener.Link {
	l := shortener.Link{Code: code, URL: "https://example.com/" + code, CreatedAt: created}
	if ttl > 0 {
		l.ExpiresAt = created.Add(ttl)
	}
	return l
}

// TestStoreServer runs the store's semantics on the server of
// internal/redistest: miniredis, or the real server at REDIS_ADDR.
func TestStoreServer(t *testing.T) { semantics(t, server) }

// TestStoreCluster runs the same semantics on a Redis Cluster: the real one
// at REDIS_CLUSTER_ADDRS, or the emulation that refuses cross-slot scripts.
func TestStoreCluster(t *testing.T) { semantics(t, cluster) }

func semantics(t *testing.T, engine func(*testing.T) backend) {
	ctx := context.Background()

	t.Run("create-get", func(t *testing.T) {
		clk := newClock(t0)
		s := newStore(t, engine(t), redisstore.Config{Now: clk.Now})
		// Braces in codes must not split a link from its reservation.
		for _, code := range []string{"abc1234", "my-alias", "a{b", "}", "x}y", "{}", "ünï"} {
			l := link(code, t0.Add(123456789*time.Nanosecond), time.Hour)
			require.NoError(t, s.Create(ctx, l), code)
			got, err := s.Get(ctx, code)
			require.NoError(t, err, code)
			want := l
			want.CreatedAt = l.CreatedAt.Truncate(time.Microsecond)
			want.ExpiresAt = l.ExpiresAt.Truncate(time.Microsecond)
			assert.Equal(t, want, got, code)
			assert.Equal(t, time.UTC, got.CreatedAt.Location())
		}
		_, err := s.Get(ctx, "nope")
		assert.ErrorIs(t, err, shortener.ErrNotFound)
		assert.ErrorContains(t, err, `"nope"`)
	})

	t.Run("never-expires", func(t *testing.T) {
		epoch := time.Unix(0, 0).UTC()
		clk := newClock(epoch.Add(-30 * time.Minute))
		s := newStore(t, engine(t), redisstore.Config{Now: clk.Now})
		// Unix 0 is a real instant, not "never".
		l := link("epoch", epoch.Add(-time.Hour), time.Hour)
		require.NoError(t, s.Create(ctx, l))
		_, err := s.Get(ctx, "epoch")
		require.NoError(t, err)
		clk.Advance(30 * time.Minute)
		_, err = s.Get(ctx, "epoch")
		assert.ErrorIs(t, err, shortener.ErrGone)

		require.NoError(t, s.Create(ctx, link("forever", t0, 0)))
		clk.Advance(200 * 365 * 24 * time.Hour)
		got, err := s.Get(ctx, "forever")
		require.NoError(t, err)
		assert.True(t, got.ExpiresAt.IsZero())
	})

	t.Run("taken", func(t *testing.T) {
		s := newStore(t, engine(t), redisstore.Config{Now: newClock(t0).Now})
		require.NoError(t, s.Create(ctx, link("dup", t0, 0)))
		err := s.Create(ctx, link("dup", t0.Add(time.Second), 0))
		assert.ErrorIs(t, err, shortener.ErrCodeTaken)
		assert.ErrorContains(t, err, `"dup"`)
		got, err := s.Get(ctx, "dup")
		require.NoError(t, err)
		assert.Equal(t, t0, got.CreatedAt, "the loser must not overwrite the winner")
	})

	t.Run("expiry-without-purge", func(t *testing.T) {
		clk := newClock(t0)
		s := newStore(t, engine(t), redisstore.Config{Now: clk.Now})
		require.NoError(t, s.Create(ctx, link("exp", t0, time.Hour)))
		require.NoError(t, s.AddClicks(ctx, map[string]int64{"exp": 2}))
		clk.Advance(time.Hour - time.Microsecond)
		_, err := s.Get(ctx, "exp")
		require.NoError(t, err, "served strictly before ExpiresAt")
		clk.Advance(time.Microsecond)
		// Redis still holds the data (its TTL has the grace on top).
		_, err = s.Get(ctx, "exp")
		assert.ErrorIs(t, err, shortener.ErrGone)
		assert.ErrorIs(t, s.Create(ctx, link("exp", clk.Now(), 0)), shortener.ErrCodeTaken)
		assert.ErrorIs(t, s.Update(ctx, link("exp", t0, 2*time.Hour)), shortener.ErrGone)
		assert.ErrorIs(t, s.Delete(ctx, "exp"), shortener.ErrGone)
		require.NoError(t, s.AddClicks(ctx, map[string]int64{"exp": 5}))
		n, err := s.Clicks(ctx, "exp")
		require.NoError(t, err)
		assert.Equal(t, int64(2), n, "clicks on an expired link are skipped")
		links, err := s.Recent(ctx, 10)
		require.NoError(t, err)
		assert.Empty(t, links)
	})

	t.Run("delete-tombstone", func(t *testing.T) {
		s := newStore(t, engine(t), redisstore.Config{Now: newClock(t0).Now})
		require.NoError(t, s.Create(ctx, link("del", t0, 0)))
		require.NoError(t, s.AddClicks(ctx, map[string]int64{"del": 7}))
		require.NoError(t, s.Delete(ctx, "del"))
		_, err := s.Get(ctx, "del")
		assert.ErrorIs(t, err, shortener.ErrGone)
		assert.ErrorIs(t, s.Delete(ctx, "del"), shortener.ErrGone)
		assert.ErrorIs(t, s.Delete(ctx, "never"), shortener.ErrNotFound)
		assert.ErrorIs(t, s.Create(ctx, link("del", t0, 0)), shortener.ErrCodeTaken)
		assert.ErrorIs(t, s.Update(ctx, link("del", t0, 0)), shortener.ErrGone)
		assert.ErrorIs(t, s.Update(ctx, link("never", t0, 0)), shortener.ErrNotFound)
		n, err := s.Clicks(ctx, "del")
		require.NoError(t, err)
		assert.Equal(t, int64(7), n, "the tombstone keeps the clicks")
		_, err = s.Clicks(ctx, "never")
		assert.ErrorIs(t, err, shortener.ErrNotFound)
	})

	t.Run("update", func(t *testing.T) {
		clk := newClock(t0)
		s := newStore(t, engine(t), redisstore.Config{Now: clk.Now})
		require.NoError(t, s.Create(ctx, link("up", t0, time.Hour)))
		u := shortener.Link{Code: "up", URL: "https://example.org/new", CreatedAt: t0, ExpiresAt: t0.Add(3 * time.Hour)}
		require.NoError(t, s.Update(ctx, u))
		clk.Advance(2 * time.Hour) // past the first expiry, before the new one
		got, err := s.Get(ctx, "up")
		require.NoError(t, err)
		assert.Equal(t, u, got)

		u.ExpiresAt = time.Time{}
		require.NoError(t, s.Update(ctx, u))
		clk.Advance(100 * time.Hour)
		got, err = s.Get(ctx, "up")
		require.NoError(t, err)
		assert.True(t, got.ExpiresAt.IsZero(), "an update can clear the expiry")
		assert.Equal(t, t0, got.CreatedAt)

		// The stored CreatedAt is kept, and an expiry must follow it,
		// whatever CreatedAt the caller passes.
		early := shortener.Link{Code: "up", URL: "https://example.org/x", CreatedAt: t0.Add(-2 * time.Hour), ExpiresAt: t0.Add(-time.Hour)}
		assert.ErrorIs(t, s.Update(ctx, early), shortener.ErrInvalidLink)
		early.ExpiresAt = clk.Now().Add(time.Hour)
		require.NoError(t, s.Update(ctx, early))
		got, err = s.Get(ctx, "up")
		require.NoError(t, err)
		assert.Equal(t, t0, got.CreatedAt)
		assert.Equal(t, early.ExpiresAt, got.ExpiresAt)
	})

	t.Run("recent", func(t *testing.T) {
		clk := newClock(t0)
		s := newStore(t, engine(t), redisstore.Config{Now: clk.Now, RecentSize: 5})
		for i := range 8 {
			ttl := time.Duration(0)
			if i == 6 {
				ttl = time.Minute // dead by the time Recent runs
			}
			require.NoError(t, s.Create(ctx, link(fmt.Sprintf("r%d", i), t0.Add(time.Duration(i)*time.Second), ttl)))
		}
		require.NoError(t, s.Delete(ctx, "r5"))
		clk.Advance(time.Hour)
		links, err := s.Recent(ctx, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{"r7", "r4", "r3"}, codes(links),
			"the list keeps the 5 latest; dead ones are filtered out")
		links, err = s.Recent(ctx, 2)
		require.NoError(t, err)
		assert.Equal(t, []string{"r7", "r4"}, codes(links))
		links, err = s.Recent(ctx, 0)
		require.NoError(t, err)
		assert.Empty(t, links)
		assert.Zero(t, s.RecentErrors())
	})

	t.Run("one-of-1000-creates-wins", func(t *testing.T) {
		s := newStore(t, engine(t), redisstore.Config{Now: newClock(t0).Now})
		var won, taken atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for i := range 1000 {
			wg.Go(func() {
				err := s.Create(ctx, shortener.Link{Code: "hot", URL: fmt.Sprintf("https://example.com/%d", i), CreatedAt: t0})
				switch {
				case err == nil:
					won.Add(1)
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
			t.Error(err)
		}
		assert.Equal(t, int64(1), won.Load())
		assert.Equal(t, int64(999), taken.Load())
	})

	t.Run("clicks-exact-under-concurrency", func(t *testing.T) {
		s := newStore(t, engine(t), redisstore.Config{Now: newClock(t0).Now})
		codes := []string{"c0", "c1", "c{2}", "c3"}
		for _, c := range codes {
			require.NoError(t, s.Create(ctx, link(c, t0, 0)))
		}
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				for i := range 20 {
					m := map[string]int64{"unknown": 1}
					for j, c := range codes {
						m[c] = int64(1 + (g+i+j)%3)
					}
					assert.NoError(t, s.AddClicks(ctx, m))
				}
			})
		}
		wg.Wait()
		for j, c := range codes {
			var want int64
			for g := range 16 {
				for i := range 20 {
					want += int64(1 + (g+i+j)%3)
				}
			}
			got, err := s.Clicks(ctx, c)
			require.NoError(t, err)
			assert.Equal(t, want, got, c)
		}
		_, err := s.Clicks(ctx, "unknown")
		assert.ErrorIs(t, err, shortener.ErrNotFound, "clicks for an unknown code create nothing")
	})
}

func codes(links []shortener.Link) []string {
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.Code
	}
	return out
}

// countingHook counts the commands a client sends.
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestInvalidInputNeverReachesRedis checks that every method refuses bad
// codes and links with ErrInvalidLink before sending a command.
func TestInvalidInputNeverReachesRedis(t *testing.T) {
	ctx := context.Background()
	srv := redistest.New(t)
	c := srv.NewClient()
	hook := &countingHook{}
	c.AddHook(hook)
	s, err := redisstore.New(c, srv.Prefix, redisstore.Config{})
	require.NoError(t, err)

	long := strings.Repeat("a", shortener.MaxCodeLen+1)
	badCodes := []string{"", long, "a\x00b", "\xff"}
	good := link("good", t0, 0)
	badLinks := []shortener.Link{
		{Code: "x", CreatedAt: t0},
		{Code: "x", URL: "https://example.com/" + strings.Repeat("p", shortener.MaxStoredURLLen), CreatedAt: t0},
		{Code: "x", URL: "https://example.com/"},
		{Code: "x", URL: "https://example.com/", CreatedAt: t0, ExpiresAt: t0},
		{Code: "x", URL: "https://example.com/", CreatedAt: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, code := range badCodes {
		l := good
		l.Code = code
		badLinks = append(badLinks, l)
		_, err := s.Get(ctx, code)
		assert.ErrorIs(t, err, shortener.ErrInvalidLink, "Get %q", code)
		assert.ErrorIs(t, s.Delete(ctx, code), shortener.ErrInvalidLink, "Delete %q", code)
		_, err = s.Clicks(ctx, code)
		assert.ErrorIs(t, err, shortener.ErrInvalidLink, "Clicks %q", code)
		assert.ErrorIs(t, s.AddClicks(ctx, map[string]int64{"good": 1, code: 1}), shortener.ErrInvalidLink, "AddClicks %q", code)
	}
	for _, l := range badLinks {
		assert.ErrorIs(t, s.Create(ctx, l), shortener.ErrInvalidLink, "Create %+v", l)
		assert.ErrorIs(t, s.Update(ctx, l), shortener.ErrInvalidLink, "Update %+v", l)
	}
	assert.ErrorIs(t, s.AddClicks(ctx, map[string]int64{"good": -1}), shortener.ErrInvalidLink)
	assert.Zero(t, hook.n.Load(), "commands sent for refused input")

	// The hook does count what does reach Redis.
	require.NoError(t, s.Create(ctx, good))
	assert.Positive(t, hook.n.Load())
}

// TestDataTTLAndPermanentReservation checks, on miniredis's clock, that the
// link's data carries expiry plus the grace as its TTL and the reservation
// none, and that once Redis has removed the data the code still answers
// ErrGone and cannot be created again.
func TestDataTTLAndPermanentReservation(t *testing.T) {
	ctx := context.Background()
	srv := redistest.NewMiniredis(t)
	clk := newClock(t0)
	const grace = 10 * time.Minute
	s, err := redisstore.New(srv.Client, srv.Prefix, redisstore.Config{Now: clk.Now, Grace: grace})
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, link("ttl", t0, time.Hour)))
	require.NoError(t, s.Create(ctx, link("forever", t0, 0)))
	lk, rk := s.Keys("ttl")
	flk, _ := s.Keys("forever")
	m := srv.Miniredis()
	assert.Equal(t, time.Hour+grace, m.TTL(lk))
	assert.Zero(t, m.TTL(rk), "the reservation has no TTL")
	assert.Zero(t, m.TTL(flk), "a link that never expires has no TTL")

	clk.Advance(30 * time.Minute)
	require.NoError(t, s.Update(ctx, link("ttl", t0, 2*time.Hour)))
	assert.Equal(t, 90*time.Minute+grace, m.TTL(lk), "Update moves the TTL with the expiry")

	clk.Advance(90*time.Minute + grace)
	m.FastForward(90*time.Minute + grace)
	assert.False(t, m.Exists(lk), "Redis removed the data after the grace")
	assert.True(t, m.Exists(rk), "the reservation stays")
	_, err = s.Get(ctx, "ttl")
	assert.ErrorIs(t, err, shortener.ErrGone)
	assert.ErrorIs(t, s.Create(ctx, link("ttl", clk.Now(), 0)), shortener.ErrCodeTaken)
	assert.ErrorIs(t, s.Delete(ctx, "ttl"), shortener.ErrGone)

	// Clearing the expiry removes the TTL.
	require.NoError(t, s.Create(ctx, link("persist", clk.Now(), time.Hour)))
	plk, _ := s.Keys("persist")
	require.Positive(t, m.TTL(plk))
	require.NoError(t, s.Update(ctx, link("persist", clk.Now(), 0)))
	assert.Zero(t, m.TTL(plk))
}

// TestDataTTLOnEveryEngine runs the removal of expired data on the real
// engines too, with redistest's FastForward.
func TestDataTTLOnEveryEngine(t *testing.T) {
	for name, engine := range map[string]func(*testing.T) backend{"server": server, "cluster": cluster} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			b := engine(t)
			clk := newClock(t0)
			s := newStore(t, b, redisstore.Config{Now: clk.Now, Grace: time.Minute})
			require.NoError(t, s.Create(ctx, link("gone", t0, time.Hour)))
			clk.Advance(time.Hour + time.Minute)
			b.fastForward(time.Hour + time.Minute)
			lk, rk := s.Keys("gone")
			n, err := b.client.Exists(ctx, lk, rk).Result()
			if b.cluster {
				n, err = b.client.Exists(ctx, rk).Result()
				m, err2 := b.client.Exists(ctx, lk).Result()
				require.NoError(t, err2)
				assert.Zero(t, m)
			}
			require.NoError(t, err)
			assert.Equal(t, int64(1), n, "only the reservation is left")
			_, err = s.Get(ctx, "gone")
			assert.ErrorIs(t, err, shortener.ErrGone)
			assert.ErrorIs(t, s.Create(ctx, link("gone", clk.Now(), 0)), shortener.ErrCodeTaken)
		})
	}
}

// TestCreatePastItsGrace stores only the reservation of a link whose data
// would already be past its grace.
func TestCreatePastItsGrace(t *testing.T) {
	ctx := context.Background()
	srv := redistest.NewMiniredis(t)
	clk := newClock(t0)
	s, err := redisstore.New(srv.Client, srv.Prefix, redisstore.Config{Now: clk.Now, Grace: time.Minute})
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, link("old", t0.Add(-3*time.Hour), time.Hour)))
	lk, rk := s.Keys("old")
	assert.False(t, srv.Miniredis().Exists(lk))
	assert.True(t, srv.Miniredis().Exists(rk))
	_, err = s.Get(ctx, "old")
	assert.ErrorIs(t, err, shortener.ErrGone)
	links, err := s.Recent(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, links)
}

// TestAddClicksAfterScriptFlush checks that AddClicks, whose pipeline sends
// EVALSHA, runs its scripts again on a server that lost them (NOSCRIPT),
// without counting any twice.
func TestAddClicksAfterScriptFlush(t *testing.T) {
	ctx := context.Background()
	srv := redistest.NewMiniredis(t) // SCRIPT FLUSH on a shared server would hit other tests
	s, err := redisstore.New(srv.Client, srv.Prefix, redisstore.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, link("a", time.Now(), 0)))
	require.NoError(t, s.Create(ctx, link("b", time.Now(), 0)))
	for range 3 {
		require.NoError(t, srv.Client.ScriptFlush(ctx).Err())
		require.NoError(t, s.AddClicks(ctx, map[string]int64{"a": 1, "b": 2}))
	}
	a, err := s.Clicks(ctx, "a")
	require.NoError(t, err)
	b, err := s.Clicks(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 6}, []int64{a, b})
}

// failZAdd fails every ZADD, as a recent list's node that is down would.
type failZAdd struct{}

var errZAdd = errors.New("zadd refused by the test")

func (failZAdd) DialHook(next redis.DialHook) redis.DialHook { return next }
func (failZAdd) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "zadd" {
			cmd.SetErr(errZAdd)
			return errZAdd
		}
		return next(ctx, cmd)
	}
}
func (failZAdd) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if cmd.Name() == "zadd" {
				cmd.SetErr(errZAdd)
				return errZAdd
			}
		}
		return next(ctx, cmds)
	}
}

// TestClusterRecentListIsBestEffort checks that on a Cluster a link whose
// recent-list write failed is still created, and that the failure is
// counted.
func TestClusterRecentListIsBestEffort(t *testing.T) {
	ctx := context.Background()
	c := redistest.NewCluster(t)
	client := c.NewClient()
	client.AddHook(failZAdd{})
	s, err := redisstore.New(client, c.Prefix, redisstore.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, link("lost", time.Now(), 0)))
	assert.Equal(t, uint64(1), s.RecentErrors())
	_, err = s.Get(ctx, "lost")
	require.NoError(t, err)
	links, err := s.Recent(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, links)
}

// TestKeysShareASlot checks that a code's two keys hash to one slot for
// codes with and without braces, and that distinct codes get distinct keys.
func TestKeysShareASlot(t *testing.T) {
	srv := redistest.NewMiniredis(t)
	s, err := redisstore.New(srv.Client, "p:", redisstore.Config{})
	require.NoError(t, err)
	seen := map[string]string{}
	for _, code := range []string{"a", "}", "}}", "{", "{}", "a}b", "a}b}", "#0}", "x:l", "x}:l", "recent"} {
		lk, rk := s.Keys(code)
		assert.Equal(t, redistest.Slot(lk), redistest.Slot(rk), "code %q: %s, %s", code, lk, rk)
		for _, k := range []string{lk, rk} {
			if other, dup := seen[k]; dup {
				t.Errorf("codes %q and %q share key %s", other, code, k)
			}
			seen[k] = code
		}
		assert.NotEqual(t, s.RecentKey(), lk)
	}
}

// TestUnavailable checks that a Redis that is gone yields errors wrapping
// ErrStoreUnavailable and the client's own error.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	srv := redistest.NewMiniredis(t)
	// A client of its own that does not retry, so the test is quick.
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = client.Close() })
	s, err := redisstore.New(client, srv.Prefix, redisstore.Config{Timeout: time.Second})
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, link("up", time.Now(), 0)))
	srv.Miniredis().Close()

	_, getErr := s.Get(ctx, "up")
	_, clicksErr := s.Clicks(ctx, "up")
	_, recentErr := s.Recent(ctx, 5)
	for name, err := range map[string]error{
		"create":    s.Create(ctx, link("new", time.Now(), 0)),
		"get":       getErr,
		"update":    s.Update(ctx, link("up", time.Now(), 0)),
		"delete":    s.Delete(ctx, "up"),
		"addclicks": s.AddClicks(ctx, map[string]int64{"up": 1}),
		"clicks":    clicksErr,
		"recent":    recentErr,
	} {
		require.Error(t, err, name)
		assert.ErrorIs(t, err, shortener.ErrStoreUnavailable, name)
		assert.NotErrorIs(t, err, redisstore.ErrCorrupt, name)
		// The client's error is wrapped too: more than the sentinel's text.
		inner := errors.Unwrap(err)
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			inner = multi.Unwrap()[1]
		}
		assert.NotNil(t, inner, name)
		assert.NotErrorIs(t, inner, shortener.ErrStoreUnavailable, name)
	}

	// A cancelled context is the caller's and says so.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Get(cctx, "up")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, shortener.ErrStoreUnavailable)
}

// TestRecentUnderManyCreates hammers Create and Recent together: Recent
// never returns a link twice nor one out of order, and the list stays
// bounded.
func TestRecentUnderManyCreates(t *testing.T) {
	ctx := context.Background()
	for name, engine := range map[string]func(*testing.T) backend{"server": server, "cluster": cluster} {
		t.Run(name, func(t *testing.T) {
			b := engine(t)
			s := newStore(t, b, redisstore.Config{RecentSize: 50})
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 50 {
						l := link(fmt.Sprintf("g%d-%d", g, i), t0.Add(time.Duration(i*4+g)*time.Millisecond), 0)
						assert.NoError(t, s.Create(ctx, l))
					}
				})
			}
			wg.Go(func() {
				for range 20 {
					links, err := s.Recent(ctx, 30)
					if !assert.NoError(t, err) {
						return
					}
					assert.True(t, sort.SliceIsSorted(links, func(i, j int) bool {
						return links[i].CreatedAt.After(links[j].CreatedAt)
					}), "newest first")
					seen := map[string]bool{}
					for _, l := range links {
						assert.False(t, seen[l.Code], "duplicate %s", l.Code)
						seen[l.Code] = true
					}
				}
			})
			wg.Wait()
			n, err := b.client.ZCard(ctx, s.RecentKey()).Result()
			require.NoError(t, err)
			assert.Equal(t, int64(50), n)
			links, err := s.Recent(ctx, 1000)
			require.NoError(t, err)
			require.Len(t, links, 50)
			assert.Equal(t, "g3-49", links[0].Code)
		})
	}
}
