package sharding

import (
	"fmt"
	"sync"
	"testing"

	jump "github.com/dgryski/go-jump"
	"github.com/golang/groupcache/consistenthash"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/sharding"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("node-%02d", i)
	}
	return out
}

func makeKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("user:%d", i)
	}
	return keys
}

// keys are what every line looks up: 2¹⁶ distinct keys in the same order.
var keys = makeKeys(1 << 16)

// balanceKeys sample the balance of placements that cannot be measured
// exactly; sampling adds about √(n/2²⁰) to the standard deviation.
var balanceKeys = sync.OnceValue(func() []string { return makeKeys(1 << 20) })

// lookupFunc is one line of the benchmark: a lookup of a string key.
type lookupFunc func(key string) string

type contender struct {
	name  string
	build func(nodes []string) (lookupFunc, error)
}

var contenders = []contender{
	{"backendkit-ring", func(nodes []string) (lookupFunc, error) {
		r, err := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Named(nodes...)...)
		if err != nil {
			return nil, err
		}
		return func(k string) string { n, _ := r.Lookup(k); return n }, nil
	}},
	{"groupcache", func(nodes []string) (lookupFunc, error) {
		m := consistenthash.New(sharding.DefaultVirtualNodes, nil)
		m.Add(nodes...)
		return m.Get, nil
	}},
	{"backendkit-jump", func(nodes []string) (lookupFunc, error) {
		j, err := sharding.NewJump(nodes...)
		if err != nil {
			return nil, err
		}
		return func(k string) string { n, _ := j.Lookup(k); return n }, nil
	}},
	{"go-jump", func(nodes []string) (lookupFunc, error) {
		return func(k string) string { return nodes[jump.Hash(sharding.Hash64(k), len(nodes))] }, nil
	}},
}

var sink string

// BenchmarkLookup compares lookups of the same keys over n nodes. Up to 100
// nodes it also reports each placement's balance over 2²⁰ sampled keys:
// the standard deviation of the per-node load relative to the mean, and
// peak-to-mean.
func BenchmarkLookup(b *testing.B) {
	for _, c := range contenders {
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/nodes=%d", c.name, n), func(b *testing.B) {
				lookup, err := c.build(names(n))
				if err != nil {
					b.Fatal(err)
				}
				var bal sharding.Balance
				if n <= 100 {
					bal = balance(lookup, names(n))
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					sink = lookup(keys[i&(len(keys)-1)])
					i++
				}
				if n <= 100 {
					b.ReportMetric(100*bal.StdDev, "stddev-%")
					b.ReportMetric(bal.PeakToMean, "peak/mean")
				}
			})
		}
	}
}

// BenchmarkLookupParallel looks up from every core at once.
func BenchmarkLookupParallel(b *testing.B) {
	for _, c := range contenders {
		b.Run(fmt.Sprintf("%s/nodes=100", c.name), func(b *testing.B) {
			lookup, err := c.build(names(100))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				var s string
				for pb.Next() {
					s = lookup(keys[i&(len(keys)-1)])
					i++
				}
				_ = s
			})
		})
	}
}

func balance(lookup lookupFunc, nodes []string) sharding.Balance {
	counts := make(map[string]float64, len(nodes))
	for _, n := range nodes {
		counts[n] = 0
	}
	for _, k := range balanceKeys() {
		counts[lookup(k)]++
	}
	return sharding.BalanceOf(counts)
}

// TestJumpMatchesGoJump: backendkit's jump hash puts every key in the
// same bucket as go-jump, an independent implementation of the paper.
func TestJumpMatchesGoJump(t *testing.T) {
	for _, n := range []int{1, 2, 10, 100, 1000, 1 << 20} {
		for _, k := range keys[:5000] {
			h := sharding.Hash64(k)
			require.Equalf(t, int(jump.Hash(h, n)), sharding.JumpBucket(h, n), "key %q, %d buckets", k, n)
		}
	}
}

// TestContendersAgreeOnMembers: every line returns one of the nodes for
// every key, so no line is timed doing less work than the others.
func TestContendersAgreeOnMembers(t *testing.T) {
	nodes := names(10)
	for _, c := range contenders {
		lookup, err := c.build(nodes)
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, k := range keys[:2000] {
			n := lookup(k)
			require.Containsf(t, nodes, n, "%s", c.name)
			seen[n] = true
		}
		assert.Lenf(t, seen, 10, "%s uses every node", c.name)
	}
}
