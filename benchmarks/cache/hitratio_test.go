package cache

import (
	"testing"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/backendkit/backendkit/internal/cachebench"
)

// hitApproaches are measured with the same harness, workloads and seeds as
// the cache package's own hit-ratio benchmark (internal/cachebench).
var hitApproaches = []cachebench.Approach{
	{Name: "backendkit-s3fifo", New: cachebench.S3FIFO},
	{Name: "golang-lru", New: func(tb testing.TB, n int) cachebench.Policy {
		c, err := lru.New[uint64, struct{}](n)
		if err != nil {
			tb.Fatal(err)
		}
		return cachebench.Policy{Get: func(k uint64) bool { _, ok := c.Get(k); return ok }, Set: func(k uint64) { c.Add(k, struct{}{}) }}
	}},
	{Name: "otter", New: func(tb testing.TB, n int) cachebench.Policy {
		c := otter.Must(&otter.Options[uint64, struct{}]{MaximumSize: n})
		return cachebench.Policy{Get: func(k uint64) bool { _, ok := c.GetIfPresent(k); return ok }, Set: func(k uint64) { c.Set(k, struct{}{}) }}
	}},
}

// BenchmarkHitRatio replays each workload against each cache at capacities
// of 0.1%, 1% and 10% of the key space, as a read-through client would
// (Get, and Set on a miss), and reports the fraction of reads that hit.
// One iteration is one full replay on a fresh cache.
func BenchmarkHitRatio(b *testing.B) { cachebench.HitRatio(b, hitApproaches) }
