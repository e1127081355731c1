package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/backendkit/backendkit/sharding"
)

// placementResult is what one placement did when a node joined.
type placementResult struct {
	name     string
	short    string
	moved    sharding.Movement
	loads    map[string]int // keys per node after the node joined
	balance  sharding.Balance
	maxShare float64 // the busiest node's share of the keys
}

// placementsResult is what part 1 measured.
type placementsResult struct {
	keys, nodes int
	added       string
	names       []string // the nodes after the join, in order
	results     []placementResult
}

// nodeNames returns n node names.
func nodeNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("node-%02d", i)
	}
	return names
}

// placements returns each placement over names, before and after joined
// is added.
func placements(names []string, joined string) ([][2]sharding.Locator, []string, []string, error) {
	var pairs [][2]sharding.Locator
	var long, short []string
	add := func(l, s string, before, after sharding.Locator) {
		pairs = append(pairs, [2]sharding.Locator{before, after})
		long, short = append(long, l), append(short, s)
	}
	modN, err := sharding.NewModN(names...)
	if err != nil {
		return nil, nil, nil, err
	}
	modN2, err := modN.Add(joined)
	if err != nil {
		return nil, nil, nil, err
	}
	add("hash mod N (the whiteboard answer)", "mod-N", modN, modN2)

	ring, err := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Named(names...)...)
	if err != nil {
		return nil, nil, nil, err
	}
	ring2, err := ring.Add(sharding.Node{Name: joined})
	if err != nil {
		return nil, nil, nil, err
	}
	add(fmt.Sprintf("ring, %d virtual nodes each", sharding.DefaultVirtualNodes), "ring", ring, ring2)

	jump, err := sharding.NewJump(names...)
	if err != nil {
		return nil, nil, nil, err
	}
	jump2, err := jump.Add(joined)
	if err != nil {
		return nil, nil, nil, err
	}
	add("jump hash", "jump", jump, jump2)

	rv, err := sharding.NewRendezvous(sharding.Named(names...)...)
	if err != nil {
		return nil, nil, nil, err
	}
	rv2, err := rv.Add(sharding.Node{Name: joined})
	if err != nil {
		return nil, nil, nil, err
	}
	add("rendezvous (highest random weight)", "rendezvous", rv, rv2)

	size := sharding.MaglevSizeFor(len(names) + 1)
	mg, err := sharding.NewMaglev(size, names...)
	if err != nil {
		return nil, nil, nil, err
	}
	mg2, err := mg.Add(joined)
	if err != nil {
		return nil, nil, nil, err
	}
	add(fmt.Sprintf("Maglev, table of %d", size), "maglev", mg, mg2)
	return pairs, long, short, nil
}

// playPlacements places keys on nodes nodes with every placement, adds
// one node and measures what moved and how evenly the keys then sit.
func playPlacements(keys, nodes int) (placementsResult, error) {
	all := nodeNames(nodes + 1)
	r := placementsResult{keys: keys, nodes: nodes, added: all[nodes], names: all}
	ks := make([]string, keys)
	for i := range ks {
		ks[i] = fmt.Sprintf("user:%d", i)
	}
	pairs, long, short, err := placements(all[:nodes], all[nodes])
	if err != nil {
		return r, err
	}
	for i, p := range pairs {
		mv, err := sharding.MeasureMovement(p[0], p[1], ks)
		if err != nil {
			return r, err
		}
		loads := map[string]int{}
		for _, k := range ks {
			n, err := p[1].Lookup(k)
			if err != nil {
				return r, err
			}
			loads[n]++
		}
		f := map[string]float64{}
		peak := 0
		for _, n := range all {
			f[n] = float64(loads[n])
			peak = max(peak, loads[n])
		}
		r.results = append(r.results, placementResult{
			name: long[i], short: short[i], moved: mv, loads: loads,
			balance: sharding.BalanceOf(f), maxShare: float64(peak) / float64(keys),
		})
	}
	return r, nil
}

// result returns the result of the placement with the short name.
func (r placementsResult) result(short string) placementResult {
	for _, p := range r.results {
		if p.short == short {
			return p
		}
	}
	return placementResult{}
}

func (r placementsResult) print(w io.Writer) {
	ideal := 1 / float64(r.nodes+1)
	fmt.Fprintf(w, "Part 1: %d keys on %d nodes, then node number %d joins\n\n", r.keys, r.nodes, r.nodes+1)
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("Each placement maps the keys user:0 … user:%d to nodes node-00 … node-%02d; then %s joins, and each key is looked up again. The least any placement can move is the new node's fair share, 1/%d = %s of the keys, all of them onto the new node; a key that moves between two nodes that were there all along is wasted work.", r.keys-1, r.nodes-1, r.added, r.nodes+1, percent(ideal)), 80))
	fmt.Fprintf(w, "  %-36s %9s %8s %19s\n", "placement", "keys moved", "share", "between old nodes")
	for _, p := range r.results {
		fmt.Fprintf(w, "  %-36s %9d %8s %19d\n", p.name, p.moved.Moved, percent(p.moved.Fraction()), p.moved.BetweenSurvivors)
	}
	fmt.Fprintf(w, "\nKeys per node once %s has joined (fair share %d):\n\n", r.added, r.keys/(r.nodes+1))
	fmt.Fprintf(w, "  %-10s", "node")
	for _, p := range r.results {
		fmt.Fprintf(w, " %10s", p.short)
	}
	fmt.Fprintln(w)
	for _, n := range r.names {
		fmt.Fprintf(w, "  %-10s", n)
		for _, p := range r.results {
			fmt.Fprintf(w, " %10d", p.loads[n])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-10s", "peak/mean")
	for _, p := range r.results {
		fmt.Fprintf(w, " %10.3f", p.balance.PeakToMean)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\n%s\n\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r placementsResult) conclusion() string {
	ideal := 1 / float64(r.nodes+1)
	mod := r.result("mod-N")
	var b strings.Builder
	fmt.Fprintf(&b, "hash mod N moved %s of the keys, %.1f times the %s that had to move, and %d of its %d moves went between nodes that were there before and after. ",
		percent(mod.moved.Fraction()), mod.moved.Fraction()/ideal, percent(ideal), mod.moved.BetweenSurvivors, mod.moved.Moved)
	var near []string
	for _, p := range r.results {
		if p.short == "mod-N" {
			continue
		}
		near = append(near, fmt.Sprintf("%s %s", p.short, percent(p.moved.Fraction())))
	}
	fmt.Fprintf(&b, "The others moved close to the minimum (%s). ", strings.Join(near, ", "))
	best, worst := r.results[0], r.results[0]
	for _, p := range r.results {
		if p.balance.PeakToMean < best.balance.PeakToMean {
			best = p
		}
		if p.balance.PeakToMean > worst.balance.PeakToMean {
			worst = p
		}
	}
	fmt.Fprintf(&b, "Evenness is the other half of the choice: the busiest node holds %.3f times the mean with %s and %.3f with %s.",
		worst.balance.PeakToMean, worst.short, best.balance.PeakToMean, best.short)
	return b.String()
}
