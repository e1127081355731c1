package cachebench

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// The throughput workload: keys drawn from Zipf(0.99) over KeySpace
// distinct strings, precomputed so that generating them is not measured,
// into a cache holding a quarter of them.
const (
	KeySpace = 1 << 16
	Capacity = KeySpace / 4
	traceLen = 1 << 18
	mask     = traceLen - 1
)

// Store is what the throughput benchmarks call: every approach pays the
// same interface call.
type Store interface {
	Get(key string) (int, bool)
	Set(key string, value int)
}

// StoreApproach names a cache and builds one of a given capacity.
type StoreApproach struct {
	Name string
	New  func(tb testing.TB, capacity int) Store
}

// NewS3FIFO returns a cache.S3FIFO as a Store.
func NewS3FIFO(tb testing.TB, capacity int) Store {
	c, err := cache.NewS3FIFO(capacity, cache.Config[string, int]{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// NewS3FIFOWithStats returns a cache.S3FIFO that counts hits and misses,
// as a Store: the cost of Config.RecordStats.
func NewS3FIFOWithStats(tb testing.TB, capacity int) Store {
	c, err := cache.NewS3FIFO(capacity, cache.Config[string, int]{RecordStats: true})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// NewLRU returns a cache.LRU as a Store.
func NewLRU(tb testing.TB, capacity int) Store {
	c, err := cache.NewLRU(capacity, cache.Config[string, int]{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

var (
	traceOnce sync.Once
	trace     []string
)

// zipfTrace returns the shared throughput trace, built once per process.
func zipfTrace(tb testing.TB) []string {
	traceOnce.Do(func() {
		ids, err := workload.ZipfKeys(KeySpace, 0.99, traceLen, 1)
		if err != nil {
			tb.Fatal(err)
		}
		names := make([]string, KeySpace)
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

// warmed returns a cache filled the way a read-through client fills it, so
// that it holds what its policy keeps, after collecting the garbage that
// filling made, so that no approach pays for its warm-up inside the timed
// loop.
func warmed(b *testing.B, a StoreApproach) (Store, []string) {
	keys := zipfTrace(b)
	s := a.New(b, Capacity)
	for i, k := range keys[:KeySpace] {
		if _, ok := s.Get(k); !ok {
			s.Set(k, i)
		}
	}
	runtime.GC()
	return s, keys
}

// Op is one operation of a throughput benchmark on the i-th key of the
// trace.
type Op func(s Store, key string, i int)

// Get reads a key.
func Get(s Store, k string, _ int) { s.Get(k) }

// Set writes a key.
func Set(s Store, k string, i int) { s.Set(k, i) }

// Mixed reads three times for every write.
func Mixed(s Store, k string, i int) {
	if i&3 == 3 {
		s.Set(k, i)
	} else {
		s.Get(k)
	}
}

// Serial runs op on successive keys of the trace, one goroutine, against
// each approach warmed.
func Serial(b *testing.B, approaches []StoreApproach, op Op) {
	for _, a := range approaches {
		b.Run(a.Name, func(b *testing.B) {
			s, keys := warmed(b, a)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				op(s, keys[i&mask], i)
				i++
			}
		})
	}
}

// Parallel runs op from GOMAXPROCS goroutines at once, each reading the
// trace from its own offset.
func Parallel(b *testing.B, approaches []StoreApproach, op Op) {
	for _, a := range approaches {
		b.Run(a.Name, func(b *testing.B) {
			s, keys := warmed(b, a)
			b.ReportAllocs()
			var seq atomic.Uint64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1) * 104729)
				for pb.Next() {
					op(s, keys[i&mask], i)
					i++
				}
			})
		})
	}
}
