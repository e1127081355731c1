package sharding

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkBound asserts the invariant of bounded loads: no node holds more
// than ⌈c × m / n⌉ keys, and the loads add up to the keys placed.
func checkBound(t *testing.T, b *BoundedLoads, c float64, step string) {
	t.Helper()
	loads := b.Loads()
	m := b.Len()
	members := b.Members()
	require.Len(t, loads, len(members), step)
	if len(members) == 0 {
		require.Zero(t, m, step)
		return
	}
	limit := int(math.Ceil(c * float64(m) / float64(len(members))))
	sum := 0
	for node, load := range loads {
		require.LessOrEqualf(t, load, limit, "%s: node %s holds %d of %d keys on %d nodes", step, node, load, m, len(members))
		sum += load
	}
	require.Equal(t, m, sum, step)
}

// TestBoundedLoadsRandomWalk places and releases keys and adds and removes
// nodes at random, checking the bound after every step.
func TestBoundedLoadsRandomWalk(t *testing.T) {
	for _, c := range []float64{1.1, 1.25, 2} {
		t.Run(fmt.Sprintf("c=%v", c), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(c*100)))
			b, err := NewBoundedLoads(names(5), BoundedLoadsConfig{LoadFactor: c, VirtualNodes: 50})
			require.NoError(t, err)
			members := map[string]bool{}
			for _, n := range names(5) {
				members[n] = true
			}
			placed := map[string]bool{}
			nextNode, nextKey := 5, 0
			for step := range 1500 {
				switch op := rng.IntN(100); {
				case op < 60:
					key := fmt.Sprintf("k%d", nextKey)
					nextKey++
					node, err := b.Lookup(key)
					require.NoError(t, err)
					require.True(t, members[node])
					placed[key] = true
				case op < 90 && len(placed) > 0:
					for key := range placed { // any one
						require.True(t, b.Release(key))
						delete(placed, key)
						break
					}
				case op < 95 || len(members) < 2:
					name := fmt.Sprintf("node-%02d", nextNode)
					nextNode++
					require.NoError(t, b.Add(name))
					members[name] = true
				default:
					for name := range members {
						require.NoError(t, b.Remove(name))
						delete(members, name)
						break
					}
				}
				checkBound(t, b, c, fmt.Sprintf("step %d", step))
			}
			require.Equal(t, len(placed), b.Len())
			// Placed keys still answer with a member, without being placed
			// again.
			for key := range placed {
				node, err := b.Lookup(key)
				require.NoError(t, err)
				require.True(t, members[node])
			}
			require.Equal(t, len(placed), b.Len())
		})
	}
}

// TestBoundedLoadsCapsHotArc: a ring with one virtual node per node has
// arcs of very unequal length, and the plain ring overloads the longest;
// bounded loads never exceeds the bound.
func TestBoundedLoadsCapsHotArc(t *testing.T) {
	keys := testKeys(10_000)
	ring, err := NewRing(1, Named(names(10)...)...)
	require.NoError(t, err)
	plain, err := MeasureBalance(ring, keys)
	require.NoError(t, err)
	b, err := NewBoundedLoads(names(10), BoundedLoadsConfig{LoadFactor: 1.25, VirtualNodes: 1})
	require.NoError(t, err)
	bounded, err := MeasureBalance(b, keys)
	require.NoError(t, err)
	t.Logf("ring: %v; bounded: %v", plain, bounded)
	assert.Greater(t, plain.PeakToMean, 1.5)
	assert.LessOrEqual(t, bounded.PeakToMean, 1.25)
	checkBound(t, b, 1.25, "end")
}

func TestBoundedLoadsMaxKeys(t *testing.T) {
	b, err := NewBoundedLoads([]string{"a", "b"}, BoundedLoadsConfig{MaxKeys: 3})
	require.NoError(t, err)
	for _, k := range []string{"x", "y", "z"} {
		_, err := b.Lookup(k)
		require.NoError(t, err)
	}
	_, err = b.Lookup("w")
	require.ErrorIs(t, err, ErrFull)
	_, err = b.Lookup("x") // placed keys still answer
	require.NoError(t, err)
	require.True(t, b.Release("x"))
	require.False(t, b.Release("x"))
	_, err = b.Lookup("w")
	require.NoError(t, err)
}

func TestBoundedLoadsRemoveLastNodeForgetsKeys(t *testing.T) {
	b, err := NewBoundedLoads([]string{"a"}, BoundedLoadsConfig{})
	require.NoError(t, err)
	_, err = b.Lookup("x")
	require.NoError(t, err)
	require.NoError(t, b.Remove("a"))
	assert.Zero(t, b.Len())
	_, err = b.Lookup("x")
	assert.ErrorIs(t, err, ErrNoNodes)
	assert.Zero(t, b.Capacity())
}

// TestBoundedLoadsConcurrent places keys from many goroutines while nodes
// join: every key ends up placed exactly once and the bound holds.
func TestBoundedLoadsConcurrent(t *testing.T) {
	b, err := NewBoundedLoads(names(4), BoundedLoadsConfig{VirtualNodes: 20})
	require.NoError(t, err)
	const workers, perWorker = 8, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if _, err := b.Lookup(fmt.Sprintf("w%d:%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := 4; i < 8; i++ {
			if err := b.Add(fmt.Sprintf("node-%02d", i)); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	assert.Equal(t, workers*perWorker, b.Len())
	checkBound(t, b, 1.25, "end")
}
