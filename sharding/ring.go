package sharding

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// DefaultVirtualNodes is the number of points per unit of weight to pass
// to [NewRing] when there is no reason to pick another: enough for a
// peak-to-mean load near 1.2 at ten nodes (1.135 exactly for the nodes of
// the package's benchmarks). Rings that must be better balanced use more
// (1000 points keep the standard deviation under 4.5%). It is also what a
// zero VirtualNodes in [BoundedLoadsConfig] means.
const DefaultVirtualNodes = 160

// maxPoints bounds a ring's memory: at most 24 bytes per point with the
// bucket table, so about 400 MiB.
const maxPoints = 1 << 24

// Ring is a consistent-hash ring with virtual nodes and weights (Karger et
// al. 1997). Each node is hashed to round(virtualNodes × weight) points on
// a circle of 2⁶⁴ positions; a key belongs to the first point at or after
// its hash, going round. Adding a node takes over only the arcs in front
// of its points; removing one hands its arcs to the points after them.
//
// The points of a node are HashSeed(name, i) for i = 0, 1, …, so the ring
// depends only on the set of nodes and their weights, never on the order
// they were added in. When two nodes' points collide, the smaller name owns
// the position, and both points stay on the ring: removing one node never
// removes a point of another.
//
// Lookup hashes the key, reads a bucket table indexed by the hash's top
// bits to find the few points that can follow it, and binary-searches
// those: O(1) expected up to 2¹⁶ points, O(log(points/2¹⁶)) beyond, and
// O(log points) at worst, with no allocation.
//
// A Ring is immutable: Add and Remove return a new Ring. It is safe for
// simultaneous use by multiple goroutines; hold the current one in an
// atomic.Pointer to change membership under live traffic.
//
// Make one with [NewRing]. A zero Ring has no number of virtual nodes to
// build with: its methods return an error wrapping [ErrNotInitialized], or
// panic with such an error when they have no error result.
type Ring struct {
	nodes  []Node  // sorted by name
	vnodes int     // points per unit of weight
	points []point // sorted by position, then owner
	// index[b] is the first i with points[i].pos>>shift >= b, for the
	// 2^(64-shift) buckets and one past the last.
	index []uint32
	shift uint
}

// point is a virtual node. Position and owner sit side by side so that a
// lookup reads one cache line for both.
type point struct {
	pos   uint64
	owner int32 // indexes Ring.nodes
}

var _ Locator = (*Ring)(nil)

// NewRing returns a ring of the given nodes with virtualNodes points per
// unit of weight ([DefaultVirtualNodes] unless there is a reason to pick
// another). It returns an error wrapping [ErrInvalidConfig] for a
// virtualNodes below 1 or a ring of more than 2²⁴ points, and one wrapping
// [ErrInvalidNode] or [ErrDuplicateNode] for bad nodes. A ring with no
// nodes is valid; its lookups fail with [ErrNoNodes].
func NewRing(virtualNodes int, nodes ...Node) (*Ring, error) {
	if virtualNodes < 1 || virtualNodes > maxPoints {
		return nil, fmt.Errorf("%w: virtualNodes must be in [1, %d], got %d", ErrInvalidConfig, maxPoints, virtualNodes)
	}
	sorted, err := normalize(nodes)
	if err != nil {
		return nil, err
	}
	return build(virtualNodes, sorted)
}

// pointsFor is the number of points a node of weight w gets: at least one.
func pointsFor(vnodes int, w float64) int {
	return max(1, int(math.Round(float64(vnodes)*w)))
}

func build(vnodes int, nodes []Node) (*Ring, error) {
	total := 0
	for _, n := range nodes {
		if float64(vnodes)*n.Weight > maxPoints {
			return nil, fmt.Errorf("%w: node %q would have more than %d points", ErrInvalidConfig, n.Name, maxPoints)
		}
		total += pointsFor(vnodes, n.Weight)
		if total > maxPoints {
			return nil, fmt.Errorf("%w: a ring may have at most %d points", ErrInvalidConfig, maxPoints)
		}
	}
	pts := make([]point, 0, total)
	for i, n := range nodes {
		for v := range pointsFor(vnodes, n.Weight) {
			pts = append(pts, point{vnodeHash(n.Name, uint64(v)), int32(i)})
		}
	}
	// nodes is sorted by name, so on equal positions the smaller name
	// comes first and owns the position.
	slices.SortFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.pos, b.pos); c != 0 {
			return c
		}
		return cmp.Compare(a.owner, b.owner)
	})
	r := &Ring{nodes: nodes, vnodes: vnodes, points: pts}
	r.buildIndex()
	return r, nil
}

// maxIndexBits caps the bucket table at 2¹⁶ entries (256 KiB), so that it
// stays in the processor's cache on large rings: there, a few more points
// per bucket cost less than a cache miss on the table.
const maxIndexBits = 16

