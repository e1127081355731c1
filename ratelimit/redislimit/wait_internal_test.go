package redislimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeSleep replaces a limiter's sleep: it records each delay and moves
// the miniredis clock forward by it, so Wait runs against the real script
// at exact instants without waiting.
func fakeSleep(r *redistest.Server, at *time.Time, delays *[]time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		*delays = append(*delays, d)
		*at = at.Add(d)
		r.Miniredis().SetTime(*at)
		return ctx.Err()
	}
}

// TestWaitSleepsTheRetryAfterWithJitter: a refused Wait sleeps the
// retry-after the script returned, stretched by a random factor in
// [1, 1+jitter], then asks again and succeeds.
func TestWaitSleepsTheRetryAfterWithJitter(t *testing.T) {
	r := redistest.NewMiniredis(t)
	at := t0
	r.Miniredis().SetTime(at)
	l, err := NewGCRA(r.Client, 10, time.Second, 1, Config{Prefix: r.Prefix}) // one event per 100ms
	require.NoError(t, err)
	var delays []time.Duration
	l.c.sleep = fakeSleep(r, &at, &delays)
	ctx := context.Background()

	require.NoError(t, l.Wait(ctx, "k"))
	assert.Empty(t, delays, "the first event is free")
	for range 50 {
		require.NoError(t, l.Wait(ctx, "k"))
	}
	require.Len(t, delays, 50, "one sleep per Wait: the jitter only ever lengthens the wait")
	lo, hi := delays[0], delays[0]
	for i, d := range delays {
		assert.GreaterOrEqual(t, d, 100*time.Millisecond, "delay %d", i)
		assert.LessOrEqual(t, d, 120*time.Millisecond, "delay %d", i)
		lo, hi = min(lo, d), max(hi, d)
	}
	// 50 uniform draws over 20ms spanning less than 10ms has a
	// probability below 1e-13.
	assert.Greater(t, hi-lo, 10*time.Millisecond, "delays are not spread: clients would retry in lockstep")
}

func TestWaitWithoutJitterSleepsExactly(t *testing.T) {
	r := redistest.NewMiniredis(t)
	at := t0
	r.Miniredis().SetTime(at)
	l, err := NewFixedWindow(r.Client, 2, time.Second, Config{Prefix: r.Prefix, NoJitter: true})
	require.NoError(t, err)
	var delays []time.Duration
	l.c.sleep = fakeSleep(r, &at, &delays)
	at = t0.Add(700 * time.Millisecond)
	r.Miniredis().SetTime(at)
	require.NoError(t, l.WaitN(context.Background(), "k", 2))
	require.NoError(t, l.WaitN(context.Background(), "k", 2))
	assert.Equal(t, []time.Duration{300 * time.Millisecond}, delays, "to the next window, exactly")
}

// TestWaitReturnsAtOnceWhenTheDeadlineIsTooClose: a deadline before the
// retry-after fails at once, without sleeping.
func TestWaitReturnsAtOnceWhenTheDeadlineIsTooClose(t *testing.T) {
	r := redistest.NewMiniredis(t)
	r.Miniredis().SetTime(t0)
	l, err := NewFixedWindow(r.Client, 1, time.Hour, Config{Prefix: r.Prefix})
	require.NoError(t, err)
	l.c.sleep = func(context.Context, time.Duration) error {
		t.Error("Wait slept although the deadline could not be met")
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, l.Wait(ctx, "k"))
	err = l.Wait(ctx, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1h0m0s")
}

func TestWaitEndsWithTheContext(t *testing.T) {
	r := redistest.NewMiniredis(t)
	r.Miniredis().SetTime(t0)
	l, err := NewTokenBucket(r.Client, 1, time.Second, 1, Config{Prefix: r.Prefix})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	l.c.sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // the caller gives up while Wait sleeps
		return ctx.Err()
	}
	require.NoError(t, l.Wait(ctx, "k"))
	assert.ErrorIs(t, l.Wait(ctx, "k"), context.Canceled)
}

func TestWaitReturnsPolicyErrors(t *testing.T) {
	r := redistest.NewMiniredis(t)
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	l, err := NewGCRA(c, 1, time.Second, 1, Config{Prefix: r.Prefix})
	require.NoError(t, err)
	r.Miniredis().Close() // Redis goes away
	err = l.Wait(context.Background(), "k")
	assert.ErrorIs(t, err, ErrRedis)
}

