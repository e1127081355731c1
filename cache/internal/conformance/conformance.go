// Package conformance is the one suite that every cache.Tier and
// cache.Store implementation of the module passes: the in-memory ones in
// package cache and the Redis ones in cache/rediscache, on miniredis, a
// real server and a real Cluster.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// Keys are the awkward keys every implementation must keep apart.
var Keys = []string{"plain", "", "with}brace", "{tagged}", "with space", "ключ", "a:b:c"}

func entry(v string) cache.Entry[string] {
	return cache.Entry[string]{Value: v, Expires: time.Now().Add(time.Hour).UnixNano(), Delta: 3 * time.Millisecond}
}

// RunTier runs the suite against the tiers newTier returns, a fresh one
// per subtest.
func RunTier(t *testing.T, newTier func(t *testing.T) cache.Tier[string]) {
	ctx := context.Background()
	t.Run("get-missing", func(t *testing.T) {
		tier := newTier(t)
		_, ok, err := tier.Get(ctx, "nothing")
		require.NoError(t, err)
		assert.False(t, ok)
	})
	t.Run("set-get-roundtrip", func(t *testing.T) {
		tier := newTier(t)
		for i, k := range Keys {
			require.NoError(t, tier.Set(ctx, k, entry(fmt.Sprint("v", i)), time.Hour), "key %q", k)
		}
		for i, k := range Keys {
			e, ok, err := tier.Get(ctx, k)
			require.NoError(t, err, "key %q", k)
			require.True(t, ok, "key %q", k)
			assert.Equal(t, fmt.Sprint("v", i), e.Value, "key %q", k)
			assert.Equal(t, 3*time.Millisecond, e.Delta)
			assert.NotZero(t, e.Expires)
		}
	})
	t.Run("negative-entry", func(t *testing.T) {
		tier := newTier(t)
		require.NoError(t, tier.Set(ctx, "k", cache.Entry[string]{NotFound: true, Expires: 42}, time.Hour))
		e, ok, err := tier.Get(ctx, "k")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, cache.Entry[string]{NotFound: true, Expires: 42}, e)
	})
	t.Run("delete", func(t *testing.T) {
		tier := newTier(t)
		for _, k := range Keys {
			require.NoError(t, tier.Set(ctx, k, entry("v"), time.Hour))
		}
		require.NoError(t, tier.Delete(ctx, Keys[:3]...))
		require.NoError(t, tier.Delete(ctx, Keys[3]))
		require.NoError(t, tier.Delete(ctx))
		for i, k := range Keys {
			_, ok, err := tier.Get(ctx, k)
			require.NoError(t, err)
			assert.Equal(t, i > 3, ok, "key %q", k)
		}
	})
	t.Run("fill-under-lease", func(t *testing.T) {
		tier := newTier(t)
		for _, k := range Keys {
			l, err := tier.Reserve(ctx, k)
			require.NoError(t, err)
			stored, err := tier.Fill(ctx, k, l, entry("filled"), time.Hour)
			require.NoError(t, err)
			assert.True(t, stored, "key %q", k)
			e, ok, err := tier.Get(ctx, k)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "filled", e.Value)
		}
	})
	t.Run("delete-revokes-the-lease", func(t *testing.T) {
		tier := newTier(t)
		for _, k := range Keys {
			l, err := tier.Reserve(ctx, k)
			require.NoError(t, err)
			require.NoError(t, tier.Delete(ctx, k))
			stored, err := tier.Fill(ctx, k, l, entry("stale"), time.Hour)
			require.NoError(t, err)
			assert.False(t, stored, "key %q: a fill after an invalidation must be dropped", k)
			_, ok, err := tier.Get(ctx, k)
			require.NoError(t, err)
			assert.False(t, ok, "key %q", k)
		}
	})
	t.Run("set-revokes-the-lease", func(t *testing.T) {
		tier := newTier(t)
		l, err := tier.Reserve(ctx, "k")
		require.NoError(t, err)
		require.NoError(t, tier.Set(ctx, "k", entry("written"), time.Hour))
		stored, err := tier.Fill(ctx, "k", l, entry("loaded-before"), time.Hour)
		require.NoError(t, err)
		assert.False(t, stored)
		e, ok, err := tier.Get(ctx, "k")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "written", e.Value)
	})
	t.Run("read-through", func(t *testing.T) { runReadThrough(t, newTier(t)) })
	t.Run("write-through", func(t *testing.T) {
		tier := newTier(t)
		store := cache.NewMemoryStore[string]()
		w, err := cache.NewWriteThrough[string](store, tier, time.Hour, cache.ReadThroughConfig{})
		require.NoError(t, err)
		defer func() { require.NoError(t, w.Close(ctx)) }()
		require.NoError(t, w.Set(ctx, "k", "v1"))
		v, res, err := w.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v1", v)
		assert.Equal(t, cache.Hit, res)
		require.NoError(t, w.Delete(ctx, "k"))
		_, res, err = w.Get(ctx, "k")
		require.ErrorIs(t, err, cache.ErrNotFound)
		assert.Equal(t, cache.Negative, res)
	})
	t.Run("write-behind", func(t *testing.T) {
		tier := newTier(t)
		store := cache.NewMemoryStore[string]()
		wb, err := cache.NewWriteBehind[string](store, tier, time.Hour, cache.WriteBehindConfig[string]{FlushDelay: time.Hour})
		require.NoError(t, err)
		for i := range 10 {
			require.NoError(t, wb.Set(ctx, "k", fmt.Sprint(i)))
		}
		v, res, err := wb.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "9", v)
		assert.Equal(t, cache.Hit, res)
		require.NoError(t, wb.Close(ctx))
		assert.Equal(t, cache.MemoryStoreStats{Writes: 1, Rows: 1}, store.Stats())
	})
}

