package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// The sentinels of the strategies. Each error a strategy returns wraps one
// of them (and, for a failed load or write, the cause as well).
var (
	// ErrNotFound is what a Loader or Store.Load returns, wrapped or not,
	// when the source of truth has no value for the key. Read-through
	// caches it as a negative entry and returns it as is.
	ErrNotFound = errors.New("cache: not found")
	// ErrLoad wraps a loader's error: the load failed and nothing was
	// cached.
	ErrLoad = errors.New("cache: load failed")
	// ErrStore wraps a Store's error on a write: the source of truth was
	// not updated and neither was the cache.
	ErrStore = errors.New("cache: store write failed")
	// ErrTier wraps a Tier's error. On a read it means the cache tier could
	// not answer; on a write it means the source of truth has the value but
	// the cache tier could not be updated (the entry was invalidated, or
	// the error says that it could not be).
	ErrTier = errors.New("cache: cache tier failed")
	// ErrClosed is returned by a strategy used after its Close.
	ErrClosed = errors.New("cache: closed")
	// ErrQueueFull is returned by WriteBehind.TrySet when the queue of
	// pending writes is full.
	ErrQueueFull = errors.New("cache: write-behind queue full")
	// ErrOverloaded is returned by a read-through Get that, with the tier
	// failing and LoadOnTierError, found every outage load slot taken.
	ErrOverloaded = errors.New("cache: source of truth load limit reached")
	// ErrDeadLetter is returned by WriteBehind.Flush and Close when some of
	// the writes they waited for were handed to DeadLetter instead of
	// reaching the store.
	ErrDeadLetter = errors.New("cache: writes dead-lettered")
)

// Loader loads the value for key from the source of truth. It returns an
// error wrapping [ErrNotFound] when there is none. The context it gets is
// not the caller's: it carries the caller's values but not its deadline
// or cancellation, and ends after the read-through's LoadTimeout.
type Loader[V any] func(ctx context.Context, key string) (V, error)

// Entry is what a Tier holds for a key: a value, or the fact that the
// source of truth has none (a negative entry), with the instant at which
// it stops being fresh. A tier keeps an entry beyond that instant for as
// long as the ttl it was stored with says (the stale-if-error window), so
// a strategy may serve it when the source of truth fails.
type Entry[V any] struct {
	// Value is the cached value; the zero value in a negative entry.
	Value V
	// NotFound marks a negative entry: the source of truth had no value.
	NotFound bool
	// Expires is when the entry stops being fresh, in Unix nanoseconds;
	// zero means never.
	Expires int64
	// Delta is how long the load that produced the entry took; early
	// refresh starts sooner for entries that are slow to load.
	Delta time.Duration
}

// Lease is the right to fill one key, taken by [Tier.Reserve] when a load
// starts and checked by [Tier.Fill] before it stores: a Delete or Set of
// the key in between revokes it, so a load in flight never overwrites an
// invalidation. Its fields are for Tier implementations; callers pass it
// back untouched.
type Lease struct {
	// Gen is the key's generation in an in-process tier.
	Gen uint64
	// Token is the fill token of a shared tier (rediscache).
	Token uint64
	// Versions are the versions of the key's tags when the lease was
	// taken (rediscache's version tags).
	Versions []int64
}

// Tier is a cache tier the strategies read and fill: [Local] in process,
// rediscache's Tier in Redis, or both in front of each other. Every method
// is safe for concurrent use.
type Tier[V any] interface {
	// Get returns the entry for key and whether there is one. On an error
	// it may still return an entry (ok true) from a local layer that could
	// answer; such an entry may be stale.
	Get(ctx context.Context, key string) (e Entry[V], ok bool, err error)
	// Reserve takes a lease to fill key; call it before reading the
	// source of truth.
	Reserve(ctx context.Context, key string) (Lease, error)
	// Fill stores e for key, to be kept for ttl, unless the lease was
	// revoked since Reserve; it reports whether it stored.
	Fill(ctx context.Context, key string, lease Lease, e Entry[V], ttl time.Duration) (bool, error)
	// Set stores e for key, to be kept for ttl, and revokes every lease
	// on key.
	Set(ctx context.Context, key string, e Entry[V], ttl time.Duration) error
	// Delete removes keys and revokes every lease on them.
	Delete(ctx context.Context, keys ...string) error
}

