package cache_test

import (
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
