package pool_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

// panicOf runs f and returns what it panicked with, or nil.
func panicOf(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// closeWithin closes p, failing the test if that takes longer than a
// minute (of a synctest bubble's clock, so at once when nothing is left).
func closeWithin(t *testing.T, p *pool.Pool[*conn]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	assert.NoError(t, p.Close(ctx), "Close drains")
}

// TestConstructorPanicFreesItsSlotAndReachesItsCaller: a Constructor that
// panics leaves no slot counted, the slot goes to the next waiter, and the
// panic goes on in the goroutine of the caller whose acquire ran it,
// whether the constructor ran there or on a pool goroutine.
func TestConstructorPanicFreesItsSlotAndReachesItsCaller(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ctx   func() (context.Context, context.CancelFunc)
		check func(t *testing.T, r any)
	}{
		{
			name: "context=background",
			ctx:  func() (context.Context, context.CancelFunc) { return context.Background(), func() {} },
			check: func(t *testing.T, r any) {
				assert.Equal(t, "dial exploded", r, "the panic goes on with its own value")
			},
		},
		{
			name: "context=cancellable",
			ctx:  func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			check: func(t *testing.T, r any) {
				pe, ok := r.(*pool.PanicError)
				require.True(t, ok, "the caller panics with a *PanicError, got %#v", r)
				assert.Equal(t, "Constructor", pe.Callback)
				assert.Equal(t, "dial exploded", pe.Value)
				assert.Contains(t, string(pe.Stack), "panic_test.go", "the stack shows where it panicked")
				assert.EqualError(t, pe, "pool: Constructor panicked: dial exploded")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var b backend
				gate := make(chan struct{})
				var calls atomic.Int64
				cfg := b.config(1)
				cfg.construct = func(ctx context.Context) (*conn, error) {
					if calls.Add(1) == 1 {
						<-gate
						panic("dial exploded")
					}
					return b.construct(ctx)
				}
				p := newPool(t, cfg)

				askCtx, askCancel := tc.ctx()
				defer askCancel()
				asked := make(chan any)
				go func() {
					asked <- panicOf(func() { _, _ = p.Acquire(askCtx) })
				}()
				synctest.Wait()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				waiter := make(chan error)
				go func() {
					h, err := p.Acquire(ctx)
					if err == nil {
						h.Release()
					}
					waiter <- err
				}()
				synctest.Wait()
				require.Equal(t, 1, p.Stats().Waiting)

				close(gate)
				tc.check(t, <-asked)
				synctest.Wait()
				select {
				case err := <-waiter:
					assert.NoError(t, err, "the waiter builds in the freed slot")
				default:
					t.Error("the waiter is still queued for the slot the panic took")
					cancel()
					<-waiter
				}
				s := p.Stats()
				assert.Equal(t, 0, s.Constructing)
				assert.Equal(t, 1, s.Total, "only the waiter's resource is counted")
				assert.Equal(t, int64(1), s.ConstructErrors, "the panic is a failed construction")
				assert.Equal(t, int64(1), s.Panics)
				closeWithin(t, p)
			})
		})
	}
}

// TestConstructorPanicAfterTheCallerLeftIsAConstructionError: when the
// caller gave up before its constructor panicked on a pool goroutine, the
// panic has nobody to reach; it must not end the process, and it frees
// the slot as a failed construction does.
func TestConstructorPanicAfterTheCallerLeftIsAConstructionError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		gate := make(chan struct{})
		var calls atomic.Int64
		cfg := b.config(1)
		cfg.construct = func(ctx context.Context) (*conn, error) {
			if calls.Add(1) == 1 {
				<-gate
				panic("dial exploded")
			}
			return b.construct(ctx)
		}
		p := newPool(t, cfg)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := p.Acquire(ctx)
			done <- err
		}()
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		close(gate)
		synctest.Wait()

		s := p.Stats()
		assert.Equal(t, 0, s.Total)
		assert.Equal(t, 0, s.Constructing)
		assert.Equal(t, int64(1), s.ConstructErrors)
		assert.Equal(t, int64(1), s.Panics)
		h, err := p.Acquire(context.Background())
		require.NoError(t, err, "the slot can be used again")
		h.Release()
		closeWithin(t, p)
	})
}

// TestConstructorPanicInTheBackgroundIsAConstructionError: the pool's own
// constructions (MinIdle refill, recovery probe) have no caller to give a
// panic to; it is a failed construction and the goroutine goes on.
func TestConstructorPanicInTheBackgroundIsAConstructionError(t *testing.T) {
	t.Run("min-idle", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			var calls atomic.Int64
			cfg := b.config(2)
			cfg.MinIdle = 1
			cfg.construct = func(ctx context.Context) (*conn, error) {
				if calls.Add(1) == 1 {
					panic("dial exploded")
				}
				return b.construct(ctx)
			}
			p := newPool(t, cfg)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, int64(1), s.ConstructErrors)
			assert.Equal(t, int64(1), s.Panics)
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
					panic("dial exploded")
				}
				return b.construct(ctx)
			}
			p := newPool(t, cfg)
			_, err := p.Acquire(context.Background())
			require.ErrorIs(t, err, errDial)
			time.Sleep(time.Second)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, int64(2), calls.Load())
			assert.Equal(t, int64(2), s.ConstructErrors)
			assert.True(t, s.Unavailable, "a panicking probe is a failed probe")
			assert.Equal(t, int64(1), s.Panics)
			assert.Equal(t, 0, s.Total)
			_, err = p.Acquire(context.Background())
			var pe *pool.PanicError
			require.ErrorAs(t, err, &pe, "the panic is the last construction error")
			assert.ErrorIs(t, err, pool.ErrUnavailable)
			assert.Equal(t, "dial exploded", pe.Value)
			time.Sleep(2 * time.Second)
			synctest.Wait()
			s = p.Stats()
			assert.False(t, s.Unavailable, "the next probe succeeded")
			assert.Equal(t, 1, s.Idle)
			closeWithin(t, p)
		})
	})
}

