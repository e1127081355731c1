package shortener_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/shortener"
)

// st0 is the instant the tests' clocks start at: nanoseconds and a zone
// other than UTC, so truncation and conversion show.
var st0 = time.Date(2026, 3, 1, 12, 0, 0, 123_456_789, time.FixedZone("CET", 3600))

// fakeClock is a fake clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex // protects now
	now time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// errRefused stands for an engine's own error.
var errRefused = errors.New("connection refused")

// probeStore wraps a Store: it counts Get calls per code, fails every call
// while fail is set, and holds Get calls while gate is not nil.
type probeStore struct {
	shortener.Store
	fail atomic.Bool
	gate chan struct{} // set before use; Get waits for it to close

	mu   sync.Mutex // protects gets
	gets map[string]int

	inGet, maxInGet atomic.Int64
}

func newProbeStore(st shortener.Store) *probeStore {
	return &probeStore{Store: st, gets: map[string]int{}}
}

func (p *probeStore) down(op string) error {
	return fmt.Errorf("%w: %s: %w", shortener.ErrStoreUnavailable, op, errRefused)
}

func (p *probeStore) Gets(code string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gets[code]
}

func (p *probeStore) Get(ctx context.Context, code string) (shortener.Link, error) {
	p.mu.Lock()
	p.gets[code]++
	p.mu.Unlock()
	n := p.inGet.Add(1)
	defer p.inGet.Add(-1)
	for {
		m := p.maxInGet.Load()
		if n <= m || p.maxInGet.CompareAndSwap(m, n) {
			break
		}
	}
	if p.gate != nil {
		<-p.gate
	}
	if p.fail.Load() {
		return shortener.Link{}, p.down("get")
	}
	return p.Store.Get(ctx, code)
}

func (p *probeStore) Create(ctx context.Context, l shortener.Link) error {
	if p.fail.Load() {
		return p.down("create")
	}
	return p.Store.Create(ctx, l)
}

func (p *probeStore) Update(ctx context.Context, l shortener.Link) error {
	if p.fail.Load() {
		return p.down("update")
	}
	return p.Store.Update(ctx, l)
}

func (p *probeStore) Delete(ctx context.Context, code string) error {
	if p.fail.Load() {
		return p.down("delete")
	}
	return p.Store.Delete(ctx, code)
}

func (p *probeStore) Clicks(ctx context.Context, code string) (int64, error) {
	if p.fail.Load() {
		return 0, p.down("clicks")
	}
	return p.Store.Clicks(ctx, code)
}

// probeTier wraps a cache tier: every Get fails while failGet is set, every
// Delete while failDelete is.
type probeTier struct {
	cache.Tier[shortener.Link]
	failGet, failDelete atomic.Bool
}

var errTierDown = errors.New("redis: connection refused")

func (p *probeTier) Get(ctx context.Context, key string) (cache.Entry[shortener.Link], bool, error) {
	if p.failGet.Load() {
		return cache.Entry[shortener.Link]{}, false, errTierDown
	}
	return p.Tier.Get(ctx, key)
}

func (p *probeTier) Delete(ctx context.Context, keys ...string) error {
	if p.failDelete.Load() {
		return errTierDown
	}
	return p.Tier.Delete(ctx, keys...)
}

// newLocalTier returns an in-process tier of capacity links.
func newLocalTier(t testing.TB, capacity int) cache.Tier[shortener.Link] {
	m, err := cache.NewS3FIFO[string, cache.Entry[shortener.Link]](capacity, cache.Config[string, cache.Entry[shortener.Link]]{})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	l, err := cache.NewLocal[shortener.Link](m)
	require.NoError(t, err)
	return l
}

// recorder is a ClickRecorder that remembers every click.
type recorder struct {
	mu      sync.Mutex // protects clicks
	clicks  map[string]int64
	pending int64
}

func (r *recorder) Record(code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clicks == nil {
		r.clicks = map[string]int64{}
	}
	r.clicks[code]++
}

func (r *recorder) Pending(string) int64 { return r.pending }

func (r *recorder) Clicks(code string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clicks[code]
}

// fixedCodes is a Generator that hands out the given codes in order.
type fixedCodes struct {
	mu    sync.Mutex // protects codes
	codes []string
}

func (f *fixedCodes) Next(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.codes) == 0 {
		return "", shortener.ErrExhausted
	}
	c := f.codes[0]
	f.codes = f.codes[1:]
	return c, nil
}

