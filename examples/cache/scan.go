package main

import (
	"fmt"
	"io"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// The scan in the middle phase: after every scanEvery popular requests,
// scanLength keys that are read once and never again.
const (
	scanEvery  = 10
	scanLength = 20
	seed       = 2026
)

// phaseNames are the three phases of part 1.
var phaseNames = [3]string{"before the scan", "during the scan", "after the scan"}

// policy is one cache under test.
type policy struct {
	name string
	get  func(uint64) bool
	set  func(uint64)
	stop func()
}

// scanResult is what part 1 measured.
type scanResult struct {
	cfg       config
	scanned   int          // keys the scan read once
	names     []string     // the caches, in order
	hitRatio  [][3]float64 // per cache, per phase: hits / requests of popular keys
	scanShare float64      // the scan's share of the middle phase's requests
}

func policies(capacity int) ([]policy, error) {
	lru, err := cache.NewLRU(capacity, cache.Config[uint64, struct{}]{})
	if err != nil {
		return nil, err
	}
	// One shard, so the result does not depend on the number of cores.
	s3, err := cache.NewS3FIFO(capacity, cache.Config[uint64, struct{}]{Shards: 1})
	if err != nil {
		lru.Close()
		return nil, err
	}
	return []policy{
		{"LRU (the guide's answer)",
			func(k uint64) bool { _, ok := lru.Get(k); return ok },
			func(k uint64) { lru.Set(k, struct{}{}) }, lru.Close},
		{"S3-FIFO",
			func(k uint64) bool { _, ok := s3.Get(k); return ok },
			func(k uint64) { s3.Set(k, struct{}{}) }, s3.Close},
	}, nil
}

// playScan replays the same three phases against each cache.
func playScan(cfg config) (scanResult, error) {
	r := scanResult{cfg: cfg}
	z, err := workload.ZipfKeys(cfg.Keys, cfg.Skew, 3*cfg.Requests, seed)
	if err != nil {
		return r, err
	}
	before, middle, after := z[:cfg.Requests], z[cfg.Requests:2*cfg.Requests], z[2*cfg.Requests:]
	// Scanned keys start above the key space, so they are never popular.
	during, err := workload.WithScans(middle, scanEvery, scanLength, uint64(cfg.Keys))
	if err != nil {
		return r, err
	}
	r.scanned = len(during) - len(middle)
	r.scanShare = float64(r.scanned) / float64(len(during))
	ps, err := policies(cfg.Capacity)
	if err != nil {
		return r, err
	}
	for _, p := range ps {
		var ratios [3]float64
		for i, keys := range [][]uint64{before, during, after} {
			hits, popular := 0, 0
			for _, k := range keys {
				hit := p.get(k)
				if !hit {
					p.set(k)
				}
				if k < uint64(cfg.Keys) {
					popular++
					if hit {
						hits++
					}
				}
			}
			ratios[i] = float64(hits) / float64(popular)
		}
		p.stop()
		r.names = append(r.names, p.name)
		r.hitRatio = append(r.hitRatio, ratios)
	}
	return r, nil
}

func (r scanResult) print(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "Part 1: a scan in the middle of a Zipf workload\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("Requests for %d keys with Zipf popularity (skew %.2f: a few keys are read far more than the rest) go through two caches of %d entries (%s of the keys), in three phases of %d popular requests each. In the middle one a batch job scans: after every %d popular requests it reads %d keys nobody reads again, %d in all (%s of that phase's requests). The hit ratio counts popular requests only, the ones the cache is there for.",
		c.Keys, c.Skew, c.Capacity, percent(float64(c.Capacity)/float64(c.Keys)), c.Requests, scanEvery, scanLength, r.scanned, percent(r.scanShare)), 80))
	fmt.Fprintf(w, "  %-26s %16s %16s %16s\n", "hit ratio", phaseNames[0], phaseNames[1], phaseNames[2])
	for i, name := range r.names {
		h := r.hitRatio[i]
		fmt.Fprintf(w, "  %-26s %16s %16s %16s\n", name, percent(h[0]), percent(h[1]), percent(h[2]))
	}
	fmt.Fprintf(w, "\n%s\n\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r scanResult) conclusion() string {
	lru, s3 := r.hitRatio[0], r.hitRatio[1]
	s := ""
	switch d := s3[1] - lru[1]; {
	case d > 0:
		s = fmt.Sprintf("during the scan LRU's hit ratio fell from %s to %s, because every key read once goes to the front of its list and pushes popular keys out, while S3-FIFO kept %s (%.1f points more): a key read once stays in its small queue and leaves from there. ",
			percent(lru[0]), percent(lru[1]), percent(s3[1]), 100*d)
	default:
		s = fmt.Sprintf("on this workload S3-FIFO did not beat LRU during the scan (%s against %s). ", percent(s3[1]), percent(lru[1]))
	}
	s += fmt.Sprintf("Before the scan S3-FIFO's ratio was %s and LRU's %s; after it, %s and %s.",
		percent(s3[0]), percent(lru[0]), percent(s3[2]), percent(lru[2]))
	return s
}
