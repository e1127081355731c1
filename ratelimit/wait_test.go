package ratelimit_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

type waiter interface {
	WaitN(ctx context.Context, n int) error
	Wait(ctx context.Context) error
}

// waiters builds the limiters that can wait, at one event per 100ms.
var waiters = []struct {
	name string
	new  func(burst int) (waiter, error)
}{
	{"token-bucket", func(b int) (waiter, error) { return ratelimit.NewTokenBucket(1, 100*ms, b) }},
	{"gcra", func(b int) (waiter, error) { return ratelimit.NewGCRA(1, 100*ms, b) }},
	// The leaky bucket's capacity counts the event leaving it, so b+1
	// leaves room for b events to wait behind it.
	{"leaky-bucket", func(b int) (waiter, error) { return ratelimit.NewLeakyBucket(1, 100*ms, b+1) }},
}

// TestWaitSleepsExactly checks on a fake clock that each Wait returns at
// the exact instant its event is due: the buckets let the burst through at
// once, the leaky bucket's queue spaces every event 100ms apart.
func TestWaitSleepsExactly(t *testing.T) {
	want := map[string][]time.Duration{
		// One event, three at once, then one at a time.
		"token-bucket": {0, 0, 0, 100 * ms, 200 * ms},
		"gcra":         {0, 0, 0, 100 * ms, 200 * ms},
		// The three leave together after the first, taking 300ms of drain.
		"leaky-bucket": {0, 100 * ms, 400 * ms, 500 * ms, 600 * ms},
	}
	for _, w := range waiters {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := w.new(5)
				require.NoError(t, err)
				start := time.Now()
				var got []time.Duration
				for range 5 {
					require.NoError(t, l.Wait(t.Context()))
					got = append(got, time.Since(start))
					if len(got) == 1 {
						// Ask for the rest of the burst in one go.
						require.NoError(t, l.WaitN(t.Context(), 3))
						got = append(got, time.Since(start))
					}
					if len(got) == 5 {
						break
					}
				}
				assert.Equal(t, want[w.name], got)
			})
		})
	}
}

// TestWaitDeadline checks that a wait the context's deadline cannot cover
// fails at once and reserves nothing.
func TestWaitDeadline(t *testing.T) {
	for _, w := range waiters {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := w.new(1)
				require.NoError(t, err)
				require.NoError(t, l.Wait(t.Context()))
				start := time.Now()

				ctx, cancel := context.WithTimeout(t.Context(), 50*ms)
				defer cancel()
				err = l.Wait(ctx)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Regexp(t, "^ratelimit: ", err.Error())
				assert.Zero(t, time.Since(start), "it must fail at once, not after sleeping")

				ctx, cancel = context.WithTimeout(t.Context(), 100*ms)
				defer cancel()
				require.NoError(t, l.Wait(ctx), "a deadline exactly at the turn is enough")
				assert.Equal(t, 100*ms, time.Since(start), "the failed wait reserved nothing")
			})
		})
	}
}

// TestWaitCancelGivesBack cancels a waiter halfway: it returns the
// context's error, and the next waiter gets the slot it gave back.
func TestWaitCancelGivesBack(t *testing.T) {
	for _, w := range waiters {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := w.new(1)
				require.NoError(t, err)
				require.NoError(t, l.Wait(t.Context()))
				start := time.Now()

				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() { done <- l.Wait(ctx) }()
				time.Sleep(50 * ms)
				synctest.Wait()
				cancel()
				require.ErrorIs(t, <-done, context.Canceled)
				assert.Equal(t, 50*ms, time.Since(start))

				require.NoError(t, l.Wait(t.Context()))
				assert.Equal(t, 100*ms, time.Since(start), "the cancelled reservation was given back")
			})
		})
	}
}

func TestWaitErrors(t *testing.T) {
	for _, w := range waiters {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := w.new(2)
				require.NoError(t, err)
				assert.ErrorIs(t, l.WaitN(t.Context(), 0), ratelimit.ErrInvalidN)
				assert.ErrorIs(t, l.WaitN(t.Context(), 100), ratelimit.ErrExceedsLimit)
				assert.ErrorIs(t, l.WaitN(t.Context(), math.MaxInt), ratelimit.ErrExceedsLimit)
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				assert.ErrorIs(t, l.Wait(ctx), context.Canceled)
				start := time.Now()
				require.NoError(t, l.WaitN(t.Context(), 2), "the failed calls took nothing")
				assert.Zero(t, time.Since(start))
			})
		})
	}
}