// newTestService returns a Service over st, closed when the test ends.
func newTestService(t testing.TB, st shortener.Store, cfg shortener.ServiceConfig) *shortener.Service {
	t.Helper()
	s, err := shortener.NewService(st, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestServiceShortenAndResolve(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(st0)
	st := newProbeStore(newStore(t, clk.Now))
	s := newTestService(t, st, shortener.ServiceConfig{Now: clk.Now})

	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "HTTPS://Example.COM", ExpiresIn: time.Hour})
	require.NoError(t, err)
	assert.Len(t, l.Code, shortener.DefaultCodeLen)
	assert.Equal(t, "https://example.com/", l.URL, "the URL is stored normalised")
	created := st0.UTC().Truncate(time.Microsecond)
	assert.Equal(t, created, l.CreatedAt)
	assert.Equal(t, time.UTC, l.CreatedAt.Location())
	assert.Equal(t, created.Add(time.Hour), l.ExpiresAt)

	got, err := s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, l.URL, got.URL)
	assert.True(t, l.CreatedAt.Equal(got.CreatedAt))

	a, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/b", Alias: "my-alias"})
	require.NoError(t, err)
	assert.Equal(t, "my-alias", a.Code)
	assert.True(t, a.ExpiresAt.IsZero(), "ExpiresIn 0 means never")
	_, err = s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/c", Alias: "my-alias"})
	require.ErrorIs(t, err, shortener.ErrCodeTaken)
}

func TestServiceRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	st := newProbeStore(newStore(t, time.Now))
	s := newTestService(t, st, shortener.ServiceConfig{})
	live, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/"})
	require.NoError(t, err)
	neg := -time.Second
	long := string(make([]byte, shortener.MaxCodeLen+1))
	bad := "javascript:alert(1)"
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"shorten: scheme", func() error {
			_, err := s.Shorten(ctx, shortener.ShortenRequest{URL: bad})
			return err
		}, shortener.ErrInvalidURL},
		{"shorten: private address", func() error {
			_, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "http://169.254.169.254/latest"})
			return err
		}, shortener.ErrInvalidURL},
		{"shorten: reserved alias", func() error {
			_, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/", Alias: "admin"})
			return err
		}, shortener.ErrInvalidAlias},
		{"shorten: alias too long", func() error {
			_, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/", Alias: long})
			return err
		}, shortener.ErrInvalidAlias},
		{"shorten: negative expiry", func() error {
			_, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/", ExpiresIn: neg})
			return err
		}, shortener.ErrInvalidLink},
		{"resolve: empty code", func() error { _, err := s.Resolve(ctx, ""); return err }, shortener.ErrInvalidLink},
		{"resolve: code too long", func() error { _, err := s.Resolve(ctx, long); return err }, shortener.ErrInvalidLink},
		{"resolve: NUL", func() error { _, err := s.Resolve(ctx, "a\x00b"); return err }, shortener.ErrInvalidLink},
		{"resolve: not UTF-8", func() error { _, err := s.Resolve(ctx, "\xff\xfe"); return err }, shortener.ErrInvalidLink},
		{"update: URL", func() error {
			_, err := s.Update(ctx, live.Code, shortener.Update{URL: bad})
			return err
		}, shortener.ErrInvalidURL},
		{"update: negative expiry", func() error {
			_, err := s.Update(ctx, live.Code, shortener.Update{URL: "https://example.com/", ExpiresIn: neg})
			return err
		}, shortener.ErrInvalidLink},
		{"patch: URL", func() error {
			_, err := s.Patch(ctx, live.Code, shortener.Patch{URL: &bad})
			return err
		}, shortener.ErrInvalidURL},
		{"patch: negative expiry", func() error {
			_, err := s.Patch(ctx, live.Code, shortener.Patch{ExpiresIn: &neg})
			return err
		}, shortener.ErrInvalidLink},
		{"patch: expiry and clear", func() error {
			d := time.Hour
			_, err := s.Patch(ctx, live.Code, shortener.Patch{ExpiresIn: &d, ClearExpiry: true})
			return err
		}, shortener.ErrInvalidLink},
		{"patch: code too long", func() error {
			_, err := s.Patch(ctx, long, shortener.Patch{ClearExpiry: true})
			return err
		}, shortener.ErrInvalidLink},
		{"delete: code too long", func() error { return s.Delete(ctx, long) }, shortener.ErrInvalidLink},
		{"stats: code too long", func() error { _, err := s.Stats(ctx, long); return err }, shortener.ErrInvalidLink},
		{"recent: zero", func() error { _, err := s.Recent(ctx, 0); return err }, shortener.ErrInvalidLink},
		{"update: unknown", func() error {
			_, err := s.Update(ctx, "nope", shortener.Update{URL: "https://example.com/"})
			return err
		}, shortener.ErrNotFound},
		{"delete: unknown", func() error { return s.Delete(ctx, "nope") }, shortener.ErrNotFound},
		{"resolve: unknown", func() error { _, err := s.Resolve(ctx, "nope"); return err }, shortener.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, tc.want)
			assert.Regexp(t, `^shortener: `, err.Error())
			assert.NotRegexp(t, `shortener: .*shortener: `, err.Error(), "the prefix appears once")
		})
	}
	for _, code := range []string{long, "a\x00b", "\xff\xfe"} {
		assert.Zero(t, st.Gets(code), "a hostile code never reaches the store")
	}
	got, err := s.Resolve(ctx, live.Code)
	require.NoError(t, err)
	assert.Equal(t, live.URL, got.URL, "refused writes changed nothing")
	assert.True(t, got.ExpiresAt.IsZero())
}