// TestHealthCheckPanicDestroysTheResourceAndFreesItsSlot: the resource
// whose check panicked is destroyed, its slot goes to the next waiter, and
// the panic goes on in the acquiring caller's goroutine.
func TestHealthCheckPanicDestroysTheResourceAndFreesItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		gate := make(chan struct{})
		var checks atomic.Int64
		cfg := b.config(1)
		cfg.HealthCheck = func(context.Context, *conn) error {
			if checks.Add(1) == 1 {
				<-gate
				panic("check exploded")
			}
			return nil
		}
		p := newPool(t, cfg)
		h, err := p.Acquire(context.Background())
		require.NoError(t, err)
		first := h.Value()
		h.Release()

		asked := make(chan any)
		go func() {
			asked <- panicOf(func() { _, _ = p.Acquire(context.Background()) })
		}()
		synctest.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		waiter := make(chan *conn)
		go func() {
			h, err := p.Acquire(ctx)
			if err != nil {
				waiter <- nil
				return
			}
			c := h.Value()
			h.Release()
			waiter <- c
		}()
		synctest.Wait()
		require.Equal(t, 1, p.Stats().Waiting)

		close(gate)
		assert.Equal(t, "check exploded", <-asked)
		synctest.Wait()
		select {
		case c := <-waiter:
			if assert.NotNil(t, c, "the waiter got a resource") {
				assert.Equal(t, 2, c.id, "a new one, built in the freed slot")
			}
		default:
			t.Error("the waiter is still queued for the slot the panic took")
			cancel()
			<-waiter
		}
		assert.True(t, first.closed.Load(), "the resource whose check panicked is destroyed")
		s := p.Stats()
		assert.Equal(t, 1, s.Total)
		assert.Equal(t, 0, s.InUse)
		assert.Equal(t, int64(1), s.ClosedHealthCheck)
		assert.Equal(t, int64(1), s.Panics)
		closeWithin(t, p)
	})
}

// TestDestructorPanicFreesTheSlot: a Destructor that panics still frees
// its resource's slot; the panic goes on in the caller that destroyed the
// resource, and on a pool goroutine it does not end the process.
func TestDestructorPanicFreesTheSlot(t *testing.T) {
	// explosive returns a config whose Destructor panics on its first call.
	explosive := func(b *backend, size int) spec {
		var calls atomic.Int64
		cfg := b.config(size)
		cfg.Destructor = func(c *conn) {
			b.destruct(c)
			if calls.Add(1) == 1 {
				panic("close exploded")
			}
		}
		return cfg
	}
	t.Run("destroy", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			p := newPool(t, explosive(&b, 1))
			h, err := p.Acquire(context.Background())
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			waiter := make(chan error)
			go func() {
				h, err := p.Acquire(ctx)
				if err == nil {
					h.Release()
				}
				waiter <- err
			}()
			synctest.Wait()

			assert.Equal(t, "close exploded", panicOf(h.Destroy), "the panic goes on in the caller")
			synctest.Wait()
			select {
			case err := <-waiter:
				assert.NoError(t, err, "the waiter builds in the freed slot")
			default:
				t.Error("the waiter is still queued for the slot the panic took")
				cancel()
				<-waiter
			}
			s := p.Stats()
			assert.Equal(t, 1, s.Total)
			assert.Equal(t, int64(1), s.ClosedByCaller)
			assert.Equal(t, int64(1), s.Panics)
			closeWithin(t, p)
		})
	})
	t.Run("sweep", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			cfg := explosive(&b, 1)
			cfg.MaxIdleTime = time.Minute
			p := newPool(t, cfg)
			h, err := p.Acquire(context.Background())
			require.NoError(t, err)
			h.Release()
			time.Sleep(2 * time.Minute)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, 0, s.Total)
			assert.Equal(t, int64(1), s.ClosedMaxIdleTime)
			assert.Equal(t, int64(1), s.Panics)
			closeWithin(t, p)
		})
	})
	t.Run("close", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var b backend
			p := newPool(t, explosive(&b, 2))
			h1, err := p.Acquire(context.Background())
			require.NoError(t, err)
			h2, err := p.Acquire(context.Background())
			require.NoError(t, err)
			h1.Release()
			h2.Release()
			r := panicOf(func() { _ = p.Close(context.Background()) })
			pe, ok := r.(*pool.PanicError)
			require.True(t, ok, "Close panics with a *PanicError, got %#v", r)
			assert.Equal(t, "Destructor", pe.Callback)
			assert.Equal(t, "close exploded", pe.Value)
			_, live, _ := b.figures()
			assert.Equal(t, 0, live, "every idle resource was destroyed")
			assert.Equal(t, int64(1), p.Stats().Panics)
			closeWithin(t, p)
		})
	})
}