func runReadThrough(t *testing.T, tier cache.Tier[string]) {
	ctx := context.Background()
	var calls atomic.Int64
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	load := func(ctx context.Context, key string) (string, error) {
		calls.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		if key == "missing" {
			return "", cache.ErrNotFound
		}
		return "v:" + key, nil
	}
	rt, err := cache.NewReadThrough(tier, load, time.Hour, cache.ReadThroughConfig{})
	require.NoError(t, err)
	defer func() { require.NoError(t, rt.Close(ctx)) }()

	// An invalidation during the load wins.
	got := make(chan string)
	go func() {
		v, _, err := rt.Get(ctx, "k")
		assert.NoError(t, err)
		got <- v
	}()
	<-started
	require.NoError(t, rt.Invalidate(ctx, "k"))
	close(release)
	assert.Equal(t, "v:k", <-got)
	_, ok, err := tier.Get(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok, "the invalidation during the load won")
	assert.Equal(t, uint64(1), rt.Stats().DroppedFills)

	// Concurrent misses: one load, then hits.
	calls.Store(0)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			v, _, err := rt.Get(ctx, "k2")
			assert.NoError(t, err)
			assert.Equal(t, "v:k2", v)
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, calls.Load(), int64(50))
	v, res, err := rt.Get(ctx, "k2")
	require.NoError(t, err)
	assert.Equal(t, "v:k2", v)
	assert.Equal(t, cache.Hit, res)

	// Not found is cached.
	for _, want := range []cache.Result{cache.Negative, cache.Negative} {
		_, res, err := rt.Get(ctx, "missing")
		require.True(t, errors.Is(err, cache.ErrNotFound), "%v", err)
		assert.Equal(t, want, res)
	}
}

// RunStore runs the suite against the stores newStore returns, a fresh
// one per subtest.
func RunStore(t *testing.T, newStore func(t *testing.T) cache.Store[string]) {
	ctx := context.Background()
	t.Run("load-missing", func(t *testing.T) {
		_, err := newStore(t).Load(ctx, "nothing")
		require.ErrorIs(t, err, cache.ErrNotFound)
	})
	t.Run("write-load", func(t *testing.T) {
		s := newStore(t)
		items := make([]cache.Item[string], len(Keys))
		for i, k := range Keys {
			items[i] = cache.Item[string]{Key: k, Value: fmt.Sprint("v", i)}
		}
		require.NoError(t, s.Write(ctx, items))
		for i, k := range Keys {
			v, err := s.Load(ctx, k)
			require.NoError(t, err, "key %q", k)
			assert.Equal(t, fmt.Sprint("v", i), v)
		}
	})
	t.Run("items-apply-in-order", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.Write(ctx, []cache.Item[string]{
			{Key: "a", Value: "1"}, {Key: "a", Delete: true}, {Key: "b", Delete: true}, {Key: "b", Value: "2"},
		}))
		_, err := s.Load(ctx, "a")
		require.ErrorIs(t, err, cache.ErrNotFound)
		v, err := s.Load(ctx, "b")
		require.NoError(t, err)
		assert.Equal(t, "2", v)
	})
}
