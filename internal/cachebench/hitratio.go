// Package cachebench is the benchmark harness shared by package cache's
// benchmarks and the benchmarks module, so that this module's caches and
// their peers are measured on exactly the same key sequences.
package cachebench

import (
	"fmt"
	"sync"
	"testing"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// The hit-ratio workloads: Keys distinct keys, Accesses reads each, with
// fixed seeds so every run replays the same sequences.
const (
	Keys     = 100_000
	Accesses = 200_000
)

// Workload is a named, precomputed key sequence.
type Workload struct {
	Name string
	Keys []uint64
}

var (
	once      sync.Once
	workloads []Workload
	errBuild  error
)

// Workloads returns the three sequences every cache is measured on, built
// once per process:
//   - zipf: Zipf(0.99), the skew of web and cache traces;
//   - scan: the same with a scan of 5,000 keys read once, never seen
//     before, after every 20,000 reads;
//   - recency: the LRU stack model, a third of reads going to new keys and
//     the rest at a mean reuse depth of 1,000 keys, where LRU is the best
//     policy there is.
func Workloads(tb testing.TB) []Workload {
	once.Do(func() {
		zipf, err := workload.ZipfKeys(Keys, 0.99, Accesses, 1)
		if err != nil {
			errBuild = err
			return
		}
		scan, err := workload.WithScans(zipf[:Accesses*4/5], 20_000, 5_000, Keys)
		if err != nil {
			errBuild = err
			return
		}
		recency, err := workload.Recency(Accesses, 1.0/3, 1000, 3)
		if err != nil {
			errBuild = err
			return
		}
		workloads = []Workload{{"zipf", zipf}, {"scan", scan}, {"recency", recency}}
	})
	if errBuild != nil {
		tb.Fatal(errBuild)
	}
	return workloads
}

// Capacities are the cache sizes measured, as fractions of the key space.
var Capacities = []struct {
	Name  string
	Value int
}{
	{"0.1%", Keys / 1000},
	{"1%", Keys / 100},
	{"10%", Keys / 10},
}

// Policy is a cache under a hit-ratio test: Get reports a hit, Set stores.
type Policy struct {
	Get func(uint64) bool
	Set func(uint64)
}

// Approach names a cache and builds one of a given capacity.
type Approach struct {
	Name string
	New  func(tb testing.TB, capacity int) Policy
}

// S3FIFO is cache.S3FIFO as a Policy.
func S3FIFO(tb testing.TB, capacity int) Policy {
	c, err := cache.NewS3FIFO(capacity, cache.Config[uint64, struct{}]{})
	if err != nil {
		tb.Fatal(err)
	}
	return Policy{Get: func(k uint64) bool { _, ok := c.Get(k); return ok }, Set: func(k uint64) { c.Set(k, struct{}{}) }}
}

// LRU is cache.LRU as a Policy.
func LRU(tb testing.TB, capacity int) Policy {
	c, err := cache.NewLRU(capacity, cache.Config[uint64, struct{}]{})
	if err != nil {
		tb.Fatal(err)
	}
	return Policy{Get: func(k uint64) bool { _, ok := c.Get(k); return ok }, Set: func(k uint64) { c.Set(k, struct{}{}) }}
}

// HitRatio replays each workload against each approach at each capacity,
// as a read-through client would (Get, and Set on a miss), and reports the
// fraction of reads that hit as the "hit-ratio" metric. One iteration is
// one full replay on a fresh cache.
func HitRatio(b *testing.B, approaches []Approach) {
	for _, a := range approaches {
		for _, w := range Workloads(b) {
			for _, capa := range Capacities {
				b.Run(fmt.Sprintf("%s/workload=%s/capacity=%s", a.Name, w.Name, capa.Name), func(b *testing.B) {
					b.ReportAllocs()
					var ratio float64
					for b.Loop() {
						c := a.New(b, capa.Value)
						ratio = workload.HitRatio(w.Keys, c.Get, c.Set)
					}
					b.ReportMetric(ratio, "hit-ratio")
				})
			}
		}
	}
}
