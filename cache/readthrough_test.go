package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// newLocal returns a Local tier over an S3FIFO, closed when the test ends
// (inside the bubble when t is a synctest one).
func newLocal(t testing.TB, capacity int) *cache.Local[string] {
	t.Helper()
	m, err := cache.NewS3FIFO[string, cache.Entry[string]](capacity, cache.Config[string, cache.Entry[string]]{})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	l, err := cache.NewLocal[string](m)
	require.NoError(t, err)
	return l
}

// newReadThrough returns a ReadThrough over tier, closed when the test
// ends.
func newReadThrough(t testing.TB, tier cache.Tier[string], load cache.Loader[string], ttl time.Duration, cfg cache.ReadThroughConfig) *cache.ReadThrough[string] {
	t.Helper()
	rt, err := cache.NewReadThrough(tier, load, ttl, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		// Bounded, so that a test that fails with a load blocked reports
		// the failure instead of hanging: Close then cancels the load.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, rt.Close(ctx))
	})
	return rt
}

// blockingLoader counts its calls and blocks each until release is
// closed, returning "v:<key>".
type blockingLoader struct {
	calls   atomic.Int64
	release chan struct{}
	ctxs    chan context.Context // each call's context, when not nil
}

func newBlockingLoader() *blockingLoader {
	return &blockingLoader{release: make(chan struct{}), ctxs: make(chan context.Context, 16)}
}

func (l *blockingLoader) load(ctx context.Context, key string) (string, error) {
	l.calls.Add(1)
	select {
	case l.ctxs <- ctx:
	default:
	}
	select {
	case <-l.release:
		return "v:" + key, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TestReadThroughOneLoadForAThousandMisses: 1000 goroutines miss one key
// at once; the loader runs exactly once and every one of them gets its
// value.
func TestReadThroughOneLoadForAThousandMisses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newBlockingLoader()
		rt := newReadThrough(t, newLocal(t, 100), l.load, time.Minute, cache.ReadThroughConfig{})
		const n = 1000
		var wg sync.WaitGroup
		results := make([]cache.Result, n)
		values := make([]string, n)
		for i := range n {
			wg.Go(func() {
				var err error
				values[i], results[i], err = rt.Get(context.Background(), "k")
				assert.NoError(t, err)
			})
		}
		synctest.Wait() // every goroutine is waiting for the one load
		close(l.release)
		wg.Wait()
		assert.Equal(t, int64(1), l.calls.Load(), "loader calls")
		for i := range n {
			require.Equal(t, "v:k", values[i], "goroutine %d", i)
			require.Equal(t, cache.Loaded, results[i], "goroutine %d", i)
		}
		s := rt.Stats()
		assert.Equal(t, uint64(1), s.LoaderCalls)
		assert.Equal(t, uint64(n), s.Loaded)
	})
}

// TestReadThroughFirstCallerCancelledFailsNobodyElse: the caller that
// started the load gives up; the load goes on with an uncancelled context
// and the other callers get the value (otter #124: there, the first
// caller's cancellation failed every waiter).
func TestReadThroughFirstCallerCancelledFailsNobodyElse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newBlockingLoader()
		rt := newReadThrough(t, newLocal(t, 100), l.load, time.Minute, cache.ReadThroughConfig{})
		type key struct{}
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "first"))
		firstErr := make(chan error, 1)
		go func() {
			_, res, err := rt.Get(ctx, "k")
			assert.Equal(t, cache.Failed, res)
			firstErr <- err
		}()
		loadCtx := <-l.ctxs
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				v, res, err := rt.Get(context.Background(), "k")
				assert.NoError(t, err)
				assert.Equal(t, "v:k", v)
				assert.Equal(t, cache.Loaded, res)
			})
		}
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-firstErr, context.Canceled, "the first caller stops waiting when its context ends")
		synctest.Wait()
		require.NoError(t, loadCtx.Err(), "the load's context is not the caller's")
		assert.Equal(t, "first", loadCtx.Value(key{}), "the load keeps the caller's values")
		close(l.release)
		wg.Wait()
		assert.Equal(t, int64(1), l.calls.Load())
		v, res, err := rt.Get(context.Background(), "k")
		require.NoError(t, err)
		assert.Equal(t, "v:k", v)
		assert.Equal(t, cache.Hit, res, "the value was stored")
	})
}

