package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultLoadTimeout bounds a load when ReadThroughConfig.LoadTimeout is
// zero.
const DefaultLoadTimeout = 10 * time.Second

// DefaultOutageLoads is the number of loads at once that
// LoadOnTierError allows when ReadThroughConfig.OutageLoads is zero.
const DefaultOutageLoads = 4

// TierErrorPolicy says what a read-through Get does when the cache tier
// fails (for Redis: it is down or unreachable).
type TierErrorPolicy uint8

const (
	// FailOnTierError returns the tier's error, wrapping ErrTier: the
	// source of truth never sees the traffic the cache was absorbing.
	FailOnTierError TierErrorPolicy = iota
	// ServeLocalOnTierError serves the entry a local layer of the tier
	// still holds (a two-tier cache's in-process copy), fresh or stale,
	// and fails like FailOnTierError when there is none.
	ServeLocalOnTierError
	// LoadOnTierError serves a fresh local entry when there is one and
	// otherwise calls the loader, at most OutageLoads loads at once in
	// this process; a Get beyond that fails with ErrOverloaded. Every
	// process thus sends at most OutageLoads loads at once to the source
	// of truth instead of all of its misses.
	LoadOnTierError
)

// ReadThroughConfig configures a [ReadThrough] beyond its tier, loader and
// TTL. Its zero value means the documented defaults.
type ReadThroughConfig struct {
	// LoadTimeout bounds each load, which runs on a context detached from
	// the callers'. Zero means DefaultLoadTimeout.
	LoadTimeout time.Duration

	// NegativeTTL is how long a not-found answer is cached. Zero means a
	// tenth of the TTL; a negative value means not-found is never cached.
	NegativeTTL time.Duration

	// StaleIfError is how long after an entry stops being fresh it may
	// still be served, reported as Stale, when the loader fails. Zero
	// means never: a failed load is an error.
	StaleIfError time.Duration

	// Jitter is the fraction of the TTL added at random to each entry's,
	// so that entries written together do not expire together. Zero means
	// DefaultJitter; a negative value means none; it must be below 1.
	Jitter float64

	// EarlyRefresh is the β of probabilistic early expiration (XFetch,
	// Vattani et al., VLDB 2015): a hit refreshes the entry in the
	// background when now − Delta·β·ln(rand) passes its expiry, so one
	// caller reloads a hot key shortly before it expires while the others
	// keep reading the current value. Zero means no early refresh; 1 is
	// the paper's choice; it must not be negative.
	EarlyRefresh float64

	// OnTierError says what Get does when the tier fails.
	OnTierError TierErrorPolicy

	// OutageLoads is how many loads LoadOnTierError allows at once. Zero
	// means DefaultOutageLoads.
	OutageLoads int

	// OnError, when not nil, is told of every error that Get does not
	// return: a failed Reserve or Fill, or the loader's error behind a
	// Stale result. It must not block.
	OnError func(key string, err error)

	// RecordStats makes Stats count hits. Everything else is counted
	// always: only hits are on the fast path, where a shared counter
	// would cost parallel readers.
	RecordStats bool
}

// ReadThroughStats counts what a ReadThrough has done.
type ReadThroughStats struct {
	Hits        uint64 // Hit results, when RecordStats is set
	Loaded      uint64 // Loaded results
	Negative    uint64 // Negative results
	Stale       uint64 // Stale results
	Failed      uint64 // Failed results
	LoaderCalls uint64 // calls of the loader
	Refreshes   uint64 // early refreshes started
	// DroppedFills counts loads whose value was not stored because the
	// key was invalidated (or set) while they ran.
	DroppedFills uint64
	// TierErrors counts errors from the tier, returned or reported.
	TierErrors uint64
}

