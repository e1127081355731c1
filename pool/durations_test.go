package pool_test

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

// TestLongestDurationsNeverFire: the largest durations a Config takes mean
// "not in the life of the process"; the time arithmetic must not wrap
// round and make them fire at once.
func TestLongestDurationsNeverFire(t *testing.T) {
	const forever = time.Duration(math.MaxInt64)
	for _, tc := range []struct {
		name string
		set  func(*pool.Config[*conn])
	}{
		{"MaxLifetime", func(c *pool.Config[*conn]) { c.MaxLifetime = forever }},
		{"MaxLifetime/jitter=hour", func(c *pool.Config[*conn]) {
			c.MaxLifetime = forever
			c.LifetimeJitter = time.Hour
		}},
		{"MaxIdleTime", func(c *pool.Config[*conn]) { c.MaxIdleTime = forever }},
		{"HealthCheckAfter", func(c *pool.Config[*conn]) { c.HealthCheckAfter = forever }},
		{"LeakThreshold", func(c *pool.Config[*conn]) { c.LeakThreshold = forever }},
		{"all", func(c *pool.Config[*conn]) {
			c.MaxLifetime = forever
			c.LifetimeJitter = time.Hour
			c.MaxIdleTime = forever
			c.HealthCheckAfter = forever
			c.LeakThreshold = forever
			c.ProbeInterval = forever
			c.MaxProbeInterval = forever
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var b backend
				var checks, leaks atomic.Int64
				cfg := b.config(2)
				cfg.HealthCheck = func(context.Context, *conn) error { checks.Add(1); return nil }
				cfg.HealthCheckAfter = time.Nanosecond // overridden where tested
				cfg.OnLeak = func(pool.Leak) { leaks.Add(1) }
				tc.set(&cfg.Config)
				if cfg.HealthCheckAfter == time.Nanosecond {
					cfg.HealthCheck = nil
				}
				p := newPool(t, cfg)
				defer closePool(t, p)
				time.Sleep(time.Hour) // so that the pool's clock is past its start
				for range 5 {
					h, err := p.Acquire(context.Background())
					require.NoError(t, err)
					time.Sleep(24 * time.Hour)
					synctest.Wait()
					h.Release()
					time.Sleep(365 * 24 * time.Hour)
					synctest.Wait()
				}
				s := p.Stats()
				built, _, _ := b.figures()
				assert.Equal(t, 1, built, "one resource, reused")
				assert.Equal(t, int64(0), s.ClosedMaxLifetime+s.ClosedMaxIdleTime)
				assert.Equal(t, int64(0), checks.Load(), "no health check")
				assert.Equal(t, int64(0), leaks.Load(), "no leak report")
			})
		})
	}
}

// TestProbePauseDoesNotWrapRound: doubling a pause near the largest
// duration must saturate at MaxProbeInterval, not wrap round to a
// negative pause that probes again at once.
func TestProbePauseDoesNotWrapRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		cfg := b.config(2)
		cfg.FailFastAfter = 1
		cfg.ProbeInterval = 1 << 62 // about 146 years; doubled, it wraps round
		cfg.MaxProbeInterval = time.Duration(math.MaxInt64)
		var calls atomic.Int64
		cfg.construct = func(ctx context.Context) (*conn, error) {
			if calls.Add(1) <= 2 {
				return nil, errDial
			}
			return b.construct(ctx)
		}
		p := newPool(t, cfg)
		defer closePool(t, p)
		_, err := p.Acquire(context.Background())
		require.ErrorIs(t, err, errDial)
		time.Sleep(cfg.ProbeInterval)
		synctest.Wait()
		assert.Equal(t, int64(2), calls.Load(), "the first probe ran")
		time.Sleep(365 * 24 * time.Hour)
		synctest.Wait()
		assert.Equal(t, int64(2), calls.Load(), "the next probe waits the longer pause")
		assert.True(t, p.Stats().Unavailable)
	})
}