// TestReadThroughLoadTimeout: a load that outlives LoadTimeout fails with
// the deadline, wrapped in ErrLoad, and nothing is cached.
func TestReadThroughLoadTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newBlockingLoader()
		rt := newReadThrough(t, newLocal(t, 100), l.load, time.Minute, cache.ReadThroughConfig{LoadTimeout: 5 * time.Second})
		start := time.Now()
		_, res, err := rt.Get(context.Background(), "k")
		assert.Equal(t, 5*time.Second, time.Since(start))
		assert.Equal(t, cache.Failed, res)
		require.ErrorIs(t, err, cache.ErrLoad)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// scriptedLoader returns, call after call, the next of its answers; a
// string answer is a value, an error answer an error.
type scriptedLoader struct {
	mu      sync.Mutex
	answers []any
	calls   int
}

func (l *scriptedLoader) load(_ context.Context, key string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.answers[min(l.calls, len(l.answers)-1)]
	l.calls++
	if err, ok := a.(error); ok {
		return "", err
	}
	return a.(string), nil
}

func (l *scriptedLoader) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

var errDown = errors.New("database down")

func TestReadThroughResults(t *testing.T) {
	ctx := context.Background()
	t.Run("loader-errors-are-not-cached", func(t *testing.T) {
		l := &scriptedLoader{answers: []any{errDown, "v1"}}
		rt := newReadThrough(t, newLocal(t, 10), l.load, time.Minute, cache.ReadThroughConfig{})
		_, res, err := rt.Get(ctx, "k")
		assert.Equal(t, cache.Failed, res)
		require.ErrorIs(t, err, cache.ErrLoad)
		require.ErrorIs(t, err, errDown)
		v, res, err := rt.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v1", v)
		assert.Equal(t, cache.Loaded, res)
		assert.Equal(t, 2, l.count())
	})
	t.Run("negative-entries-have-their-own-ttl", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := &scriptedLoader{answers: []any{fmt.Errorf("no row: %w", cache.ErrNotFound), "v1"}}
			rt := newReadThrough(t, newLocal(t, 10), l.load, time.Hour,
				cache.ReadThroughConfig{NegativeTTL: time.Minute, Jitter: -1, RecordStats: true})
			for i, want := range []cache.Result{cache.Negative, cache.Negative} {
				v, res, err := rt.Get(ctx, "k")
				require.ErrorIs(t, err, cache.ErrNotFound, "get %d", i)
				assert.Equal(t, "", v)
				assert.Equal(t, want, res, "get %d", i)
			}
			assert.Equal(t, 1, l.count(), "the second answer came from the negative entry")
			time.Sleep(time.Minute)
			v, res, err := rt.Get(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, "v1", v)
			assert.Equal(t, cache.Loaded, res)
			assert.Equal(t, cache.ReadThroughStats{Loaded: 1, Negative: 2, LoaderCalls: 2}, rt.Stats())
		})
	})
	t.Run("negative-caching-off", func(t *testing.T) {
		l := &scriptedLoader{answers: []any{cache.ErrNotFound}}
		rt := newReadThrough(t, newLocal(t, 10), l.load, time.Hour, cache.ReadThroughConfig{NegativeTTL: -1})
		for range 2 {
			_, res, err := rt.Get(ctx, "k")
			require.ErrorIs(t, err, cache.ErrNotFound)
			assert.Equal(t, cache.Negative, res)
		}
		assert.Equal(t, 2, l.count())
	})
	t.Run("stale-if-error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var reported []error
			l := &scriptedLoader{answers: []any{"v1", errDown}}
			rt := newReadThrough(t, newLocal(t, 10), l.load, time.Minute, cache.ReadThroughConfig{
				StaleIfError: 10 * time.Minute, Jitter: -1,
				OnError: func(_ string, err error) { reported = append(reported, err) },
			})
			v, res, err := rt.Get(ctx, "k")
			require.NoError(t, err)
			require.Equal(t, "v1", v)
			assert.Equal(t, cache.Loaded, res)

			time.Sleep(2 * time.Minute) // expired, within the window
			v, res, err = rt.Get(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, "v1", v)
			assert.Equal(t, cache.Stale, res)
			require.Len(t, reported, 1, "the loader's error is reported, not swallowed")
			require.ErrorIs(t, reported[0], errDown)

			time.Sleep(10 * time.Minute) // past the window: the tier dropped it
			_, res, err = rt.Get(ctx, "k")
			assert.Equal(t, cache.Failed, res)
			require.ErrorIs(t, err, errDown)
		})
	})
	t.Run("no-stale-without-the-window", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := &scriptedLoader{answers: []any{"v1", errDown}}
			rt := newReadThrough(t, newLocal(t, 10), l.load, time.Minute, cache.ReadThroughConfig{Jitter: -1})
			_, _, err := rt.Get(ctx, "k")
			require.NoError(t, err)
			time.Sleep(2 * time.Minute)
			_, res, err := rt.Get(ctx, "k")
			assert.Equal(t, cache.Failed, res)
			require.ErrorIs(t, err, errDown)
		})
	})
	t.Run("loader-panic-is-an-error", func(t *testing.T) {
		rt := newReadThrough(t, newLocal(t, 10), func(context.Context, string) (string, error) { panic("boom") },
			time.Minute, cache.ReadThroughConfig{})
		_, res, err := rt.Get(ctx, "k")
		assert.Equal(t, cache.Failed, res)
		require.ErrorIs(t, err, cache.ErrLoad)
		assert.Contains(t, err.Error(), "boom")
	})
}

