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

// longest is the longest period a limiter accepts, 2^60 ns (about 36.5
// years), and so the slowest rate: one event per longest.
const longest = time.Duration(1 << 60)

// TestWaitAtTheSlowestRates queues many waiters on a bucket that refills
// one event per 30 years or per 2^60 ns. The first waiter's turn is one
// period away, within reach, and it returns exactly then; every later turn
// is further than the longest wait a bucket reserves for (2^60 ns), which
// counts as for ever: those waiters reserve nothing and return only when
// their context ends. None may pass early, as they did when adding up the
// reservations overflowed.
func TestWaitAtTheSlowestRates(t *testing.T) {
	for _, per := range []time.Duration{30 * 365 * 24 * time.Hour, longest} {
		for _, w := range []struct {
			name string
			new  func(per time.Duration) (waiter, error)
		}{
			{"token-bucket", func(per time.Duration) (waiter, error) { return ratelimit.NewTokenBucket(1, per, 1) }},
			{"gcra", func(per time.Duration) (waiter, error) { return ratelimit.NewGCRA(1, per, 1) }},
		} {
			t.Run(w.name+"/per="+per.String(), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					l, err := w.new(per)
					require.NoError(t, err)
					require.NoError(t, l.Wait(t.Context()), "a bucket starts full")
					start := time.Now()

					const waiters = 12
					ctx, cancel := context.WithCancel(t.Context())
					defer cancel()
					type result struct {
						err   error
						after time.Duration
					}
					results := make(chan result, waiters)
					for range waiters {
						go func() {
							err := l.Wait(ctx)
							results <- result{err, time.Since(start)}
						}()
					}
					synctest.Wait()
					require.Equal(t, 0, len(results), "waiters that passed before their turn")

					time.Sleep(per)
					synctest.Wait()
					require.Len(t, results, 1, "exactly the first waiter's turn has come")
					r := <-results
					require.NoError(t, r.err)
					assert.Equal(t, per, r.after)

					cancel()
					for range waiters - 1 {
						r := <-results
						require.ErrorIs(t, r.err, context.Canceled)
						assert.Equal(t, per, r.after, "returned when the context ended")
					}

					// The waiters that gave up reserved nothing: the next
					// event is one period after the first waiter's.
					require.NoError(t, l.Wait(t.Context()))
					assert.Equal(t, 2*per, time.Since(start))
				})
			})
		}
	}
}

// TestWaitForEverWithADeadline: a wait longer than 2^60 ns is for ever, so
// any deadline comes first, and the wait fails at once without reserving.
func TestWaitForEverWithADeadline(t *testing.T) {
	for _, w := range []struct {
		name string
		new  func() (waiter, error)
	}{
		{"token-bucket", func() (waiter, error) { return ratelimit.NewTokenBucket(1, longest, 1) }},
		{"gcra", func() (waiter, error) { return ratelimit.NewGCRA(1, longest, 1) }},
	} {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := w.new()
				require.NoError(t, err)
				require.NoError(t, l.Wait(t.Context()))
				go func() { _ = l.Wait(t.Context()) }() // reserves the next turn, 2^60 ns away
				synctest.Wait()
				start := time.Now()
				ctx, cancel := context.WithTimeout(t.Context(), 200*365*24*time.Hour)
				defer cancel()
				err = l.Wait(ctx)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Regexp(t, "^ratelimit: ", err.Error())
				assert.Zero(t, time.Since(start), "it must fail at once")
			})
		})
	}
}

// TestWindowLimitBound: the window algorithms count events in int64, and a
// count plus a request must not overflow, so a limit above 2^60 is refused.
func TestWindowLimitBound(t *testing.T) {
	for _, c := range []struct {
		name string
		new  func(limit int) error
	}{
		{"fixed-window", func(l int) error { _, err := ratelimit.NewFixedWindow(l, time.Hour); return err }},
		{"sliding-window", func(l int) error { _, err := ratelimit.NewSlidingWindow(l, time.Hour); return err }},
	} {
		require.NoError(t, c.new(1<<60), c.name)
		for _, limit := range []int{1<<60 + 1, math.MaxInt} {
			err := c.new(limit)
			require.Error(t, err, "%s limit %d", c.name, limit)
			assert.True(t, errors.Is(err, ratelimit.ErrInvalidConfig), "%s: %v", c.name, err)
		}
	}
}

