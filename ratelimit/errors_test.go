package ratelimit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

// TestErrorsSayThePrefixOnce runs every call that makes an error: each
// error says "ratelimit:" once, and one that wraps a sentinel of the
// package starts with the sentinel's text, the detail after it. (The
// error of a zero value is the exception: its text names the type,
// "ratelimit: GCRA used without NewGCRA", as TestZeroValuesFailLoudly
// checks.)
func TestErrorsSayThePrefixOnce(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	second := time.Second
	err2 := func(_ any, err error) error { return err }
	g := must(ratelimit.NewGCRA(1, time.Hour, 2))
	tb := must(ratelimit.NewTokenBucket(1, time.Hour, 2))
	lb := must(ratelimit.NewLeakyBucket(1, time.Hour, 1))
	fw := must(ratelimit.NewFixedWindow(2, time.Hour))
	sw := must(ratelimit.NewSlidingWindow(2, time.Hour))
	sl := must(ratelimit.NewSlidingLog(2, time.Hour))
	k := must(ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 1, SweepEvery: -1}))
	soon, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.True(t, lb.Allow(), "the leaky bucket is now full for an hour")
	slow := must(ratelimit.NewGCRA(1, 1<<60, 1))
	require.True(t, slow.Allow())
	limited := &ratelimit.LimitedError{Decision: ratelimit.Decision{RetryAfter: second}}
	forEver := &ratelimit.LimitedError{Err: err2(ratelimit.Blocked{}.AllowN(t0, 1))}

	for _, c := range []struct {
		name string
		err  error
		is   error // the package's sentinel it wraps, if any
	}{
		{"NewFixedWindow limit 0", err2(ratelimit.NewFixedWindow(0, second)), ratelimit.ErrInvalidConfig},
		{"NewFixedWindow limit 2^61", err2(ratelimit.NewFixedWindow(1<<61, second)), ratelimit.ErrInvalidConfig},
		{"NewFixedWindow window 0", err2(ratelimit.NewFixedWindow(1, 0)), ratelimit.ErrInvalidConfig},
		{"NewFixedWindow window 2^61", err2(ratelimit.NewFixedWindow(1, 1<<61)), ratelimit.ErrInvalidConfig},
		{"NewSlidingWindow limit 0", err2(ratelimit.NewSlidingWindow(0, second)), ratelimit.ErrInvalidConfig},
		{"NewSlidingLog limit above MaxLogLimit", err2(ratelimit.NewSlidingLog(ratelimit.MaxLogLimit+1, second)), ratelimit.ErrInvalidConfig},
		{"NewGCRA burst 0", err2(ratelimit.NewGCRA(1, second, 0)), ratelimit.ErrInvalidConfig},
		{"NewGCRA faster than 1/ns", err2(ratelimit.NewGCRA(2, time.Nanosecond, 1)), ratelimit.ErrInvalidConfig},
		{"NewGCRA refill too long", err2(ratelimit.NewGCRA(1, 1<<60, 2)), ratelimit.ErrInvalidConfig},
		{"NewTokenBucket period 0", err2(ratelimit.NewTokenBucket(1, 0, 1)), ratelimit.ErrInvalidConfig},
		{"NewLeakyBucket capacity 0", err2(ratelimit.NewLeakyBucket(1, second, 0)), ratelimit.ErrInvalidConfig},
		{"NewBaseline 0", err2(ratelimit.NewBaseline(0)), ratelimit.ErrInvalidConfig},
		{"NewKeyed nil template", err2(ratelimit.NewKeyed(nil, ratelimit.KeyedConfig{MaxKeys: 1})), ratelimit.ErrInvalidConfig},
		{"NewKeyed MaxKeys 0", err2(ratelimit.NewKeyed(g, ratelimit.KeyedConfig{})), ratelimit.ErrInvalidConfig},
		{"NewKeyed zero template", err2(ratelimit.NewKeyed(&ratelimit.GCRA{}, ratelimit.KeyedConfig{MaxKeys: 1})), ratelimit.ErrInvalidConfig},
		{"Middleware no limiter", err2(ratelimit.Middleware(ratelimit.MiddlewareConfig{})), ratelimit.ErrInvalidConfig},
		{"Middleware shared limiter", err2(ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: g})), ratelimit.ErrInvalidConfig},
		{"Middleware negative proxies", err2(ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: k, TrustedProxies: -1})), ratelimit.ErrInvalidConfig},
		{"Middleware Global with Key", err2(ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: g, Global: true, Key: func(*http.Request) string { return "" }})), ratelimit.ErrInvalidConfig},
		{"Middleware bad policy", err2(ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: k, Policy: `"`})), ratelimit.ErrInvalidConfig},
		{"GCRA n=0", err2(g.AllowN(t0, 0)), ratelimit.ErrInvalidN},
		{"GCRA n=3", err2(g.AllowN(t0, 3)), ratelimit.ErrExceedsLimit},
		{"GCRA WaitN n=3", g.WaitN(soon, 3), ratelimit.ErrExceedsLimit},
		{"GCRA WaitN past the deadline", slow.WaitN(soon, 1), nil},
		{"TokenBucket n=3", err2(tb.AllowN(t0, 3)), ratelimit.ErrExceedsLimit},
		{"TokenBucket WaitN n=0", tb.WaitN(soon, 0), ratelimit.ErrInvalidN},
		{"LeakyBucket n=2", err2(lb.AllowN(t0, 2)), ratelimit.ErrExceedsLimit},
		{"LeakyBucket WaitN queue full", lb.WaitN(soon, 1), ratelimit.ErrQueueFull},
		{"FixedWindow n=3", err2(fw.AllowN(t0, 3)), ratelimit.ErrExceedsLimit},
		{"SlidingWindow n=0", err2(sw.AllowN(t0, 0)), ratelimit.ErrInvalidN},
		{"SlidingLog n=3", err2(sl.AllowN(t0, 3)), ratelimit.ErrExceedsLimit},
		{"Keyed n=3", err2(k.AllowN(t0, "k", 3)), ratelimit.ErrExceedsLimit},
		{"Blocked", err2(ratelimit.Blocked{}.AllowN(t0, 1)), ratelimit.ErrExceedsLimit},
		{"Unlimited n=0", err2(ratelimit.Unlimited{}.AllowN(t0, 0)), ratelimit.ErrInvalidN},
		{"Wait past the deadline", ratelimit.Wait(soon, slow, "k", 1), nil},
		{"Wait on a limiter that names no wait", ratelimit.Wait(soon, noRetry{}, "k", 1), nil},
		{"zero GCRA", err2((&ratelimit.GCRA{}).AllowN(t0, 1)), nil},
		{"LimitedError", limited, ratelimit.ErrLimited},
		{"LimitedError for ever", forEver, ratelimit.ErrLimited},
	} {
		require.Error(t, c.err, c.name)
		msg := c.err.Error()
		assert.Equal(t, 1, strings.Count(msg, "ratelimit:"), "%s: %q", c.name, msg)
		if c.is != nil {
			assert.ErrorIs(t, c.err, c.is, c.name)
			assert.True(t, strings.HasPrefix(msg, c.is.Error()), "%s: %q does not start with its sentinel %q", c.name, msg, c.is)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// noRetry refuses without saying how long to wait.
type noRetry struct{}

func (noRetry) Decide(context.Context, string, int) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, nil
}
