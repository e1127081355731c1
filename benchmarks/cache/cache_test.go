package cache

import (
	"testing"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/backendkit/backendkit/internal/cachebench"
)

// The peers behind the same Store interface as ours: one interface call
// for every approach.
type golangLRUStore struct{ c *lru.Cache[string, int] }

func (s golangLRUStore) Get(k string) (int, bool) { return s.c.Get(k) }
func (s golangLRUStore) Set(k string, v int)      { s.c.Add(k, v) }

type otterStore struct{ c *otter.Cache[string, int] }

func (s otterStore) Get(k string) (int, bool) { return s.c.GetIfPresent(k) }
func (s otterStore) Set(k string, v int)      { s.c.Set(k, v) }

// approaches run the cache package's throughput harness
// (internal/cachebench): the same trace, capacity and warm-up for all.
var approaches = []cachebench.StoreApproach{
	{Name: "backendkit-s3fifo", New: cachebench.NewS3FIFO},
	{Name: "backendkit-lru", New: cachebench.NewLRU},
	{Name: "golang-lru", New: func(tb testing.TB, n int) cachebench.Store {
		c, err := lru.New[string, int](n)
		if err != nil {
			tb.Fatal(err)
		}
		return golangLRUStore{c}
	}},
	{Name: "otter", New: func(_ testing.TB, n int) cachebench.Store {
		return otterStore{otter.Must(&otter.Options[string, int]{MaximumSize: n})}
	}},
}

// BenchmarkGet measures Get on Zipf(0.99) keys: hits and misses as each
// warmed cache's policy makes them.
func BenchmarkGet(b *testing.B) { cachebench.Serial(b, approaches, cachebench.Get) }

// BenchmarkGetParallel measures Get from GOMAXPROCS goroutines at once.
func BenchmarkGetParallel(b *testing.B) { cachebench.Parallel(b, approaches, cachebench.Get) }

// BenchmarkSet measures Set on Zipf(0.99) keys: updates of cached keys and
// insertions that evict.
func BenchmarkSet(b *testing.B) { cachebench.Serial(b, approaches, cachebench.Set) }

// BenchmarkSetParallel measures Set from GOMAXPROCS goroutines at once.
func BenchmarkSetParallel(b *testing.B) { cachebench.Parallel(b, approaches, cachebench.Set) }

// BenchmarkMixed measures three Gets to one Set on Zipf(0.99) keys.
func BenchmarkMixed(b *testing.B) { cachebench.Serial(b, approaches, cachebench.Mixed) }

// BenchmarkMixedParallel measures the mix from GOMAXPROCS goroutines at once.
func BenchmarkMixedParallel(b *testing.B) { cachebench.Parallel(b, approaches, cachebench.Mixed) }
