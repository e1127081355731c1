package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRetryAndResetAreExact checks, for every algorithm over a long random
// trace, what the Decision's durations promise, to the nanosecond: a
// denied request is allowed RetryAfter later and not a nanosecond sooner,
// and a whole allowance is available ResetAfter later and not a
// nanosecond sooner.
func TestRetryAndResetAreExact(t *testing.T) {
	fw, err := NewFixedWindow(5, 700*time.Millisecond)
	require.NoError(t, err)
	sw, err := NewSlidingWindow(5, 700*time.Millisecond)
	require.NoError(t, err)
	sl, err := NewSlidingLog(5, 700*time.Millisecond)
	require.NoError(t, err)
	tb, err := NewTokenBucket(3, time.Second, 5)
	require.NoError(t, err)
	g, err := NewGCRA(3, time.Second, 5)
	require.NoError(t, err)
	same := func(s windowState) windowState { return s }
	t.Run("fixed-window", func(t *testing.T) { checkExact(t, fixedCore{fw.w}, 5, same) })
	t.Run("sliding-window", func(t *testing.T) {
		checkExact(t, slidingCore{sw.w}, 5, func(s slidingState) slidingState { return s })
	})
	t.Run("sliding-log", func(t *testing.T) {
		checkExact(t, logCore{sl.w}, 5, func(s logState) logState {
			s.ring = append([]int64(nil), s.ring...)
			return s
		})
	})
	t.Run("token-bucket", func(t *testing.T) {
		checkExact(t, tokenCore{tb.b}, 5, func(s tokenState) tokenState { return s })
	})
	t.Run("gcra", func(t *testing.T) { checkExact(t, gcraCore{g.b}, 5, func(s int64) int64 { return s }) })
}

// checkExact plays the trace on c; clone copies a state deeply, so that
// probing a copy cannot disturb the original.
func checkExact[S any](t *testing.T, c core[S], limit int, clone func(S) S) {
	r := rand.New(rand.NewPCG(5, 6))
	s := c.initial()
	now := int64(1_900_000_000) * int64(time.Second)
	retries, resets := 0, 0
	for step := range 3000 {
		now += r.Int64N(int64(300 * time.Millisecond))
		n := 1 + r.IntN(limit)
		next, d, err := c.decide(clone(s), now, n)
		require.NoError(t, err)
		if !d.Allowed {
			retries++
			at := now + int64(d.RetryAfter)
			_, early, _ := c.decide(clone(s), at-1, n)
			require.False(t, early.Allowed, "step %d: allowed 1ns before RetryAfter %v", step, d.RetryAfter)
			_, then, _ := c.decide(clone(s), at, n)
			require.True(t, then.Allowed, "step %d: not allowed after RetryAfter %v", step, d.RetryAfter)
		}
		if d.ResetAfter > 0 {
			resets++
			at := now + int64(d.ResetAfter)
			_, early, _ := c.decide(clone(next), at-1, limit)
			require.False(t, early.Allowed, "step %d: full 1ns before ResetAfter %v", step, d.ResetAfter)
			_, then, _ := c.decide(clone(next), at, limit)
			require.True(t, then.Allowed, "step %d: not full after ResetAfter %v", step, d.ResetAfter)
			require.LessOrEqual(t, c.fullAt(next), at, "step %d: forgotten later than ResetAfter", step)
		}
		s = next
	}
	require.Greater(t, retries, 100, "the trace must exercise denials")
	require.Greater(t, resets, 100)
}
