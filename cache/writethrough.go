package cache

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WriteThrough is the write-through strategy: Set writes the source of
// truth first and then the cache tier, in the caller's call, so a value
// that Set returned for is both stored and cached. Reads go through a
// [ReadThrough] over the same tier that loads from the store.
//
// On a store error nothing changes: the tier is untouched and the error,
// wrapping ErrStore, is returned. When the store succeeds but the tier
// cannot be updated, Set deletes the tier's entry, so that it is never
// left stale, and returns an error wrapping ErrTier: the store has the
// value. Only when that deletion fails too can the tier keep the old
// value, until its TTL; the error then says so.
//
// WriteThrough is safe for concurrent use; make one with
// [NewWriteThrough].
type WriteThrough[V any] struct {
	store Store[V]
	tier  Tier[V]
	ttl   ttlPolicy
	rt    *ReadThrough[V]
}

// NewWriteThrough returns a write-through cache over store and tier;
// values are fresh for ttl plus jitter, and cfg configures the reads. It
// returns an error wrapping ErrInvalidConfig for a nil store or tier, or
// as NewReadThrough does.
func NewWriteThrough[V any](store Store[V], tier Tier[V], ttl time.Duration, cfg ReadThroughConfig) (*WriteThrough[V], error) {
	if store == nil {
		return nil, errInvalid("NewWriteThrough: store must not be nil")
	}
	rt, err := NewReadThrough(tier, store.Load, ttl, cfg)
	if err != nil {
		return nil, err
	}
	return &WriteThrough[V]{store: store, tier: tier, ttl: rt.ttl, rt: rt}, nil
}

// Get reads key through the cache, as [ReadThrough.Get] does.
func (w *WriteThrough[V]) Get(ctx context.Context, key string) (V, Result, error) {
	if w == nil || w.rt == nil {
		var zero V
		return zero, Failed, errWriteThruZero
	}
	return w.rt.Get(ctx, key)
}

// Set writes v for key to the store, then to the tier.
func (w *WriteThrough[V]) Set(ctx context.Context, key string, v V) error {
	if w == nil || w.rt == nil {
		return errWriteThruZero
	}
	if err := w.store.Write(ctx, []Item[V]{{Key: key, Value: v}}); err != nil {
		return fmt.Errorf("%w: key %q: %w", ErrStore, key, err)
	}
	e, ttl := valueEntry(w.ttl, v, time.Now(), 0)
	err := w.tier.Set(ctx, key, e, ttl)
	if err != nil {
		err = w.invalidateAfter(ctx, key, err)
	}
	w.rt.forget(key)
	return err
}

// Delete deletes key from the store, then from the tier.
func (w *WriteThrough[V]) Delete(ctx context.Context, key string) error {
	if w == nil || w.rt == nil {
		return errWriteThruZero
	}
	if err := w.store.Write(ctx, []Item[V]{{Key: key, Delete: true}}); err != nil {
		return fmt.Errorf("%w: key %q: %w", ErrStore, key, err)
	}
	err := w.tier.Delete(ctx, key)
	w.rt.forget(key)
	if err != nil {
		w.rt.stats.tier.Add(1)
		return fmt.Errorf("%w: key %q is deleted from the store but may stay cached until its TTL: %w", ErrTier, key, err)
	}
	return nil
}

// invalidateAfter deletes key from the tier after a failed update.
func (w *WriteThrough[V]) invalidateAfter(ctx context.Context, key string, setErr error) error {
	w.rt.stats.tier.Add(1)
	if err := w.tier.Delete(ctx, key); err != nil {
		return fmt.Errorf("%w: key %q is stored but its old value may stay cached until its TTL: %w",
			ErrTier, key, errors.Join(setErr, err))
	}
	return fmt.Errorf("%w: key %q is stored; its cache entry was deleted: %w", ErrTier, key, setErr)
}

// ReadThrough returns the read-through cache that serves Get, for its
// Stats and Invalidate.
func (w *WriteThrough[V]) ReadThrough() *ReadThrough[V] {
	if w == nil || w.rt == nil {
		panic(errWriteThruZero)
	}
	return w.rt
}

// Close closes the reads' ReadThrough, as [ReadThrough.Close] does.
func (w *WriteThrough[V]) Close(ctx context.Context) error {
	if w == nil || w.rt == nil {
		return errWriteThruZero
	}
	return w.rt.Close(ctx)
}