// ClockedTier is a Tier whose Get reads the clock anyway (an S3FIFO
// checks each entry's expiry) and returns that reading, in Unix
// nanoseconds, so that a ReadThrough judges freshness without a second
// one: on this package's 2-core VM a wall-clock read costs about 50 ns, a
// third of a hit. [Local] and rediscache's TwoTier implement it. A type
// that embeds a Local and overrides Get must override GetNow too, or the
// ReadThrough will use the Local's.
type ClockedTier[V any] interface {
	Tier[V]
	// GetNow is Get that also returns the time it judged the entry at.
	GetNow(ctx context.Context, key string) (e Entry[V], now int64, ok bool, err error)
}

// Item is one write to a Store: a value for Key, or its deletion.
type Item[V any] struct {
	Key    string
	Value  V
	Delete bool
}

// Store is the source of truth the write strategies write to and load
// from. Both methods are safe for concurrent use.
type Store[V any] interface {
	// Load returns the value for key, or an error wrapping ErrNotFound.
	Load(ctx context.Context, key string) (V, error)
	// Write applies items in order; on an error, any prefix of them may
	// have been applied, so a retry must be safe (the writes are
	// idempotent: each sets or deletes a whole value).
	Write(ctx context.Context, items []Item[V]) error
}

// Result says what a read-through Get returned, so that a service can
// count it.
type Result uint8

const (
	// Hit is a fresh entry from the tier.
	Hit Result = iota + 1
	// Loaded is a value the loader returned, on a miss or an expired
	// entry.
	Loaded
	// Negative means the source of truth has no value: from a negative
	// entry or from the loader. The error is ErrNotFound.
	Negative
	// Stale is an expired value served because the loader failed within
	// the stale-if-error window, or a local value served while the tier
	// fails (ServeLocalOnTierError).
	Stale
	// Failed means no value: the error says why.
	Failed
)

// String returns the result's name in lower case.
func (r Result) String() string {
	switch r {
	case Hit:
		return "hit"
	case Loaded:
		return "loaded"
	case Negative:
		return "negative"
	case Stale:
		return "stale"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// DefaultJitter is the fraction of a TTL added at random when a
// strategy's Jitter is zero.
const DefaultJitter = 0.1

// ttlPolicy turns a TTL into an entry's fresh period and the time the
// tier keeps it, with jitter.
type ttlPolicy struct {
	ttl    time.Duration
	neg    time.Duration // <= 0: negative entries are not cached
	stale  time.Duration
	jitter float64
}

func newTTLPolicy(ttl, neg, stale time.Duration, jitter float64) (ttlPolicy, error) {
	switch {
	case ttl <= 0:
		return ttlPolicy{}, fmt.Errorf("%w: ttl must be positive, got %v", ErrInvalidConfig, ttl)
	case stale < 0:
		return ttlPolicy{}, fmt.Errorf("%w: StaleIfError must not be negative, got %v", ErrInvalidConfig, stale)
	case jitter >= 1 || jitter != jitter:
		return ttlPolicy{}, fmt.Errorf("%w: Jitter must be below 1, got %v", ErrInvalidConfig, jitter)
	}
	switch {
	case jitter == 0:
		jitter = DefaultJitter
	case jitter < 0:
		jitter = 0
	}
	if neg == 0 {
		neg = ttl / 10
	}
	return ttlPolicy{ttl: ttl, neg: neg, stale: stale, jitter: jitter}, nil
}

// jittered returns d plus a random part in [0, jitter×d).
func (p ttlPolicy) jittered(d time.Duration) time.Duration {
	if p.jitter == 0 || d <= 0 {
		return d
	}
	if j := int64(float64(d) * p.jitter); j > 0 {
		return d + time.Duration(rand.Int64N(j))
	}
	return d
}

// valueEntry returns an entry for v, made at now, and its tier ttl.
func valueEntry[V any](p ttlPolicy, v V, now time.Time, delta time.Duration) (Entry[V], time.Duration) {
	fresh := p.jittered(p.ttl)
	return Entry[V]{Value: v, Expires: now.Add(fresh).UnixNano(), Delta: delta}, fresh + p.stale
}

// negativeEntry returns a negative entry made at now and its tier ttl.
func negativeEntry[V any](p ttlPolicy, now time.Time) (Entry[V], time.Duration) {
	d := p.jittered(p.neg)
	return Entry[V]{NotFound: true, Expires: now.Add(d).UnixNano()}, d
}

func errInvalid(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidConfig, msg) }

// The errors of zero strategies and tiers, made once.
var (
	errLocalZero       error = notInitialized("Local")
	errReadThroughZero error = notInitialized("ReadThrough")
	errAsideZero       error = notInitialized("Aside")
	errWriteThruZero   error = notInitialized("WriteThrough")
	errWriteBehindZero error = notInitialized("WriteBehind")
	errMemStoreZero    error = notInitialized("MemoryStore")
)