func TestServiceRetriesACollisionAtCreate(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, time.Now)
	// The generator's first code is an alias someone already holds, and
	// its TakenFunc does not see it (another node took it after the
	// check): Create refuses, and Shorten issues again.
	gen := &fixedCodes{codes: []string{"taken01", "fresh01"}}
	codes, err := shortener.NewIssuer(gen, func(context.Context, string) (bool, error) { return false, nil }, shortener.IssuerConfig{})
	require.NoError(t, err)
	s := newTestService(t, st, shortener.ServiceConfig{Codes: codes})
	_, err = s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/1", Alias: "taken01"})
	require.NoError(t, err)

	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/2"})
	require.NoError(t, err)
	assert.Equal(t, "fresh01", l.Code)
	got, err := s.Resolve(ctx, "taken01")
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/1", got.URL, "the alias kept its link")
}

func TestServiceDefaultIssuerSkipsTakenAndRetiredCodes(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t, newStore(t, time.Now), shortener.ServiceConfig{})
	seen := map[string]bool{}
	for i := range 200 {
		l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/" + strconv.Itoa(i)})
		require.NoError(t, err)
		require.False(t, seen[l.Code], "code %q issued twice", l.Code)
		seen[l.Code] = true
	}
}

func TestServiceUpdatePatchDelete(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(st0)
	st := newProbeStore(newStore(t, clk.Now))
	s := newTestService(t, st, shortener.ServiceConfig{Now: clk.Now})
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/v1", ExpiresIn: time.Hour})
	require.NoError(t, err)
	_, err = s.Resolve(ctx, l.Code) // cached from here on
	require.NoError(t, err)

	clk.Advance(time.Minute)
	u, err := s.Update(ctx, l.Code, shortener.Update{URL: "https://example.com/v2"})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/v2", u.URL)
	assert.True(t, u.ExpiresAt.IsZero(), "a PUT without ExpiresIn removes the expiry")
	assert.True(t, l.CreatedAt.Equal(u.CreatedAt), "CreatedAt is kept")
	got, err := s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/v2", got.URL, "the update invalidated the cached link")

	d := 2 * time.Hour
	p, err := s.Patch(ctx, l.Code, shortener.Patch{ExpiresIn: &d})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/v2", p.URL, "a PATCH keeps the fields it does not give")
	assert.Equal(t, clk.Now().UTC().Truncate(time.Microsecond).Add(d), p.ExpiresAt, "ExpiresIn counts from now")
	got, err = s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, p.ExpiresAt, got.ExpiresAt.UTC())

	v3 := "https://Example.com/v3"
	p, err = s.Patch(ctx, l.Code, shortener.Patch{URL: &v3})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/v3", p.URL, "a patched URL is normalised")
	assert.False(t, p.ExpiresAt.IsZero(), "a PATCH of the URL keeps the expiry")
	p, err = s.Patch(ctx, l.Code, shortener.Patch{ClearExpiry: true})
	require.NoError(t, err)
	assert.True(t, p.ExpiresAt.IsZero())
	same, err := s.Patch(ctx, l.Code, shortener.Patch{})
	require.NoError(t, err)
	assert.Equal(t, p.URL, same.URL)
	got, err = s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/v3", got.URL)
	assert.True(t, got.ExpiresAt.IsZero())

	require.NoError(t, s.Delete(ctx, l.Code))
	_, err = s.Resolve(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrGone, "the delete invalidated the cached link")
	require.ErrorIs(t, s.Delete(ctx, l.Code), shortener.ErrGone)
	_, err = s.Update(ctx, l.Code, shortener.Update{URL: "https://example.com/v4"})
	require.ErrorIs(t, err, shortener.ErrGone)
	_, err = s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/v4", Alias: l.Code})
	require.ErrorIs(t, err, shortener.ErrCodeTaken, "a deleted code is never reissued")
}

