package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

func TestNewRejectsInvalidConfig(t *testing.T) {
	var b backend
	ok := b.config(4)
	tests := []struct {
		name string
		edit func(*spec)
	}{
		{"no constructor", func(c *spec) { c.construct = nil }},
		{"zero max size", func(c *spec) { c.maxSize = 0 }},
		{"negative max size", func(c *spec) { c.maxSize = -1 }},
		{"min idle above max size", func(c *spec) { c.MinIdle = 5 }},
		{"negative min idle", func(c *spec) { c.MinIdle = -1 }},
		{"max idle above max size", func(c *spec) { c.MaxIdle = 5 }},
		{"max idle below min idle", func(c *spec) { c.MinIdle, c.MaxIdle = 3, 2 }},
		{"negative lifetime", func(c *spec) { c.MaxLifetime = -time.Second }},
		{"negative idle time", func(c *spec) { c.MaxIdleTime = -time.Second }},
		{"negative check threshold", func(c *spec) { c.HealthCheckAfter = -time.Second }},
		{"jitter without lifetime", func(c *spec) { c.LifetimeJitter = time.Second }},
		{"jitter as long as lifetime", func(c *spec) { c.MaxLifetime, c.LifetimeJitter = time.Second, time.Second }},
		{"negative fail fast", func(c *spec) { c.FailFastAfter = -1 }},
		{"probe cap below interval", func(c *spec) { c.ProbeInterval, c.MaxProbeInterval = time.Second, time.Millisecond }},
		{"leak threshold without callback", func(c *spec) { c.LeakThreshold = time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			p, err := pool.New(cfg.maxSize, cfg.construct, cfg.Config)
			require.ErrorIs(t, err, pool.ErrInvalidConfig)
			assert.Nil(t, p)
		})
	}
	p, err := pool.New(ok.maxSize, ok.construct, ok.Config)
	require.NoError(t, err)
	closePool(t, p)
}

func TestAcquireReusesIdleResource(t *testing.T) {
	var b backend
	p := newPool(t, b.config(4))
	defer closePool(t, p)
	ctx := context.Background()

	h, err := p.Acquire(ctx)
	require.NoError(t, err)
	first := h.Value()
	h.Release()
	h, err = p.Acquire(ctx)
	require.NoError(t, err)
	assert.Same(t, first, h.Value())
	h.Release()

	built, live, _ := b.figures()
	assert.Equal(t, 1, built)
	assert.Equal(t, 1, live)
	s := p.Stats()
	assert.Equal(t, 1, s.Total)
	assert.Equal(t, 1, s.Idle)
	assert.Equal(t, int64(2), s.Acquires)
	assert.Equal(t, int64(1), s.EmptyAcquires)
}

func TestWaitersAreServedFirstComeFirstServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(1))
		defer closePool(t, p)
		ctx := context.Background()
		held, err := p.Acquire(ctx)
		require.NoError(t, err)

		order := make(chan int, 5)
		for i := range 5 {
			go func() {
				h, err := p.Acquire(ctx)
				if err != nil {
					order <- -1
					return
				}
				order <- i
				h.Release()
			}()
			synctest.Wait() // waiter i is queued before i+1 starts
		}
		assert.Equal(t, int64(5), p.Stats().Waits, "five queued behind the holder")
		assert.Equal(t, 5, p.Stats().Waiting)
		held.Release()
		synctest.Wait()
		close(order)
		var got []int
		for i := range order {
			got = append(got, i)
		}
		assert.Equal(t, []int{0, 1, 2, 3, 4}, got)
	})
}

func TestConstructorErrorGoesToItsCaller(t *testing.T) {
	var b backend
	b.fail.Store(true)
	p := newPool(t, b.config(2))
	defer closePool(t, p)

	_, err := p.Acquire(context.Background())
	require.ErrorIs(t, err, errDial)
	assert.NotErrorIs(t, err, pool.ErrUnavailable)
	s := p.Stats()
	assert.Equal(t, 0, s.Total, "a failed construction frees its slot")
	assert.Equal(t, int64(1), s.ConstructErrors)
}

func TestFailingBackendFailsFastWithOneProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		b.fail.Store(true)
		cfg := b.config(4)
		cfg.FailFastAfter = 2
		cfg.ProbeInterval = time.Second
		cfg.MaxProbeInterval = 4 * time.Second
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()

		for range 2 {
			_, err := p.Acquire(ctx)
			require.ErrorIs(t, err, errDial)
		}
		require.True(t, p.Stats().Unavailable)
		// From now on no acquire dials: a hundred callers fail at once
		// with the last error.
		for range 100 {
			go func() {
				_, err := p.Acquire(ctx)
				assert.ErrorIs(t, err, pool.ErrUnavailable)
				assert.ErrorIs(t, err, errDial)
			}()
		}
		synctest.Wait()
		assert.Equal(t, int64(2), b.calls.Load(), "no dial storm")
		assert.Equal(t, int64(100), p.Stats().FailFast)

		// One probe after ProbeInterval, then after a doubled pause.
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, int64(3), b.calls.Load())
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, int64(3), b.calls.Load(), "the pause doubled")
		b.fail.Store(false)
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, int64(4), b.calls.Load())

		s := p.Stats()
		require.False(t, s.Unavailable, "the probe's success ends the outage")
		assert.Equal(t, 1, s.Idle, "the probe's resource is kept")
		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		h.Release()
		assert.Equal(t, int64(4), b.calls.Load(), "the probed resource was reused")
	})
}

func TestCallerGivingUpDuringConstructionLeaksNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := backend{gate: make(chan struct{})}
		p := newPool(t, b.config(1))
		defer closePool(t, p)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := p.Acquire(ctx)
			done <- err
		}()
		synctest.Wait()
		require.Equal(t, 1, p.Stats().Constructing)
		cancel()
		require.ErrorIs(t, <-done, context.Canceled, "the caller leaves at once")
		assert.Equal(t, 1, p.Stats().Constructing, "the construction goes on")

		close(b.gate)
		synctest.Wait()
		s := p.Stats()
		assert.Equal(t, 1, s.Idle, "the finished resource joins the idle set")
		assert.Equal(t, 1, s.Total)
		assert.Equal(t, int64(1), s.CanceledAcquires)

		h, err := p.Acquire(context.Background())
		require.NoError(t, err)
		h.Release()
		assert.Equal(t, int64(1), b.calls.Load())
	})
}

func TestCanceledWaiterLeavesTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(1))
		defer closePool(t, p)
		held, err := p.Acquire(context.Background())
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = p.Acquire(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		held.Release()
		s := p.Stats()
		assert.Equal(t, 1, s.Idle, "the release found no waiter left")
		assert.Equal(t, int64(1), s.CanceledAcquires)
		assert.Equal(t, time.Second, s.WaitDuration)
	})
}

