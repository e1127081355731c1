package sharding

import (
	"cmp"
	"fmt"
	"slices"
)

// Range is an arc of the hash circle: the positions h with Start < h ≤ End,
// going round past 2⁶⁴-1 to 0 when End < Start. Start == End is the whole
// circle.
type Range struct {
	Start, End uint64
}

// Contains reports whether hash position h lies in r.
func (r Range) Contains(h uint64) bool {
	if r.Start == r.End {
		return true
	}
	return h-r.Start-1 < r.End-r.Start
}

// Share returns the fraction of the circle r covers.
func (r Range) Share() float64 {
	if r.Start == r.End {
		return 1
	}
	return float64(r.End-r.Start) / (1 << 64)
}

// Transfer is what one node hands to another in a change of membership.
type Transfer struct {
	From, To string
	// Ranges are the hash ranges From hands to To, in circle order, for a
	// plan made by [PlanRing]; a key moves if its [Hash64] lies in one.
	Ranges []Range
	// Keys are the keys From hands to To, sorted, for a plan made by
	// [PlanKeys].
	Keys []string
	// Share is the fraction of the hash space ([PlanRing]) or of the
	// given keys ([PlanKeys]) that moves.
	Share float64
}

// Plan is a migration from one membership to another: which node sends
// what to which, and each node's totals.
type Plan struct {
	// Transfers are sorted by From, then To.
	Transfers []Transfer
	// Outflow and Inflow are the share each node sends and receives;
	// nodes with neither are absent.
	Outflow, Inflow map[string]float64
}

// Moved returns the total share that moves.
func (p Plan) Moved() float64 {
	sum := 0.0
	for _, t := range p.Transfers {
		sum += t.Share
	}
	return sum
}

// PlanRing returns the exact hash ranges that change owner between two
// rings: every arc between consecutive points of either ring has one owner
// in each, and the arcs whose owners differ are merged into ranges per
// pair of nodes. The shares are exact, not sampled. It returns an error
// wrapping [ErrNoNodes] if either ring is empty, and one wrapping
// [ErrNotInitialized] if either is nil or a zero Ring.
func PlanRing(before, after *Ring) (Plan, error) {
	for _, r := range [2]*Ring{before, after} {
		if r == nil || r.vnodes == 0 {
			return Plan{}, errRingNotInitialized
		}
	}
	if len(before.points) == 0 || len(after.points) == 0 {
		return Plan{}, fmt.Errorf("%w: cannot plan a move to or from an empty ring", ErrNoNodes)
	}
	cuts := make([]uint64, 0, len(before.points)+len(after.points))
	for _, p := range before.points {
		cuts = append(cuts, p.pos)
	}
	for _, p := range after.points {
		cuts = append(cuts, p.pos)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	type pair struct{ from, to string }
	ranges := make(map[pair][]Range)
	var order []pair
	prev := cuts[len(cuts)-1]
	var open *Range // the range being extended, if the last arc moved
	var openPair pair
	for _, cut := range cuts {
		// Every position in (prev, cut] has the owner of cut in each ring,
		// since no point of either lies strictly inside.
		from := before.nodes[before.points[before.search(cut)].owner].Name
		to := after.nodes[after.points[after.search(cut)].owner].Name
		if from == to {
			open = nil
		} else if p := (pair{from, to}); open != nil && openPair == p {
			open.End = cut
		} else {
			if _, ok := ranges[p]; !ok {
				order = append(order, p)
			}
			ranges[p] = append(ranges[p], Range{Start: prev, End: cut})
			open, openPair = &ranges[p][len(ranges[p])-1], p
		}
		prev = cut
	}
	// The last arc may continue into the first.
	for _, p := range order {
		rs := ranges[p]
		if len(rs) > 1 && rs[len(rs)-1].End == rs[0].Start {
			rs[0].Start = rs[len(rs)-1].Start
			ranges[p] = rs[:len(rs)-1]
		}
	}

	plan := Plan{Outflow: make(map[string]float64), Inflow: make(map[string]float64)}
	for _, p := range order {
		t := Transfer{From: p.from, To: p.to, Ranges: ranges[p]}
		for _, r := range t.Ranges {
			t.Share += r.Share()
		}
		plan.Transfers = append(plan.Transfers, t)
		plan.Outflow[p.from] += t.Share
		plan.Inflow[p.to] += t.Share
	}
	sortTransfers(plan.Transfers)
	return plan, nil
}

// PlanKeys returns the keys that change node between two placements of any
// kind, grouped by sender and receiver.
func PlanKeys(before, after Locator, keys []string) (Plan, error) {
	type pair struct{ from, to string }
	moves := make(map[pair][]string)
	for _, k := range keys {
		from, err := before.Lookup(k)
		if err != nil {
			return Plan{}, err
		}
		to, err := after.Lookup(k)
		if err != nil {
			return Plan{}, err
		}
		if from != to {
			p := pair{from, to}
			moves[p] = append(moves[p], k)
		}
	}
	plan := Plan{Outflow: make(map[string]float64), Inflow: make(map[string]float64)}
	for p, ks := range moves {
		slices.Sort(ks)
		t := Transfer{From: p.from, To: p.to, Keys: ks, Share: float64(len(ks)) / float64(len(keys))}
		plan.Transfers = append(plan.Transfers, t)
		plan.Outflow[p.from] += t.Share
		plan.Inflow[p.to] += t.Share
	}
	sortTransfers(plan.Transfers)
	return plan, nil
}

func sortTransfers(ts []Transfer) {
	slices.SortFunc(ts, func(a, b Transfer) int {
		if c := cmp.Compare(a.From, b.From); c != 0 {
			return c
		}
		return cmp.Compare(a.To, b.To)
	})
}
