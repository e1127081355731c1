package pool_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

// TestConstructorGoexitOnAPoolGoroutineFreesItsSlot: a Constructor that
// calls runtime.Goexit (t.FailNow in a test's Constructor does) on a pool
// goroutine ends that goroutine only: the construction is a failed one,
// its slot is freed, the caller gets an error instead of waiting, and
// Close still drains.
func TestConstructorGoexitOnAPoolGoroutineFreesItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		var calls atomic.Int64
		cfg := b.config(1)
		cfg.construct = func(ctx context.Context) (*conn, error) {
			if calls.Add(1) == 1 {
				runtime.Goexit()
			}
			return b.construct(ctx)
		}
		p := newPool(t, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := p.Acquire(ctx)
			done <- err
		}()
		synctest.Wait()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, pool.ErrConstructor, "the construction failed")
			assert.EqualError(t, err, "pool: Constructor failed: Constructor did not return")
		default:
			t.Error("Acquire waits for a construction that will never return")
			cancel()
			<-done
		}
		s := p.Stats()
		assert.Equal(t, 0, s.Total, "the slot is freed")
		assert.Equal(t, 0, s.Constructing)
		assert.Equal(t, int64(1), s.ConstructErrors)
		h, err := p.Acquire(context.Background())
		require.NoError(t, err, "the slot can be used again")
		h.Release()
		closeWithin(t, p)
	})
}

// TestConstructorGoexitInTheBackgroundIsAConstructionError: the pool's own
// constructions (the MinIdle refill, a recovery probe) go on after a
// Constructor that called runtime.Goexit: it ends a goroutine of its own,
// not the one that keeps the pool.
func TestConstructorGoexitInTheBackgroundIsAConstructionError(t *testing.T) {
	t.Run("min-idle", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			var calls atomic.Int64
			cfg := b.config(2)
			cfg.MinIdle = 1
			cfg.MaxIdleTime = time.Minute // a sweep, so the refill runs again
			cfg.construct = func(ctx context.Context) (*conn, error) {
				if calls.Add(1) == 1 {
					runtime.Goexit()
				}
				return b.construct(ctx)
			}
			p := newPool(t, cfg)
			synctest.Wait()
			time.Sleep(time.Minute)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, int64(1), s.ConstructErrors)
			assert.Equal(t, 1, s.Idle, "the refill tried again")
			assert.Equal(t, 1, s.Total)
			closeWithin(t, p)
		})
	})
	t.Run("probe", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			var calls atomic.Int64
			cfg := b.config(2)
			cfg.FailFastAfter = 1
			cfg.ProbeInterval = time.Second
			cfg.construct = func(ctx context.Context) (*conn, error) {
				switch calls.Add(1) {
				case 1:
					return nil, errDial
				case 2:
					runtime.Goexit()
				}
				return b.construct(ctx)
			}
			p := newPool(t, cfg)
			_, err := p.Acquire(context.Background())
			require.ErrorIs(t, err, errDial)
			time.Sleep(time.Second)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, int64(2), s.ConstructErrors)
			assert.True(t, s.Unavailable, "a probe that did not return is a failed probe")
			assert.Equal(t, 0, s.Total)
			time.Sleep(2 * time.Second)
			synctest.Wait()
			s = p.Stats()
			assert.False(t, s.Unavailable, "the next probe ran and succeeded")
			assert.Equal(t, 1, s.Idle)
			closeWithin(t, p)
		})
	})
}
