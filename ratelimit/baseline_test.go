package ratelimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

// TestBaselineDecidesLikeSlidingLog shows that the guide's answer is right
// about decisions, for one goroutine: on instants that float seconds hold
// exactly (multiples of 1/64 s), it agrees with the sliding log.
func TestBaselineDecidesLikeSlidingLog(t *testing.T) {
	b, err := ratelimit.NewBaseline(5)
	require.NoError(t, err)
	log, err := ratelimit.NewSlidingLog(5, time.Second)
	require.NoError(t, err)
	at, x := t0, uint64(11)
	allowed := 0
	for i := range 3000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		at = at.Add(time.Duration(x%24) * time.Second / 64)
		d, err := log.AllowN(at, 1)
		require.NoError(t, err)
		require.Equal(t, d.Allowed, b.IsAllowedAt(at, "user"), "step %d at t0+%v", i, at.Sub(t0))
		if d.Allowed {
			allowed++
		}
	}
	assert.Greater(t, allowed, 100)
	assert.Less(t, allowed, 3000, "the trace must also exercise denials")
}

// TestBaselineNeverForgetsUsers pins a flaw: every user ever seen keeps a
// list, long after its requests have expired, even one only ever looked up.
func TestBaselineNeverForgetsUsers(t *testing.T) {
	b, err := ratelimit.NewBaseline(3)
	require.NoError(t, err)
	for i := range 1000 {
		require.True(t, b.IsAllowedAt(t0, fmt.Sprint("user-", i)))
	}
	for i := range 1000 {
		b.IsAllowedAt(t0.Add(time.Hour), fmt.Sprint("user-", i))
	}
	assert.Equal(t, 1000, b.Users(), "an hour later, all 1000 users are still held")

	g, err := ratelimit.NewGCRA(3, time.Second, 3)
	require.NoError(t, err)
	k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100, SweepEvery: -1})
	require.NoError(t, err)
	defer k.Close()
	for i := range 1000 {
		_, err := k.AllowN(t0, fmt.Sprint("user-", i), 1)
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, k.Len(), 100, "Keyed holds at most MaxKeys")
}

// TestBaselineCostGrowsWithLimit pins the other flaw: with requests
// arriving at the limit's pace, each call expires one request and
// list.pop(0) shifts the whole list, so a call costs O(limit). Going from
// limit=10 to limit=20000 multiplies the time per call many times over;
// the ring buffer of SlidingLog does not care.
func TestBaselineCostGrowsWithLimit(t *testing.T) {
	perCall := func(limit int, log bool) time.Duration {
		best := time.Duration(1 << 62)
		for range 5 { // the fastest of five, to shed scheduling noise
			b, err := ratelimit.NewBaseline(limit)
			require.NoError(t, err)
			l, err := ratelimit.NewSlidingLog(limit, time.Second)
			require.NoError(t, err)
			step := time.Second / time.Duration(limit)
			at := t0
			for range limit { // fill the list
				b.IsAllowedAt(at, "u")
				_, _ = l.AllowN(at, 1)
				at = at.Add(step)
			}
			const calls = 200
			start := time.Now()
			for range calls {
				if log {
					_, _ = l.AllowN(at, 1)
				} else {
					b.IsAllowedAt(at, "u")
				}
				at = at.Add(step)
			}
			best = min(best, time.Since(start)/calls)
		}
		return best
	}
	small, large := perCall(10, false), perCall(20000, false)
	t.Logf("baseline: %v per call at limit=10, %v at limit=20000", small, large)
	assert.Greater(t, large, 20*small, "the baseline's cost grows with its limit")
	logSmall, logLarge := perCall(10, true), perCall(20000, true)
	t.Logf("sliding log: %v per call at limit=10, %v at limit=20000", logSmall, logLarge)
	assert.Less(t, logLarge, 5*logSmall+time.Microsecond, "the ring buffer's cost does not")
}

func TestBaselineConfig(t *testing.T) {
	_, err := ratelimit.NewBaseline(0)
	require.ErrorIs(t, err, ratelimit.ErrInvalidConfig)
}

func TestBaselineIsAllowedNow(t *testing.T) {
	b, err := ratelimit.NewBaseline(1)
	require.NoError(t, err)
	assert.True(t, b.IsAllowed("u"))
	assert.False(t, b.IsAllowed("u"), "a second request within the same second")
	assert.True(t, b.IsAllowed("v"))
}