// buildIndex makes about one bucket per point, up to 2^maxIndexBits, so
// that the search after the table read looks at few points: one or two on
// average below 2¹⁶ points, and about points/2¹⁶ above.
func (r *Ring) buildIndex() {
	b := 1
	if len(r.points) > 1 {
		b = min(bits.Len(uint(len(r.points)-1)), maxIndexBits)
	}
	r.shift = uint(64 - b)
	nb := 1 << b
	r.index = make([]uint32, nb+1)
	i := 0
	for bucket := range nb {
		for i < len(r.points) && int(r.points[i].pos>>r.shift) < bucket {
			i++
		}
		r.index[bucket] = uint32(i)
	}
	r.index[nb] = uint32(len(r.points))
}

// Lookup returns the node that owns key. It does not allocate.
func (r *Ring) Lookup(key string) (string, error) {
	if len(r.points) == 0 {
		return "", r.emptyErr()
	}
	return r.nodes[r.points[r.search(Hash64(key))].owner].Name, nil
}

// LookupHash returns the node that owns hash position h, for callers that
// hash keys themselves (with [Hash64], to agree with Lookup).
func (r *Ring) LookupHash(h uint64) (string, error) {
	if len(r.points) == 0 {
		return "", r.emptyErr()
	}
	return r.nodes[r.points[r.search(h)].owner].Name, nil
}

// emptyErr is the error of a lookup on a ring without points: a ring made
// by NewRing has at least one virtual node per unit of weight, a zero Ring
// has none.
func (r *Ring) emptyErr() error {
	if r.vnodes == 0 {
		return errRingNotInitialized
	}
	return ErrNoNodes
}

// mustBeInitialized panics if r is a zero Ring, for the methods that have
// no error to return.
func (r *Ring) mustBeInitialized() {
	if r.vnodes == 0 {
		panic(errRingNotInitialized)
	}
}

// search returns the index of the first point at or after h, going round.
// r must have points.
func (r *Ring) search(h uint64) int {
	b := h >> r.shift
	lo, hi := int(r.index[b]), int(r.index[b+1])
	// Every point in [lo, hi) shares h's bucket; the first one >= h is
	// the answer, and if there is none it is hi, the first point of a
	// later bucket.
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.points[mid].pos < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(r.points) {
		return 0
	}
	return lo
}

// Members returns the names of the ring's nodes, sorted.
func (r *Ring) Members() []string {
	r.mustBeInitialized()
	return nodeNames(r.nodes)
}

// Nodes returns the ring's nodes with their weights, sorted by name.
func (r *Ring) Nodes() []Node {
	r.mustBeInitialized()
	return slices.Clone(r.nodes)
}

// VirtualNodes returns the number of points per unit of weight.
func (r *Ring) VirtualNodes() int {
	r.mustBeInitialized()
	return r.vnodes
}

// Points returns the number of points on the ring.
func (r *Ring) Points() int {
	r.mustBeInitialized()
	return len(r.points)
}

// Add returns a ring with nodes added; r is unchanged. It returns an error
// wrapping [ErrDuplicateNode] if one is already a member.
func (r *Ring) Add(nodes ...Node) (*Ring, error) {
	if r.vnodes == 0 {
		return nil, errRingNotInitialized
	}
	all, err := normalize(append(slices.Clone(r.nodes), nodes...))
	if err != nil {
		return nil, err
	}
	return build(r.vnodes, all)
}

// Remove returns a ring without the named nodes; r is unchanged. It
// returns an error wrapping [ErrUnknownNode] if one is not a member.
func (r *Ring) Remove(names ...string) (*Ring, error) {
	if r.vnodes == 0 {
		return nil, errRingNotInitialized
	}
	rest, err := without(r.nodes, names)
	if err != nil {
		return nil, err
	}
	return build(r.vnodes, rest)
}

// Shares returns the exact fraction of the hash space each node owns: the
// sum of the arcs that end at its points. Nodes sum to 1.
func (r *Ring) Shares() map[string]float64 {
	r.mustBeInitialized()
	shares := make(map[string]float64, len(r.nodes))
	for _, n := range r.nodes {
		shares[n.Name] = 0
	}
	if len(r.points) == 0 {
		return shares
	}
	if r.points[0].pos == r.points[len(r.points)-1].pos {
		// One position: the whole circle is its first owner's.
		shares[r.nodes[r.points[0].owner].Name] = 1
		return shares
	}
	prev := r.points[len(r.points)-1].pos
	for _, p := range r.points {
		// The arc (prev, p]: empty for the later of two equal points.
		shares[r.nodes[p.owner].Name] += float64(p.pos-prev) / (1 << 64)
		prev = p.pos
	}
	return shares
}

// Balance returns the ring's exact balance, computed from arc lengths, with
// each node's share divided by the share its weight entitles it to.
func (r *Ring) Balance() Balance {
	r.mustBeInitialized()
	shares := r.Shares()
	total := 0.0
	for _, n := range r.nodes {
		total += float64(pointsFor(r.vnodes, n.Weight))
	}
	loads := make([]float64, 0, len(r.nodes))
	for _, n := range r.nodes {
		fair := float64(pointsFor(r.vnodes, n.Weight)) / total
		loads = append(loads, shares[n.Name]/fair)
	}
	return balanceOf(loads)
}

// vnodeHash places virtual node v of a node; tests replace it with a
// narrow hash to force collisions.
var vnodeHash = HashSeed