// TestServiceCachesUnknownCodes: enumerating codes reaches the store once
// per code, however often each is tried.
func TestServiceCachesUnknownCodes(t *testing.T) {
	ctx := context.Background()
	st := newProbeStore(newStore(t, time.Now))
	s := newTestService(t, st, shortener.ServiceConfig{})
	for range 3 {
		for i := range 1000 {
			_, err := s.Resolve(ctx, "unknown"+strconv.Itoa(i))
			require.ErrorIs(t, err, shortener.ErrNotFound)
		}
	}
	for i := range 1000 {
		require.Equal(t, 1, st.Gets("unknown"+strconv.Itoa(i)), "code %d", i)
	}
	assert.Equal(t, uint64(3000), s.CacheStats().Negative)
}

// TestServiceCachesGoneCodes: a deleted or expired code answers "gone"
// from the cache, without the store.
func TestServiceCachesGoneCodes(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(st0)
	st := newProbeStore(newStore(t, clk.Now))
	rec := &recorder{}
	s := newTestService(t, st, shortener.ServiceConfig{Now: clk.Now, Clicks: rec})
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/"})
	require.NoError(t, err)
	require.NoError(t, s.Delete(ctx, l.Code))
	before := st.Gets(l.Code)
	for range 100 {
		_, err := s.Resolve(ctx, l.Code)
		require.ErrorIs(t, err, shortener.ErrGone)
	}
	assert.Equal(t, before+1, st.Gets(l.Code), "one store read, then the tombstone is cached")
	assert.Zero(t, rec.Clicks(l.Code), "a gone link is not a click")
}

// TestServiceCachedLinkNeverOutlivesItsExpiry: a cached link stops being
// served at its ExpiresAt by the service's clock, while the cache entry
// itself is still fresh.
func TestServiceCachedLinkNeverOutlivesItsExpiry(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(st0)
	st := newProbeStore(newStore(t, clk.Now))
	rec := &recorder{}
	s := newTestService(t, st, shortener.ServiceConfig{Now: clk.Now, Clicks: rec, CacheTTL: 24 * time.Hour})
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/", ExpiresIn: time.Minute})
	require.NoError(t, err)
	_, err = s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	gets := st.Gets(l.Code)

	clk.Advance(time.Minute - time.Microsecond)
	_, err = s.Resolve(ctx, l.Code)
	require.NoError(t, err, "served strictly before ExpiresAt")
	clk.Advance(time.Microsecond)
	for range 10 {
		_, err = s.Resolve(ctx, l.Code)
		require.ErrorIs(t, err, shortener.ErrGone)
	}
	assert.Equal(t, gets, st.Gets(l.Code), "the cached copy answered, and said gone")
	assert.Equal(t, int64(2), rec.Clicks(l.Code), "only the served redirects are clicks")
	_, err = s.Stats(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrGone)
}

// TestServiceCreateDropsTheNegativeEntry: a code looked up before its link
// existed is not answered "unknown" after Shorten.
func TestServiceCreateDropsTheNegativeEntry(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, time.Now)
	gen := &fixedCodes{codes: []string{"probed1"}}
	codes, err := shortener.NewIssuer(gen, func(context.Context, string) (bool, error) { return false, nil }, shortener.IssuerConfig{})
	require.NoError(t, err)
	s := newTestService(t, st, shortener.ServiceConfig{Codes: codes})
	for _, tc := range []struct{ code, alias string }{{"launch", "launch"}, {"probed1", ""}} {
		_, err := s.Resolve(ctx, tc.code)
		require.ErrorIs(t, err, shortener.ErrNotFound)
		l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/" + tc.code, Alias: tc.alias})
		require.NoError(t, err)
		require.Equal(t, tc.code, l.Code)
		got, err := s.Resolve(ctx, tc.code)
		require.NoError(t, err, "%s: the create dropped the negative entry", tc.code)
		assert.Equal(t, l.URL, got.URL)
	}
}