// ReadThrough is the read-through strategy: Get reads the tier and, on a
// miss, loads the value from the source of truth and fills the tier, with
// one load per key at a time however many callers miss it.
//
// Each caller waits for the load only as long as its own context allows;
// the load runs on a context detached from all of them (their values, not
// their cancellation) and bounded by LoadTimeout, so the first caller
// giving up fails nobody else. A lease taken before the load and checked
// before the fill makes an invalidation that arrives during the load win:
// the loaded value is returned to the callers waiting for it but not
// stored, and a Get that starts after the invalidation returned
// (Invalidate, or a Set or Delete of WriteThrough or WriteBehind) does not
// join that load: it starts its own.
//
// ReadThrough is safe for concurrent use. Close waits for the loads it
// started; make one with [NewReadThrough].
type ReadThrough[V any] struct {
	tier   Tier[V]
	local  *Local[V]      // tier, when it is a Local: a direct call on the hit path
	clock  ClockedTier[V] // tier, when it is a ClockedTier
	load   Loader[V]
	ttl    ttlPolicy
	cfg    ReadThroughConfig
	group  singleflight.Group
	outage chan struct{} // slots for LoadOnTierError

	// s3 is the Local tier's S3FIFO, when it has one: a hit reads the
	// stored Entry where the S3FIFO holds it (see S3FIFO.getRef) and
	// copies out only its Value.
	s3 *S3FIFO[string, Entry[V]]
	// plainHits says that a fresh value needs nothing but returning: no
	// early refresh to consider and no hit to count.
	plainHits bool

	closing context.Context // cancelled when Close gives up waiting
	abort   context.CancelFunc

	mu     sync.Mutex // protects closed; orders wg.Add against Close
	closed bool
	wg     sync.WaitGroup // the goroutines running loads

	stats struct {
		hits, loaded, negative, stale, failed atomic.Uint64
		loaderCalls, refreshes, dropped, tier atomic.Uint64
	}
}

// NewReadThrough returns a read-through cache over tier, loading misses
// with load and keeping values fresh for ttl (plus jitter). It returns an
// error wrapping ErrInvalidConfig for a nil tier or loader, a ttl that is
// not positive, or a bad cfg.
func NewReadThrough[V any](tier Tier[V], load Loader[V], ttl time.Duration, cfg ReadThroughConfig) (*ReadThrough[V], error) {
	switch {
	case tier == nil:
		return nil, errInvalid("NewReadThrough: tier must not be nil")
	case load == nil:
		return nil, errInvalid("NewReadThrough: loader must not be nil")
	case cfg.LoadTimeout < 0:
		return nil, fmt.Errorf("%w: LoadTimeout must not be negative, got %v", ErrInvalidConfig, cfg.LoadTimeout)
	case cfg.EarlyRefresh < 0 || cfg.EarlyRefresh != cfg.EarlyRefresh:
		return nil, fmt.Errorf("%w: EarlyRefresh must not be negative, got %v", ErrInvalidConfig, cfg.EarlyRefresh)
	case cfg.OutageLoads < 0:
		return nil, fmt.Errorf("%w: OutageLoads must not be negative, got %d", ErrInvalidConfig, cfg.OutageLoads)
	case cfg.OnTierError > LoadOnTierError:
		return nil, fmt.Errorf("%w: unknown OnTierError %d", ErrInvalidConfig, cfg.OnTierError)
	}
	p, err := newTTLPolicy(ttl, cfg.NegativeTTL, cfg.StaleIfError, cfg.Jitter)
	if err != nil {
		return nil, err
	}
	if cfg.LoadTimeout == 0 {
		cfg.LoadTimeout = DefaultLoadTimeout
	}
	if cfg.OutageLoads == 0 {
		cfg.OutageLoads = DefaultOutageLoads
	}
	rt := &ReadThrough[V]{tier: tier, load: load, ttl: p, cfg: cfg, outage: make(chan struct{}, cfg.OutageLoads)}
	rt.local, _ = tier.(*Local[V])
	rt.clock, _ = tier.(ClockedTier[V])
	if rt.local != nil {
		rt.s3 = rt.local.s3
	}
	rt.plainHits = cfg.EarlyRefresh == 0 && !cfg.RecordStats
	rt.closing, rt.abort = context.WithCancel(context.Background())
	return rt, nil
}