// TestReadThroughJitter: entries loaded together get different expiries,
// spread over [ttl, ttl×(1+Jitter)).
func TestReadThroughJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tier := newLocal(t, 1000)
		rt := newReadThrough(t, tier, func(_ context.Context, k string) (string, error) { return k, nil },
			100*time.Second, cache.ReadThroughConfig{Jitter: 0.5})
		now := time.Now()
		seen := map[int64]bool{}
		for i := range 200 {
			k := fmt.Sprint(i)
			_, _, err := rt.Get(context.Background(), k)
			require.NoError(t, err)
			e, ok, err := tier.Get(context.Background(), k)
			require.NoError(t, err)
			require.True(t, ok)
			d := time.Duration(e.Expires - now.UnixNano())
			require.GreaterOrEqual(t, d, 100*time.Second)
			require.Less(t, d, 150*time.Second)
			seen[e.Expires] = true
		}
		assert.Greater(t, len(seen), 150, "expiries are spread, not one instant")
	})
}

// TestReadThroughEarlyRefresh: a hit just before expiry starts one
// background reload; meanwhile every caller still gets the current value
// as a hit, and afterwards the new one.
func TestReadThroughEarlyRefresh(t *testing.T) {
	for _, tk := range tierKinds {
		t.Run(tk.name, func(t *testing.T) { testEarlyRefresh(t, tk.new) })
	}
}

