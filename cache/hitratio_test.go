package cache_test

import (
	"testing"

	"github.com/backendkit/backendkit/internal/cachebench"
)

// policies are the caches compared on hit ratio; the benchmarks module
// measures its peers with the same harness (internal/cachebench).
var policies = []cachebench.Approach{
	{Name: "s3fifo", New: cachebench.S3FIFO},
	{Name: "lru", New: cachebench.LRU},
	{Name: "sieve", New: func(_ testing.TB, n int) cachebench.Policy {
		s := newSieve(n)
		return cachebench.Policy{Get: s.get, Set: s.set}
	}},
}

// BenchmarkHitRatio replays each workload against each policy at each
// capacity and reports the fraction of reads that hit. SIEVE is a
// single-threaded simulation kept here as the evidence for choosing
// S3-FIFO (see the package doc).
func BenchmarkHitRatio(b *testing.B) { cachebench.HitRatio(b, policies) }

// sieve is SIEVE (Zhang et al., "SIEVE is simpler than LRU", NSDI 2024):
// one FIFO queue and a hand that moves from the oldest entry towards the
// newest, clearing visited bits and evicting the first unvisited entry.
// Single-threaded, for hit-ratio comparison only.
type sieve struct {
	capacity int
	items    map[uint64]*sieveNode
	head     *sieveNode // newest
	tail     *sieveNode // oldest
	hand     *sieveNode
}

type sieveNode struct {
	key        uint64
	visited    bool
	prev, next *sieveNode // prev is older, next is newer
}

func newSieve(capacity int) *sieve {
	return &sieve{capacity: capacity, items: make(map[uint64]*sieveNode, capacity)}
}

func (s *sieve) get(k uint64) bool {
	n, ok := s.items[k]
	if ok {
		n.visited = true
	}
	return ok
}

func (s *sieve) set(k uint64) {
	if len(s.items) >= s.capacity {
		s.evict()
	}
	n := &sieveNode{key: k, prev: s.head}
	if s.head != nil {
		s.head.next = n
	}
	s.head = n
	if s.tail == nil {
		s.tail = n
	}
	s.items[k] = n
}

func (s *sieve) evict() {
	h := s.hand
	if h == nil {
		h = s.tail
	}
	for h.visited {
		h.visited = false
		h = h.next
		if h == nil {
			h = s.tail
		}
	}
	s.hand = h.next
	if h.prev != nil {
		h.prev.next = h.next
	} else {
		s.tail = h.next
	}
	if h.next != nil {
		h.next.prev = h.prev
	} else {
		s.head = h.prev
	}
	delete(s.items, h.key)
}

// TestSieveSimulation checks the simulation against the SIEVE paper's rule
// on a small case, so the comparison above compares against SIEVE.
func TestSieveSimulation(t *testing.T) {
	s := newSieve(3)
	s.set(1)
	s.set(2)
	s.set(3)
	s.get(1) // 1 visited
	s.set(4) // hand at 1 (oldest): clears it, moves to 2, evicts 2
	if s.get(2) || !s.get(1) || !s.get(3) || !s.get(4) {
		t.Fatal("SIEVE should have evicted 2, the oldest unvisited key")
	}
	// Now 1, 3, 4 are visited; the hand is at 3. Every entry is visited,
	// so the hand goes round once clearing, then evicts 3.
	s.set(5)
	if s.get(3) || !s.get(1) || !s.get(4) || !s.get(5) {
		t.Fatal("SIEVE should have evicted 3 after a full round")
	}
}
