package redislimit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// limiter is the method set every limiter of the package shares.
type limiter interface {
	Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error)
	Allow(ctx context.Context, key string) bool
	Wait(ctx context.Context, key string) error
	WaitN(ctx context.Context, key string, n int) error
	Failures() uint64
	IndependentKeys()
}

// TestZeroValuesFailLoudly calls every method of the zero value (and of a
// nil pointer) of each limiter: those with an error result return an error
// wrapping ErrNotInitialized (and ratelimit's) that names the type, the
// others panic with it, and none dereferences nil or reaches Redis.
// IndependentKeys, a marker, does nothing on any value.
func TestZeroValuesFailLoudly(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		typ string
		l   limiter
	}{
		{"FixedWindow", &redislimit.FixedWindow{}}, {"FixedWindow", (*redislimit.FixedWindow)(nil)},
		{"SlidingLog", &redislimit.SlidingLog{}}, {"SlidingLog", (*redislimit.SlidingLog)(nil)},
		{"SlidingWindow", &redislimit.SlidingWindow{}}, {"SlidingWindow", (*redislimit.SlidingWindow)(nil)},
		{"TokenBucket", &redislimit.TokenBucket{}}, {"TokenBucket", (*redislimit.TokenBucket)(nil)},
		{"GCRA", &redislimit.GCRA{}}, {"GCRA", (*redislimit.GCRA)(nil)},
		{"Multi", &redislimit.Multi{}}, {"Multi", (*redislimit.Multi)(nil)},
	} {
		want := fmt.Sprintf("redislimit: %s used without New%s", c.typ, c.typ)
		for method, do := range map[string]func() error{
			"Decide":         func() error { _, err := c.l.Decide(ctx, "k", 1); return err },
			"Wait":           func() error { return c.l.Wait(ctx, "k") },
			"WaitN":          func() error { return c.l.WaitN(ctx, "k", 1) },
			"ratelimit.Wait": func() error { return ratelimit.Wait(ctx, c.l, "k", 1) },
		} {
			var err error
			require.NotPanics(t, func() { err = do() }, "%s.%s", c.typ, method)
			assert.ErrorIs(t, err, redislimit.ErrNotInitialized, "%s.%s", c.typ, method)
			assert.ErrorIs(t, err, ratelimit.ErrNotInitialized, "%s.%s", c.typ, method)
			assert.EqualError(t, err, want, "%s.%s", c.typ, method)
		}
		for method, do := range map[string]func(){
			"Allow":    func() { c.l.Allow(ctx, "k") },
			"Failures": func() { c.l.Failures() },
		} {
			var got any
			func() {
				defer func() { got = recover() }()
				do()
			}()
			err, isErr := got.(error)
			require.True(t, isErr, "%s.%s panicked with %v, not an error", c.typ, method, got)
			assert.ErrorIs(t, err, redislimit.ErrNotInitialized, "%s.%s", c.typ, method)
			assert.EqualError(t, err, want, "%s.%s", c.typ, method)
		}
		assert.NotPanics(t, c.l.IndependentKeys, c.typ)
	}
}
