package cache_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// TestZeroStrategiesFailLoudly: every method of a zero strategy, tier or
// store returns an error wrapping ErrNotInitialized that names the type,
// or panics with one when it has no error result.
func TestZeroStrategiesFailLoudly(t *testing.T) {
	ctx := context.Background()
	type call struct {
		name string
		f    func() error // returns the error, or panics
	}
	e := cache.Entry[string]{}
	calls := map[string][]call{
		"Local": {
			{"Get", func() error { _, _, err := new(cache.Local[string]).Get(ctx, "k"); return err }},
			{"GetNow", func() error { _, _, _, err := new(cache.Local[string]).GetNow(ctx, "k"); return err }},
			{"Reserve", func() error { _, err := new(cache.Local[string]).Reserve(ctx, "k"); return err }},
			{"Fill", func() error {
				_, err := new(cache.Local[string]).Fill(ctx, "k", cache.Lease{}, e, time.Second)
				return err
			}},
			{"Set", func() error { return new(cache.Local[string]).Set(ctx, "k", e, time.Second) }},
			{"Delete", func() error { return new(cache.Local[string]).Delete(ctx, "k") }},
			{"Clear", func() error { new(cache.Local[string]).Clear(); return nil }},
		},
		"ReadThrough": {
			{"Get", func() error { _, _, err := new(cache.ReadThrough[string]).Get(ctx, "k"); return err }},
			{"Invalidate", func() error { return new(cache.ReadThrough[string]).Invalidate(ctx, "k") }},
			{"Stats", func() error { new(cache.ReadThrough[string]).Stats(); return nil }},
			{"Close", func() error { return new(cache.ReadThrough[string]).Close(ctx) }},
		},
		"Aside": {
			{"Get", func() error { _, _, _, err := new(cache.Aside[string]).Get(ctx, "k"); return err }},
			{"Fill", func() error { _, err := new(cache.Aside[string]).Fill(ctx, "k", cache.Lease{}, "v"); return err }},
			{"FillNotFound", func() error { _, err := new(cache.Aside[string]).FillNotFound(ctx, "k", cache.Lease{}); return err }},
			{"Invalidate", func() error { return new(cache.Aside[string]).Invalidate(ctx, "k") }},
		},
		"WriteThrough": {
			{"Get", func() error { _, _, err := new(cache.WriteThrough[string]).Get(ctx, "k"); return err }},
			{"Set", func() error { return new(cache.WriteThrough[string]).Set(ctx, "k", "v") }},
			{"Delete", func() error { return new(cache.WriteThrough[string]).Delete(ctx, "k") }},
			{"ReadThrough", func() error { new(cache.WriteThrough[string]).ReadThrough(); return nil }},
			{"Close", func() error { return new(cache.WriteThrough[string]).Close(ctx) }},
		},
		"WriteBehind": {
			{"Get", func() error { _, _, err := new(cache.WriteBehind[string]).Get(ctx, "k"); return err }},
			{"Set", func() error { return new(cache.WriteBehind[string]).Set(ctx, "k", "v") }},
			{"TrySet", func() error { return new(cache.WriteBehind[string]).TrySet(ctx, "k", "v") }},
			{"Delete", func() error { return new(cache.WriteBehind[string]).Delete(ctx, "k") }},
			{"Flush", func() error { return new(cache.WriteBehind[string]).Flush(ctx) }},
			{"Pending", func() error { new(cache.WriteBehind[string]).Pending(); return nil }},
			{"Stats", func() error { new(cache.WriteBehind[string]).Stats(); return nil }},
			{"ReadThrough", func() error { new(cache.WriteBehind[string]).ReadThrough(); return nil }},
			{"Close", func() error { return new(cache.WriteBehind[string]).Close(ctx) }},
		},
		"MemoryStore": {
			{"Load", func() error { _, err := new(cache.MemoryStore[string]).Load(ctx, "k"); return err }},
			{"Write", func() error { return new(cache.MemoryStore[string]).Write(ctx, nil) }},
			{"Stats", func() error { new(cache.MemoryStore[string]).Stats(); return nil }},
			{"Len", func() error { new(cache.MemoryStore[string]).Len(); return nil }},
		},
	}
	for typ, cs := range calls {
		for _, c := range cs {
			t.Run(typ+"."+c.name, func(t *testing.T) {
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil {
							err, _ = r.(error)
							require.NotNil(t, err, "panicked with %v", r)
						}
					}()
					err = c.f()
				}()
				require.Error(t, err)
				assert.ErrorIs(t, err, cache.ErrNotInitialized)
				assert.Equal(t, "cache: "+typ+" used without New"+typ, err.Error())
			})
		}
	}
}