// Get returns the value for key: from the tier when it holds a fresh
// entry, else from the loader, whose answer it stores. The Result says
// which. A not-found answer returns ErrNotFound with Result Negative; a
// failed load returns an error wrapping ErrLoad (and the loader's error)
// with Result Failed, unless StaleIfError lets it serve the expired value
// as Stale; a tier failure follows OnTierError. When ctx ends first, Get
// returns ctx.Err() and the load goes on for the others.
//
// A hit costs the tier's Get and one clock read (over a [ClockedTier],
// the one the tier makes for its own expiry); it allocates nothing. Over
// a [Local] on an [S3FIFO], a hit is one S3FIFO lookup that reads the
// cached Entry in place and copies out only its Value.
func (rt *ReadThrough[V]) Get(ctx context.Context, key string) (V, Result, error) {
	if rt != nil && rt.s3 != nil {
		p, now := rt.s3.getRef(key)
		if p != nil && (p.Expires == 0 || now < p.Expires) {
			if rt.plainHits && !p.NotFound {
				return p.Value, Hit, nil
			}
			return rt.hit(ctx, key, *p, now)
		}
		var e Entry[V]
		if p != nil {
			e = *p
		}
		return rt.wait(ctx, key, rt.loadFunc(ctx, key, e, p != nil))
	}
	if rt == nil || rt.tier == nil {
		var zero V
		return zero, Failed, errReadThroughZero
	}
	var e Entry[V]
	var ok bool
	var now int64
	var err error
	switch {
	case rt.local != nil:
		e, now, ok, err = rt.local.GetNow(ctx, key)
	case rt.clock != nil:
		e, now, ok, err = rt.clock.GetNow(ctx, key)
	default:
		if e, ok, err = rt.tier.Get(ctx, key); ok && err == nil {
			now = time.Now().UnixNano()
		}
	}
	if err != nil {
		return rt.tierFailed(ctx, key, e, ok, err)
	}
	if ok && (e.Expires == 0 || now < e.Expires) {
		return rt.hit(ctx, key, e, now)
	}
	return rt.wait(ctx, key, rt.loadFunc(ctx, key, e, ok))
}

// hit returns e, fresh at now, starting an early refresh of key first
// when XFetch says so.
func (rt *ReadThrough[V]) hit(ctx context.Context, key string, e Entry[V], now int64) (V, Result, error) {
	if rt.cfg.EarlyRefresh > 0 && e.Expires != 0 && !e.NotFound &&
		now+int64(float64(e.Delta)*rt.cfg.EarlyRefresh*rand.ExpFloat64()) >= e.Expires {
		rt.refresh(ctx, key, e)
	}
	return rt.fresh(e)
}

// fresh returns a fresh entry as a hit or a negative result.
func (rt *ReadThrough[V]) fresh(e Entry[V]) (V, Result, error) {
	if e.NotFound {
		rt.stats.negative.Add(1)
		return e.Value, Negative, ErrNotFound
	}
	if rt.cfg.RecordStats {
		rt.stats.hits.Add(1)
	}
	return e.Value, Hit, nil
}

// Invalidate removes keys from the tier, revoking the leases of loads in
// flight: their values are returned to the callers already waiting for
// them but not stored, and a Get that starts after Invalidate returns
// does not wait for them: it starts a load of its own.
func (rt *ReadThrough[V]) Invalidate(ctx context.Context, keys ...string) error {
	if rt == nil || rt.tier == nil {
		return errReadThroughZero
	}
	err := rt.tier.Delete(ctx, keys...)
	rt.forget(keys...)
	if err != nil {
		rt.stats.tier.Add(1)
		return fmt.Errorf("%w: %w", ErrTier, err)
	}
	return nil
}

// forget makes the next Get of each key start a load of its own instead
// of joining one in flight, which may have read the source of truth
// before a write that the caller has seen complete. Call it after the
// tier revoked the keys' leases.
func (rt *ReadThrough[V]) forget(keys ...string) {
	for _, k := range keys {
		rt.group.Forget(k)
	}
}

