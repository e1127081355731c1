package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

var errTierDown = errors.New("tier down")

// failingTier is a tier whose shared layer can be taken down: while down,
// Get answers with the local entry and an error, as a two-tier cache does
// when Redis is unreachable, and the writes fail.
type failingTier struct {
	*cache.Local[string]
	down atomic.Bool
}

func (f *failingTier) Get(ctx context.Context, key string) (cache.Entry[string], bool, error) {
	e, ok, _ := f.Local.Get(ctx, key)
	if f.down.Load() {
		return e, ok, errTierDown
	}
	return e, ok, nil
}

// GetNow must be overridden with Get: the embedded Local's would bypass
// the failure (see cache.ClockedTier).
func (f *failingTier) GetNow(ctx context.Context, key string) (cache.Entry[string], int64, bool, error) {
	e, ok, err := f.Get(ctx, key)
	return e, time.Now().UnixNano(), ok, err
}

func (f *failingTier) Reserve(ctx context.Context, key string) (cache.Lease, error) {
	if f.down.Load() {
		return cache.Lease{}, errTierDown
	}
	return f.Local.Reserve(ctx, key)
}

// TestReadThroughOutagePolicies: what Get does while the tier fails, for
// each policy.
func TestReadThroughOutagePolicies(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, p cache.TierErrorPolicy, load cache.Loader[string]) (*failingTier, *cache.ReadThrough[string]) {
		tier := &failingTier{Local: newLocal(t, 100)}
		rt := newReadThrough(t, tier, load, time.Minute, cache.ReadThroughConfig{OnTierError: p, OutageLoads: 2, Jitter: -1})
		return tier, rt
	}
	echo := func(_ context.Context, k string) (string, error) { return "v:" + k, nil }

	t.Run("fail", func(t *testing.T) {
		tier, rt := setup(t, cache.FailOnTierError, echo)
		_, _, err := rt.Get(ctx, "a")
		require.NoError(t, err)
		tier.down.Store(true)
		_, res, err := rt.Get(ctx, "a")
		assert.Equal(t, cache.Failed, res)
		require.ErrorIs(t, err, cache.ErrTier)
		require.ErrorIs(t, err, errTierDown)
		assert.Equal(t, uint64(1), rt.Stats().TierErrors)
	})
	t.Run("serve-local", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			tier, rt := setup(t, cache.ServeLocalOnTierError, echo)
			_, _, err := rt.Get(ctx, "a")
			require.NoError(t, err)
			tier.down.Store(true)
			v, res, err := rt.Get(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, "v:a", v)
			assert.Equal(t, cache.Hit, res, "fresh local copy")
			time.Sleep(2 * time.Minute)
			tier.Local.Set(ctx, "b", cache.Entry[string]{Value: "old", Expires: time.Now().Add(-time.Second).UnixNano()}, time.Hour)
			v, res, err = rt.Get(ctx, "b")
			require.NoError(t, err)
			assert.Equal(t, "old", v)
			assert.Equal(t, cache.Stale, res, "expired local copy")
			_, res, err = rt.Get(ctx, "none")
			assert.Equal(t, cache.Failed, res)
			require.ErrorIs(t, err, cache.ErrTier)
		})
	})
	t.Run("load-limited", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := newBlockingLoader()
			tier, rt := setup(t, cache.LoadOnTierError, l.load)
			tier.down.Store(true)
			var wg sync.WaitGroup
			var ok, overloaded atomic.Int64
			for _, k := range []string{"a", "b", "c", "d", "e", "a", "b"} {
				wg.Go(func() {
					v, res, err := rt.Get(ctx, k)
					switch {
					case err == nil:
						assert.Equal(t, "v:"+k, v)
						assert.Equal(t, cache.Loaded, res)
						ok.Add(1)
					case errors.Is(err, cache.ErrOverloaded):
						overloaded.Add(1)
					default:
						t.Errorf("Get(%s): %v", k, err)
					}
				})
				synctest.Wait()
			}
			close(l.release)
			wg.Wait()
			assert.Equal(t, int64(2), l.calls.Load(), "at most OutageLoads loads at once")
			assert.Equal(t, int64(4), ok.Load(), "a and b, twice each")
			assert.Equal(t, int64(3), overloaded.Load())
			_, found, _ := tier.Local.Get(ctx, "a")
			assert.False(t, found, "no fill without a lease")
		})
	})
}