func TestAcquireWithDoneContextFails(t *testing.T) {
	var b backend
	p := newPool(t, b.config(1))
	defer closePool(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Acquire(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int64(0), b.calls.Load())
}

func TestHandleMisusePanics(t *testing.T) {
	var b backend
	p := newPool(t, b.config(1))
	defer closePool(t, p)
	ctx := context.Background()

	old, err := p.Acquire(ctx)
	require.NoError(t, err)
	old.Release()
	assert.PanicsWithValue(t, "pool: Release called on a handle already given back", old.Release)
	assert.PanicsWithValue(t, "pool: Value called on a released handle", func() { old.Value() })

	// The same resource, now someone else's: the stale handle still
	// cannot touch it.
	cur, err := p.Acquire(ctx)
	require.NoError(t, err)
	assert.PanicsWithValue(t, "pool: Release called on a handle already given back", old.Release)
	assert.PanicsWithValue(t, "pool: Destroy called on a handle already given back", old.Destroy)
	assert.NotNil(t, cur.Value(), "the current holder is unaffected")
	cur.Destroy()
	assert.Panics(t, cur.Release)

	var zero pool.Handle[*conn]
	assert.Panics(t, zero.Release)
	assert.Panics(t, zero.Destroy)
	assert.Panics(t, func() { zero.Value() })
}

func TestDestroyedResourceIsReplacedForTheNextWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(1))
		defer closePool(t, p)
		ctx := context.Background()
		broken, err := p.Acquire(ctx)
		require.NoError(t, err)
		bc := broken.Value()

		got := make(chan *conn)
		go func() {
			h, err := p.Acquire(ctx)
			if !assert.NoError(t, err) {
				got <- nil
				return
			}
			got <- h.Value()
			h.Release()
		}()
		synctest.Wait()
		broken.Destroy()
		c := <-got
		require.NotNil(t, c)
		assert.Equal(t, 2, c.id, "a new resource was built for the waiter")
		assert.True(t, bc.closed.Load())
		assert.Equal(t, int64(1), p.Stats().ClosedByCaller)
	})
}

func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(2))
		ctx := context.Background()
		idle, err := p.Acquire(ctx)
		require.NoError(t, err)
		held, err := p.Acquire(ctx)
		require.NoError(t, err)
		idle.Release()
		h, err := p.Acquire(ctx)
		require.NoError(t, err)

		waiter := make(chan error)
		go func() {
			_, err := p.Acquire(ctx)
			waiter <- err
		}()
		synctest.Wait()

		closed := make(chan error)
		go func() { closed <- p.Close(ctx) }()
		require.ErrorIs(t, <-waiter, pool.ErrClosed, "waiters are woken")
		_, err = p.Acquire(ctx)
		require.ErrorIs(t, err, pool.ErrClosed)
		_, err = p.TryAcquire()
		require.ErrorIs(t, err, pool.ErrClosed)

		synctest.Wait()
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v while resources are in use", err)
		default:
		}
		h.Release()
		held.Release()
		require.NoError(t, <-closed)
		built, live, _ := b.figures()
		assert.Equal(t, 2, built)
		assert.Equal(t, 0, live, "every resource was destroyed")
		require.NoError(t, p.Close(ctx), "Close is idempotent")
	})
}

func TestCloseGivesUpWhenItsContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(2))
		held, err := p.Acquire(context.Background())
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err = p.Close(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		_, live, _ := b.figures()
		assert.Equal(t, 1, live, "the held resource is left to its holder")
		held.Release()
		_, live, _ = b.figures()
		assert.Equal(t, 0, live, "and destroyed when released")
		require.NoError(t, p.Close(context.Background()))
	})
}

// TestCloseReturnsWhenItsContextEndsWhileADestructorBlocks: Close gives
// up when its context ends even while a Destructor of an idle resource
// blocks, and every resource is still destroyed afterwards.
func TestCloseReturnsWhenItsContextEndsWhileADestructorBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		unblock := make(chan struct{})
		cfg := b.config(2)
		cfg.Destructor = func(c *conn) {
			<-unblock
			b.destruct(c)
		}
		p := newPool(t, cfg)
		h1, err := p.Acquire(context.Background())
		require.NoError(t, err)
		h2, err := p.Acquire(context.Background())
		require.NoError(t, err)
		h1.Release()
		h2.Release()

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		closed := make(chan error, 1)
		go func() { closed <- p.Close(ctx) }()
		time.Sleep(time.Second)
		synctest.Wait()
		select {
		case err := <-closed:
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		default:
			t.Error("Close is still in a Destructor after its context ended")
			close(unblock)
			<-closed
			unblock = nil
		}
		if unblock != nil {
			close(unblock)
		}
		require.NoError(t, p.Close(context.Background()), "a later Close waits for the destruction")
		built, live, _ := b.figures()
		assert.Equal(t, 2, built)
		assert.Equal(t, 0, live, "every resource was destroyed")
	})
}