// TestServiceInvalidationFailure: a write whose invalidation fails is in
// the store, and says so with ErrCacheUnavailable.
func TestServiceInvalidationFailure(t *testing.T) {
	ctx := context.Background()
	st := newProbeStore(newStore(t, time.Now))
	tier := &probeTier{Tier: newLocalTier(t, 100)}
	s := newTestService(t, st, shortener.ServiceConfig{Tier: tier})
	tier.failDelete.Store(true)

	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/1"})
	require.ErrorIs(t, err, shortener.ErrCacheUnavailable)
	require.ErrorIs(t, err, errTierDown)
	require.NotEmpty(t, l.Code, "the link is returned with the error")
	stored, err := st.Get(ctx, l.Code)
	require.NoError(t, err, "the write happened")
	assert.Equal(t, "https://example.com/1", stored.URL)

	u, err := s.Update(ctx, l.Code, shortener.Update{URL: "https://example.com/2"})
	require.ErrorIs(t, err, shortener.ErrCacheUnavailable)
	assert.Equal(t, "https://example.com/2", u.URL)
	stored, err = st.Get(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/2", stored.URL)

	v := "https://example.com/3"
	_, err = s.Patch(ctx, l.Code, shortener.Patch{URL: &v})
	require.ErrorIs(t, err, shortener.ErrCacheUnavailable)

	err = s.Delete(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrCacheUnavailable)
	assert.Regexp(t, `^shortener: cache unavailable: `, err.Error())
	_, err = st.Get(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrGone, "the delete happened")
}

// TestServiceStoreDown: with the database refusing connections, writes
// fail with ErrStoreUnavailable and Resolve serves what is cached.
func TestServiceStoreDown(t *testing.T) {
	ctx := context.Background()
	st := newProbeStore(newStore(t, time.Now))
	s := newTestService(t, st, shortener.ServiceConfig{})
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/cached"})
	require.NoError(t, err)
	_, err = s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	other, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/cold"})
	require.NoError(t, err)

	st.fail.Store(true)
	for _, req := range []shortener.ShortenRequest{
		{URL: "https://example.com/new"},
		{URL: "https://example.com/new", Alias: "new-alias"},
	} {
		_, err = s.Shorten(ctx, req)
		require.ErrorIs(t, err, shortener.ErrStoreUnavailable)
		require.ErrorIs(t, err, errRefused, "the engine's error is kept")
	}
	got, err := s.Resolve(ctx, l.Code)
	require.NoError(t, err, "a cached link is served")
	assert.Equal(t, l.URL, got.URL)
	_, err = s.Resolve(ctx, other.Code)
	require.ErrorIs(t, err, shortener.ErrStoreUnavailable)
	require.ErrorIs(t, err, errRefused)
	assert.Regexp(t, `^shortener: store unavailable: `, err.Error())
	_, err = s.Update(ctx, l.Code, shortener.Update{URL: "https://example.com/x"})
	require.ErrorIs(t, err, shortener.ErrStoreUnavailable)
	require.ErrorIs(t, s.Delete(ctx, l.Code), shortener.ErrStoreUnavailable)
	_, err = s.Stats(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrStoreUnavailable)

	st.fail.Store(false)
	got, err = s.Resolve(ctx, other.Code)
	require.NoError(t, err, "a failed load is not cached")
	assert.Equal(t, other.URL, got.URL)
}

func TestServiceStats(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, time.Now)
	rec := &recorder{pending: 5}
	s := newTestService(t, st, shortener.ServiceConfig{Clicks: rec})
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/"})
	require.NoError(t, err)
	require.NoError(t, st.AddClicks(ctx, map[string]int64{l.Code: 3}))
	got, err := s.Stats(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(8), got.Clicks, "store clicks plus pending ones")
	assert.Equal(t, l.URL, got.Link.URL)
}

// TestServiceClicksExactAfterClose: every redirect the default counter
// saw is in the store once the Service is closed.
func TestServiceClicksExactAfterClose(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, time.Now)
	s, err := shortener.NewService(st, shortener.ServiceConfig{})
	require.NoError(t, err)
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if _, err := s.Resolve(ctx, l.Code); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stats, err := s.Stats(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(8000), stats.Clicks, "store clicks plus pending ones, before Close")
	require.NoError(t, s.Close(ctx))
	n, err := st.Clicks(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(8000), n)
}

