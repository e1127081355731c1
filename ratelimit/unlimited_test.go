package ratelimit_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

func TestUnlimited(t *testing.T) {
	var l ratelimit.Unlimited
	for _, n := range []int{1, 1000, math.MaxInt} {
		d, err := l.AllowN(t0, n)
		require.NoError(t, err)
		assert.Equal(t, ratelimit.Decision{Allowed: true, Limit: math.MaxInt, Remaining: math.MaxInt}, d)
		d, err = l.Decide(t.Context(), "k", n)
		require.NoError(t, err)
		assert.True(t, d.Allowed)
	}
	assert.True(t, l.Allow())
	d, err := l.AllowN(t0, 0)
	require.ErrorIs(t, err, ratelimit.ErrInvalidN)
	assert.False(t, d.Allowed)
}

func TestBlocked(t *testing.T) {
	var l ratelimit.Blocked
	for _, n := range []int{1, 2, math.MaxInt} {
		d, err := l.AllowN(t0, n)
		require.ErrorIs(t, err, ratelimit.ErrExceedsLimit, "a zero rate refuses for good")
		assert.Equal(t, ratelimit.Decision{}, d, "no retry-after: waiting cannot help")
		_, err = l.Decide(t.Context(), "k", n)
		require.ErrorIs(t, err, ratelimit.ErrExceedsLimit)
	}
	assert.False(t, l.Allow())
	_, err := l.AllowN(t0, -1)
	require.ErrorIs(t, err, ratelimit.ErrInvalidN)
}

// TestZeroValues checks that a limiter not built by its constructor
// refuses everything, like Blocked, rather than allowing everything or
// panicking, and cannot be a Keyed template.
func TestZeroValues(t *testing.T) {
	for name, l := range map[string]allower{
		"fixed-window":   &ratelimit.FixedWindow{},
		"sliding-log":    &ratelimit.SlidingLog{},
		"sliding-window": &ratelimit.SlidingWindow{},
		"token-bucket":   &ratelimit.TokenBucket{},
		"leaky-bucket":   &ratelimit.LeakyBucket{},
		"gcra":           &ratelimit.GCRA{},
	} {
		assert.False(t, l.Allow(), name)
		d, err := l.AllowN(t0, 1)
		assert.ErrorIs(t, err, ratelimit.ErrExceedsLimit, name)
		assert.False(t, d.Allowed, name)
		_, err = l.Decide(t.Context(), "", 1)
		assert.ErrorIs(t, err, ratelimit.ErrExceedsLimit, name)
		_, err = ratelimit.NewKeyed(l.(ratelimit.Algorithm), ratelimit.KeyedConfig{MaxKeys: 10})
		assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig, name)
	}
}
