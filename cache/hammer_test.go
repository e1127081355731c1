package cache_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// value encodes which key it was set for, so that a reader can tell a value
// that was never set for the key it read.
func value(key, seq int) int { return key<<32 | seq }

func keyOf(v int) int { return v >> 32 }

// TestConcurrentHammer runs goroutines that read, write, delete and expire
// a shared key space much larger than the cache, while another samples Len.
// It checks the invariants the caches state: no Get returns a value that was
// never set for its key, no eviction reports a value not set for its key,
// and Len never exceeds the capacity.
func TestConcurrentHammer(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		const (
			capacity   = 200
			keys       = 2000
			goroutines = 8
			ops        = 4000
		)
		var bad atomic.Int64
		var badMsg atomic.Value
		fail := func(format string, args ...any) {
			if bad.Add(1) == 1 {
				badMsg.Store(fmt.Sprintf(format, args...))
			}
		}
		c, err := im.new(capacity, cache.Config[string, int]{
			RecordStats: true,
			OnEvict: func(k string, v int, _ cache.Reason) {
				if fmt.Sprint(keyOf(v)) != k {
					fail("OnEvict(%q) got a value set for key %d", k, keyOf(v))
				}
			},
		})
		require.NoError(t, err)
		defer c.Close()

		names := make([]string, keys)
		for i := range names {
			names[i] = fmt.Sprint(i)
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var maxLen atomic.Int64
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if n := int64(c.Len()); n > maxLen.Load() {
					maxLen.Store(n)
				}
			}
		})
		var workers sync.WaitGroup
		for g := range goroutines {
			workers.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 1))
				for i := range ops {
					k := r.IntN(keys)
					switch op := r.IntN(100); {
					case op < 60:
						if v, ok := c.Get(names[k]); ok && keyOf(v) != k {
							fail("Get(%d) returned a value set for key %d", k, keyOf(v))
						}
					case op < 90:
						c.Set(names[k], value(k, i))
					case op < 95:
						c.SetWithTTL(names[k], value(k, i), time.Duration(r.IntN(3)-1)*time.Millisecond)
					case op < 99:
						c.Delete(names[k])
					default:
						if r.IntN(50) == 0 {
							c.Clear()
						}
					}
				}
			})
		}
		workers.Wait()
		close(stop)
		wg.Wait()
		require.Zero(t, bad.Load(), "%v", badMsg.Load())
		assert.LessOrEqual(t, maxLen.Load(), int64(capacity))
		assert.LessOrEqual(t, c.Len(), capacity)
		st := c.Stats()
		assert.Equal(t, uint64(goroutines*ops), st.Hits+st.Misses+uint64(nonGets(goroutines, ops, keys)))
	})
}

// nonGets replays the hammer's random choices to count the operations that
// were not Gets, so that the test can check that every Get was counted as a
// hit or a miss exactly once.
func nonGets(goroutines, ops, keys int) int {
	n := 0
	for g := range goroutines {
		r := rand.New(rand.NewPCG(uint64(g), 1))
		for range ops {
			r.IntN(keys)
			switch op := r.IntN(100); {
			case op < 60:
			case op < 90:
				n++
			case op < 95:
				r.IntN(3)
				n++
			case op < 99:
				n++
			default:
				r.IntN(50)
				n++
			}
		}
	}
	return n
}

// TestReadYourWrites checks that a Set is never dropped: each goroutine
// owns its keys, the cache has ample room for all of them (a sharded cache
// evicts when one shard is full, so the room is generous), and every Get right
// after a Set returns exactly what was set, while the other goroutines
// write their own keys in the same shards.
func TestReadYourWrites(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		const goroutines, perG, rounds = 8, 64, 200
		c := mustNew(t, im, 100*goroutines*perG, cache.Config[string, int]{})
		var bad atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				names := make([]string, perG)
				for i := range names {
					names[i] = fmt.Sprint(g, "/", i)
				}
				for round := range rounds {
					for i, k := range names {
						want := value(g*perG+i, round)
						c.Set(k, want)
						if got, ok := c.Get(k); !ok || got != want {
							bad.Add(1)
						}
					}
				}
			})
		}
		wg.Wait()
		assert.Zero(t, bad.Load(), "Gets that missed their own Set")
		assert.Equal(t, goroutines*perG, c.Len())
		assert.Zero(t, c.Stats().Evictions)
	})
}

// TestOnEvictReportsEachValueOnce hammers a small cache with Sets, Gets,
// Deletes, Clears and expiries, every Set storing a value never stored
// before, while evictions make room. Each goroutine sets only its own keys,
// and removes any. OnEvict must never report a value twice, never report a
// value that is still cached, and report every value still cached once it
// leaves.
func TestOnEvictReportsEachValueOnce(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		const (
			capacity   = 16
			keys       = 64
			goroutines = 4
			ops        = 20000
		)
		var mu sync.Mutex
		reported := make(map[int]int) // value -> OnEvict calls
		c, err := im.new(capacity, cache.Config[string, int]{
			Shards: 1,
			OnEvict: func(_ string, v int, _ cache.Reason) {
				mu.Lock()
				reported[v]++
				mu.Unlock()
			},
		})
		require.NoError(t, err)
		defer c.Close()
		names := make([]string, keys)
		for i := range names {
			names[i] = fmt.Sprint(i)
		}
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 3))
				for i := range ops {
					own := g + goroutines*r.IntN(keys/goroutines)
					v := value(own, g*ops+i)
					switch op := r.IntN(100); {
					case op < 50:
						c.Set(names[own], v)
					case op < 80:
						c.Get(names[r.IntN(keys)])
					case op < 90:
						c.Delete(names[r.IntN(keys)])
					case op < 95:
						c.SetWithTTL(names[own], v, -1)
					default:
						if r.IntN(20) == 0 {
							c.Clear()
						}
					}
				}
			})
		}
		wg.Wait()
		mu.Lock()
		for v, n := range reported {
			require.Equal(t, 1, n, "OnEvict reported value %#x %d times", v, n)
		}
		var cached []int
		for _, k := range names {
			if v, ok := c.Get(k); ok {
				require.Zero(t, reported[v], "OnEvict reported %#x, which is still cached", v)
				cached = append(cached, v)
			}
		}
		mu.Unlock()
		c.Clear()
		mu.Lock()
		defer mu.Unlock()
		for _, v := range cached {
			require.Equal(t, 1, reported[v], "value %#x left with Clear", v)
		}
	})
}
