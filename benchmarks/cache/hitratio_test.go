package cache

import (
	"fmt"
	"sync"
	"testing"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// The hit-ratio workloads, the same as the cache package's own: hitKeys
// distinct keys, hitAccesses reads, fixed seeds.
const (
	hitKeys     = 100_000
	hitAccesses = 200_000
)

type hitWorkload struct {
	name string
	keys []uint64
}

var (
	hitOnce      sync.Once
	hitWorkloads []hitWorkload
	hitErr       error
)

// workloads returns Zipf(0.99) over hitKeys keys; the same with a scan of
// 5,000 new keys after every 20,000 reads; and the LRU stack model, a third
// of reads going to new keys and the rest at a mean reuse depth of 1,000
// keys, where LRU is the best policy there is.
func workloads(tb testing.TB) []hitWorkload {
	hitOnce.Do(func() {
		zipf, err := workload.ZipfKeys(hitKeys, zipfSkew, hitAccesses, 1)
		if err != nil {
			hitErr = err
			return
		}
		scan, err := workload.WithScans(zipf[:hitAccesses*4/5], 20_000, 5_000, hitKeys)
		if err != nil {
			hitErr = err
			return
		}
		recency, err := workload.Recency(hitAccesses, 1.0/3, 1000, 3)
		if err != nil {
			hitErr = err
			return
		}
		hitWorkloads = []hitWorkload{{"zipf", zipf}, {"scan", scan}, {"recency", recency}}
	})
	if hitErr != nil {
		tb.Fatal(hitErr)
	}
	return hitWorkloads
}

var hitCapacities = []struct {
	name  string
	value int
}{
	{"0.1%", hitKeys / 1000},
	{"1%", hitKeys / 100},
	{"10%", hitKeys / 10},
}

type hitCache struct {
	get func(uint64) bool
	set func(uint64)
}

var hitApproaches = []struct {
	name string
	new  func(tb testing.TB, capacity int) hitCache
}{
	{"backendkit-s3fifo", func(tb testing.TB, n int) hitCache {
		c, err := cache.NewS3FIFO(cache.Config[uint64, struct{}]{Capacity: n})
		if err != nil {
			tb.Fatal(err)
		}
		return hitCache{func(k uint64) bool { _, ok := c.Get(k); return ok }, func(k uint64) { c.Set(k, struct{}{}) }}
	}},
	{"golang-lru", func(tb testing.TB, n int) hitCache {
		c, err := lru.New[uint64, struct{}](n)
		if err != nil {
			tb.Fatal(err)
		}
		return hitCache{func(k uint64) bool { _, ok := c.Get(k); return ok }, func(k uint64) { c.Add(k, struct{}{}) }}
	}},
	{"otter", func(tb testing.TB, n int) hitCache {
		c := otter.Must(&otter.Options[uint64, struct{}]{MaximumSize: n})
		return hitCache{func(k uint64) bool { _, ok := c.GetIfPresent(k); return ok }, func(k uint64) { c.Set(k, struct{}{}) }}
	}},
}

// BenchmarkHitRatio replays each workload against each cache at capacities
// of 0.1%, 1% and 10% of the key space, as a read-through client would
// (Get, and Set on a miss), and reports the fraction of reads that hit.
// One iteration is one full replay on a fresh cache.
func BenchmarkHitRatio(b *testing.B) {
	for _, a := range hitApproaches {
		for _, w := range workloads(b) {
			for _, capa := range hitCapacities {
				b.Run(fmt.Sprintf("%s/workload=%s/capacity=%s", a.name, w.name, capa.name), func(b *testing.B) {
					b.ReportAllocs()
					var ratio float64
					for b.Loop() {
						c := a.new(b, capa.value)
						ratio = workload.HitRatio(w.keys, c.get, c.set)
					}
					b.ReportMetric(ratio, "hit-ratio")
				})
			}
		}
	}
}
