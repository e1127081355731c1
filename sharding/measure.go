package sharding

import (
	"fmt"
	"math"
)

// Balance describes how evenly load is spread over nodes. Loads are
// compared to their mean, so 0 standard deviation and a peak-to-mean of 1
// are perfect balance.
type Balance struct {
	// Nodes is the number of nodes measured, including any with no load.
	Nodes int
	// StdDev is the standard deviation of the per-node load divided by the
	// mean load (the coefficient of variation): 0.05 means a typical node
	// is 5% away from its fair share.
	StdDev float64
	// PeakToMean is the busiest node's load divided by the mean: the factor
	// by which the busiest node must be over-provisioned.
	PeakToMean float64
}

// String formats b as "nodes=10 stddev=3.12% peak/mean=1.071".
func (b Balance) String() string {
	return fmt.Sprintf("nodes=%d stddev=%.2f%% peak/mean=%.3f", b.Nodes, 100*b.StdDev, b.PeakToMean)
}

// BalanceOf returns the balance of the given per-node loads (key counts,
// shares of the hash space, requests per second), treating every node as
// of equal capacity.
func BalanceOf(loads map[string]float64) Balance {
	l := make([]float64, 0, len(loads))
	for _, v := range loads {
		l = append(l, v)
	}
	return balanceOf(l)
}

func balanceOf(loads []float64) Balance {
	b := Balance{Nodes: len(loads)}
	if len(loads) == 0 {
		return b
	}
	sum, peak := 0.0, math.Inf(-1)
	for _, v := range loads {
		sum += v
		peak = max(peak, v)
	}
	mean := sum / float64(len(loads))
	if mean == 0 {
		return b
	}
	ss := 0.0
	for _, v := range loads {
		ss += (v - mean) * (v - mean)
	}
	b.StdDev = math.Sqrt(ss/float64(len(loads))) / mean
	b.PeakToMean = peak / mean
	return b
}

// MeasureBalance looks up every key and returns the balance of the key
// counts over l's members. The result is a sample: it approaches the
// placement's true balance as keys grow (use [Ring.Balance] for a ring's
// exact figure).
func MeasureBalance(l Locator, keys []string) (Balance, error) {
	counts := make(map[string]float64)
	for _, m := range l.Members() {
		counts[m] = 0
	}
	for _, k := range keys {
		n, err := l.Lookup(k)
		if err != nil {
			return Balance{}, err
		}
		counts[n]++
	}
	return BalanceOf(counts), nil
}

// Movement describes what a change of membership does to a set of keys.
type Movement struct {
	// Keys is the number of keys looked up.
	Keys int
	// Moved is the number of keys whose node changed.
	Moved int
	// BetweenSurvivors is how many of the moved keys went from a node that
	// is a member both before and after to another such node: moves that
	// a minimal placement never makes, since neither end of them changed.
	BetweenSurvivors int
}

// Fraction returns the fraction of keys that moved.
func (m Movement) Fraction() float64 {
	if m.Keys == 0 {
		return 0
	}
	return float64(m.Moved) / float64(m.Keys)
}

// String formats m as "moved=9.09% between-survivors=0".
func (m Movement) String() string {
	return fmt.Sprintf("moved=%.2f%% between-survivors=%d", 100*m.Fraction(), m.BetweenSurvivors)
}

// MeasureMovement looks up every key in before and after and counts the
// keys whose node differs.
func MeasureMovement(before, after Locator, keys []string) (Movement, error) {
	survivor := survivors(before.Members(), after.Members())
	m := Movement{Keys: len(keys)}
	for _, k := range keys {
		from, err := before.Lookup(k)
		if err != nil {
			return Movement{}, err
		}
		to, err := after.Lookup(k)
		if err != nil {
			return Movement{}, err
		}
		if from == to {
			continue
		}
		m.Moved++
		if survivor[from] && survivor[to] {
			m.BetweenSurvivors++
		}
	}
	return m, nil
}

// survivors returns the set of names in both a and b.
func survivors(a, b []string) map[string]bool {
	inA := make(map[string]bool, len(a))
	for _, n := range a {
		inA[n] = true
	}
	both := make(map[string]bool)
	for _, n := range b {
		if inA[n] {
			both[n] = true
		}
	}
	return both
}