// TestLeakyQueueFull checks that the queue refuses what it cannot hold, at
// once, and takes it once there is room.
func TestLeakyQueueFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewLeakyBucket(1, 100*ms, 2)
		require.NoError(t, err)
		require.NoError(t, l.Wait(t.Context()))
		go func() { _ = l.Wait(t.Context()) }() // queued for 100ms
		synctest.Wait()
		err = l.Wait(t.Context())
		require.True(t, errors.Is(err, ratelimit.ErrQueueFull), "got %v", err)
		time.Sleep(100 * ms)
		synctest.Wait()
		start := time.Now()
		require.NoError(t, l.Wait(t.Context()))
		assert.Equal(t, 100*ms, time.Since(start))
	})
}

// TestWaitAnyLimiter checks the generic Wait on a fixed window: it sleeps
// exactly until the next window, and fails at once past a deadline.
func TestWaitAnyLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The fake clock starts at midnight, on a window boundary.
		l, err := ratelimit.NewFixedWindow(2, time.Second)
		require.NoError(t, err)
		start := time.Now()
		time.Sleep(300 * ms)
		for range 2 {
			require.NoError(t, ratelimit.Wait(t.Context(), l, "", 1))
		}
		assert.Equal(t, 300*ms, time.Since(start))

		ctx, cancel := context.WithTimeout(t.Context(), 500*ms)
		defer cancel()
		err = ratelimit.Wait(ctx, l, "", 1)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 300*ms, time.Since(start), "failed at once")

		require.NoError(t, ratelimit.Wait(t.Context(), l, "", 2))
		assert.Equal(t, time.Second, time.Since(start), "woke exactly at the next window")

		require.ErrorIs(t, ratelimit.Wait(t.Context(), l, "", 3), ratelimit.ErrExceedsLimit)
		require.ErrorIs(t, ratelimit.Wait(t.Context(), ratelimit.Blocked{}, "", 1), ratelimit.ErrExceedsLimit)

		ctx, cancel = context.WithCancel(t.Context())
		go func() {
			time.Sleep(100 * ms)
			cancel()
		}()
		require.ErrorIs(t, ratelimit.Wait(ctx, l, "", 1), context.Canceled)
		assert.Equal(t, 1100*ms, time.Since(start))
	})
}

type refusing struct{}

func (refusing) Decide(context.Context, string, int) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, nil
}

// TestWaitBrokenLimiter checks that Wait does not spin on a limiter that
// refuses without saying how long to wait.
func TestWaitBrokenLimiter(t *testing.T) {
	err := ratelimit.Wait(t.Context(), refusing{}, "k", 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "without a retry-after")
}

// TestWaitCancelUnderLaterWaiters cancels a waiter while another waits
// behind it. The later waiter's turn was counted after the cancelled one,
// and it still wakes then; giving the cancelled turn back as well would
// let a new event through at that same instant, two at once where the
// limit allows one. So the turn is not given back: the next event comes a
// full interval after the later waiter's.
func TestWaitCancelUnderLaterWaiters(t *testing.T) {
	for _, w := range []struct {
		name string
		new  func() (waiter, error)
	}{
		{"token-bucket", func() (waiter, error) { return ratelimit.NewTokenBucket(1, 100*ms, 1) }},
		{"gcra", func() (waiter, error) { return ratelimit.NewGCRA(1, 100*ms, 1) }},
		{"leaky-bucket", func() (waiter, error) { return ratelimit.NewLeakyBucket(1, 100*ms, 3) }},
	} {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := w.new()
				require.NoError(t, err)
				require.NoError(t, l.Wait(t.Context()))
				start := time.Now()

				ctx, cancel := context.WithCancel(t.Context())
				first := make(chan error)
				go func() { first <- l.Wait(ctx) }() // due at 100ms
				synctest.Wait()
				second := make(chan time.Duration)
				go func() {
					assert.NoError(t, l.Wait(t.Context())) // due at 200ms
					second <- time.Since(start)
				}()
				synctest.Wait()
				cancel()
				require.ErrorIs(t, <-first, context.Canceled)

				assert.Equal(t, 200*ms, <-second, "the later waiter keeps its turn")
				require.NoError(t, l.Wait(t.Context()))
				assert.Equal(t, 300*ms, time.Since(start), "one event per 100ms, never two at once")
			})
		})
	}
}
