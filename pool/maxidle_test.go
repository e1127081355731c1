package pool_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMaxIdleBoundsTheIdleSet: however a resource becomes idle (a build
// whose caller gave up, the MinIdle refill, a recovery probe), no more
// than MaxIdle are kept; the surplus is destroyed and counted.
func TestMaxIdleBoundsTheIdleSet(t *testing.T) {
	t.Run("abandoned-builds", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := backend{gate: make(chan struct{})}
			cfg := b.config(8)
			cfg.MaxIdle = 1
			p := newPool(t, cfg)
			defer closePool(t, p)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			for range 8 {
				go func() {
					_, err := p.Acquire(ctx)
					done <- err
				}()
			}
			synctest.Wait()
			require.Equal(t, 8, p.Stats().Constructing)
			cancel()
			for range 8 {
				require.ErrorIs(t, <-done, context.Canceled)
			}
			close(b.gate)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, 1, s.Idle)
			assert.Equal(t, 1, s.Total)
			assert.Equal(t, int64(7), s.ClosedMaxIdle)
			_, live, _ := b.figures()
			assert.Equal(t, 1, live)
		})
	})
	t.Run("min-idle", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			gate := make(chan struct{})
			var calls atomic.Int64
			cfg := b.config(2)
			cfg.MinIdle = 1
			cfg.MaxIdle = 1
			cfg.construct = func(ctx context.Context) (*conn, error) {
				if calls.Add(1) == 1 {
					<-gate // the refill's construction
				}
				return b.construct(ctx)
			}
			p := newPool(t, cfg)
			defer closePool(t, p)
			synctest.Wait()
			require.Equal(t, 1, p.Stats().Constructing, "the refill is building")
			h, err := p.Acquire(context.Background())
			require.NoError(t, err)
			h.Release() // idle: 1
			close(gate)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, 1, s.Idle)
			assert.Equal(t, 1, s.Total)
			assert.Equal(t, int64(1), s.ClosedMaxIdle)
		})
	})
	t.Run("probe", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			cfg := b.config(2)
			cfg.MaxIdle = 1
			cfg.FailFastAfter = 1
			cfg.ProbeInterval = time.Second
			p := newPool(t, cfg)
			defer closePool(t, p)
			h, err := p.Acquire(context.Background())
			require.NoError(t, err)
			b.fail.Store(true)
			_, err = p.Acquire(context.Background())
			require.ErrorIs(t, err, errDial)
			h.Release() // idle: 1
			b.fail.Store(false)
			time.Sleep(time.Second)
			synctest.Wait()
			s := p.Stats()
			require.False(t, s.Unavailable, "the probe succeeded")
			assert.Equal(t, 1, s.Idle)
			assert.Equal(t, 1, s.Total)
			assert.Equal(t, int64(1), s.ClosedMaxIdle)
		})
	})
}
