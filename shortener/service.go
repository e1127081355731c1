package shortener

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backendkit/backendkit/cache"
)

// The defaults of ServiceConfig.
const (
	// DefaultCacheCapacity is the number of links the in-process cache
	// holds when ServiceConfig.CacheCapacity is zero.
	DefaultCacheCapacity = 100_000
	// DefaultCacheTTL is how long a cached link stays fresh when
	// ServiceConfig.CacheTTL is zero. Every write invalidates its code, so
	// the TTL only bounds what a lost invalidation can leave behind.
	DefaultCacheTTL = time.Hour
	// DefaultCodeLen is the length of the random codes a Service issues
	// when ServiceConfig.Codes is nil.
	DefaultCodeLen = 7
	// MaxRecent is the most links Service.Recent returns.
	MaxRecent = 1000
)

// ErrCacheUnavailable is wrapped by the error of a Service write whose
// invalidation could not be published (the cache tier, Redis, did not
// answer): the store has the write, but other instances may serve what
// they cached before it until their entry's TTL runs out. It is also
// wrapped by a Resolve that could neither use the cache tier nor, within
// the outage limit, the store.
var ErrCacheUnavailable = errors.New("shortener: cache unavailable")

var errServiceZero error = notInitialized("Service")

// ShortenRequest asks Service.Shorten for a link.
type ShortenRequest struct {
	// URL is the target; it is validated and stored normalised.
	URL string
	// Alias is the code the owner chose; empty means generate one.
	Alias string
	// ExpiresIn is how long the link is served; zero means forever, a
	// negative value is refused.
	ExpiresIn time.Duration
}

// Update is a PUT of a link: every field is replaced.
type Update struct {
	// URL is the new target; it is validated and stored normalised.
	URL string
	// ExpiresIn is how long from now the link is served; zero means
	// forever, a negative value is refused.
	ExpiresIn time.Duration
}

// Patch is a PATCH of a link: only the fields given change.
type Patch struct {
	// URL, when not nil, is the new target; it is validated and stored
	// normalised.
	URL *string
	// ExpiresIn, when not nil, is how long from now the link is served:
	// zero means forever, a negative value is refused.
	ExpiresIn *time.Duration
	// ClearExpiry removes the link's expiry. Setting it with a positive
	// ExpiresIn is refused.
	ClearExpiry bool
}

// LinkStats is a link and the clicks it has had.
type LinkStats struct {
	// Link is the live link.
	Link Link
	// Clicks is the clicks the store has plus those recorded but not yet
	// written to it.
	Clicks int64
}

// ClickRecorder is what a Service tells of every redirect it serves.
// A [ClickCounter] is one; Record must not block, since it runs on the
// redirect's path.
type ClickRecorder interface {
	// Record counts one click of code.
	Record(code string)
	// Pending returns the clicks of code recorded but not yet in the
	// store.
	Pending(code string) int64
}

// ServiceConfig configures a Service beyond its store. Its zero value
// means the documented defaults.
type ServiceConfig struct {
	// URLs validates and normalises target URLs. Nil means
	// NewURLValidator(URLConfig{}).
	URLs *URLValidator
	// Aliases validates custom aliases. Nil means NewAliases(AliasConfig{}).
	Aliases *Aliases
	// Codes issues generated codes. Nil means random codes of
	// DefaultCodeLen characters from crypto/rand, checked against the
	// store (a collision at Create is issued again).
	Codes *Issuer
	// Tier is the cache in front of the store. Nil means an in-process
	// cache.Local over an S3FIFO of CacheCapacity links, which the Service
	// owns and closes; in a deployment of several instances, a
	// rediscache.TwoTier[Link] (local copies, Redis, invalidation on
	// pub/sub), which the caller owns and closes after the Service.
	Tier cache.Tier[Link]
	// CacheCapacity is the capacity of the default in-process cache. Zero
	// means DefaultCacheCapacity; it is ignored when Tier is set.
	CacheCapacity int
	// CacheTTL is how long a cached link, or the fact that a code is
	// gone, stays fresh. Zero means DefaultCacheTTL.
	CacheTTL time.Duration
	// NegativeTTL is how long the fact that a code is unknown stays
	// cached. Zero means a tenth of CacheTTL; a negative value means it is
	// not cached, so every lookup of an unknown code reaches the store.
	NegativeTTL time.Duration
	// StaleIfError is how long past its freshness a cached link may still
	// be served when the store fails. Zero means never.
	StaleIfError time.Duration
	// LoadTimeout bounds each read of the store on a cache miss, and each
	// invalidation after a write. Zero means cache.DefaultLoadTimeout.
	LoadTimeout time.Duration
	// OnTierError says what Resolve does when the cache tier fails.
	// The zero value, cache.FailOnTierError, means the default,
	// cache.LoadOnTierError: go to the store, at most OutageLoads loads at
	// once in this process. cache.ServeLocalOnTierError serves only what
	// the tier's local layer still holds.
	OnTierError cache.TierErrorPolicy
	// OutageLoads is how many store reads at once LoadOnTierError allows.
	// Zero means cache.DefaultOutageLoads.
	OutageLoads int
	// Clicks is told of every redirect served. Nil means a ClickCounter
	// over the store with its defaults, owned and closed by the Service.
	Clicks ClickRecorder
	// Now is the clock of creation times and expiry decisions. Nil means
	// time.Now.
	Now func() time.Time
}