// TestServiceConcurrentWritesAndResolves: however loads and updates
// interleave, once the last update returned, Resolve serves it: a load
// that read the store before an update never overwrites its invalidation.
func TestServiceConcurrentWritesAndResolves(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t, newStore(t, time.Now), shortener.ServiceConfig{})
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/v0", Alias: "hot"})
	require.NoError(t, err)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Resolve(ctx, l.Code); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := 1; i <= 200; i++ {
		want := "https://example.com/v" + strconv.Itoa(i)
		_, err := s.Update(ctx, l.Code, shortener.Update{URL: want})
		require.NoError(t, err)
		got, err := s.Resolve(ctx, l.Code)
		require.NoError(t, err)
		require.Equal(t, want, got.URL, "after update %d", i)
	}
	close(stop)
	wg.Wait()
}

// TestServiceOneAliasManyCallers: of 1000 concurrent Shortens of one
// alias, exactly one wins.
func TestServiceOneAliasManyCallers(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t, newStore(t, time.Now), shortener.ServiceConfig{})
	var won, taken atomic.Int64
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			_, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/" + strconv.Itoa(i), Alias: "contested"})
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, shortener.ErrCodeTaken):
				taken.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), won.Load())
	assert.Equal(t, int64(999), taken.Load())
}

func TestServiceRecent(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(st0)
	s := newTestService(t, newStore(t, clk.Now), shortener.ServiceConfig{Now: clk.Now})
	var want []string
	for i := range 5 {
		clk.Advance(time.Second)
		l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/" + strconv.Itoa(i)})
		require.NoError(t, err)
		want = append([]string{l.Code}, want...)
	}
	links, err := s.Recent(ctx, 3)
	require.NoError(t, err)
	var got []string
	for _, l := range links {
		got = append(got, l.Code)
	}
	assert.Equal(t, want[:3], got)
	links, err = s.Recent(ctx, shortener.MaxRecent+1)
	require.NoError(t, err)
	assert.Len(t, links, 5)
}

func TestServiceConfigErrors(t *testing.T) {
	st := newStore(t, time.Now)
	_, err := shortener.NewService(nil, shortener.ServiceConfig{})
	require.ErrorIs(t, err, shortener.ErrInvalidConfig)
	for name, cfg := range map[string]shortener.ServiceConfig{
		"CacheCapacity": {CacheCapacity: -1},
		"CacheTTL":      {CacheTTL: -1},
		"StaleIfError":  {StaleIfError: -1},
		"LoadTimeout":   {LoadTimeout: -1},
		"OutageLoads":   {OutageLoads: -1},
		"OnTierError":   {OnTierError: cache.LoadOnTierError + 1},
		"Capacity":      {CacheCapacity: cache.MaxCapacity + 1},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := shortener.NewService(st, cfg)
			require.ErrorIs(t, err, shortener.ErrInvalidConfig)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), name)
		})
	}
}

func TestServiceZeroAndClosed(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]*shortener.Service{"zero": new(shortener.Service), "nil": nil} {
		t.Run(name, func(t *testing.T) {
			check := func(err error) {
				t.Helper()
				require.ErrorIs(t, err, shortener.ErrNotInitialized)
				assert.EqualError(t, err, "shortener: Service used without NewService")
			}
			_, err := s.Shorten(ctx, shortener.ShortenRequest{})
			check(err)
			_, err = s.Resolve(ctx, "x")
			check(err)
			_, err = s.Update(ctx, "x", shortener.Update{})
			check(err)
			_, err = s.Patch(ctx, "x", shortener.Patch{})
			check(err)
			check(s.Delete(ctx, "x"))
			_, err = s.Stats(ctx, "x")
			check(err)
			_, err = s.Recent(ctx, 1)
			check(err)
			check(s.Close(ctx))
			assert.PanicsWithError(t, "shortener: Service used without NewService", func() { s.CacheStats() })
		})
	}

	s, err := shortener.NewService(newStore(t, time.Now), shortener.ServiceConfig{})
	require.NoError(t, err)
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/"})
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))
	require.NoError(t, s.Close(ctx), "Close is idempotent")
	_, err = s.Resolve(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrClosed)
	_, err = s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/"})
	require.ErrorIs(t, err, shortener.ErrClosed)
	require.ErrorIs(t, s.Delete(ctx, l.Code), shortener.ErrClosed)
}
