package sharding

import (
	"fmt"
	"sync"
	"testing"
)

// benchKeys are the keys every benchmark looks up, the same for every
// algorithm: many distinct keys, so no algorithm runs from one cache line.
var benchKeys = testKeys(1 << 16)

// benchPlacements are the algorithms side by side. Each builds its
// placement over n nodes and changes it by adding one node.
var benchPlacements = []struct {
	name  string
	build func(n int) (Locator, error)
	add   func(l Locator) (Locator, error)
}{
	{
		"ring",
		func(n int) (Locator, error) { return NewRing(DefaultVirtualNodes, Named(names(n)...)...) },
		func(l Locator) (Locator, error) { return l.(*Ring).Add(Node{Name: "new"}) },
	},
	{
		"jump",
		func(n int) (Locator, error) { return NewJump(names(n)...) },
		func(l Locator) (Locator, error) { return l.(*Jump).Add("new") },
	},
	{
		"rendezvous",
		func(n int) (Locator, error) { return NewRendezvous(Named(names(n)...)...) },
		func(l Locator) (Locator, error) { return l.(*Rendezvous).Add(Node{Name: "new"}) },
	},
	{
		"maglev",
		func(n int) (Locator, error) { return NewMaglev(MaglevSizeFor(n), names(n)...) },
		func(l Locator) (Locator, error) { return l.(*Maglev).Add("new") },
	},
	{
		"bounded-loads",
		func(n int) (Locator, error) {
			b, err := NewBoundedLoads(names(n), BoundedLoadsConfig{})
			if err != nil {
				return nil, err
			}
			for _, k := range benchKeys { // placed once, then looked up
				if _, err := b.Lookup(k); err != nil {
					return nil, err
				}
			}
			return b, nil
		},
		func(l Locator) (Locator, error) {
			b := l.(*BoundedLoads).Clone()
			return b, b.Add("new")
		},
	},
	{
		"mod-n",
		func(n int) (Locator, error) { return NewModN(names(n)...) },
		func(l Locator) (Locator, error) { return l.(*ModN).Add("new") },
	},
}

var benchSizes = []int{10, 100, 1000}

// balanceOfPlacement is exact for the ring (arc lengths) and Maglev (table
// slots). For the others it is sampled, and a sample of K keys over n
// nodes adds noise of about √(n/K) to the standard deviation: with 2²⁰
// keys that is 0.3% at 10 nodes and 1% at 100, so sampled figures are
// reported up to 100 nodes only (ok is false beyond). Bounded loads is
// measured on the keys placed in it.
func balanceOfPlacement(l Locator, n int) (bal Balance, ok bool, err error) {
	switch p := l.(type) {
	case *Ring:
		return p.Balance(), true, nil
	case *Maglev:
		return BalanceOf(p.Shares()), true, nil
	case *BoundedLoads:
		bal, err := MeasureBalance(p, benchKeys)
		return bal, n <= 100, err
	}
	if n > 100 {
		return Balance{}, false, nil
	}
	bal, err = MeasureBalance(l, balanceKeys())
	return bal, true, err
}

// balanceKeys returns 2²⁰ keys, made on first use.
var balanceKeys = sync.OnceValue(func() []string { return testKeys(1 << 20) })

// BenchmarkLookup times one lookup and reports the placement's balance:
// the standard deviation of load relative to the mean, and peak-to-mean
// (see balanceOfPlacement for which figures are exact).
func BenchmarkLookup(b *testing.B) {
	for _, p := range benchPlacements {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/nodes=%d", p.name, n), func(b *testing.B) {
				l, err := p.build(n)
				if err != nil {
					b.Fatal(err)
				}
				bal, balOK, err := balanceOfPlacement(l, n)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					sinkNode, _ = l.Lookup(benchKeys[i&(len(benchKeys)-1)])
					i++
				}
				if balOK {
					b.ReportMetric(100*bal.StdDev, "stddev-%")
					b.ReportMetric(bal.PeakToMean, "peak/mean")
				}
			})
		}
	}
}

// BenchmarkLookupParallel looks up from every core at once: all placements
// but bounded loads are immutable and share nothing writable.
func BenchmarkLookupParallel(b *testing.B) {
	for _, p := range benchPlacements {
		// Built once: RunParallel calls the function below once per
		// round as b.N grows.
		l, err := p.build(100)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s/nodes=100", p.name), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					_, _ = l.Lookup(benchKeys[i&(len(benchKeys)-1)])
					i++
				}
			})
		})
	}
}

// BenchmarkAddNode times building the placement with one more node and
// reports what the change moves: the percentage of keys that change node,
// and the percentage that move between two nodes that were members before
// and after (zero for a minimal placement).
func BenchmarkAddNode(b *testing.B) {
	for _, p := range benchPlacements {
		for _, n := range []int{10, 100} {
			b.Run(fmt.Sprintf("%s/nodes=%d", p.name, n), func(b *testing.B) {
				before, err := p.build(n)
				if err != nil {
					b.Fatal(err)
				}
				after, err := p.add(before)
				if err != nil {
					b.Fatal(err)
				}
				moved, survivors, err := movementOf(before, after)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.add(before); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(100*moved, "moved-%")
				b.ReportMetric(100*survivors, "survivors-%")
			})
		}
	}
}

// movementOf is exact for rings and sampled over benchKeys otherwise.
func movementOf(before, after Locator) (moved, between float64, err error) {
	if r1, ok := before.(*Ring); ok {
		plan, err := PlanRing(r1, after.(*Ring))
		if err != nil {
			return 0, 0, err
		}
		both := survivors(r1.Members(), after.Members())
		for _, t := range plan.Transfers {
			if both[t.From] && both[t.To] {
				between += t.Share
			}
		}
		return plan.Moved(), between, nil
	}
	m, err := MeasureMovement(before, after, benchKeys)
	if err != nil {
		return 0, 0, err
	}
	return m.Fraction(), float64(m.BetweenSurvivors) / float64(m.Keys), nil
}
