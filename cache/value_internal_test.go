package cache

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValueKindOf(t *testing.T) {
	word64 := word
	if unsafe.Alignof(int64(0)) != 8 {
		word64 = boxed // 32-bit platforms do not align 64-bit values
	}
	cases := []struct {
		name string
		got  valueKind
		want valueKind
	}{
		{"int64", valueKindOf[int64](), word64},
		{"uint64", valueKindOf[uint64](), word64},
		{"float64", valueKindOf[float64](), word64},
		{"struct{int64}", valueKindOf[struct{ n int64 }](), word64},
		{"int32", valueKindOf[int32](), halfWord},
		{"float32", valueKindOf[float32](), halfWord},
		{"[2]uint16 (2-aligned)", valueKindOf[[2]uint16](), boxed},
		{"*int", valueKindOf[*int](), pointer},
		{"map", valueKindOf[map[string]int](), pointer},
		{"chan", valueKindOf[chan int](), pointer},
		{"func", valueKindOf[func()](), pointer},
		{"unsafe.Pointer", valueKindOf[unsafe.Pointer](), pointer},
		{"[2]int32 (4-aligned)", valueKindOf[[2]int32](), boxed},
		{"[4]byte (1-aligned)", valueKindOf[[4]byte](), boxed},
		{"bool", valueKindOf[bool](), boxed},
		{"string", valueKindOf[string](), boxed},
		{"any", valueKindOf[any](), boxed},
		{"[]int", valueKindOf[[]int](), boxed},
		{"struct{*int}", valueKindOf[struct{ p *int }](), boxed},
		{"[1]*int", valueKindOf[[1]*int](), boxed},
		{"struct{}", valueKindOf[struct{}](), boxed},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.got, c.name)
	}
}

// TestEveryValueKindUnderConcurrentUpdates runs, for a type of each value
// kind, goroutines that update their own keys and read everyone's: a Get
// right after a goroutine's own Set must return exactly that value, and any
// Get or eviction must return a whole value set for its key. Under -race it
// also checks that the in-place atomic updates are free of data races.
func TestEveryValueKindUnderConcurrentUpdates(t *testing.T) {
	t.Run("int64", func(t *testing.T) {
		checkValues(t, func(k, s int) int64 { return int64(k)<<32 | int64(s) },
			func(v int64) (int, int) { return int(v >> 32), int(v & (1<<32 - 1)) })
	})
	t.Run("float64", func(t *testing.T) {
		checkValues(t, func(k, s int) float64 { return float64(k<<20 | s) },
			func(v float64) (int, int) { return int(v) >> 20, int(v) & (1<<20 - 1) })
	})
	t.Run("int32", func(t *testing.T) {
		checkValues(t, func(k, s int) int32 { return int32(k<<16 | s) },
			func(v int32) (int, int) { return int(v >> 16), int(v & (1<<16 - 1)) })
	})
	t.Run("pointer", func(t *testing.T) {
		checkValues(t, func(k, s int) *[2]int { return &[2]int{k, s} },
			func(v *[2]int) (int, int) { return v[0], v[1] })
	})
	t.Run("func", func(t *testing.T) {
		checkValues(t, func(k, s int) func() (int, int) { return func() (int, int) { return k, s } },
			func(v func() (int, int)) (int, int) { return v() })
	})
	t.Run("boxed array", func(t *testing.T) {
		checkValues(t, func(k, s int) [3]int { return [3]int{k, s, k} },
			func(v [3]int) (int, int) {
				if v[0] != v[2] {
					return -1, -1 // torn
				}
				return v[0], v[1]
			})
	})
	t.Run("boxed string", func(t *testing.T) {
		checkValues(t, func(k, s int) string { return fmt.Sprint(k, "/", s) },
			func(v string) (k, s int) {
				if _, err := fmt.Sscanf(v, "%d/%d", &k, &s); err != nil {
					return -1, -1
				}
				return k, s
			})
	})
}

func checkValues[V any](t *testing.T, enc func(key, seq int) V, dec func(V) (key, seq int)) {
	const goroutines, perG, ops, capacity = 4, 8, 3000, 24
	var bad atomic.Int64
	var msg atomic.Value
	fail := func(format string, args ...any) {
		if bad.Add(1) == 1 {
			msg.Store(fmt.Sprintf(format, args...))
		}
	}
	// One shard, smaller than the keys, so that updates, reads and
	// evictions meet on the same entries.
	c, err := NewS3FIFO(capacity, Config[int, V]{Shards: 1,
		OnEvict: func(k int, v V, _ Reason) {
			if got, _ := dec(v); got != k {
				fail("OnEvict(%d) got a value for key %d", k, got)
			}
		}})
	require.NoError(t, err)
	defer c.Close()
	var ownHits atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 2))
			for i := range ops {
				own := g*perG + r.IntN(perG)
				c.Set(own, enc(own, i))
				// Another goroutine's Set may evict own; if it is
				// there, it holds the last value set.
				if v, ok := c.Get(own); ok {
					ownHits.Add(1)
					if k, s := dec(v); k != own || s != i {
						fail("Get(%d) = (%d, %d) after Set(%d, %d)", own, k, s, own, i)
					}
				}
				any := r.IntN(goroutines * perG)
				if v, ok := c.Get(any); ok {
					if k, _ := dec(v); k != any {
						fail("Get(%d) returned a value for key %d", any, k)
					}
				}
			}
		})
	}
	wg.Wait()
	require.Zero(t, bad.Load(), "%v", msg.Load())
	// Most Gets right after a Set find it: the check above was exercised.
	assert.Greater(t, ownHits.Load(), int64(goroutines*ops/2))
	assert.LessOrEqual(t, c.Len(), capacity)
}
