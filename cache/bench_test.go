package cache_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/backendkit/backendkit/internal/cachebench"
)

// benchApproaches are this package's caches. The throughput workload
// (Zipf(0.99) string keys over 65,536 keys, capacity 16,384) and the loops
// are internal/cachebench's, which the benchmarks module runs against the
// peer libraries too.
var benchApproaches = []cachebench.StoreApproach{
	{Name: "s3fifo", New: cachebench.NewS3FIFO},
	{Name: "s3fifo-stats", New: cachebench.NewS3FIFOWithStats},
	{Name: "lru", New: cachebench.NewLRU},
}

// BenchmarkGet measures Get on Zipf(0.99) keys: hits and misses as each
// warmed cache's policy makes them.
func BenchmarkGet(b *testing.B) { cachebench.Serial(b, benchApproaches, cachebench.Get) }

// BenchmarkGetParallel measures Get from GOMAXPROCS goroutines at once.
func BenchmarkGetParallel(b *testing.B) { cachebench.Parallel(b, benchApproaches, cachebench.Get) }

// BenchmarkSet measures Set on Zipf(0.99) keys: updates of cached keys and
// insertions that evict.
func BenchmarkSet(b *testing.B) { cachebench.Serial(b, benchApproaches, cachebench.Set) }

// BenchmarkSetParallel measures Set from GOMAXPROCS goroutines at once.
func BenchmarkSetParallel(b *testing.B) { cachebench.Parallel(b, benchApproaches, cachebench.Set) }

// BenchmarkMixed measures three Gets to one Set on Zipf(0.99) keys.
func BenchmarkMixed(b *testing.B) { cachebench.Serial(b, benchApproaches, cachebench.Mixed) }

// BenchmarkMixedParallel measures the mix from GOMAXPROCS goroutines at once.
func BenchmarkMixedParallel(b *testing.B) {
	cachebench.Parallel(b, benchApproaches, cachebench.Mixed)
}

// BenchmarkMemoryPerEntry fills a cache of 100,000 entries with three times
// as many distinct string keys and int values, and reports the heap it
// holds per entry as "B/entry": index, queues and, for S3FIFO, the ghost
// queues' hashes, but not the keys' bytes, which the caller allocated. One
// iteration is one fill of a fresh cache.
func BenchmarkMemoryPerEntry(b *testing.B) {
	const capacity = 100_000
	keys := make([]string, 3*capacity)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	for _, a := range benchApproaches {
		b.Run(a.Name, func(b *testing.B) {
			var perEntry float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				c := a.New(b, capacity)
				for i, k := range keys {
					c.Set(k, i)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perEntry = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / capacity
				runtime.KeepAlive(c)
			}
			b.ReportMetric(perEntry, "B/entry")
		})
	}
}