func TestTryAcquireNeverWaitsOrBuilds(t *testing.T) {
	var b backend
	p := newPool(t, b.config(1))
	defer closePool(t, p)
	ctx := context.Background()
	_, err := p.TryAcquire()
	require.ErrorIs(t, err, pool.ErrExhausted)
	assert.Equal(t, int64(0), b.calls.Load())

	h, err := p.Acquire(ctx)
	require.NoError(t, err)
	_, err = p.TryAcquire()
	require.ErrorIs(t, err, pool.ErrExhausted)
	h.Release()
	h, err = p.TryAcquire()
	require.NoError(t, err)
	h.Release()
	assert.Equal(t, int64(2), p.Stats().Acquires)
}

func TestHealthCheckRunsOnlyAfterIdleThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		var checks int
		cfg := b.config(2)
		cfg.HealthCheckAfter = time.Minute
		cfg.HealthCheck = func(_ context.Context, c *conn) error {
			checks++
			if c.broken.Load() {
				return errors.New("broken pipe")
			}
			return nil
		}
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()

		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		first := h.Value()
		h.Release()
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		h.Release()
		assert.Equal(t, 0, checks, "fresh resources are not checked")

		time.Sleep(2 * time.Minute)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		assert.Same(t, first, h.Value())
		h.Release()
		assert.Equal(t, 1, checks)

		first.broken.Store(true)
		time.Sleep(2 * time.Minute)
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		assert.NotSame(t, first, h.Value(), "the broken one was replaced")
		h.Release()
		assert.True(t, first.closed.Load())
		assert.Equal(t, int64(1), p.Stats().ClosedHealthCheck)
	})
}

func TestHealthCheckWithZeroThresholdRunsOnEveryBorrow(t *testing.T) {
	var b backend
	var checks int
	cfg := b.config(1)
	cfg.HealthCheck = func(context.Context, *conn) error { checks++; return nil }
	p := newPool(t, cfg)
	defer closePool(t, p)
	for range 3 {
		h, err := p.Acquire(context.Background())
		require.NoError(t, err)
		h.Release()
	}
	assert.Equal(t, 2, checks, "every borrow of an idle resource")
}

// A resource built in the background (here to keep MinIdle) joins the
// idle set without a release; with a zero threshold it is checked on its
// first borrow all the same, however long after the pool's start it was
// built.
func TestHealthCheckWithZeroThresholdRunsOnBackgroundBuilt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		var checks atomic.Int32
		cfg := b.config(1)
		cfg.MinIdle = 1
		cfg.HealthCheck = func(context.Context, *conn) error { checks.Add(1); return nil }
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()
		synctest.Wait() // the first resource, built at the start

		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		time.Sleep(time.Second)
		h.Destroy() // the refill is built now, a second after the start
		synctest.Wait()
		before := checks.Load()

		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		h.Release()
		assert.Equal(t, before+1, checks.Load(), "borrow of a resource built in the background ran no check")
	})
}

func TestMaxIdleDestroysSurplusOnRelease(t *testing.T) {
	var b backend
	cfg := b.config(3)
	cfg.MaxIdle = 1
	p := newPool(t, cfg)
	defer closePool(t, p)
	var hs []pool.Handle[*conn]
	for range 3 {
		h, err := p.Acquire(context.Background())
		require.NoError(t, err)
		hs = append(hs, h)
	}
	for _, h := range hs {
		h.Release()
	}
	s := p.Stats()
	assert.Equal(t, 1, s.Idle)
	assert.Equal(t, 1, s.Total)
	assert.Equal(t, int64(2), s.ClosedMaxIdle)
}

