package rediscache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
)

// TestRedisOutagePolicies: with Redis unreachable (our proxy down), a
// read-through over a two-tier cache serves local copies, fails, or goes
// to the source of truth at most OutageLoads at a time, as configured;
// write errors are returned.
func TestRedisOutagePolicies(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, policy cache.TierErrorPolicy, load cache.Loader[string]) (*proxy, *rediscache.TwoTier[string], *cache.ReadThrough[string]) {
		r := redistest.New(t)
		p := newProxy(t, r.Addr())
		c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, DialTimeout: time.Second})
		t.Cleanup(func() { _ = c.Close() })
		tt := newTwoTier(t, c, r.Prefix, rediscache.TwoTierConfig[string]{})
		rt, err := cache.NewReadThrough[string](tt, load, time.Hour, cache.ReadThroughConfig{OnTierError: policy, OutageLoads: 1})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, rt.Close(ctx)) })
		return p, tt, rt
	}
	echo := func(_ context.Context, k string) (string, error) { return "v:" + k, nil }

	t.Run("serve-local", func(t *testing.T) {
		p, tt, rt := setup(t, cache.ServeLocalOnTierError, echo)
		_, _, err := rt.Get(ctx, "hot")
		require.NoError(t, err)
		p.SetDown(true)
		v, res, err := rt.Get(ctx, "hot")
		require.NoError(t, err)
		assert.Equal(t, "v:hot", v)
		assert.Equal(t, cache.Hit, res, "the local copy")
		_, res, err = rt.Get(ctx, "cold")
		assert.Equal(t, cache.Failed, res)
		require.ErrorIs(t, err, cache.ErrTier)
		require.ErrorIs(t, err, rediscache.ErrRedis)
		err = tt.Set(ctx, "hot", cache.Entry[string]{Value: "x"}, time.Hour)
		require.ErrorIs(t, err, rediscache.ErrRedis, "a write error is returned")
		_, ok, _ := tt.Get(ctx, "hot")
		assert.False(t, ok, "and the local copy is dropped rather than left to disagree")
	})
	t.Run("fail", func(t *testing.T) {
		p, _, rt := setup(t, cache.FailOnTierError, echo)
		p.SetDown(true)
		_, res, err := rt.Get(ctx, "k")
		assert.Equal(t, cache.Failed, res)
		require.ErrorIs(t, err, cache.ErrTier)
	})
	t.Run("load-limited", func(t *testing.T) {
		var calls atomic.Int64
		started, release := make(chan struct{}, 10), make(chan struct{})
		p, _, rt := setup(t, cache.LoadOnTierError, func(_ context.Context, k string) (string, error) {
			calls.Add(1)
			started <- struct{}{}
			<-release
			return "v:" + k, nil
		})
		p.SetDown(true)
		var wg sync.WaitGroup
		wg.Go(func() {
			v, res, err := rt.Get(ctx, "a")
			assert.NoError(t, err)
			assert.Equal(t, "v:a", v)
			assert.Equal(t, cache.Loaded, res)
		})
		wait(t, started, "the first outage load")
		_, res, err := rt.Get(ctx, "b")
		assert.Equal(t, cache.Failed, res)
		require.True(t, errors.Is(err, cache.ErrOverloaded), "%v", err)
		close(release)
		wg.Wait()
		assert.Equal(t, int64(1), calls.Load(), "one load at a time reached the source of truth")
	})
}
