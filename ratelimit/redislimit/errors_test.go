package redislimit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// TestErrorsSayThePrefixOnce runs every call that makes an error: each
// error names one package, once ("redislimit:", or "ratelimit:" for the
// errors every Limiter shares, ErrInvalidN and ErrExceedsLimit), and one
// that wraps a sentinel starts with the sentinel's text, the detail after
// it.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	never := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = never.Close() })
	r := redistest.New(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	soon, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	err2 := func(_ any, err error) error { return err }
	g, err := redislimit.NewGCRA(r.Client, 1, time.Hour, 2, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	require.NoError(t, err2(g.Decide(ctx, "spent", 2)))
	down, err := redislimit.NewGCRA(unreachable(t), 1, time.Hour, 2, redislimit.Config{})
	require.NoError(t, err)

	for _, c := range []struct {
		name string
		err  error
		is   error // the sentinel it wraps, if any
	}{
		{"nil client", err2(redislimit.NewGCRA(nil, 1, time.Second, 1, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"limit 0", err2(redislimit.NewFixedWindow(never, 0, time.Second, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"burst 0", err2(redislimit.NewTokenBucket(never, 1, time.Second, 0, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"window of 1.5µs", err2(redislimit.NewFixedWindow(never, 1, 1500*time.Nanosecond, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"log above MaxLogLimit", err2(redislimit.NewSlidingLog(never, redislimit.MaxLogLimit+1, time.Second, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"sliding product", err2(redislimit.NewSlidingWindow(never, 100_000, 24*time.Hour, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"faster than 1/ns", err2(redislimit.NewGCRA(never, 10, 5*time.Nanosecond, 1, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"span above MaxBucketSpan", err2(redislimit.NewGCRA(never, 1, 53*24*time.Hour, 1, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"no limits", err2(redislimit.NewMulti(never, nil, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"zero Limit", err2(redislimit.NewMulti(never, []redislimit.Limit{{}}, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"repeated limit", err2(redislimit.NewMulti(never, []redislimit.Limit{redislimit.GCRALimit(1, time.Second, 1), redislimit.GCRALimit(1, time.Second, 1)}, redislimit.Config{})), redislimit.ErrInvalidConfig},
		{"unknown policy", err2(redislimit.NewGCRA(never, 1, time.Second, 1, redislimit.Config{Policy: 7})), redislimit.ErrInvalidConfig},
		{"fall-back without limiter", err2(redislimit.NewGCRA(never, 1, time.Second, 1, redislimit.Config{Policy: redislimit.FallBack})), redislimit.ErrInvalidConfig},
		{"negative timeout", err2(redislimit.NewGCRA(never, 1, time.Second, 1, redislimit.Config{Timeout: -1})), redislimit.ErrInvalidConfig},
		{"jitter above 10", err2(redislimit.NewGCRA(never, 1, time.Second, 1, redislimit.Config{Jitter: 11})), redislimit.ErrInvalidConfig},
		{"long prefix", err2(redislimit.NewGCRA(never, 1, time.Second, 1, redislimit.Config{Prefix: strings.Repeat("p", redislimit.MaxKeyLen+1)})), redislimit.ErrInvalidConfig},
		{"n=0", err2(g.Decide(ctx, "k", 0)), ratelimit.ErrInvalidN},
		{"n=3", err2(g.Decide(ctx, "k", 3)), ratelimit.ErrExceedsLimit},
		{"key too long", err2(g.Decide(ctx, strings.Repeat("k", redislimit.MaxKeyLen+1), 1)), redislimit.ErrKeyTooLong},
		{"caller gone", err2(g.Decide(cancelled, "k", 1)), nil},
		{"Wait past the deadline", g.Wait(soon, "spent"), nil},
		{"Redis down", err2(down.Decide(ctx, "k", 1)), redislimit.ErrRedis},
		{"zero GCRA", err2((&redislimit.GCRA{}).Decide(ctx, "k", 1)), nil},
	} {
		require.Error(t, c.err, c.name)
		msg := c.err.Error()
		assert.Equal(t, 1, strings.Count(msg, "redislimit:")+strings.Count(msg, "ratelimit:"), "%s: %q", c.name, msg)
		if c.is != nil {
			assert.ErrorIs(t, c.err, c.is, c.name)
			assert.True(t, strings.HasPrefix(msg, c.is.Error()), "%s: %q does not start with its sentinel %q", c.name, msg, c.is)
		}
	}
}