func TestWaitStatistics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(1))
		defer closePool(t, p)
		ctx := context.Background()
		h, err := p.Acquire(ctx)
		require.NoError(t, err)
		// 100 waiters, the i-th waiting i milliseconds: each takes the
		// resource and hands it on a millisecond later.
		done := make(chan struct{})
		for range 100 {
			go func() {
				defer func() { done <- struct{}{} }()
				h, err := p.Acquire(ctx)
				if assert.NoError(t, err) {
					time.Sleep(time.Millisecond)
					h.Release()
				}
			}()
			synctest.Wait()
		}
		time.Sleep(time.Millisecond)
		h.Release()
		for range 100 {
			<-done
		}
		s := p.Stats()
		assert.Equal(t, int64(100), s.Waits)
		assert.Equal(t, 5050*time.Millisecond, s.WaitDuration)
		// Percentiles are bucket upper bounds, within 12.5%.
		assert.GreaterOrEqual(t, s.WaitP50, 50*time.Millisecond)
		assert.LessOrEqual(t, s.WaitP50, 57*time.Millisecond)
		assert.GreaterOrEqual(t, s.WaitP99, 99*time.Millisecond)
		assert.LessOrEqual(t, s.WaitP99, 112*time.Millisecond)
	})
}

func TestLockIsNotHeldDuringCallbacks(t *testing.T) {
	var b backend
	var p *pool.Pool[*conn]
	// Each callback reads the pool's Stats, which takes its lock: if the
	// pool held it, the callback would never return.
	probe := func() {
		got := make(chan struct{})
		go func() { p.Stats(); close(got) }()
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			panic("callback ran under the pool's lock")
		}
	}
	cfg := b.config(1)
	cfg.construct = func(ctx context.Context) (*conn, error) { probe(); return b.construct(ctx) }
	cfg.Destructor = func(c *conn) { probe(); b.destruct(c) }
	cfg.HealthCheck = func(context.Context, *conn) error { probe(); return errors.New("stale") }
	p = newPool(t, cfg)
	h, err := p.Acquire(context.Background())
	require.NoError(t, err)
	h.Release()
	h, err = p.Acquire(context.Background()) // check fails, destroy, build
	require.NoError(t, err)
	h.Release()
	closePool(t, p)
	built, live, _ := b.figures()
	assert.Equal(t, 2, built)
	assert.Equal(t, 0, live)
}

func TestWaitersQueuedThroughAnOutageBuildWhenItEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		cfg := b.config(3)
		cfg.FailFastAfter = 1
		cfg.ProbeInterval = time.Second
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()
		var held []pool.Handle[*conn]
		for range 3 {
			h, err := p.Acquire(ctx)
			require.NoError(t, err)
			held = append(held, h)
		}
		results := make([]chan error, 5)
		release := make(chan struct{}) // waiters hold what they get until the end
		defer close(release)
		for i := range results {
			results[i] = make(chan error, 1)
			go func() {
				h, err := p.Acquire(ctx)
				results[i] <- err
				if err == nil {
					<-release
					h.Release()
				}
			}()
			synctest.Wait()
		}

		b.fail.Store(true)
		held[0].Destroy() // waiter 0 builds and fails: the outage starts
		synctest.Wait()
		require.ErrorIs(t, <-results[0], errDial)
		// Its slot would have let waiter 1 build: it fails fast instead,
		// and so does waiter 2 when the next slot frees.
		require.ErrorIs(t, <-results[1], pool.ErrUnavailable)
		held[1].Destroy()
		require.ErrorIs(t, <-results[2], pool.ErrUnavailable)
		assert.Equal(t, int64(1), b.calls.Load()-3, "one dial during the outage")

		b.fail.Store(false)
		time.Sleep(time.Second) // the probe succeeds
		synctest.Wait()
		assert.NoError(t, <-results[3], "the probe's resource goes to the first waiter")
		assert.NoError(t, <-results[4], "the next waiter builds in a slot freed during the outage")
		held[2].Release()
	})
}

