package sharding

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRangeContains(t *testing.T) {
	r := Range{Start: 10, End: 20}
	assert.False(t, r.Contains(10))
	assert.True(t, r.Contains(11))
	assert.True(t, r.Contains(20))
	assert.False(t, r.Contains(21))
	wrap := Range{Start: ^uint64(0) - 1, End: 5}
	assert.True(t, wrap.Contains(^uint64(0)))
	assert.True(t, wrap.Contains(0))
	assert.True(t, wrap.Contains(5))
	assert.False(t, wrap.Contains(6))
	assert.False(t, wrap.Contains(^uint64(0)-1))
	assert.True(t, Range{Start: 7, End: 7}.Contains(3))
	assert.InDelta(t, 1, Range{Start: 7, End: 7}.Share(), 0)
}

// TestPlanRingAddNode: every range goes to the new node, the exact share
// is near 1/11, and a key moves if and only if its hash is in a range.
func TestPlanRingAddNode(t *testing.T) {
	before, err := NewRing(DefaultVirtualNodes, Named(names(10)...)...)
	require.NoError(t, err)
	after, err := before.Add(Node{Name: "node-10"})
	require.NoError(t, err)
	plan, err := PlanRing(before, after)
	require.NoError(t, err)

	require.Len(t, plan.Transfers, 10, "each old node hands something over")
	for _, tr := range plan.Transfers {
		assert.Equal(t, "node-10", tr.To)
		assert.Positive(t, tr.Share)
	}
	assert.Len(t, plan.Inflow, 1)
	assert.InDelta(t, plan.Moved(), plan.Inflow["node-10"], 1e-12)
	assert.InDelta(t, after.Shares()["node-10"], plan.Moved(), 1e-12, "the new node's share is exactly what moved")
	assert.InEpsilon(t, 1.0/11, plan.Moved(), 0.25)

	keys := testKeys(10_000)
	from, to := owners(t, before, keys), owners(t, after, keys)
	moved := 0
	for i, k := range keys {
		h := Hash64(k)
		inRange := ""
		for _, tr := range plan.Transfers {
			for _, r := range tr.Ranges {
				if r.Contains(h) {
					require.Empty(t, inRange, "ranges overlap")
					inRange = tr.From + "→" + tr.To
				}
			}
		}
		if from[i] != to[i] {
			moved++
			require.Equalf(t, from[i]+"→"+to[i], inRange, "key %q", k)
		} else {
			require.Emptyf(t, inRange, "key %q stays but is in a range", k)
		}
	}
	assert.InDelta(t, plan.Moved(), float64(moved)/float64(len(keys)), 0.01, "sample agrees with the exact share")
}

func TestPlanRingRemoveNode(t *testing.T) {
	before, err := NewRing(100, Named(names(5)...)...)
	require.NoError(t, err)
	after, err := before.Remove("node-02")
	require.NoError(t, err)
	plan, err := PlanRing(before, after)
	require.NoError(t, err)
	require.Len(t, plan.Outflow, 1, "only the removed node sends")
	assert.InDelta(t, before.Shares()["node-02"], plan.Outflow["node-02"], 1e-12)
	for node, in := range plan.Inflow {
		assert.InDelta(t, after.Shares()[node]-before.Shares()[node], in, 1e-12)
	}
	// Nothing changes: an empty plan.
	same, err := PlanRing(before, before)
	require.NoError(t, err)
	assert.Empty(t, same.Transfers)
	assert.Zero(t, same.Moved())
	// From one node to another: the whole circle.
	a, err := NewRing(3, Named("a")...)
	require.NoError(t, err)
	b, err := NewRing(3, Named("b")...)
	require.NoError(t, err)
	whole, err := PlanRing(a, b)
	require.NoError(t, err)
	require.Len(t, whole.Transfers, 1)
	assert.InDelta(t, 1, whole.Moved(), 1e-12)
	empty, err := NewRing(DefaultVirtualNodes)
	require.NoError(t, err)
	_, err = PlanRing(a, empty)
	assert.ErrorIs(t, err, ErrNoNodes)
}

func TestPlanKeys(t *testing.T) {
	before, err := NewModN("a", "b")
	require.NoError(t, err)
	after, err := before.Add("c")
	require.NoError(t, err)
	keys := testKeys(3000)
	plan, err := PlanKeys(before, after, keys)
	require.NoError(t, err)
	from, to := owners(t, before, keys), owners(t, after, keys)
	listed := 0
	for _, tr := range plan.Transfers {
		for _, k := range tr.Keys {
			i := indexOf(keys, k)
			assert.Equal(t, tr.From, from[i])
			assert.Equal(t, tr.To, to[i])
			listed++
		}
	}
	m, err := MeasureMovement(before, after, keys)
	require.NoError(t, err)
	assert.Equal(t, m.Moved, listed)
	assert.InDelta(t, m.Fraction(), plan.Moved(), 1e-9)
	assert.InDelta(t, plan.Moved(), plan.Outflow["a"]+plan.Outflow["b"]+plan.Outflow["c"], 1e-9)
	assert.Positive(t, plan.Outflow["a"], "mod-n moves keys between old nodes too")
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

func TestBalanceOf(t *testing.T) {
	b := BalanceOf(map[string]float64{"a": 10, "b": 20, "c": 30})
	assert.Equal(t, 3, b.Nodes)
	assert.InDelta(t, 1.5, b.PeakToMean, 1e-12)
	assert.InDelta(t, 0.408248290463863, b.StdDev, 1e-12) // √(200/3) / 20
	assert.Equal(t, Balance{}, BalanceOf(nil))
	assert.Equal(t, Balance{Nodes: 2}, BalanceOf(map[string]float64{"a": 0, "b": 0}))
}