// Stats returns the counts so far.
func (rt *ReadThrough[V]) Stats() ReadThroughStats {
	if rt == nil || rt.tier == nil {
		panic(errReadThroughZero)
	}
	s := &rt.stats
	return ReadThroughStats{
		Hits: s.hits.Load(), Loaded: s.loaded.Load(), Negative: s.negative.Load(),
		Stale: s.stale.Load(), Failed: s.failed.Load(), LoaderCalls: s.loaderCalls.Load(),
		Refreshes: s.refreshes.Load(), DroppedFills: s.dropped.Load(), TierErrors: s.tier.Load(),
	}
}

// Close stops new loads (Get then fails with ErrClosed on a miss; hits are
// still served) and waits for the loads in flight, which may be running
// the loader: it takes a context because it waits on that user code. When
// ctx ends first, Close cancels the loads' contexts, waits for them to
// return, and returns ctx.Err(). Close is idempotent.
func (rt *ReadThrough[V]) Close(ctx context.Context) error {
	if rt == nil || rt.tier == nil {
		return errReadThroughZero
	}
	rt.mu.Lock()
	rt.closed = true
	rt.mu.Unlock()
	done := make(chan struct{})
	go func() { rt.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		rt.abort()
		<-done
		return ctx.Err()
	}
}

// outcome is what one load gives every caller waiting for it.
type outcome[V any] struct {
	v   V
	res Result
	err error
}

// start runs fn, the load of key shared by every caller missing it at
// once, on a goroutine that Close waits for, and returns where its
// outcome arrives.
func (rt *ReadThrough[V]) start(key string, fn func() (any, error)) (<-chan outcome[V], error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil, ErrClosed
	}
	ch := make(chan outcome[V], 1)
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		r, _, _ := rt.group.Do(key, fn)
		ch <- r.(outcome[V])
	}()
	return ch, nil
}

// wait waits for key's load, or for ctx.
func (rt *ReadThrough[V]) wait(ctx context.Context, key string, fn func() (any, error)) (V, Result, error) {
	ch, err := rt.start(key, fn)
	if err != nil {
		var zero V
		rt.stats.failed.Add(1)
		return zero, Failed, err
	}
	select {
	case o := <-ch:
		rt.count(o.res)
		return o.v, o.res, o.err
	case <-ctx.Done():
		var zero V
		rt.stats.failed.Add(1)
		return zero, Failed, ctx.Err()
	}
}

// refresh starts an early refresh of key, whose current entry is cur,
// unless a load of key is already running; it does not wait.
func (rt *ReadThrough[V]) refresh(ctx context.Context, key string, cur Entry[V]) {
	if _, err := rt.start(key, rt.loadFunc(ctx, key, cur, true)); err == nil {
		rt.stats.refreshes.Add(1)
	}
}

// loadFunc returns the load of key for singleflight. old is the entry the
// starting caller saw (ok says whether there was one): served when the
// loader fails within the stale-if-error window.
func (rt *ReadThrough[V]) loadFunc(ctx context.Context, key string, old Entry[V], ok bool) func() (any, error) {
	return func() (any, error) { return rt.loadNow(ctx, key, old, ok, false), nil }
}

func (rt *ReadThrough[V]) count(r Result) {
	s := &rt.stats
	switch r {
	case Hit:
		if rt.cfg.RecordStats {
			s.hits.Add(1)
		}
	case Loaded:
		s.loaded.Add(1)
	case Negative:
		s.negative.Add(1)
	case Stale:
		s.stale.Add(1)
	case Failed:
		s.failed.Add(1)
	}
}