// Service is the URL shortener's core: it validates, issues codes, stores
// links and resolves them through a read-through cache (the tier's local
// copy, then Redis when the tier is a two-tier cache, then the store).
//
// Resolve caches what the store answered, including "unknown" (for
// NegativeTTL) and "gone" (for CacheTTL, since a gone code never comes
// back), so enumerating codes does not reach the store twice per code. A
// cached link is checked against its expiry on every hit, so it is never
// served after it. Every write (Shorten, Update, Patch, Delete) goes to the
// store and then invalidates the code in the tier, which on a TwoTier tells
// every instance to drop its copy; a Shorten thus also drops every
// instance's negative entry for its code.
//
// Service is safe for concurrent use. Make one with [NewService] and Close
// it when done.
type Service struct {
	store   Store
	urls    *URLValidator
	aliases *Aliases
	codes   *Issuer
	rt      *cache.ReadThrough[Link]
	clicks  ClickRecorder
	now     func() time.Time
	timeout time.Duration

	ownMap    *cache.S3FIFO[string, cache.Entry[Link]] // the default tier's map, closed by Close
	ownClicks *fallbackClicks                          // the default recorder, closed by Close

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// NewService returns a Service over store. It returns an error wrapping
// ErrInvalidConfig for a nil store or a bad cfg.
func NewService(store Store, cfg ServiceConfig) (*Service, error) {
	switch {
	case store == nil:
		return nil, fmt.Errorf("%w: NewService: store is nil", ErrInvalidConfig)
	case cfg.CacheCapacity < 0:
		return nil, fmt.Errorf("%w: NewService: CacheCapacity must not be negative, got %d", ErrInvalidConfig, cfg.CacheCapacity)
	case cfg.CacheTTL < 0:
		return nil, fmt.Errorf("%w: NewService: CacheTTL must not be negative, got %v", ErrInvalidConfig, cfg.CacheTTL)
	case cfg.StaleIfError < 0:
		return nil, fmt.Errorf("%w: NewService: StaleIfError must not be negative, got %v", ErrInvalidConfig, cfg.StaleIfError)
	case cfg.LoadTimeout < 0:
		return nil, fmt.Errorf("%w: NewService: LoadTimeout must not be negative, got %v", ErrInvalidConfig, cfg.LoadTimeout)
	case cfg.OutageLoads < 0:
		return nil, fmt.Errorf("%w: NewService: OutageLoads must not be negative, got %d", ErrInvalidConfig, cfg.OutageLoads)
	case cfg.OnTierError > cache.LoadOnTierError:
		return nil, fmt.Errorf("%w: NewService: unknown OnTierError %d", ErrInvalidConfig, cfg.OnTierError)
	}
	s := &Service{store: store, urls: cfg.URLs, aliases: cfg.Aliases, codes: cfg.Codes, clicks: cfg.Clicks, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.timeout = cfg.LoadTimeout
	if s.timeout == 0 {
		s.timeout = cache.DefaultLoadTimeout
	}
	var err error
	if s.urls == nil {
		if s.urls, err = NewURLValidator(URLConfig{}); err != nil {
			return nil, err
		}
	}
	if s.aliases == nil {
		if s.aliases, err = NewAliases(AliasConfig{}); err != nil {
			return nil, err
		}
	}
	if s.codes == nil {
		gen, err := NewRandom(DefaultCodeLen, RandomConfig{})
		if err != nil {
			return nil, err
		}
		if s.codes, err = NewIssuer(gen, s.taken, IssuerConfig{Aliases: s.aliases}); err != nil {
			return nil, err
		}
	}
	ttl := cfg.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	tier := cfg.Tier
	if tier == nil {
		capacity := cfg.CacheCapacity
		if capacity == 0 {
			capacity = DefaultCacheCapacity
		}
		m, err := cache.NewS3FIFO[string, cache.Entry[Link]](capacity, cache.Config[string, cache.Entry[Link]]{})
		if err != nil {
			return nil, fmt.Errorf("%w: NewService: CacheCapacity: %w", ErrInvalidConfig, err)
		}
		local, err := cache.NewLocal[Link](m)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("%w: NewService: %w", ErrInvalidConfig, err)
		}
		s.ownMap, tier = m, local
	}
	policy := cfg.OnTierError
	if policy == cache.FailOnTierError {
		policy = cache.LoadOnTierError
	}
	s.rt, err = cache.NewReadThrough(tier, s.load, ttl, cache.ReadThroughConfig{
		LoadTimeout:  s.timeout,
		NegativeTTL:  cfg.NegativeTTL,
		StaleIfError: cfg.StaleIfError,
		OnTierError:  policy,
		OutageLoads:  cfg.OutageLoads,
	})
	if err != nil {
		s.closeOwned()
		return nil, fmt.Errorf("%w: NewService: %w", ErrInvalidConfig, err)
	}
	if s.clicks == nil {
		s.ownClicks = newFallbackClicks(store)
		s.clicks = s.ownClicks
	}
	return s, nil
}

// taken is the default Issuer's TakenFunc: a code is taken when the store
// has a link or a tombstone for it.
func (s *Service) taken(ctx context.Context, code string) (bool, error) {
	_, err := s.store.Get(ctx, code)
	switch {
	case err == nil, errors.Is(err, ErrGone):
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

// storeError carries a store's error through the read-through cache, so
// that Resolve returns it as the store said it.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// load is the read-through's loader. A gone code is cached as a Link with
// an empty URL, which no live link has.
func (s *Service) load(ctx context.Context, code string) (Link, error) {
	l, err := s.store.Get(ctx, code)
	switch {
	case err == nil:
		if l.URL == "" {
			return Link{}, &storeError{fmt.Errorf("%w: store returned an empty URL for %q", ErrStoreUnavailable, code)}
		}
		return l, nil
	case errors.Is(err, ErrNotFound):
		return Link{}, cache.ErrNotFound
	case errors.Is(err, ErrGone):
		return Link{}, nil
	}
	return Link{}, &storeError{err}
}

func (s *Service) usable() error {
	if s == nil || s.rt == nil {
		return errServiceZero
	}
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

// createdAt is the creation time of a link made now: UTC, to the
// microsecond, as every store keeps it.
func (s *Service) createdAt() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

func expiry(created time.Time, in time.Duration) (time.Time, error) {
	switch {
	case in < 0:
		return time.Time{}, fmt.Errorf("%w: ExpiresIn %v is negative", ErrInvalidLink, in)
	case in == 0:
		return time.Time{}, nil
	}
	return created.Add(in), nil
}

// Shorten validates r and stores a new link: under r.Alias when it is set
// (ErrCodeTaken if that code was ever used), else under a generated code.
// Errors wrap ErrInvalidURL, ErrInvalidAlias or ErrInvalidLink for bad
// input, ErrCodeTaken, and ErrStoreUnavailable when the store did not
// answer. When the link was stored but its code could not be invalidated
// in the cache tier, Shorten returns the link with an error wrapping
// ErrCacheUnavailable: the link exists, but another instance may answer
// "unknown" for it until its negative entry expires.
func (s *Service) Shorten(ctx context.Context, r ShortenRequest) (Link, error) {
	if err := s.usable(); err != nil {
		return Link{}, err
	}
	target, err := s.urls.Validate(r.URL)
	if err != nil {
		return Link{}, err
	}
	if r.Alias != "" {
		if err := s.aliases.Validate(r.Alias); err != nil {
			return Link{}, err
		}
	}
	l := Link{URL: target, CreatedAt: s.createdAt()}
	if l.ExpiresAt, err = expiry(l.CreatedAt, r.ExpiresIn); err != nil {
		return Link{}, err
	}
	if r.Alias != "" {
		l.Code = r.Alias
		if err := s.create(ctx, l); err != nil {
			return Link{}, err
		}
		return l, s.invalidate(ctx, l.Code)
	}
	for attempt := 1; ; attempt++ {
		if l.Code, err = s.codes.Issue(ctx); err != nil {
			return Link{}, fmt.Errorf("shortener: issuing a code: %w", err)
		}
		err = s.create(ctx, l)
		if err == nil {
			return l, s.invalidate(ctx, l.Code)
		}
		if !errors.Is(err, ErrCodeTaken) || attempt == DefaultMaxAttempts {
			return Link{}, err
		}
	}
}

func (s *Service) create(ctx context.Context, l Link) error {
	if err := l.Check(); err != nil {
		return err
	}
	return s.store.Create(ctx, l)
}

// invalidate drops code from the cache tier, on a context that the
// caller's cancellation does not end (the write happened; the caches must
// learn of it), bounded by LoadTimeout.
func (s *Service) invalidate(ctx context.Context, code string) error {
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	if err := s.rt.Invalidate(ictx, code); err != nil {
		return fmt.Errorf("%w: code %q was written but not invalidated: %w", ErrCacheUnavailable, code, err)
	}
	return nil
}

// Resolve returns the link to redirect to for code and records a click:
// from the cache when it holds the code, else from the store. Errors wrap
// ErrInvalidLink for a code no store accepts, ErrNotFound for a code never
// used, ErrGone for an expired or deleted link, ErrStoreUnavailable when
// the store did not answer (a cached link is still served), and
// ErrCacheUnavailable when the cache tier failed and the outage limit
// turned the store read away.
//
// A hit in the local cache reads the clock once (twice for a link with an
// expiry) and allocates nothing.
func (s *Service) Resolve(ctx context.Context, code string) (Link, error) {
	if err := s.usable(); err != nil {
		return Link{}, err
	}
	if !plainCode(code) {
		if err := CheckCode(code); err != nil {
			return Link{}, err
		}
	}
	l, _, err := s.rt.Get(ctx, code)
	if err != nil {
		return Link{}, s.resolveError(code, err)
	}
	if l.URL == "" || (!l.ExpiresAt.IsZero() && l.Expired(s.now())) {
		return Link{}, fmt.Errorf("%w: code %q", ErrGone, code)
	}
	s.clicks.Record(code)
	return l, nil
}

// plainCode reports, in one pass, whether code is 1 to MaxCodeLen bytes
// of ASCII without NUL: what every generated code and alias is, and a code
// CheckCode accepts. Resolve checks that first, and CheckCode only for
// other codes.
func plainCode(code string) bool {
	if len(code) == 0 || len(code) > MaxCodeLen {
		return false
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

func (s *Service) resolveError(code string, err error) error {
	var se *storeError
	switch {
	case errors.Is(err, cache.ErrNotFound):
		return fmt.Errorf("%w: code %q", ErrNotFound, code)
	case errors.As(err, &se):
		return se.err
	case errors.Is(err, cache.ErrOverloaded), errors.Is(err, cache.ErrTier):
		return fmt.Errorf("%w: resolving %q: %w", ErrCacheUnavailable, code, err)
	case errors.Is(err, cache.ErrClosed):
		return ErrClosed
	}
	return fmt.Errorf("shortener: resolving %q: %w", code, err)
}

// current returns the live link for code from the store.
func (s *Service) current(ctx context.Context, code string) (Link, error) {
	if err := CheckCode(code); err != nil {
		return Link{}, err
	}
	l, err := s.store.Get(ctx, code)
	if err != nil {
		return Link{}, err
	}
	if l.Expired(s.now()) {
		return Link{}, fmt.Errorf("%w: code %q", ErrGone, code)
	}
	return l, nil
}

// Update replaces the URL and expiry of the live link for code (a PUT);
// its creation time is kept. ExpiresIn counts from now. Errors are those
// of Shorten, and ErrNotFound or ErrGone when there is no live link; like
// Shorten, a write whose invalidation failed returns the link with an
// error wrapping ErrCacheUnavailable.
func (s *Service) Update(ctx context.Context, code string, u Update) (Link, error) {
	if err := s.usable(); err != nil {
		return Link{}, err
	}
	target, err := s.urls.Validate(u.URL)
	if err != nil {
		return Link{}, err
	}
	if u.ExpiresIn < 0 {
		return Link{}, fmt.Errorf("%w: ExpiresIn %v is negative", ErrInvalidLink, u.ExpiresIn)
	}
	l, err := s.current(ctx, code)
	if err != nil {
		return Link{}, err
	}
	l.URL = target
	if l.ExpiresAt, err = expiry(s.createdAt(), u.ExpiresIn); err != nil {
		return Link{}, err
	}
	return s.write(ctx, l)
}

// Patch changes the fields p gives of the live link for code. Errors and
// the failed invalidation are as for Update; a Patch that gives nothing
// returns the link unchanged without writing.
func (s *Service) Patch(ctx context.Context, code string, p Patch) (Link, error) {
	if err := s.usable(); err != nil {
		return Link{}, err
	}
	var target string
	if p.URL != nil {
		var err error
		if target, err = s.urls.Validate(*p.URL); err != nil {
			return Link{}, err
		}
	}
	if p.ExpiresIn != nil {
		switch {
		case *p.ExpiresIn < 0:
			return Link{}, fmt.Errorf("%w: ExpiresIn %v is negative", ErrInvalidLink, *p.ExpiresIn)
		case *p.ExpiresIn > 0 && p.ClearExpiry:
			return Link{}, fmt.Errorf("%w: ExpiresIn %v and ClearExpiry together", ErrInvalidLink, *p.ExpiresIn)
		}
	}
	l, err := s.current(ctx, code)
	if err != nil {
		return Link{}, err
	}
	if p.URL == nil && p.ExpiresIn == nil && !p.ClearExpiry {
		return l, nil
	}
	if p.URL != nil {
		l.URL = target
	}
	if p.ClearExpiry {
		l.ExpiresAt = time.Time{}
	}
	if p.ExpiresIn != nil {
		if l.ExpiresAt, err = expiry(s.createdAt(), *p.ExpiresIn); err != nil {
			return Link{}, err
		}
	}
	return s.write(ctx, l)
}

// write stores l over the live link of its code and invalidates the code.
func (s *Service) write(ctx context.Context, l Link) (Link, error) {
	if err := l.Check(); err != nil {
		return Link{}, err
	}
	if err := s.store.Update(ctx, l); err != nil {
		return Link{}, err
	}
	return l, s.invalidate(ctx, l.Code)
}

// Delete deletes the live link for code, leaving its tombstone: Resolve
// answers ErrGone from then on. Errors wrap ErrInvalidLink, ErrNotFound,
// ErrGone or ErrStoreUnavailable; an error wrapping ErrCacheUnavailable
// means the link was deleted but the cache tier did not hear of it, so an
// instance may serve its cached copy until that entry's TTL runs out.
// Clicks recorded but not yet written when the link is deleted are lost.
func (s *Service) Delete(ctx context.Context, code string) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := CheckCode(code); err != nil {
		return err
	}
	if err := s.store.Delete(ctx, code); err != nil {
		return err
	}
	return s.invalidate(ctx, code)
}

// Stats returns the live link for code and its clicks: the store's count
// plus the clicks this instance recorded but has not yet written. It is
// exact when no flush is being written and every instance has flushed
// (after Close, at the latest); a click recorded by another instance
// reaches it with that instance's next flush (every second by default),
// and the clicks of a flush in progress may be counted twice for its
// duration (the store has them and the recorder still holds them).
func (s *Service) Stats(ctx context.Context, code string) (LinkStats, error) {
	if err := s.usable(); err != nil {
		return LinkStats{}, err
	}
	l, err := s.current(ctx, code)
	if err != nil {
		return LinkStats{}, err
	}
	n, err := s.store.Clicks(ctx, code)
	if err != nil {
		return LinkStats{}, err
	}
	return LinkStats{Link: l, Clicks: n + s.clicks.Pending(code)}, nil
}

// Recent returns up to n live links, most recently created first; n above
// MaxRecent is taken as MaxRecent, and n below 1 is refused with an error
// wrapping ErrInvalidLink.
func (s *Service) Recent(ctx context.Context, n int) ([]Link, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("%w: Recent of %d links", ErrInvalidLink, n)
	}
	links, err := s.store.Recent(ctx, min(n, MaxRecent))
	if err != nil {
		return nil, err
	}
	now := s.now()
	live := links[:0]
	for _, l := range links {
		if !l.Expired(now) {
			live = append(live, l)
		}
	}
	return live, nil
}

// CacheStats returns the read-through cache's counts: hits are not
// counted (that counter would cost the redirect's path), loads, negative
// answers, stale answers and failures are.
func (s *Service) CacheStats() cache.ReadThroughStats {
	if s == nil || s.rt == nil {
		panic(errServiceZero)
	}
	return s.rt.Stats()
}

// Close stops the Service: it waits for the store reads in flight, writes
// the clicks its own ClickCounter holds (a ClickRecorder from the
// configuration is the caller's to close), and closes the default
// in-process cache. It waits until ctx ends at most. Close is idempotent;
// every method but CacheStats returns ErrClosed afterwards.
func (s *Service) Close(ctx context.Context) error {
	if s == nil || s.rt == nil {
		return errServiceZero
	}
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		err := s.rt.Close(ctx)
		if s.ownClicks != nil {
			err = errors.Join(err, s.ownClicks.Close(ctx))
		}
		s.closeOwned()
		s.closeErr = err
	})
	return s.closeErr
}

func (s *Service) closeOwned() {
	if s.ownMap != nil {
		s.ownMap.Close()
	}
}

// The default click recorder's flush policy.
const (
	fallbackInterval   = time.Second
	fallbackMaxPending = 100_000
)

// fallbackClicks counts clicks in memory and adds them to the store in
// one AddClicks every fallbackInterval, sooner when fallbackMaxPending
// clicks wait, and on Close. It stands in for the package's ClickCounter.
// Record never blocks on the store and never touches it, and takes no
// lock: a map lookup and two atomic adds.
type fallbackClicks struct {
	w     func(ctx context.Context, counts map[string]int64) error
	cells sync.Map      // code → *clickCell, for codes with clicks since the last flush but one
	total atomic.Int64  // clicks recorded and not yet written
	kick  chan struct{} // asks the flusher for an early flush
	stop  chan struct{}
	done  chan struct{}

	flushMu sync.Mutex // serialises flushes; protects lastErr
	lastErr error
}

// clickCell is one code's count. recorded only grows, until a flush that
// found the cell idle retires it by swapping in deadCell; written is what
// flushes have stored, changed only by the flusher.
type clickCell struct {
	recorded atomic.Int64
	written  atomic.Int64
}

// deadCell marks a retired cell: an Add on it stays far below zero, so a
// Record that raced with the retirement sees it and counts again in a new
// cell.
const deadCell = math.MinInt64 / 2

func newFallbackClicks(st Store) *fallbackClicks {
	c := &fallbackClicks{w: st.AddClicks,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *fallbackClicks) Record(code string) {
	for {
		v, ok := c.cells.Load(code)
		if !ok {
			v, _ = c.cells.LoadOrStore(code, new(clickCell))
		}
		cell := v.(*clickCell)
		if cell.recorded.Add(1) < 0 {
			// Retired by a flush between Load and Add: that add is
			// lost with the cell; count in the cell that replaces it.
			c.cells.CompareAndDelete(code, cell)
			continue
		}
		break
	}
	if c.total.Add(1) == fallbackMaxPending {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

func (c *fallbackClicks) Pending(code string) int64 {
	v, ok := c.cells.Load(code)
	if !ok {
		return 0
	}
	cell := v.(*clickCell)
	w := cell.written.Load()
	r := cell.recorded.Load()
	if r < w {
		return 0 // retired
	}
	return r - w
}

func (c *fallbackClicks) run() {
	defer close(c.done)
	t := time.NewTicker(fallbackInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.kick:
		}
		_ = c.flush(context.Background())
	}
}

// flush writes every pending click in one AddClicks, at most one count per
// code. Counts leave Pending only after the write, so Stats never misses
// clicks being written; a failed write leaves them pending for the next
// flush. A cell with no click since the last flush is retired, so memory
// holds only codes clicked lately.
func (c *fallbackClicks) flush(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	batch := map[string]int64{}
	type taken struct {
		cell     *clickCell
		recorded int64
	}
	seen := map[string]taken{}
	c.cells.Range(func(k, v any) bool {
		cell := v.(*clickCell)
		r, w := cell.recorded.Load(), cell.written.Load()
		switch {
		case r < 0:
			c.cells.CompareAndDelete(k, cell)
		case r == w:
			if cell.recorded.CompareAndSwap(r, deadCell) {
				c.cells.CompareAndDelete(k, cell)
			}
		default:
			batch[k.(string)] = r - w
			seen[k.(string)] = taken{cell, r}
		}
		return true
	})
	if len(batch) == 0 {
		return nil
	}
	err := c.w(ctx, batch)
	if err == nil {
		for k, t := range seen {
			t.cell.written.Store(t.recorded)
			c.total.Add(-batch[k])
		}
	}
	c.lastErr = err
	return err
}

// Close stops the flusher, waits for it, and flushes what is left.
func (c *fallbackClicks) Close(ctx context.Context) error {
	close(c.stop)
	<-c.done
	return c.flush(ctx)
}