func TestReleaseSkipsWaitersThatHaveGivenUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		p := newPool(t, b.config(1))
		defer closePool(t, p)
		held, err := p.Acquire(context.Background())
		require.NoError(t, err)
		// Each round: a waiter gives up and, before it has run again, the
		// resource is released. It must go to the live waiter behind it,
		// never to the one that left (which, woken with both a resource
		// and a done context, would otherwise keep the resource half the
		// time).
		for range 20 {
			ctx, cancel := context.WithCancel(context.Background())
			gone := make(chan error, 1)
			go func() {
				h, err := p.Acquire(ctx)
				if err == nil {
					h.Release()
				}
				gone <- err
			}()
			synctest.Wait()
			next := make(chan pool.Handle[*conn], 1)
			go func() {
				h, err := p.Acquire(context.Background())
				assert.NoError(t, err)
				next <- h
			}()
			synctest.Wait()
			cancel()
			held.Release()
			assert.Zero(t, p.Stats().Waiting, "the live waiter was served at once")
			require.ErrorIs(t, <-gone, context.Canceled)
			held = <-next
		}
		held.Release()
		s := p.Stats()
		assert.Equal(t, int64(21), s.Acquires)
		assert.Equal(t, int64(20), s.CanceledAcquires)
	})
}

func TestCloseCancelsConstructionsInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := backend{gate: make(chan struct{})} // the dial never completes
		p := newPool(t, b.config(2))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan error, 2)
		go func() { _, err := p.Acquire(context.Background()); got <- err }() // dials inline
		go func() { _, err := p.Acquire(ctx); got <- err }()                  // dials on its own goroutine
		synctest.Wait()
		require.Equal(t, 2, p.Stats().Constructing)

		require.NoError(t, p.Close(context.Background()), "Close cancels the dials and waits for them")
		require.ErrorIs(t, <-got, pool.ErrClosed)
		require.ErrorIs(t, <-got, pool.ErrClosed)
		s := p.Stats()
		assert.Zero(t, s.Total)
		assert.Zero(t, s.ConstructErrors, "a dial cancelled by Close is not a backend failure")
	})
}

func TestTryAcquireTakesOnlyResourcesThatNeedNothingDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b backend
		var checks int
		cfg := b.config(3)
		cfg.HealthCheck = func(context.Context, *conn) error { checks++; return nil }
		cfg.HealthCheckAfter = time.Minute
		cfg.MaxIdleTime = time.Hour
		p := newPool(t, cfg)
		defer closePool(t, p)
		ctx := context.Background()
		var hs []pool.Handle[*conn]
		for range 3 {
			h, err := p.Acquire(ctx)
			require.NoError(t, err)
			hs = append(hs, h)
		}
		fresh := hs[0].Value()
		hs[1].Release()
		hs[2].Release()
		time.Sleep(2 * time.Minute) // those two now need a check
		hs[0].Release()             // fresh, and on top of the stack

		h, err := p.TryAcquire()
		require.NoError(t, err)
		assert.Same(t, fresh, h.Value())
		_, err = p.TryAcquire()
		require.ErrorIs(t, err, pool.ErrExhausted, "the others need a check, which could block")
		assert.Zero(t, checks)
		h.Release()
		h, err = p.Acquire(ctx)
		require.NoError(t, err)
		assert.Same(t, fresh, h.Value())
		h.Release()
		assert.Equal(t, 3, p.Stats().Idle, "the two left behind are still there")
	})
}

// TestCloseWithNothingToWaitForReturnsNil: a Close that finds the pool
// drained returns nil even when its context has ended, every time; it
// gives up on its context only while something is left to wait for.
func TestCloseWithNothingToWaitForReturnsNil(t *testing.T) {
	ended, end := context.WithCancel(context.Background())
	end()
	for i := range 100 {
		var b backend
		p := newPool(t, b.config(1))
		if i%2 == 1 {
			closePool(t, p) // and the second Close finds it drained
		}
		require.NoError(t, p.Close(ended), "Close #%d of an empty pool", i)
	}
}
