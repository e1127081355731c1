package pool_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

func TestMaxLifetimeIsEnforcedOnReleaseAcquireAndSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		cfg := b.config(2)
		cfg.MaxLifetime = 10 * time.Minute // the sweep runs every 5m
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()

		// On release: a resource held past its lifetime is not kept.
		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		c := h.Value()
		time.Sleep(10 * time.Minute)
		h.Release()
		assert.True(t, c.closed.Load(), "destroyed on release")
		assert.Equal(t, int64(1), p.Stats().ClosedMaxLifetime)

		// On acquire: built at 11m, it expires at 21m, between the sweeps
		// at 20m and 25m.
		time.Sleep(time.Minute)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		c = h.Value()
		h.Release()
		time.Sleep(10*time.Minute - time.Nanosecond)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		assert.Same(t, c, h.Value(), "still alive just before its lifetime")
		h.Release()
		time.Sleep(time.Nanosecond)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		assert.NotSame(t, c, h.Value(), "not handed out once its lifetime is over")
		assert.True(t, c.closed.Load())
		assert.Equal(t, int64(2), p.Stats().ClosedMaxLifetime)

		// By the sweep: built at 21m, idle from then on, it expires at 31m
		// and the sweep at 35m destroys it.
		c = h.Value()
		h.Release()
		time.Sleep(13 * time.Minute)
		synctest.Wait()
		assert.False(t, c.closed.Load())
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.True(t, c.closed.Load(), "destroyed by the sweep")
		s := p.Stats()
		assert.Equal(t, 0, s.Total)
		assert.Equal(t, int64(3), s.ClosedMaxLifetime)
	})
}

func TestLifetimeJitterSpreadsExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 64
		var b backend
		cfg := b.config(n)
		cfg.MaxLifetime = 10 * time.Minute
		cfg.LifetimeJitter = 5 * time.Minute // lifetimes in (5m, 10m]
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()
		acquireAll := func() []pool.Handle[*conn] {
			hs := make([]pool.Handle[*conn], n)
			for i := range hs {
				h, err := p.Acquire(ctx)
				require.NoError(t, err)
				hs[i] = h
			}
			return hs
		}
		releaseAll := func(hs []pool.Handle[*conn]) int64 {
			before := p.Stats().ClosedMaxLifetime
			for _, h := range hs {
				h.Release()
			}
			return p.Stats().ClosedMaxLifetime - before
		}

		hs := acquireAll()
		time.Sleep(5*time.Minute - time.Nanosecond)
		assert.Zero(t, releaseAll(hs), "no lifetime is shorter than MaxLifetime-LifetimeJitter")
		hs = acquireAll()
		built, _, _ := b.figures()
		require.Equal(t, n, built, "the same resources, reused")
		time.Sleep(150 * time.Second) // 7.5m: the middle of the jitter range
		expired := releaseAll(hs)
		// Each lifetime falls on either side of 7.5m with probability 1/2:
		// all 64 on one side has probability 2^-63.
		assert.Greater(t, expired, int64(0))
		assert.Less(t, expired, int64(n))
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		assert.Equal(t, 0, p.Stats().Total, "none outlives MaxLifetime")
	})
}

func TestMaxIdleTimeIsEnforcedOnAcquireAndSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		cfg := b.config(2)
		cfg.MaxIdleTime = time.Minute // the sweep runs every 30s
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()

		// By the sweep: released at 0, idle past 1m at the sweep at 90s.
		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		c := h.Value()
		h.Release()
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.False(t, c.closed.Load(), "idle exactly MaxIdleTime is allowed")
		time.Sleep(30 * time.Second)
		synctest.Wait()
		assert.True(t, c.closed.Load(), "destroyed by the sweep")
		assert.Equal(t, int64(1), p.Stats().ClosedMaxIdleTime)

		// On acquire: released at 91s, past its idle time at 151s, before
		// the sweep at 180s sees it.
		time.Sleep(time.Second)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		c = h.Value()
		h.Release()
		time.Sleep(time.Minute + time.Nanosecond)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		assert.NotSame(t, c, h.Value())
		assert.True(t, c.closed.Load(), "destroyed on acquire")
		h.Release()
		assert.Equal(t, int64(2), p.Stats().ClosedMaxIdleTime)
	})
}

func TestMinIdleIsKeptWarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		cfg := b.config(5)
		cfg.MinIdle = 3
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()

		synctest.Wait()
		s := p.Stats()
		assert.Equal(t, 3, s.Idle, "built ahead of demand")
		assert.Equal(t, int64(0), s.Acquires)

		var hs []pool.Handle[*conn]
		for range 2 {
			h, err := p.Acquire(ctx)
			require.NoError(t, err)
			hs = append(hs, h)
		}
		synctest.Wait()
		s = p.Stats()
		assert.Equal(t, 3, s.Idle, "refilled after the acquires")
		assert.Equal(t, 5, s.Total)

		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		hs = append(hs, h)
		synctest.Wait()
		s = p.Stats()
		assert.Equal(t, 2, s.Idle, "MaxSize caps the refill")
		assert.Equal(t, 5, s.Total)
		for _, h := range hs {
			h.Release()
		}
		built, _, _ := b.figures()
		assert.Equal(t, 5, built)
	})
}

func TestMinIdleReplacesResourcesPastMaxIdleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		cfg := b.config(4)
		cfg.MinIdle = 2
		cfg.MaxIdleTime = time.Minute
		p := newPool(t, cfg)
		defer closePool(t, p)
		synctest.Wait()
		built, _, _ := b.figures()
		require.Equal(t, 2, built)

		time.Sleep(90 * time.Second)
		synctest.Wait()
		s := p.Stats()
		built, live, _ := b.figures()
		assert.Equal(t, 4, built, "both replaced")
		assert.Equal(t, 2, live)
		assert.Equal(t, 2, s.Idle)
		assert.Equal(t, int64(2), s.ClosedMaxIdleTime)
	})
}

func TestMinIdleIsNotBuiltWhileTheBackendFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		b.fail.Store(true)
		cfg := b.config(4)
		cfg.MinIdle = 2
		cfg.FailFastAfter = 1
		cfg.ProbeInterval = time.Second
		p := newPool(t, cfg)
		defer closePool(t, p)
		synctest.Wait()
		assert.Equal(t, int64(1), b.calls.Load(), "one failure, then only the probe dials")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, int64(2), b.calls.Load())
		b.fail.Store(false)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		assert.Equal(t, 2, p.Stats().Idle, "the probe's success restarts the refill")
	})
}

// leakA holds a resource it builds and never gives back.
func leakA(t *testing.T, p *pool.Pool[*conn]) pool.Handle[*conn] {
	h, err := p.Acquire(context.Background())
	require.NoError(t, err)
	return h
}

// leakB holds an idle resource and never gives it back.
func leakB(t *testing.T, p *pool.Pool[*conn]) pool.Handle[*conn] {
	h, err := p.Acquire(context.Background())
	require.NoError(t, err)
	return h
}

func TestLeakDetectionReportsWhereTheHandleWasAcquired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		var mu sync.Mutex
		var leaks []pool.Leak
		cfg := b.config(4)
		cfg.LeakThreshold = time.Minute
		cfg.OnLeak = func(l pool.Leak) {
			mu.Lock()
			defer mu.Unlock()
			leaks = append(leaks, l)
		}
		p := newPool(t, cfg)
		defer closePool(t, p)

		h, err := p.Acquire(context.Background())
		require.NoError(t, err)
		h.Release() // one idle, for leakB's fast path

		a := leakA(t, p) // built: the slow path
		bh := leakB(t, p)
		time.Sleep(30 * time.Second)
		h, err = p.Acquire(context.Background())
		require.NoError(t, err)
		time.Sleep(30 * time.Second)
		h.Release() // held 30s: not a leak

		time.Sleep(time.Minute)
		synctest.Wait()
		mu.Lock()
		got := append([]pool.Leak(nil), leaks...)
		mu.Unlock()
		require.Len(t, got, 2)
		var stacks []string
		for _, l := range got {
			assert.Greater(t, l.Held, time.Minute)
			assert.NotContains(t, l.Stack, "backendkit/pool.(*Pool", "the pool's own frames are left out")
			stacks = append(stacks, strings.SplitN(l.Stack, "\n", 2)[0])
		}
		assert.ElementsMatch(t, []string{
			"github.com/backendkit/backendkit/pool_test.leakA",
			"github.com/backendkit/backendkit/pool_test.leakB",
		}, stacks)

		time.Sleep(10 * time.Minute)
		synctest.Wait()
		assert.Equal(t, int64(2), p.Stats().LeaksReported, "each leak is reported once")
		a.Release()
		bh.Release()
	})
}
