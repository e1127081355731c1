package cache_test

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// The throughput workload: keys drawn from Zipf(0.99) over benchKeySpace
// distinct strings, precomputed so that generating them is not measured,
// into a cache holding a quarter of them. The same sizes are used in the
// benchmarks module, against the peer libraries.
const (
	benchKeySpace = 1 << 16
	benchTraceLen = 1 << 18
	benchMask     = benchTraceLen - 1
	benchCapacity = benchKeySpace / 4
)

var (
	benchOnce  sync.Once
	benchTrace []string
)

func zipfTrace(tb testing.TB) []string {
	benchOnce.Do(func() {
		ids, err := workload.ZipfKeys(benchKeySpace, 0.99, benchTraceLen, 1)
		if err != nil {
			tb.Fatal(err)
		}
		names := make([]string, benchKeySpace)
		for i := range names {
			names[i] = "key:" + strconv.Itoa(i)
		}
		benchTrace = make([]string, len(ids))
		for i, id := range ids {
			benchTrace[i] = names[id]
		}
	})
	return benchTrace
}

var benchApproaches = []struct {
	name string
	new  func(tb testing.TB) store
}{
	{"s3fifo", func(tb testing.TB) store {
		c, err := cache.NewS3FIFO(cache.Config[string, int]{Capacity: benchCapacity})
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}},
	{"lru", func(tb testing.TB) store {
		c, err := cache.NewLRU(cache.Config[string, int]{Capacity: benchCapacity})
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}},
}

// warmed returns a cache filled the way a read-through client fills it, so
// that it holds what its policy keeps, and collects the garbage that filling
// made, so that no approach pays for its warm-up inside the timed loop.
func warmed(b *testing.B, newStore func(testing.TB) store) (store, []string) {
	keys := zipfTrace(b)
	c := newStore(b)
	for i, k := range keys[:benchKeySpace] {
		if _, ok := c.Get(k); !ok {
			c.Set(k, i)
		}
	}
	runtime.GC()
	return c, keys
}

type benchOp func(c store, key string, i int)

func opGet(c store, k string, _ int) { c.Get(k) }
func opSet(c store, k string, i int) { c.Set(k, i) }

// opMixed reads three times for every write.
func opMixed(c store, k string, i int) {
	if i&3 == 3 {
		c.Set(k, i)
	} else {
		c.Get(k)
	}
}

func benchSerial(b *testing.B, op benchOp) {
	for _, a := range benchApproaches {
		b.Run(a.name, func(b *testing.B) {
			c, keys := warmed(b, a.new)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				op(c, keys[i&benchMask], i)
				i++
			}
		})
	}
}

func benchParallel(b *testing.B, op benchOp) {
	for _, a := range benchApproaches {
		b.Run(a.name, func(b *testing.B) {
			c, keys := warmed(b, a.new)
			b.ReportAllocs()
			var seq atomic.Uint64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				// Each goroutine reads the trace from its own offset.
				i := int(seq.Add(1) * 104729)
				for pb.Next() {
					op(c, keys[i&benchMask], i)
					i++
				}
			})
		})
	}
}

// BenchmarkGet measures Get on Zipf(0.99) keys: hits and misses as each
// warmed cache's policy makes them.
func BenchmarkGet(b *testing.B) { benchSerial(b, opGet) }

// BenchmarkGetParallel measures Get from GOMAXPROCS goroutines at once.
func BenchmarkGetParallel(b *testing.B) { benchParallel(b, opGet) }

// BenchmarkSet measures Set on Zipf(0.99) keys: updates of cached keys and
// insertions that evict.
func BenchmarkSet(b *testing.B) { benchSerial(b, opSet) }

// BenchmarkSetParallel measures Set from GOMAXPROCS goroutines at once.
func BenchmarkSetParallel(b *testing.B) { benchParallel(b, opSet) }

// BenchmarkMixed measures three Gets to one Set on Zipf(0.99) keys.
func BenchmarkMixed(b *testing.B) { benchSerial(b, opMixed) }

// BenchmarkMixedParallel measures the mix from GOMAXPROCS goroutines at once.
func BenchmarkMixedParallel(b *testing.B) { benchParallel(b, opMixed) }