func testEarlyRefresh(t *testing.T, newTier func(testing.TB, int) cache.Tier[string]) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		release := make(chan struct{})
		load := func(context.Context, string) (string, error) {
			n := calls.Add(1)
			if n > 1 {
				<-release
			}
			time.Sleep(time.Second) // Delta: the load's cost
			return fmt.Sprint("v", n), nil
		}
		rt := newReadThrough(t, newTier(t, 10), load, time.Minute,
			cache.ReadThroughConfig{EarlyRefresh: 1, Jitter: -1})
		var once sync.Once
		open := func() { once.Do(func() { close(release) }) }
		t.Cleanup(open) // before Close, even when a check fails
		ctx := context.Background()
		v, _, err := rt.Get(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, "v1", v)

		// 50 s before expiry, with a 1 s load, a read refreshes when
		// 1s·Exp(1) >= 50s: with probability e^-50, never in practice.
		time.Sleep(10 * time.Second)
		for range 100 {
			v, res, err := rt.Get(ctx, "k")
			require.NoError(t, err)
			require.Equal(t, "v1", v)
			require.Equal(t, cache.Hit, res)
		}
		require.Equal(t, int64(1), calls.Load(), "no refresh long before expiry")

		// One nanosecond before expiry a read refreshes unless
		// 1s·Exp(1) < 1ns: with probability 1 - 1e-9.
		time.Sleep(time.Minute - 10*time.Second - time.Nanosecond)
		for range 50 {
			v, res, err := rt.Get(ctx, "k")
			require.NoError(t, err)
			require.Equal(t, "v1", v, "the current value while the refresh runs")
			require.Equal(t, cache.Hit, res)
		}
		synctest.Wait()
		require.Equal(t, int64(2), calls.Load(), "one refresh for fifty hits")
		open()
		time.Sleep(time.Second)
		synctest.Wait()
		v, res, err := rt.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v2", v)
		assert.Equal(t, cache.Hit, res)
		assert.GreaterOrEqual(t, rt.Stats().Refreshes, uint64(1))
	})
}

// TestReadThroughInvalidationDuringLoadWins: an Invalidate that arrives
// while a load is in flight wins: the loaded value goes to the caller but
// is not stored, so the next Get loads again (Guava #1881; gocache's
// Delete during a pending set).
func TestReadThroughInvalidationDuringLoadWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newBlockingLoader()
		tier := newLocal(t, 10)
		rt := newReadThrough(t, tier, l.load, time.Minute, cache.ReadThroughConfig{})
		got := make(chan string, 1)
		go func() {
			v, _, err := rt.Get(context.Background(), "k")
			assert.NoError(t, err)
			got <- v
		}()
		<-l.ctxs // the load has started: it holds its lease
		require.NoError(t, rt.Invalidate(context.Background(), "k"))
		close(l.release)
		assert.Equal(t, "v:k", <-got, "the caller still gets what was loaded")
		_, ok, err := tier.Get(context.Background(), "k")
		require.NoError(t, err)
		assert.False(t, ok, "the invalidation won: the loaded value was not stored")
		assert.Equal(t, uint64(1), rt.Stats().DroppedFills)
		_, res, err := rt.Get(context.Background(), "k")
		require.NoError(t, err)
		assert.Equal(t, cache.Loaded, res)
		assert.Equal(t, int64(2), l.calls.Load())
	})
}

// TestReadThroughClose: Close waits for a load in flight; afterwards a
// miss fails with ErrClosed and a hit is still served; Close is
// idempotent; a Close whose context ends cancels the loads.
func TestReadThroughClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newBlockingLoader()
		rt, err := cache.NewReadThrough(newLocal(t, 10), l.load, time.Minute, cache.ReadThroughConfig{})
		require.NoError(t, err)
		go func() { _, _, _ = rt.Get(context.Background(), "k") }()
		<-l.ctxs
		closed := make(chan error, 1)
		go func() { closed <- rt.Close(context.Background()) }()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned with a load in flight")
		default:
		}
		close(l.release)
		require.NoError(t, <-closed)
		require.NoError(t, rt.Close(context.Background()), "idempotent")
		_, res, err := rt.Get(context.Background(), "other")
		require.ErrorIs(t, err, cache.ErrClosed)
		assert.Equal(t, cache.Failed, res)
		v, res, err := rt.Get(context.Background(), "k")
		require.NoError(t, err, "hits are served after Close")
		assert.Equal(t, "v:k", v)
		assert.Equal(t, cache.Hit, res)
	})
	t.Run("context-ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := newBlockingLoader()
			rt, err := cache.NewReadThrough(newLocal(t, 10), l.load, time.Minute, cache.ReadThroughConfig{})
			require.NoError(t, err)
			res := make(chan error, 1)
			go func() { _, _, err := rt.Get(context.Background(), "k"); res <- err }()
			<-l.ctxs
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			require.ErrorIs(t, rt.Close(ctx), context.DeadlineExceeded)
			require.ErrorIs(t, <-res, context.Canceled, "the load was cancelled")
		})
	})
}