// TestStrategyErrorsSayThePrefixOnce: the errors the strategies return say
// "cache:" once, at the start, and wrap their sentinel.
func TestStrategyErrorsSayThePrefixOnce(t *testing.T) {
	ctx := context.Background()
	tier := newLocal(t, 10)
	load := func(context.Context, string) (string, error) { return "", errDown }
	newRT := func(tier cache.Tier[string], l cache.Loader[string], ttl time.Duration, c cache.ReadThroughConfig) error {
		_, err := cache.NewReadThrough(tier, l, ttl, c)
		return err
	}
	rt := newReadThrough(t, tier, load, time.Minute, cache.ReadThroughConfig{})
	_, _, loadErr := rt.Get(ctx, "k")
	store := &faultyStore{MemoryStore: cache.NewMemoryStore[string]()}
	store.fail.Store(true)
	w, err := cache.NewWriteThrough[string](store, tier, time.Minute, cache.ReadThroughConfig{})
	require.NoError(t, err)
	defer w.Close(ctx)
	ft := &faultyTier{Local: newLocal(t, 10)}
	ft.failSet.Store(true)
	w2, err := cache.NewWriteThrough[string](cache.NewMemoryStore[string](), ft, time.Minute, cache.ReadThroughConfig{})
	require.NoError(t, err)
	defer w2.Close(ctx)
	newWB := func(c cache.WriteBehindConfig[string]) error {
		_, err := cache.NewWriteBehind[string](cache.NewMemoryStore[string](), tier, time.Minute, c)
		return err
	}
	newAside := func(tier cache.Tier[string], ttl time.Duration, c cache.AsideConfig) error {
		_, err := cache.NewAside(tier, ttl, c)
		return err
	}
	_, localErr := cache.NewLocal[string](nil)
	_, memErr := cache.NewMemoryStore[string]().Load(ctx, "none")
	closedRT, err := cache.NewReadThrough[string](tier, load, time.Minute, cache.ReadThroughConfig{})
	require.NoError(t, err)
	require.NoError(t, closedRT.Close(ctx))
	_, _, closedErr := closedRT.Get(ctx, "x")

	cases := []struct {
		name     string
		err      error
		sentinel error
	}{
		{"NewLocal/nil", localErr, cache.ErrInvalidConfig},
		{"NewReadThrough/nil-tier", newRT(nil, load, time.Minute, cache.ReadThroughConfig{}), cache.ErrInvalidConfig},
		{"NewReadThrough/nil-loader", newRT(tier, nil, time.Minute, cache.ReadThroughConfig{}), cache.ErrInvalidConfig},
		{"NewReadThrough/ttl", newRT(tier, load, 0, cache.ReadThroughConfig{}), cache.ErrInvalidConfig},
		{"NewReadThrough/LoadTimeout", newRT(tier, load, time.Minute, cache.ReadThroughConfig{LoadTimeout: -1}), cache.ErrInvalidConfig},
		{"NewReadThrough/StaleIfError", newRT(tier, load, time.Minute, cache.ReadThroughConfig{StaleIfError: -1}), cache.ErrInvalidConfig},
		{"NewReadThrough/Jitter", newRT(tier, load, time.Minute, cache.ReadThroughConfig{Jitter: 1}), cache.ErrInvalidConfig},
		{"NewReadThrough/EarlyRefresh", newRT(tier, load, time.Minute, cache.ReadThroughConfig{EarlyRefresh: -1}), cache.ErrInvalidConfig},
		{"NewReadThrough/OutageLoads", newRT(tier, load, time.Minute, cache.ReadThroughConfig{OutageLoads: -1}), cache.ErrInvalidConfig},
		{"NewReadThrough/OnTierError", newRT(tier, load, time.Minute, cache.ReadThroughConfig{OnTierError: 9}), cache.ErrInvalidConfig},
		{"NewAside/nil", newAside(nil, time.Minute, cache.AsideConfig{}), cache.ErrInvalidConfig},
		{"NewAside/ttl", newAside(tier, -1, cache.AsideConfig{}), cache.ErrInvalidConfig},
		{"NewWriteBehind/MaxPending", newWB(cache.WriteBehindConfig[string]{MaxPending: -1}), cache.ErrInvalidConfig},
		{"NewWriteBehind/BatchSize", newWB(cache.WriteBehindConfig[string]{BatchSize: -1}), cache.ErrInvalidConfig},
		{"NewWriteBehind/FlushDelay", newWB(cache.WriteBehindConfig[string]{FlushDelay: -1}), cache.ErrInvalidConfig},
		{"NewWriteBehind/MaxAttempts", newWB(cache.WriteBehindConfig[string]{MaxAttempts: -1}), cache.ErrInvalidConfig},
		{"NewWriteBehind/Retry", newWB(cache.WriteBehindConfig[string]{RetryBase: -1}), cache.ErrInvalidConfig},
		{"ReadThrough.Get/load", loadErr, cache.ErrLoad},
		{"ReadThrough.Get/closed", closedErr, cache.ErrClosed},
		{"WriteThrough.Set/store", w.Set(ctx, "k", "v"), cache.ErrStore},
		{"WriteThrough.Set/tier", w2.Set(ctx, "k", "v"), cache.ErrTier},
		{"MemoryStore.Load", memErr, cache.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, c.err)
			msg := c.err.Error()
			assert.True(t, strings.HasPrefix(msg, "cache: "), "%q", msg)
			assert.Equal(t, 1, strings.Count(msg, "cache:"), "%q", msg)
			assert.True(t, errors.Is(c.err, c.sentinel), "%q", msg)
		})
	}
}