// TestSleepCtx checks the real sleep in a synctest bubble, whose clock
// moves only when every goroutine in it is blocked.
func TestSleepCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		require.NoError(t, sleepCtx(context.Background(), 250*time.Millisecond))
		assert.Equal(t, 250*time.Millisecond, time.Since(start))

		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := sleepCtx(ctx, time.Hour)
		assert.True(t, errors.Is(err, context.DeadlineExceeded))
		assert.Equal(t, 350*time.Millisecond, time.Since(start))
	})
}

func TestJittered(t *testing.T) {
	c := &core{cfg: Config{Jitter: 0.5}, random: rand.Float64}
	for range 100 {
		d := c.jittered(time.Second)
		assert.GreaterOrEqual(t, d, time.Second)
		assert.LessOrEqual(t, d, 1500*time.Millisecond)
	}
	c.cfg.Jitter = 0 // NoJitter, once the defaults are filled in
	assert.Equal(t, time.Second, c.jittered(time.Second))
}

// TestConfigZeroMeansTheDefaults: a zero Config is DefaultPrefix, no
// timeout, FailClosed and a jitter of DefaultJitter; NoJitter is a jitter
// of 0, which a zero Jitter cannot say.
func TestConfigZeroMeansTheDefaults(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := NewGCRA(rdb, 1, time.Second, 1, Config{})
	require.NoError(t, err)
	assert.Equal(t, Config{Prefix: DefaultPrefix, Jitter: DefaultJitter}, l.c.cfg)
	assert.Equal(t, FailClosed, l.c.cfg.Policy)

	l, err = NewGCRA(rdb, 1, time.Second, 1, Config{NoJitter: true})
	require.NoError(t, err)
	assert.Zero(t, l.c.cfg.Jitter)
	assert.Equal(t, time.Second, l.c.jittered(time.Second))

	l, err = NewGCRA(rdb, 1, time.Second, 1, Config{Prefix: "p:", Jitter: 0.5, Timeout: time.Second})
	require.NoError(t, err)
	assert.Equal(t, Config{Prefix: "p:", Jitter: 0.5, Timeout: time.Second}, l.c.cfg, "given values are kept")

	for name, cfg := range map[string]Config{
		"NoJitter with a Jitter":    {NoJitter: true, Jitter: 0.1},
		"Fallback without FallBack": {Fallback: ratelimit.Unlimited{}},
		"FallBack without Fallback": {Policy: FallBack},
	} {
		_, err := NewGCRA(rdb, 1, time.Second, 1, cfg)
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
}

// TestWaitJitterNeverSleepsToTheDeadline: a retry-after that the deadline
// leaves room for is slept, jittered only as far as the room allows.
// Sleeping until the deadline itself would leave no time to ask again, and
// a Wait that could have succeeded would fail.
func TestWaitJitterNeverSleepsToTheDeadline(t *testing.T) {
	r := redistest.NewMiniredis(t)
	at := t0
	r.Miniredis().SetTime(at)
	l, err := NewGCRA(r.Client, 10, time.Second, 1, Config{Prefix: r.Prefix, Jitter: 10}) // one event per 100ms
	require.NoError(t, err)
	var delays []time.Duration
	l.c.sleep = fakeSleep(r, &at, &delays)
	require.NoError(t, l.Wait(context.Background(), "k"), "the first event is free")

	for _, c := range []struct {
		random   float64
		deadline time.Duration
		want     time.Duration
	}{
		{0, 500 * time.Millisecond, 100 * time.Millisecond},
		{0.5, time.Second, 600 * time.Millisecond},               // 100ms + 0.5×10×100ms, within the room
		{0.06, 500 * time.Millisecond, 160 * time.Millisecond},   // within
		{0.9999, 500 * time.Millisecond, 100 * time.Millisecond}, // 1100ms would pass the deadline
	} {
		delays = nil
		l.c.random = func() float64 { return c.random }
		ctx, cancel := context.WithTimeout(context.Background(), c.deadline)
		err := l.Wait(ctx, "k")
		cancel()
		require.NoError(t, err, "random %v", c.random)
		require.Len(t, delays, 1)
		assert.Equal(t, c.want, delays[0].Round(time.Microsecond), "random %v, deadline in %v", c.random, c.deadline)
	}
}
