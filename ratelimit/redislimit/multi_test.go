package redislimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// TestMulti checks two limits on one key, 2 per second (a token bucket of
// 2) and 3 per hour (a fixed window): a request is charged only when both
// allow, and a refusal carries the longest retry-after and the limit that
// gave it.
func TestMulti(t *testing.T) {
	ctx := context.Background()
	r := redistest.NewMiniredis(t)
	l, err := redislimit.NewMulti(r.Client, []redislimit.Limit{
		redislimit.TokenBucketLimit(2, time.Second, 2),
		redislimit.FixedWindowLimit(3, time.Hour),
	}, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	// The token bucket alone, under the same key name: it shares the
	// Multi's state for that limit.
	bucket, err := redislimit.NewTokenBucket(r.Client, 2, time.Second, 2, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)

	perSecond := func(allowed bool, rem int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: 2, Remaining: rem, RetryAfter: retry, ResetAfter: reset, Window: time.Second}
	}
	perHour := func(allowed bool, rem int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: 3, Remaining: rem, RetryAfter: retry, ResetAfter: reset, Window: time.Hour}
	}
	hour := time.Hour
	for i, s := range []struct {
		at    time.Duration
		n     int
		multi bool // ask the Multi, or else the bucket alone
		want  ratelimit.Decision
	}{
		{0, 1, true, perSecond(true, 1, 0, hour)}, // bucket 1 left, hour 2 left
		{0, 1, true, perSecond(true, 0, 0, hour)},
		{0, 1, true, perSecond(false, 0, 500*time.Millisecond, hour)}, // the bucket refuses; the hour is not charged
		{500 * time.Millisecond, 1, true, perSecond(true, 0, 0, hour-500*time.Millisecond)},
		{2 * time.Second, 2, true, perHour(false, 0, hour-2*time.Second, hour-2*time.Second)}, // the hour refuses...
		{2 * time.Second, 2, false, perSecond(true, 0, 0, time.Second)},                       // ...and the bucket was not charged
		{2 * time.Second, 1, true, perHour(false, 0, hour-2*time.Second, hour-2*time.Second)}, // both refuse: the longer wait wins
		{hour, 2, true, perSecond(true, 0, 0, hour)},
	} {
		r.Miniredis().SetTime(t0.Add(s.at))
		var l ratelimit.Limiter = l
		if !s.multi {
			l = bucket
		}
		got, err := l.Decide(ctx, "user:42", s.n)
		require.NoError(t, err)
		assert.Equal(t, s.want, got, "step %d: t0+%v n=%d", i, s.at, s.n)
	}
}

// TestMultiRefusesBeyondTheSmallestCapacity: n above the smallest limit can
// never be allowed.
func TestMultiRefusesBeyondTheSmallestCapacity(t *testing.T) {
	r := redistest.New(t)
	l, err := redislimit.NewMulti(r.Client, []redislimit.Limit{
		redislimit.SlidingWindowLimit(100, time.Minute),
		redislimit.GCRALimit(10, time.Second, 5),
	}, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	_, err = l.Decide(context.Background(), "k", 6)
	require.ErrorIs(t, err, ratelimit.ErrExceedsLimit)
	d, err := l.Decide(context.Background(), "k", 5)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}
