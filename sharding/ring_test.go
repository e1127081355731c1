package sharding

import (
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRingBalanceExact computes the load from arc lengths, not samples: at
// 10 nodes with 1000 virtual nodes each, within 4.5% standard deviation
// and 1.10 peak-to-mean.
func TestRingBalanceExact(t *testing.T) {
	r, err := NewRing(1000, Named(names(10)...)...)
	require.NoError(t, err)
	b := r.Balance()
	t.Logf("exact: %v", b)
	assert.Equal(t, 10, b.Nodes)
	assert.LessOrEqual(t, b.StdDev, 0.045)
	assert.LessOrEqual(t, b.PeakToMean, 1.10)

	// A large sample agrees with the exact figure.
	sampled, err := MeasureBalance(r, testKeys(200_000))
	require.NoError(t, err)
	t.Logf("sampled: %v", sampled)
	assert.InDelta(t, b.PeakToMean, sampled.PeakToMean, 0.02)
	assert.InDelta(t, b.StdDev, sampled.StdDev, 0.01)
}

func TestRingSharesSumToOne(t *testing.T) {
	for _, n := range []int{1, 2, 10, 100} {
		r, err := NewRing(DefaultVirtualNodes, Named(names(n)...)...)
		require.NoError(t, err)
		sum := 0.0
		for _, s := range r.Shares() {
			sum += s
		}
		assert.InDeltaf(t, 1, sum, 1e-9, "%d nodes", n)
		assert.Equal(t, n*DefaultVirtualNodes, r.Points())
	}
}

// TestRingCollisionsBrokenByName forces virtual-node collisions with an
// 8-bit point hash: a shared position belongs to the smaller name, and
// removing that node hands the position to the other without removing any
// of its points.
func TestRingCollisionsBrokenByName(t *testing.T) {
	saved := vnodeHash
	vnodeHash = func(name string, v uint64) uint64 { return HashSeed(name, v) >> 56 << 56 }
	t.Cleanup(func() { vnodeHash = saved })

	r, err := NewRing(100, Named("b", "a", "c")...)
	require.NoError(t, err)
	collisions := 0
	for i := 0; i < len(r.points); {
		// The run of points at one position, and the smallest owner in it.
		j, smallest := i, r.points[i].owner
		for j < len(r.points) && r.points[j].pos == r.points[i].pos {
			smallest = min(smallest, r.points[j].owner)
			if r.points[j].owner != r.points[i].owner {
				collisions++
			}
			j++
		}
		name, err := r.LookupHash(r.points[i].pos)
		require.NoError(t, err)
		assert.Equal(t, r.nodes[smallest].Name, name, "smaller name owns a shared position")
		i = j
	}
	require.Positive(t, collisions, "the narrow hash must make nodes collide")

	// The same ring whatever order the nodes came in.
	again, err := NewRing(100, Named("c", "a", "b")...)
	require.NoError(t, err)
	assert.Equal(t, r.points, again.points)

	// Without "a", "b" and "c" keep every one of their points.
	without, err := r.Remove("a")
	require.NoError(t, err)
	for _, name := range []string{"b", "c"} {
		assert.Equal(t, countPoints(r, name), countPoints(without, name))
	}
	assert.Equal(t, 200, without.Points())
	for i := range r.points {
		if r.nodes[r.points[i].owner].Name == "a" {
			continue
		}
		// Every position held by b or c before is still theirs.
		got, err := without.LookupHash(r.points[i].pos)
		require.NoError(t, err)
		was, err := r.LookupHash(r.points[i].pos)
		require.NoError(t, err)
		if was != "a" {
			assert.Equal(t, was, got)
		}
	}
}

func countPoints(r *Ring, name string) int {
	n := 0
	for _, p := range r.points {
		if r.nodes[p.owner].Name == name {
			n++
		}
	}
	return n
}

func TestRingLookupWrapsAround(t *testing.T) {
	r, err := NewRing(3, Named("a", "b")...)
	require.NoError(t, err)
	first, last := r.points[0].pos, r.points[len(r.points)-1].pos
	require.Less(t, last, ^uint64(0))
	require.Positive(t, first)
	want := r.nodes[r.points[0].owner].Name
	// Past the last point, the first point owns the position.
	for _, h := range []uint64{last + 1, ^uint64(0), 0, first} {
		got, err := r.LookupHash(h)
		require.NoError(t, err)
		assert.Equalf(t, want, got, "position %#x", h)
	}
	// Each point owns itself.
	for _, p := range r.points {
		got, err := r.LookupHash(p.pos)
		require.NoError(t, err)
		assert.Equal(t, r.nodes[p.owner].Name, got)
	}
}

// TestRingSearchMatchesPlainSearch checks the bucket table against a
// plain binary search of all points, on rings of many sizes, including
// ones with more points than the table has buckets.
func TestRingSearchMatchesPlainSearch(t *testing.T) {
	hashes := make([]uint64, 0, 2000)
	for _, k := range testKeys(2000) {
		hashes = append(hashes, Hash64(k))
	}
	hashes = append(hashes, 0, 1, ^uint64(0), 1<<63)
	for _, tc := range []struct{ nodes, vnodes int }{
		{1, 1}, {1, 2}, {2, 1}, {3, 5}, {7, 2}, {50, 160}, {500, 160}, {3, 100_000},
	} {
		r, err := NewRing(tc.vnodes, Named(names(tc.nodes)...)...)
		require.NoError(t, err)
		for _, h := range append(hashes, r.points[0].pos, r.points[len(r.points)-1].pos) {
			want := sort.Search(len(r.points), func(i int) bool { return r.points[i].pos >= h })
			if want == len(r.points) {
				want = 0
			}
			require.Equalf(t, want, r.search(h), "nodes=%d vnodes=%d h=%#x", tc.nodes, tc.vnodes, h)
		}
	}
}

func TestRingIsImmutable(t *testing.T) {
	r, err := NewRing(DefaultVirtualNodes, Named("a", "b")...)
	require.NoError(t, err)
	_, err = r.Add(Node{Name: "c"})
	require.NoError(t, err)
	_, err = r.Remove("a")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, r.Members())
	assert.Equal(t, 2*DefaultVirtualNodes, r.Points())
}

// TestRingSwappedUnderConcurrentLookups: the way to change membership under
// traffic is to build a new ring and swap a pointer; lookups that race
// with the swap see the old ring or the new one, never a mix.
func TestRingSwappedUnderConcurrentLookups(t *testing.T) {
	small, err := NewRing(20, Named("a", "b", "c")...)
	require.NoError(t, err)
	big, err := small.Add(Node{Name: "d"})
	require.NoError(t, err)
	keys := testKeys(500)
	inSmall, inBig := owners(t, small, keys), owners(t, big, keys)

	var current atomic.Pointer[Ring]
	current.Store(small)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				k := (i*7 + g) % len(keys)
				n, err := current.Load().Lookup(keys[k])
				if err != nil || (n != inSmall[k] && n != inBig[k]) {
					t.Errorf("key %q: got %q, %v; want %q or %q", keys[k], n, err, inSmall[k], inBig[k])
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			if i%2 == 0 {
				current.Store(big)
			} else {
				current.Store(small)
			}
		}
	})
	wg.Wait()
}
