package rediscache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/cache"
)

// DefaultLocalTTL is the longest a two-tier cache keeps a local copy when
// TwoTierConfig.LocalTTL is zero.
const DefaultLocalTTL = time.Minute

var _ cache.ClockedTier[int] = (*TwoTier[int])(nil)

// TwoTierConfig configures a [TwoTier] beyond its client, prefix and local
// capacity. Its zero value means the documented defaults.
type TwoTierConfig[V any] struct {
	// Tier configures the Redis tier.
	Tier TierConfig[V]
	// Channel is the pub/sub channel of invalidations. Empty means the
	// prefix followed by "invalidate".
	Channel string
	// LocalTTL is the longest a local copy is kept, fresh or not: the
	// bound on how stale a copy can be served after a lost invalidation.
	// Zero means DefaultLocalTTL.
	LocalTTL time.Duration
	// LocalStale is how long past its freshness a local copy is kept, to
	// be served while Redis is down (cache.ServeLocalOnTierError), within
	// LocalTTL. Zero means not at all.
	LocalStale time.Duration
	// OnError is told of the errors the two-tier cache does not return:
	// undecodable bus messages.
	OnError func(err error)
	// OnInvalidate and OnFlush, when not nil, are told of each
	// invalidation from another instance and each flush of the local
	// layer, after the local layer has dropped what they name: for
	// metrics and logs. They run on the Bus's goroutine and must not
	// block.
	OnInvalidate func(keys []string)
	OnFlush      func(reason FlushReason)
}

// TwoTier is a [cache.Tier] of two layers: an in-process S3FIFO in front
// of a Redis [Tier], kept coherent by a [Bus]. A read is served by the
// local copy while it is fresh, else by Redis, whose entry is then copied
// locally; every Set and Delete writes Redis, then the local copy, then
// publishes the keys so that every other instance drops its copy. The
// local layer is used only while the Bus is subscribed, and is flushed
// whenever the Bus may have missed a message (see Bus).
//
// When Redis fails, Get returns the error together with the local copy,
// fresh or stale, if there is one: a cache.ReadThrough's OnTierError
// decides whether to serve it, go to the source of truth through its
// limiter, or fail. Errors writing Redis or publishing are returned.
//
// A local copy is filled under a local lease taken before Redis is read,
// so an invalidation that arrives from the Bus during the read wins here
// too. BumpTag invalidates a tag in Redis in O(1) and flushes every
// instance's local layer, which does not track tags.
//
// TwoTier owns the S3FIFO and the Bus: Close(ctx) closes both and waits
// for the Bus's goroutine. Make one with [NewTwoTier]; it is safe for
// concurrent use.
type TwoTier[V any] struct {
	m     *cache.S3FIFO[string, cache.Entry[V]]
	local *cache.Local[V]
	redis *Tier[V]
	bus   *Bus
	cfg   TwoTierConfig[V]
}

