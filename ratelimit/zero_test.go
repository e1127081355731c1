package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

// call is one method of a value not made by its constructor: err is what it
// returned when it has an error result; otherwise the method is expected to
// panic.
type call struct {
	method string
	do     func() error // nil error from a method with no error result
	panics bool
}

func errOf(_ ratelimit.Decision, err error) error { return err }

// TestZeroValuesFailLoudly calls every method of the zero value (and of a
// nil pointer) of each type that has a constructor: each returns an error
// wrapping ErrNotInitialized that names the type, or panics with it, and
// none blocks, refuses silently or dereferences nil.
func TestZeroValuesFailLoudly(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// A context that never ends: a method that blocks on it fails the test
	// by timing out rather than by passing.
	type allower interface {
		AllowN(time.Time, int) (ratelimit.Decision, error)
		Allow() bool
		Decide(context.Context, string, int) (ratelimit.Decision, error)
	}
	type waiter interface {
		WaitN(context.Context, int) error
		Wait(context.Context) error
	}
	algorithms := func(name string, l allower) []call {
		cs := []call{
			{"AllowN", func() error { return errOf(l.AllowN(t0, 1)) }, false},
			{"Allow", func() error { l.Allow(); return nil }, true},
			{"Decide", func() error { return errOf(l.Decide(ctx, "k", 1)) }, false},
			{"Wait(ctx, l)", func() error { return ratelimit.Wait(ctx, l, "k", 1) }, false},
		}
		if w, ok := l.(waiter); ok {
			cs = append(cs,
				call{"WaitN", func() error { return w.WaitN(ctx, 1) }, false},
				call{"Wait", func() error { return w.Wait(ctx) }, false})
		}
		return cs
	}
	keyed := func(k *ratelimit.Keyed) []call {
		return []call{
			{"AllowN", func() error { return errOf(k.AllowN(t0, "k", 1)) }, false},
			{"Allow", func() error { k.Allow("k"); return nil }, true},
			{"Decide", func() error { return errOf(k.Decide(ctx, "k", 1)) }, false},
			{"Len", func() error { k.Len(); return nil }, true},
			{"Close", func() error { k.Close(); return nil }, true},
		}
	}
	baseline := func(b *ratelimit.Baseline) []call {
		return []call{
			{"IsAllowed", func() error { b.IsAllowed("u"); return nil }, true},
			{"IsAllowedAt", func() error { b.IsAllowedAt(t0, "u"); return nil }, true},
			{"Users", func() error { b.Users(); return nil }, true},
		}
	}
	for _, c := range []struct {
		typ   string
		calls []call
	}{
		{"FixedWindow", algorithms("FixedWindow", &ratelimit.FixedWindow{})},
		{"FixedWindow", algorithms("FixedWindow", (*ratelimit.FixedWindow)(nil))},
		{"SlidingLog", algorithms("SlidingLog", &ratelimit.SlidingLog{})},
		{"SlidingLog", algorithms("SlidingLog", (*ratelimit.SlidingLog)(nil))},
		{"SlidingWindow", algorithms("SlidingWindow", &ratelimit.SlidingWindow{})},
		{"SlidingWindow", algorithms("SlidingWindow", (*ratelimit.SlidingWindow)(nil))},
		{"TokenBucket", algorithms("TokenBucket", &ratelimit.TokenBucket{})},
		{"TokenBucket", algorithms("TokenBucket", (*ratelimit.TokenBucket)(nil))},
		{"LeakyBucket", algorithms("LeakyBucket", &ratelimit.LeakyBucket{})},
		{"LeakyBucket", algorithms("LeakyBucket", (*ratelimit.LeakyBucket)(nil))},
		{"GCRA", algorithms("GCRA", &ratelimit.GCRA{})},
		{"GCRA", algorithms("GCRA", (*ratelimit.GCRA)(nil))},
		{"Keyed", keyed(&ratelimit.Keyed{})},
		{"Keyed", keyed(nil)},
		{"Baseline", baseline(&ratelimit.Baseline{})},
		{"Baseline", baseline(nil)},
	} {
		want := fmt.Sprintf("ratelimit: %s used without New%s", c.typ, c.typ)
		for _, m := range c.calls {
			name := c.typ + "." + m.method
			if m.panics {
				var got any
				func() {
					defer func() { got = recover() }()
					_ = m.do()
				}()
				require.NotNil(t, got, "%s did not panic", name)
				err, isErr := got.(error)
				require.True(t, isErr, "%s panicked with %v, not an error", name, got)
				assert.ErrorIs(t, err, ratelimit.ErrNotInitialized, name)
				assert.EqualError(t, err, want, name)
				continue
			}
			var err error
			assert.NotPanics(t, func() { err = m.do() }, name)
			assert.ErrorIs(t, err, ratelimit.ErrNotInitialized, name)
			assert.EqualError(t, err, want, name)
		}
	}
}

// TestNewKeyedRefusesAZeroTemplate: a zero algorithm has no configuration
// to copy.
func TestNewKeyedRefusesAZeroTemplate(t *testing.T) {
	for _, tmpl := range []ratelimit.Algorithm{
		&ratelimit.GCRA{}, (*ratelimit.GCRA)(nil), &ratelimit.TokenBucket{}, &ratelimit.LeakyBucket{},
		&ratelimit.FixedWindow{}, &ratelimit.SlidingWindow{}, &ratelimit.SlidingLog{}, nil,
	} {
		_, err := ratelimit.NewKeyed(tmpl, ratelimit.KeyedConfig{MaxKeys: 10})
		assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig, "%T", tmpl)
	}
}
