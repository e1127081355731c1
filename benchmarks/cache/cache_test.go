package cache

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// Throughput workload: keys drawn from Zipf(0.99) over keySpace distinct
// strings, precomputed so that generating them is not measured, into a
// cache holding a quarter of them.
const (
	keySpace   = 1 << 16
	traceLen   = 1 << 18
	traceMask  = traceLen - 1
	throughCap = keySpace / 4
	zipfSkew   = 0.99
)

// store is what the throughput benchmarks call. Every approach pays the
// same interface call.
type store interface {
	Get(key string) (int, bool)
	Set(key string, value int)
}

type s3fifoStore struct{ c *cache.S3FIFO[string, int] }

func (s s3fifoStore) Get(k string) (int, bool) { return s.c.Get(k) }
func (s s3fifoStore) Set(k string, v int)      { s.c.Set(k, v) }

type lruStore struct{ c *cache.LRU[string, int] }

func (s lruStore) Get(k string) (int, bool) { return s.c.Get(k) }
func (s lruStore) Set(k string, v int)      { s.c.Set(k, v) }

type golangLRUStore struct{ c *lru.Cache[string, int] }

func (s golangLRUStore) Get(k string) (int, bool) { return s.c.Get(k) }
func (s golangLRUStore) Set(k string, v int)      { s.c.Add(k, v) }

type otterStore struct{ c *otter.Cache[string, int] }

func (s otterStore) Get(k string) (int, bool) { return s.c.GetIfPresent(k) }
func (s otterStore) Set(k string, v int)      { s.c.Set(k, v) }

type approach struct {
	name string
	new  func(tb testing.TB, capacity int) store
}

var approaches = []approach{
	{"backendkit-s3fifo", func(tb testing.TB, n int) store {
		c, err := cache.NewS3FIFO(cache.Config[string, int]{Capacity: n})
		if err != nil {
			tb.Fatal(err)
		}
		return s3fifoStore{c}
	}},
	{"backendkit-lru", func(tb testing.TB, n int) store {
		c, err := cache.NewLRU(cache.Config[string, int]{Capacity: n})
		if err != nil {
			tb.Fatal(err)
		}
		return lruStore{c}
	}},
	{"golang-lru", func(tb testing.TB, n int) store {
		c, err := lru.New[string, int](n)
		if err != nil {
			tb.Fatal(err)
		}
		return golangLRUStore{c}
	}},
	{"otter", func(tb testing.TB, n int) store {
		return otterStore{otter.Must(&otter.Options[string, int]{MaximumSize: n})}
	}},
}

var (
	traceOnce sync.Once
	trace     []string
)

// zipfTrace returns the shared throughput trace.
func zipfTrace(tb testing.TB) []string {
	traceOnce.Do(func() {
		ids, err := workload.ZipfKeys(keySpace, zipfSkew, traceLen, 1)
		if err != nil {
			tb.Fatal(err)
		}
		names := make([]string, keySpace)
		for i := range names {
			names[i] = "key:" + strconv.Itoa(i)
		}
		trace = make([]string, len(ids))
		for i, id := range ids {
			trace[i] = names[id]
		}
	})
	return trace
}

// warm fills s the way a read-through client would, so that it holds what
// its policy keeps, then collects the garbage that filling made, so that no
// approach pays for its warm-up inside the timed loop.
func warm(s store, keys []string) {
	for i, k := range keys[:keySpace] {
		if _, ok := s.Get(k); !ok {
			s.Set(k, i)
		}
	}
	runtime.GC()
}

type op func(s store, key string, i int)

func get(s store, k string, _ int) { s.Get(k) }
func set(s store, k string, i int) { s.Set(k, i) }
func mixed(s store, k string, i int) {
	if i&3 == 3 {
		s.Set(k, i)
	} else {
		s.Get(k)
	}
}

func serial(b *testing.B, f op) {
	keys := zipfTrace(b)
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			s := a.new(b, throughCap)
			warm(s, keys)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				f(s, keys[i&traceMask], i)
				i++
			}
		})
	}
}

func parallel(b *testing.B, f op) {
	keys := zipfTrace(b)
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			s := a.new(b, throughCap)
			warm(s, keys)
			b.ReportAllocs()
			var seq atomic.Uint64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				// Each goroutine reads the trace from its own offset.
				i := int(seq.Add(1) * 104729)
				for pb.Next() {
					f(s, keys[i&traceMask], i)
					i++
				}
			})
		})
	}
}

// BenchmarkGet measures Get on Zipf(0.99) keys: hits and misses as each
// warmed cache's policy makes them.
func BenchmarkGet(b *testing.B) { serial(b, get) }

// BenchmarkGetParallel measures Get from GOMAXPROCS goroutines at once.
func BenchmarkGetParallel(b *testing.B) { parallel(b, get) }

// BenchmarkSet measures Set on Zipf(0.99) keys: updates of cached keys and
// insertions that evict.
func BenchmarkSet(b *testing.B) { serial(b, set) }

// BenchmarkSetParallel measures Set from GOMAXPROCS goroutines at once.
func BenchmarkSetParallel(b *testing.B) { parallel(b, set) }

// BenchmarkMixed measures three Gets to one Set on Zipf(0.99) keys.
func BenchmarkMixed(b *testing.B) { serial(b, mixed) }

// BenchmarkMixedParallel measures the mix from GOMAXPROCS goroutines at once.
func BenchmarkMixedParallel(b *testing.B) { parallel(b, mixed) }
