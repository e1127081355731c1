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
