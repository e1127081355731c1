package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// faultyStore fails its writes while fail is set.
type faultyStore struct {
	*cache.MemoryStore[string]
	fail atomic.Bool
}

func (s *faultyStore) Write(ctx context.Context, items []cache.Item[string]) error {
	if s.fail.Load() {
		return errDown
	}
	return s.MemoryStore.Write(ctx, items)
}

// faultyTier fails Set, and Delete too when failDelete is set.
type faultyTier struct {
	*cache.Local[string]
	failSet, failDelete atomic.Bool
}

func (f *faultyTier) Set(ctx context.Context, key string, e cache.Entry[string], ttl time.Duration) error {
	if f.failSet.Load() {
		return errTierDown
	}
	return f.Local.Set(ctx, key, e, ttl)
}

func (f *faultyTier) Delete(ctx context.Context, keys ...string) error {
	if f.failDelete.Load() {
		return errTierDown
	}
	return f.Local.Delete(ctx, keys...)
}

func newWriteThrough(t *testing.T) (*faultyStore, *faultyTier, *cache.WriteThrough[string]) {
	t.Helper()
	store := &faultyStore{MemoryStore: cache.NewMemoryStore[string]()}
	tier := &faultyTier{Local: newLocal(t, 100)}
	w, err := cache.NewWriteThrough[string](store, tier, time.Minute, cache.ReadThroughConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.Close(context.Background())) })
	return store, tier, w
}

func cached(t *testing.T, tier cache.Tier[string], key string) (string, bool) {
	t.Helper()
	e, ok, err := tier.Get(context.Background(), key)
	require.NoError(t, err)
	return e.Value, ok
}

func TestWriteThrough(t *testing.T) {
	ctx := context.Background()
	t.Run("store-then-cache", func(t *testing.T) {
		store, tier, w := newWriteThrough(t)
		require.NoError(t, w.Set(ctx, "k", "v1"))
		v, ok := cached(t, tier, "k")
		require.True(t, ok)
		assert.Equal(t, "v1", v)
		got, res, err := w.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v1", got)
		assert.Equal(t, cache.Hit, res)
		assert.Equal(t, cache.MemoryStoreStats{Writes: 1, Rows: 1}, store.Stats(), "the read was a hit")
	})
	t.Run("store-error-leaves-the-cache-alone", func(t *testing.T) {
		store, tier, w := newWriteThrough(t)
		require.NoError(t, w.Set(ctx, "k", "v1"))
		store.fail.Store(true)
		err := w.Set(ctx, "k", "v2")
		require.ErrorIs(t, err, cache.ErrStore)
		require.ErrorIs(t, err, errDown)
		v, ok := cached(t, tier, "k")
		require.True(t, ok)
		assert.Equal(t, "v1", v, "the cache still matches the store")
	})
	t.Run("cache-error-invalidates", func(t *testing.T) {
		store, tier, w := newWriteThrough(t)
		require.NoError(t, w.Set(ctx, "k", "v1"))
		tier.failSet.Store(true)
		err := w.Set(ctx, "k", "v2")
		require.ErrorIs(t, err, cache.ErrTier)
		require.ErrorIs(t, err, errTierDown)
		_, ok := cached(t, tier, "k")
		assert.False(t, ok, "the old value is not left cached")
		v, err := store.Load(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v2", v, "the store has the new value")
		tier.failSet.Store(false)
		got, res, err := w.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v2", got)
		assert.Equal(t, cache.Loaded, res)
	})
	t.Run("cache-and-invalidation-errors-are-said", func(t *testing.T) {
		_, tier, w := newWriteThrough(t)
		tier.failSet.Store(true)
		tier.failDelete.Store(true)
		err := w.Set(ctx, "k", "v2")
		require.ErrorIs(t, err, cache.ErrTier)
		assert.Contains(t, err.Error(), "may stay cached")
		err = w.Delete(ctx, "k")
		require.ErrorIs(t, err, cache.ErrTier)
	})
	t.Run("delete", func(t *testing.T) {
		store, tier, w := newWriteThrough(t)
		require.NoError(t, w.Set(ctx, "k", "v1"))
		require.NoError(t, w.Delete(ctx, "k"))
		_, ok := cached(t, tier, "k")
		assert.False(t, ok)
		_, err := store.Load(ctx, "k")
		require.ErrorIs(t, err, cache.ErrNotFound)
		_, res, err := w.Get(ctx, "k")
		require.ErrorIs(t, err, cache.ErrNotFound)
		assert.Equal(t, cache.Negative, res)
	})
	t.Run("set-during-a-load-wins", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// The read loads from a store that answers slowly; a Set
			// arrives during the load; the stale load must not be stored.
			slow := &slowStore{MemoryStore: cache.NewMemoryStore[string](), release: make(chan struct{}), started: make(chan struct{}, 1)}
			require.NoError(t, slow.MemoryStore.Write(ctx, []cache.Item[string]{{Key: "k", Value: "old"}}))
			tier := newLocal(t, 10)
			w, err := cache.NewWriteThrough[string](slow, tier, time.Minute, cache.ReadThroughConfig{})
			require.NoError(t, err)
			defer func() { require.NoError(t, w.Close(ctx)) }()
			done := make(chan string)
			go func() { v, _, _ := w.Get(ctx, "k"); done <- v }()
			<-slow.started
			require.NoError(t, w.Set(ctx, "k", "new"))
			close(slow.release)
			assert.Equal(t, "old", <-done)
			v, ok := cached(t, tier, "k")
			require.True(t, ok)
			assert.Equal(t, "new", v, "the write won over the load in flight")
		})
	})
}

// slowStore blocks Load until release is closed.
type slowStore struct {
	*cache.MemoryStore[string]
	release chan struct{}
	started chan struct{}
}

func (s *slowStore) Load(ctx context.Context, key string) (string, error) {
	v, err := s.MemoryStore.Load(ctx, key)
	s.started <- struct{}{}
	<-s.release
	return v, err
}
