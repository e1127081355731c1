package cache_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// plainTier hides everything of its Tier but the Tier methods, so that a
// ReadThrough over it takes the path of a tier it knows nothing about.
type plainTier struct{ cache.Tier[string] }

// tierKinds are the tiers a ReadThrough is tested over, because it reads
// each a different way: a Local over an S3FIFO (the entry read where the
// S3FIFO holds it), a Local over an LRU (through the Map interface), and a
// Tier that is neither a Local nor a ClockedTier.
var tierKinds = []struct {
	name string
	new  func(t testing.TB, capacity int) cache.Tier[string]
}{
	{"local-s3fifo", func(t testing.TB, n int) cache.Tier[string] { return newLocal(t, n) }},
	{"local-lru", newLRULocal},
	{"plain-tier", func(t testing.TB, n int) cache.Tier[string] { return plainTier{newLocal(t, n)} }},
}

func newLRULocal(t testing.TB, capacity int) cache.Tier[string] {
	t.Helper()
	m, err := cache.NewLRU[string, cache.Entry[string]](capacity, cache.Config[string, cache.Entry[string]]{})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	l, err := cache.NewLocal[string](m)
	require.NoError(t, err)
	return l
}

// TestReadThroughHitPaths runs one script of hits, negative hits, a value
// replaced in the tier, and an expired value served stale, over every kind
// of tier, with hits counted and not: every path gives the same results
// and the same counts.
func TestReadThroughHitPaths(t *testing.T) {
	for _, tk := range tierKinds {
		for _, counted := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/RecordStats=%v", tk.name, counted), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx := context.Background()
					tier := tk.new(t, 10)
					var mu sync.Mutex
					calls := map[string]int{}
					load := func(_ context.Context, key string) (string, error) {
						mu.Lock()
						defer mu.Unlock()
						calls[key]++
						switch {
						case key == "n":
							return "", cache.ErrNotFound
						case calls[key] == 1:
							return "v1", nil
						}
						return "", errDown
					}
					rt := newReadThrough(t, tier, load, time.Minute, cache.ReadThroughConfig{
						NegativeTTL: time.Minute, StaleIfError: 10 * time.Minute, Jitter: -1, RecordStats: counted,
					})
					get := func(key, wantValue string, want cache.Result) {
						t.Helper()
						v, res, err := rt.Get(ctx, key)
						assert.Equal(t, want, res, "result of %q", key)
						assert.Equal(t, wantValue, v, "value of %q", key)
						if want == cache.Negative {
							assert.ErrorIs(t, err, cache.ErrNotFound)
						} else {
							assert.NoError(t, err)
						}
					}
					get("k", "v1", cache.Loaded)
					get("k", "v1", cache.Hit)

					// A value the tier replaces is what the next hit returns.
					exp := time.Now().Add(time.Minute).UnixNano()
					require.NoError(t, tier.Set(ctx, "k", cache.Entry[string]{Value: "v2", Expires: exp}, 11*time.Minute))
					get("k", "v2", cache.Hit)

					get("n", "", cache.Negative)
					get("n", "", cache.Negative) // from the negative entry

					// Past its freshness, within the stale window, with the
					// loader failing: the replaced value, as Stale.
					time.Sleep(time.Minute)
					get("k", "v2", cache.Stale)

					mu.Lock()
					assert.Equal(t, map[string]int{"k": 2, "n": 1}, calls, "loader calls")
					mu.Unlock()
					want := cache.ReadThroughStats{Loaded: 1, Negative: 2, Stale: 1, LoaderCalls: 3}
					if counted {
						want.Hits = 2
					}
					assert.Equal(t, want, rt.Stats())
				})
			})
		}
	}
}

// TestReadThroughHitAllocatesNothing: a hit from a Local over an S3FIFO,
// the shortener's redirect path, allocates nothing, for a string and for
// a struct of two strings and two instants.
func TestReadThroughHitAllocatesNothing(t *testing.T) {
	t.Run("value=string", func(t *testing.T) {
		assert.Zero(t, hitAllocs(t, func(k string) string { return k }))
	})
	t.Run("value=link", func(t *testing.T) {
		assert.Zero(t, hitAllocs(t, newLink))
	})
}

func hitAllocs[V comparable](t *testing.T, mk func(string) V) float64 {
	ctx := context.Background()
	m, err := cache.NewS3FIFO[string, cache.Entry[V]](10, cache.Config[string, cache.Entry[V]]{})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	tier, err := cache.NewLocal[V](m)
	require.NoError(t, err)
	rt, err := cache.NewReadThrough(tier, func(_ context.Context, k string) (V, error) { return mk(k), nil },
		time.Hour, cache.ReadThroughConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, rt.Close(ctx)) })
	want := mk("k")
	_, res, err := rt.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, cache.Loaded, res)
	return testing.AllocsPerRun(100, func() {
		v, res, err := rt.Get(ctx, "k")
		if err != nil || res != cache.Hit {
			t.Fatalf("Get = %v, %v; want a hit", res, err)
		}
		if v != want {
			t.Fatalf("Get = %v, want %v", v, want)
		}
	})
}

// TestReadThroughHitsWhileTheTierChanges: goroutines hit keys that others
// keep replacing in the tier; every value read is one set for its key
// (under -race, a value read in place while a Set writes it would be
// reported), and once the writers stop every key reads its last value.
func TestReadThroughHitsWhileTheTierChanges(t *testing.T) {
	for _, tk := range tierKinds {
		t.Run(tk.name, func(t *testing.T) {
			const keys, writes = 16, 2000
			ctx := context.Background()
			tier := tk.new(t, 2*keys)
			rt := newReadThrough(t, tier, func(_ context.Context, k string) (string, error) { return k + "/0", nil },
				time.Hour, cache.ReadThroughConfig{})
			entry := func(v string) cache.Entry[string] {
				return cache.Entry[string]{Value: v, Expires: time.Now().Add(time.Hour).UnixNano()}
			}
			var bad atomic.Value
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for r := range 2 {
				wg.Go(func() {
					for i := r; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						k := fmt.Sprint("k", i%keys)
						v, _, err := rt.Get(ctx, k)
						var n int
						if _, serr := fmt.Sscanf(v, k+"/%d", &n); err != nil || serr != nil {
							bad.CompareAndSwap(nil, fmt.Sprintf("Get(%q) = %q, %v", k, v, err))
						}
					}
				})
			}
			var writers sync.WaitGroup
			for w := range 2 {
				writers.Go(func() {
					for i := range writes {
						k := fmt.Sprint("k", (i+w)%keys)
						if err := tier.Set(ctx, k, entry(fmt.Sprint(k, "/", i+1)), time.Hour); err != nil {
							bad.CompareAndSwap(nil, err.Error())
						}
					}
				})
			}
			writers.Wait()
			close(stop)
			wg.Wait()
			require.Nil(t, bad.Load())
			for i := range keys {
				k := fmt.Sprint("k", i)
				last := fmt.Sprint(k, "/last")
				require.NoError(t, tier.Set(ctx, k, entry(last), time.Hour))
				v, res, err := rt.Get(ctx, k)
				require.NoError(t, err)
				assert.Equal(t, cache.Hit, res)
				assert.Equal(t, last, v, "a hit after Set returns reads what it stored")
			}
		})
	}
}
