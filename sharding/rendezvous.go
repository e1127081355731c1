package sharding

import (
	"math"
	"slices"
)

// Rendezvous is rendezvous or highest-random-weight hashing (Thaler and
// Ravishankar, 1996): every node scores every key with a hash of the pair,
// and the key belongs to the node with the highest score. Adding a node
// moves exactly the keys it now wins; removing one moves only its own keys,
// each to its second-best node, so the keys of a failed node spread over
// all the others. It needs no table and no tuning; the price is O(n) per
// lookup, which is fine for tens of nodes and slow for thousands.
//
// Weights follow the logarithmic method (Schindelhauer and Schomaker 2005,
// as in Resch's "weighted rendezvous hashing"): the score is -w / ln(u) for
// u the pair's hash in (0, 1), which gives each node a share of keys
// proportional to its weight and moves nothing but the changed node's keys
// when one weight changes. When all weights are equal the score is the raw
// hash, which orders nodes the same way without the logarithm.
//
// A Rendezvous is immutable and safe for simultaneous use by multiple
// goroutines. The zero Rendezvous is a placement with no nodes, the same as
// NewRendezvous(): its lookups fail with [ErrNoNodes] and [Rendezvous.Add]
// grows it.
type Rendezvous struct {
	nodes    []Node   // sorted by name
	seeds    []uint64 // Hash64 of each node's name
	weighted bool     // some weight differs from the others
}

var _ Locator = (*Rendezvous)(nil)

// NewRendezvous returns a rendezvous placement over nodes. It returns an
// error wrapping [ErrInvalidNode] or [ErrDuplicateNode] for bad nodes.
func NewRendezvous(nodes ...Node) (*Rendezvous, error) {
	sorted, err := normalize(nodes)
	if err != nil {
		return nil, err
	}
	r := &Rendezvous{nodes: sorted, seeds: make([]uint64, len(sorted))}
	for i, n := range sorted {
		r.seeds[i] = Hash64(n.Name)
		if n.Weight != sorted[0].Weight {
			r.weighted = true
		}
	}
	return r, nil
}

// Lookup returns the node that owns key. It costs one hash of the key and
// one mix per node, and does not allocate.
func (r *Rendezvous) Lookup(key string) (string, error) {
	if len(r.nodes) == 0 {
		return "", ErrNoNodes
	}
	h := Hash64(key)
	best := 0
	if !r.weighted {
		top := score(h, r.seeds[0])
		for i := 1; i < len(r.seeds); i++ {
			if s := score(h, r.seeds[i]); s > top {
				best, top = i, s
			}
		}
		return r.nodes[best].Name, nil
	}
	top := math.Inf(-1)
	for i, seed := range r.seeds {
		// u in (0, 1) from the top 53 bits; ln(u) < 0.
		u := (float64(score(h, seed)>>11) + 0.5) / (1 << 53)
		if s := -r.nodes[i].Weight / math.Log(u); s > top {
			best, top = i, s
		}
	}
	return r.nodes[best].Name, nil
}

// score is the pair's hash: the key's hash mixed with the node's.
func score(h, seed uint64) uint64 { return avalanche(h ^ seed) }

// Members returns the names of the nodes, sorted.
func (r *Rendezvous) Members() []string { return nodeNames(r.nodes) }

// Add returns a placement with nodes added; r is unchanged.
func (r *Rendezvous) Add(nodes ...Node) (*Rendezvous, error) {
	return NewRendezvous(append(slices.Clone(r.nodes), nodes...)...)
}

// Remove returns a placement without the named nodes; r is unchanged. It
// returns an error wrapping [ErrUnknownNode] if one is not a member.
func (r *Rendezvous) Remove(names ...string) (*Rendezvous, error) {
	rest, err := without(r.nodes, names)
	if err != nil {
		return nil, err
	}
	return NewRendezvous(rest...)
}