// NewTwoTier returns a two-tier cache: a local S3FIFO of localCapacity
// entries in front of a Redis Tier under prefix, and a Bus on the
// configured channel. It does not wait for the subscription (see
// [TwoTier.Ready]); until it is confirmed, reads and writes go to Redis
// only. It returns an error wrapping ErrInvalidConfig for a bad argument
// or cfg.
func NewTwoTier[V any](client redis.UniversalClient, prefix string, localCapacity int, cfg TwoTierConfig[V]) (*TwoTier[V], error) {
	switch {
	case cfg.LocalTTL < 0:
		return nil, fmt.Errorf("%w: LocalTTL must not be negative, got %v", ErrInvalidConfig, cfg.LocalTTL)
	case cfg.LocalStale < 0:
		return nil, fmt.Errorf("%w: LocalStale must not be negative, got %v", ErrInvalidConfig, cfg.LocalStale)
	}
	if cfg.LocalTTL == 0 {
		cfg.LocalTTL = DefaultLocalTTL
	}
	if cfg.Channel == "" {
		cfg.Channel = prefix + "invalidate"
	}
	remote, err := NewTier(client, prefix, cfg.Tier)
	if err != nil {
		return nil, err
	}
	m, err := cache.NewS3FIFO[string, cache.Entry[V]](localCapacity, cache.Config[string, cache.Entry[V]]{})
	if err != nil {
		return nil, fmt.Errorf("%w: local capacity: %w", ErrInvalidConfig, err)
	}
	local, _ := cache.NewLocal[V](m) // m is not nil
	t := &TwoTier[V]{m: m, local: local, redis: remote, cfg: cfg}
	t.bus, err = NewBus(client, cfg.Channel, BusConfig{
		OnInvalidate: func(keys []string) {
			_ = local.Delete(context.Background(), keys...)
			if cfg.OnInvalidate != nil {
				cfg.OnInvalidate(keys)
			}
		},
		OnFlush: func(r FlushReason) {
			local.Clear()
			if cfg.OnFlush != nil {
				cfg.OnFlush(r)
			}
		},
		OnError: cfg.OnError,
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	return t, nil
}

// Ready waits until the invalidation Bus is subscribed, so that the local
// layer is in use, or ctx ends.
func (t *TwoTier[V]) Ready(ctx context.Context) error {
	if t == nil || t.bus == nil {
		return errTwoTierZero
	}
	return t.bus.Ready(ctx)
}

// Remote returns the Redis tier.
func (t *TwoTier[V]) Remote() *Tier[V] {
	if t == nil || t.bus == nil {
		panic(errTwoTierZero)
	}
	return t.redis
}

// Bus returns the invalidation bus.
func (t *TwoTier[V]) Bus() *Bus {
	if t == nil || t.bus == nil {
		panic(errTwoTierZero)
	}
	return t.bus
}

// localTTL returns how long to keep a local copy of e, zero for not at
// all.
func (t *TwoTier[V]) localTTL(e cache.Entry[V], now time.Time) time.Duration {
	d := t.cfg.LocalTTL
	if e.Expires != 0 {
		d = min(d, time.Duration(e.Expires-now.UnixNano())+t.cfg.LocalStale)
	}
	return max(d, 0)
}

// Get returns the local copy while it is fresh, else Redis's entry
// (copying it locally). When Redis fails it returns the error with the
// local copy, if any.
func (t *TwoTier[V]) Get(ctx context.Context, key string) (cache.Entry[V], bool, error) {
	e, _, ok, err := t.GetNow(ctx, key)
	return e, ok, err
}

// GetNow is Get that also returns the time it judged the entry at, the
// local S3FIFO's own clock reading on a local hit (see cache.ClockedTier).
func (t *TwoTier[V]) GetNow(ctx context.Context, key string) (cache.Entry[V], int64, bool, error) {
	if t == nil || t.bus == nil {
		return cache.Entry[V]{}, 0, false, errTwoTierZero
	}
	le, now, lok, _ := t.local.GetNow(ctx, key)
	if lok && (le.Expires == 0 || now < le.Expires) {
		return le, now, true, nil
	}
	e, ok, err := t.remote(ctx, key, le, lok)
	return e, time.Now().UnixNano(), ok, err
}

// remote is Get after a local miss: le and lok are the local copy.
func (t *TwoTier[V]) remote(ctx context.Context, key string, le cache.Entry[V], lok bool) (cache.Entry[V], bool, error) {
	on := t.bus.Subscribed()
	var lease cache.Lease
	if on {
		lease, _ = t.local.Reserve(ctx, key) // never fails
	}
	e, ok, err := t.redis.Get(ctx, key)
	if err != nil {
		return le, lok, err
	}
	if !ok {
		return e, false, nil
	}
	if on {
		if d := t.localTTL(e, time.Now()); d > 0 {
			_, _ = t.local.Fill(ctx, key, lease, e, d) // never fails
		}
	}
	return e, true, nil
}

// Reserve takes a local lease and a Redis lease for key.
func (t *TwoTier[V]) Reserve(ctx context.Context, key string) (cache.Lease, error) {
	if t == nil || t.bus == nil {
		return cache.Lease{}, errTwoTierZero
	}
	ll, _ := t.local.Reserve(ctx, key)
	rl, err := t.redis.Reserve(ctx, key)
	if err != nil {
		return cache.Lease{}, err
	}
	rl.Gen = ll.Gen
	return rl, nil
}

// Fill stores e in Redis under the lease and, if Redis stored it, in the
// local layer under the local lease.
func (t *TwoTier[V]) Fill(ctx context.Context, key string, lease cache.Lease, e cache.Entry[V], ttl time.Duration) (bool, error) {
	if t == nil || t.bus == nil {
		return false, errTwoTierZero
	}
	ok, err := t.redis.Fill(ctx, key, lease, e, ttl)
	if err != nil || !ok {
		return false, err
	}
	if t.bus.Subscribed() {
		if d := min(ttl, t.localTTL(e, time.Now())); d > 0 {
			_, _ = t.local.Fill(ctx, key, cache.Lease{Gen: lease.Gen}, e, d)
		}
	}
	return true, nil
}

// Set stores e in Redis and locally, and publishes key. On a Redis error
// the local copy is deleted and the error returned; a publish error is
// returned after both layers were written.
func (t *TwoTier[V]) Set(ctx context.Context, key string, e cache.Entry[V], ttl time.Duration) error {
	if t == nil || t.bus == nil {
		return errTwoTierZero
	}
	if err := t.redis.Set(ctx, key, e, ttl); err != nil {
		_ = t.local.Delete(ctx, key)
		return err
	}
	if d := min(ttl, t.localTTL(e, time.Now())); d > 0 && t.bus.Subscribed() {
		_ = t.local.Set(ctx, key, e, d)
	} else {
		_ = t.local.Delete(ctx, key)
	}
	return t.bus.Publish(ctx, key)
}

// Delete deletes keys from Redis and locally, and publishes them. It
// publishes even when Redis fails, so that other instances drop their
// copies; the errors are joined.
func (t *TwoTier[V]) Delete(ctx context.Context, keys ...string) error {
	if t == nil || t.bus == nil {
		return errTwoTierZero
	}
	err := t.redis.Delete(ctx, keys...)
	_ = t.local.Delete(ctx, keys...)
	return errors.Join(err, t.bus.Publish(ctx, keys...))
}

// BumpTag bumps tags in Redis and flushes every instance's local layer,
// this one's included.
func (t *TwoTier[V]) BumpTag(ctx context.Context, tags ...string) error {
	if t == nil || t.bus == nil {
		return errTwoTierZero
	}
	err := t.redis.BumpTag(ctx, tags...)
	t.local.Clear()
	return errors.Join(err, t.bus.PublishFlush(ctx))
}

// Close closes the Bus, waiting for its goroutine until ctx ends, and the
// local S3FIFO. It is idempotent.
func (t *TwoTier[V]) Close(ctx context.Context) error {
	if t == nil || t.bus == nil {
		return errTwoTierZero
	}
	err := t.bus.Close(ctx)
	t.m.Close()
	return err
}
