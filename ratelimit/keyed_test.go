package ratelimit_test

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

// TestKeyedMatchesOneLimiterPerKey plays a pseudo-random trace over a few
// keys against a Keyed limiter and against one standalone limiter per key:
// every Decision must be the same.
func TestKeyedMatchesOneLimiterPerKey(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			template, err := a.new(4, time.Second)
			require.NoError(t, err)
			k, err := ratelimit.NewKeyed(template.(ratelimit.Algorithm), ratelimit.KeyedConfig{MaxKeys: 100})
			require.NoError(t, err)
			defer k.Close()
			own := map[string]allower{}
			at, x := t0, uint64(7)
			for i := range 3000 {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				at = at.Add(time.Duration(x%150) * ms)
				key := fmt.Sprintf("k%d", x>>40%5)
				n := int(x>>20)%6 - 1
				if own[key] == nil {
					own[key], err = a.new(4, time.Second)
					require.NoError(t, err)
				}
				want, wantErr := own[key].AllowN(at, n)
				got, err := k.AllowN(at, key, n)
				require.Equal(t, want, got, "step %d, %s, n=%d", i, key, n)
				require.Equal(t, wantErr, err, "step %d", i)
			}
			assert.LessOrEqual(t, k.Len(), 5)
		})
	}
}

func TestKeyedConfigErrors(t *testing.T) {
	g, err := ratelimit.NewGCRA(1, time.Second, 1)
	require.NoError(t, err)
	_, err = ratelimit.NewKeyed(g, ratelimit.KeyedConfig{})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig)
	_, err = ratelimit.NewKeyed(nil, ratelimit.KeyedConfig{MaxKeys: 10})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig)
	huge, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: math.MaxInt, SweepEvery: -1})
	require.NoError(t, err)
	assert.True(t, huge.Allow("k"), "no overflow in the share of each shard")
	var typedNil *ratelimit.GCRA
	_, err = ratelimit.NewKeyed(typedNil, ratelimit.KeyedConfig{MaxKeys: 10})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig)
}

// TestKeyedHammer has 64 goroutines race over 4 keys with a limit of 250
// each, at a rate too slow to refill during the test: exactly 1000 pass.
func TestKeyedHammer(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			template, err := a.new(250, 1000*24*time.Hour)
			require.NoError(t, err)
			k, err := ratelimit.NewKeyed(template.(ratelimit.Algorithm), ratelimit.KeyedConfig{MaxKeys: 1000, SweepEvery: -1})
			require.NoError(t, err)
			defer k.Close()
			var admitted atomic.Int64
			var wg sync.WaitGroup
			for g := range 64 {
				wg.Go(func() {
					for i := range 40 {
						key := fmt.Sprintf("user-%d", (g+i)%4)
						var ok bool
						if i%2 == 0 {
							d, _ := k.Decide(t.Context(), key, 1)
							ok = d.Allowed
						} else {
							ok = k.Allow(key)
						}
						if ok {
							admitted.Add(1)
						}
					}
				})
			}
			wg.Wait()
			assert.Equal(t, int64(1000), admitted.Load())
			assert.Equal(t, 4, k.Len())
		})
	}
}

// TestKeyedSweep runs the background sweep on a fake clock: a key is kept
// while its state matters and forgotten once its limiter is full again.
func TestKeyedSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, err := ratelimit.NewGCRA(10, time.Second, 10) // full again 1s after emptying
		require.NoError(t, err)
		k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100, SweepEvery: 700 * ms})
		require.NoError(t, err)
		defer k.Close()

		for range 10 {
			require.True(t, k.Allow("busy"))
		}
		require.False(t, k.Allow("busy"))
		require.True(t, k.Allow("light")) // full again after 100ms
		require.Equal(t, 2, k.Len())

		time.Sleep(800 * ms) // one sweep, at 700ms
		synctest.Wait()
		assert.Equal(t, 1, k.Len(), "at 700ms only the light key is full again")
		d, err := k.Decide(t.Context(), "busy", 1)
		require.NoError(t, err)
		require.True(t, d.Allowed)
		assert.Equal(t, 7, d.Remaining, "the busy key kept its state: 8 tokens back, one taken")

		time.Sleep(700 * ms)
		synctest.Wait()
		assert.Equal(t, 0, k.Len(), "full again at 1.1s, forgotten by the sweep at 1.4s")
		k.Close()
		k.Close() // idempotent; the bubble ends only if the sweep has exited
	})
}