// TestLargestWindowLimits plays requests near the largest limit a window
// accepts, including instants that step back, where the sliding window's
// estimate counts the previous window at a greater weight: every decision
// must be exact, with nothing wrapping around.
func TestLargestWindowLimits(t *testing.T) {
	const limit = 1 << 60
	for _, c := range []struct {
		name string
		new  func() (allower, error)
	}{
		{"fixed-window", func() (allower, error) { return ratelimit.NewFixedWindow(limit, time.Hour) }},
		{"sliding-window", func() (allower, error) { return ratelimit.NewSlidingWindow(limit, time.Hour) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := c.new()
			require.NoError(t, err)
			d, err := l.AllowN(t0, limit-5)
			require.NoError(t, err)
			require.True(t, d.Allowed)
			assert.Equal(t, 5, d.Remaining)
			d, err = l.AllowN(t0, limit)
			require.NoError(t, err)
			assert.False(t, d.Allowed, "the window holds limit-5 events")
			assert.Equal(t, 5, d.Remaining)
			d, err = l.AllowN(t0, 6)
			require.NoError(t, err)
			assert.False(t, d.Allowed)
			d, err = l.AllowN(t0, 5)
			require.NoError(t, err)
			require.True(t, d.Allowed)
			assert.Equal(t, 0, d.Remaining)

			// Most of the next window later, the sliding window weighs the
			// full window before by a sliver, and may take the rest.
			next := t0.Add(time.Hour + 59*time.Minute)
			d, err = l.AllowN(next, limit/2)
			require.NoError(t, err)
			require.True(t, d.Allowed)
			// Back to the start of that window, where the window before
			// counts in full: used is then far above the limit.
			d, err = l.AllowN(t0.Add(time.Hour), limit)
			require.NoError(t, err)
			assert.False(t, d.Allowed)
			assert.GreaterOrEqual(t, d.Remaining, 0)
			assert.Positive(t, d.RetryAfter)
			assert.GreaterOrEqual(t, d.ResetAfter, time.Duration(0))
		})
	}
}

// TestLongestSpansAtTheLastInstant runs every algorithm, alone and keyed,
// with the longest period it accepts, at instants up to the last one a
// limiter represents (2^62 ns, in 2116) and beyond: the window ends,
// refills, retry-afters and reset-afters computed from them must stay
// within range, never wrapping into a negative or an "allowed".
func TestLongestSpansAtTheLastInstant(t *testing.T) {
	last := time.Unix(0, 1<<62)
	instants := []time.Time{time.Unix(0, 0), t0, last.Add(-longest), last, last.Add(longest), {}}
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			l, err := a.new(2, longest)
			require.NoError(t, err)
			k, err := ratelimit.NewKeyed(l.(ratelimit.Algorithm), ratelimit.KeyedConfig{MaxKeys: 10, SweepEvery: -1})
			require.NoError(t, err)
			defer k.Close()
			decide := map[string]func(time.Time, int) (ratelimit.Decision, error){
				"alone": l.AllowN,
				"keyed": func(at time.Time, n int) (ratelimit.Decision, error) { return k.AllowN(at, "k", n) },
			}
			for how, f := range decide {
				allowed := 0
				var latest time.Time
				for i, at := range instants {
					if at.After(latest) {
						latest = at
					}
					// Nothing ends more than two periods after the latest
					// instant seen (clamped to 2116), wherever at lies.
					from, to := at, latest
					if from.Before(time.Unix(0, 0)) {
						from = time.Unix(0, 0)
					}
					if to.After(last) {
						to = last
					}
					bound := 2*longest + to.Sub(from)
					for _, n := range []int{2, 1} {
						d, err := f(at, n)
						require.NoError(t, err)
						if d.Allowed {
							allowed += n
						}
						where := []any{"%s instant %d n=%d: %+v", how, i, n, d}
						assert.GreaterOrEqual(t, d.Remaining, 0, where...)
						assert.LessOrEqual(t, d.Remaining, 2, where...)
						assert.GreaterOrEqual(t, d.RetryAfter, time.Duration(0), where...)
						assert.LessOrEqual(t, d.RetryAfter, bound, where...)
						assert.GreaterOrEqual(t, d.ResetAfter, time.Duration(0), where...)
						assert.LessOrEqual(t, d.ResetAfter, bound, where...)
					}
				}
				// Six instants, of which the fifth is clamped to the fourth
				// (2116) and the zero time to the first (1970): four
				// distinct ones, at most one allowance of 2 at each.
				assert.LessOrEqual(t, allowed, 2*4, how)
				assert.GreaterOrEqual(t, allowed, 2, how)
			}
		})
	}
}