// loadNow reserves key, calls the loader and fills the tier. limited
// means the tier is failing: take an outage slot, and don't fill.
func (rt *ReadThrough[V]) loadNow(ctx context.Context, key string, old Entry[V], ok, limited bool) outcome[V] {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rt.cfg.LoadTimeout)
	defer cancel()
	stop := context.AfterFunc(rt.closing, cancel)
	defer stop()

	var lease Lease
	var rerr error
	if limited {
		select {
		case rt.outage <- struct{}{}:
			defer func() { <-rt.outage }()
		default:
			return rt.failed(key, old, ok, ErrOverloaded)
		}
		rerr = errSkipFill
	} else if lease, rerr = rt.tier.Reserve(lctx, key); rerr != nil {
		rt.report(key, fmt.Errorf("%w: %w", ErrTier, rerr))
	}

	start := time.Now()
	rt.stats.loaderCalls.Add(1)
	v, err := rt.callLoader(lctx, key)
	now := time.Now()
	switch {
	case err == nil:
		e, ttl := valueEntry(rt.ttl, v, now, now.Sub(start))
		rt.fill(lctx, key, lease, rerr, e, ttl)
		return outcome[V]{v: v, res: Loaded}
	case errors.Is(err, ErrNotFound):
		if rt.ttl.neg > 0 {
			e, ttl := negativeEntry[V](rt.ttl, now)
			rt.fill(lctx, key, lease, rerr, e, ttl)
		}
		return outcome[V]{res: Negative, err: ErrNotFound}
	default:
		return rt.failed(key, old, ok, fmt.Errorf("%w: key %q: %w", ErrLoad, key, err))
	}
}

// errSkipFill stands for a lease that was never taken.
var errSkipFill = errors.New("cache: no lease")

// failed returns the outcome of a failed load: the old entry when the
// stale-if-error window allows it, else err.
func (rt *ReadThrough[V]) failed(key string, old Entry[V], ok bool, err error) outcome[V] {
	if ok && !old.NotFound && rt.ttl.stale > 0 &&
		(old.Expires == 0 || time.Now().UnixNano() < old.Expires+int64(rt.ttl.stale)) {
		rt.report(key, err)
		return outcome[V]{v: old.Value, res: Stale}
	}
	return outcome[V]{res: Failed, err: err}
}

func (rt *ReadThrough[V]) fill(ctx context.Context, key string, lease Lease, rerr error, e Entry[V], ttl time.Duration) {
	if rerr != nil {
		return
	}
	stored, err := rt.tier.Fill(ctx, key, lease, e, ttl)
	switch {
	case err != nil:
		rt.report(key, fmt.Errorf("%w: %w", ErrTier, err))
	case !stored:
		rt.stats.dropped.Add(1)
	}
}

func (rt *ReadThrough[V]) report(key string, err error) {
	if errors.Is(err, ErrTier) {
		rt.stats.tier.Add(1)
	}
	if rt.cfg.OnError != nil {
		rt.cfg.OnError(key, err)
	}
}

// callLoader calls the loader, turning a panic into an error so that one
// bad key cannot take the process down from a goroutine nobody can
// recover on.
func (rt *ReadThrough[V]) callLoader(ctx context.Context, key string) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loader panicked: %v", r)
		}
	}()
	return rt.load(ctx, key)
}

// tierFailed answers a Get whose tier read failed, as OnTierError says.
func (rt *ReadThrough[V]) tierFailed(ctx context.Context, key string, e Entry[V], ok bool, err error) (V, Result, error) {
	rt.stats.tier.Add(1)
	terr := fmt.Errorf("%w: %w", ErrTier, err)
	fresh := ok && (e.Expires == 0 || time.Now().UnixNano() < e.Expires)
	switch {
	case rt.cfg.OnTierError == ServeLocalOnTierError && ok:
		rt.report(key, terr)
		if fresh {
			return rt.fresh(e)
		}
		if e.NotFound {
			rt.stats.negative.Add(1)
			return e.Value, Negative, ErrNotFound
		}
		rt.stats.stale.Add(1)
		return e.Value, Stale, nil
	case rt.cfg.OnTierError == LoadOnTierError:
		rt.report(key, terr)
		if fresh {
			return rt.fresh(e)
		}
		return rt.wait(ctx, key, func() (any, error) { return rt.loadNow(ctx, key, e, ok, true), nil })
	}
	var zero V
	rt.stats.failed.Add(1)
	return zero, Failed, terr
}