// Closing a Keyed cannot fail, so Close has no error result.
var _ interface{ Close() } = (*ratelimit.Keyed)(nil)

// TestKeyedCountCap fills a Keyed limiter to its cap with exhausted keys:
// a new key evicts exactly one of them, which starts again full.
func TestKeyedCountCap(t *testing.T) {
	g, err := ratelimit.NewGCRA(1, time.Hour, 1)
	require.NoError(t, err)
	k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 16, SweepEvery: -1})
	require.NoError(t, err)
	defer k.Close()
	for i := range 16 {
		d, err := k.AllowN(t0.Add(time.Duration(i)*time.Second), fmt.Sprint(i), 1)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	require.Equal(t, 16, k.Len())
	d, err := k.AllowN(t0.Add(time.Minute), "new", 1)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	assert.Equal(t, 16, k.Len())
	restarted := 0
	for i := range 16 {
		d, err := k.AllowN(t0.Add(time.Minute), fmt.Sprint(i), 1)
		require.NoError(t, err)
		if d.Allowed {
			restarted++
			break // admitting it evicted another key
		}
	}
	assert.Equal(t, 1, restarted, "exactly one evicted key is admitted again")
}

// TestKeyedNeverExceedsMaxKeys floods Keyed limiters of various sizes with
// twenty times MaxKeys distinct keys, none of which is full again: the
// table holds exactly MaxKeys at the end, and never more on the way.
func TestKeyedNeverExceedsMaxKeys(t *testing.T) {
	for _, maxKeys := range []int{1, 15, 17, 100, 1000, 1025, 5000, 12345} {
		t.Run(fmt.Sprint(maxKeys), func(t *testing.T) {
			g, err := ratelimit.NewGCRA(1, time.Hour, 1)
			require.NoError(t, err)
			k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: maxKeys, SweepEvery: -1})
			require.NoError(t, err)
			defer k.Close()
			most := 0
			for i := range 20 * maxKeys {
				require.True(t, k.Allow(fmt.Sprint("key:", i)))
				if i%max(1, maxKeys/8) == 0 {
					most = max(most, k.Len())
				}
			}
			most = max(most, k.Len())
			assert.LessOrEqual(t, most, maxKeys, "the most keys held")
			assert.Equal(t, maxKeys, k.Len(), "keys held after the flood")
		})
	}
}

// TestKeyedBytesPerKey measures the heap a Keyed limiter holds for 100,000
// keys: the table stores no key strings, and the state of a GCRA or a
// leaky bucket with the table's slack must stay within 48 bytes per key.
func TestKeyedBytesPerKey(t *testing.T) {
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("user:%08d", i)
	}
	g, err := ratelimit.NewGCRA(1000, time.Second, 1000)
	require.NoError(t, err)
	lb, err := ratelimit.NewLeakyBucket(1000, time.Second, 1000)
	require.NoError(t, err)
	tb, err := ratelimit.NewTokenBucket(1000, time.Second, 1000)
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		alg   ratelimit.Algorithm
		limit float64
	}{{"gcra", g, 48}, {"leaky-bucket", lb, 48}, {"token-bucket", tb, 64}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k, err := ratelimit.NewKeyed(c.alg, ratelimit.KeyedConfig{MaxKeys: 200_000, SweepEvery: -1})
		require.NoError(t, err)
		for _, key := range keys {
			require.True(t, k.Allow(key))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perKey := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(keys))
		t.Logf("%s: %.1f bytes per key", c.name, perKey)
		assert.LessOrEqual(t, perKey, c.limit, c.name)
		assert.Equal(t, len(keys), k.Len())
		runtime.KeepAlive(k)
	}
}
