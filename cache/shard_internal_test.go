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
