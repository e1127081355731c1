package cache

import (
	"runtime"
	"testing"
)

func TestShardCount(t *testing.T) {
	auto := 1
	for auto < 16*runtime.GOMAXPROCS(0) {
		auto *= 2
	}
	cases := []struct{ capacity, requested, want int }{
		{1, 0, 1},
		{127, 0, 1},
		{256, 0, min(2, auto)},
		{1 << 24, 0, auto},
		{10, 3, 4},    // rounded up to a power of two
		{10, 64, 8},   // never more shards than entries
		{1, 64, 1},    //
		{100, 16, 16}, // an explicit count may go below minShardCapacity
	}
	for _, c := range cases {
		if got := shardCount(c.capacity, c.requested); got != c.want {
			t.Errorf("shardCount(%d, %d) = %d, want %d", c.capacity, c.requested, got, c.want)
		}
	}
}

func TestTableSize(t *testing.T) {
	for capacity := 1; capacity < 5000; capacity++ {
		n := tableSize(capacity)
		if n&(n-1) != 0 || n < 4*capacity || n >= 8*capacity {
			t.Fatalf("tableSize(%d) = %d: want the power of two in [4, 8) times the capacity", capacity, n)
		}
	}
}

// TestEmptyCacheIsSmall checks that memory follows the entries stored, not
// the capacity: an empty cache for 16 million entries allocates little, and
// its index grows as entries arrive.
func TestEmptyCacheIsSmall(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c, err := NewS3FIFO(1<<24, Config[int, int]{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// A few hundred bytes per shard; the capacity would need gigabytes.
	if n, limit := after.TotalAlloc-before.TotalAlloc, uint64(2048*len(c.shards)+64<<10); n > limit {
		t.Fatalf("an empty cache of %d shards allocated %d bytes, more than %d", len(c.shards), n, limit)
	}
	const n = 20_000
	for i := range n {
		c.Set(i, i)
	}
	slots := 0
	for i := range c.shards {
		slots += len(c.shards[i].index.Load().slots)
	}
	// Between two and four slots per entry as the index grows by doubling.
	if slots < 2*n || slots > 4*n {
		t.Fatalf("%d slots for %d entries, want 2 to 4 per entry", slots, n)
	}
}
