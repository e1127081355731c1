package cache

import (
	"context"
	"fmt"
	"time"
)

// AsideConfig configures an [Aside] beyond its tier and TTL. Its zero
// value means the documented defaults.
type AsideConfig struct {
	// NegativeTTL is how long FillNotFound caches a not-found answer.
	// Zero means a tenth of the TTL; a negative value means never.
	NegativeTTL time.Duration
	// Jitter is the fraction of the TTL added at random to each entry's.
	// Zero means DefaultJitter; a negative value means none; it must be
	// below 1.
	Jitter float64
}

// Aside is the cache-aside pattern, with the steps left to the caller:
// Get reads the tier and on a miss hands out a lease; the caller reads the
// source of truth itself and calls Fill with the lease; a writer updates
// the source of truth and then calls Invalidate. Compared with
// [ReadThrough], nothing joins concurrent misses of one key (each caller
// loads), nothing bounds the load's time, and nothing serves stale values:
// the caller's code is the strategy. The lease still makes an
// invalidation during the caller's load win.
//
// Aside is safe for concurrent use; make one with [NewAside].
type Aside[V any] struct {
	tier Tier[V]
	ttl  ttlPolicy
}

// NewAside returns cache-aside helpers over tier, keeping filled values
// fresh for ttl plus jitter. It returns an error wrapping ErrInvalidConfig
// for a nil tier, a ttl that is not positive or a bad cfg.
func NewAside[V any](tier Tier[V], ttl time.Duration, cfg AsideConfig) (*Aside[V], error) {
	if tier == nil {
		return nil, errInvalid("NewAside: tier must not be nil")
	}
	p, err := newTTLPolicy(ttl, cfg.NegativeTTL, 0, cfg.Jitter)
	if err != nil {
		return nil, err
	}
	return &Aside[V]{tier: tier, ttl: p}, nil
}

// Get returns the cached value for key and true when the tier holds a
// fresh entry; a fresh negative entry returns true and ErrNotFound. On a
// miss it returns false and the lease to pass to Fill once the caller has
// read the source of truth. Errors wrap ErrTier.
func (a *Aside[V]) Get(ctx context.Context, key string) (V, bool, Lease, error) {
	var zero V
	if a == nil || a.tier == nil {
		return zero, false, Lease{}, errAsideZero
	}
	e, ok, err := a.tier.Get(ctx, key)
	if err != nil {
		return zero, false, Lease{}, fmt.Errorf("%w: %w", ErrTier, err)
	}
	if ok && (e.Expires == 0 || time.Now().UnixNano() < e.Expires) {
		if e.NotFound {
			return zero, true, Lease{}, ErrNotFound
		}
		return e.Value, true, Lease{}, nil
	}
	lease, err := a.tier.Reserve(ctx, key)
	if err != nil {
		return zero, false, Lease{}, fmt.Errorf("%w: %w", ErrTier, err)
	}
	return zero, false, lease, nil
}

// Fill stores v for key under the lease Get returned, and reports whether
// it did: false means the key was invalidated or set since, and v, read
// before that, must not be cached.
func (a *Aside[V]) Fill(ctx context.Context, key string, lease Lease, v V) (bool, error) {
	if a == nil || a.tier == nil {
		return false, errAsideZero
	}
	e, ttl := valueEntry(a.ttl, v, time.Now(), 0)
	return a.fill(ctx, key, lease, e, ttl)
}

// FillNotFound caches, under the lease, that the source of truth has no
// value for key, for NegativeTTL; it stores nothing when negative caching
// is off.
func (a *Aside[V]) FillNotFound(ctx context.Context, key string, lease Lease) (bool, error) {
	if a == nil || a.tier == nil {
		return false, errAsideZero
	}
	if a.ttl.neg <= 0 {
		return false, nil
	}
	e, ttl := negativeEntry[V](a.ttl, time.Now())
	return a.fill(ctx, key, lease, e, ttl)
}

func (a *Aside[V]) fill(ctx context.Context, key string, lease Lease, e Entry[V], ttl time.Duration) (bool, error) {
	ok, err := a.tier.Fill(ctx, key, lease, e, ttl)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrTier, err)
	}
	return ok, nil
}

// Invalidate removes keys from the tier: call it after writing the source
// of truth. Deleting rather than setting the new value is the cache-aside
// rule: two writers racing to set could leave the older value cached,
// while a delete leaves a miss that the next reader fills.
func (a *Aside[V]) Invalidate(ctx context.Context, keys ...string) error {
	if a == nil || a.tier == nil {
		return errAsideZero
	}
	if err := a.tier.Delete(ctx, keys...); err != nil {
		return fmt.Errorf("%w: %w", ErrTier, err)
	}
	return nil
}
