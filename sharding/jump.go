package sharding

import (
	"fmt"
	"math"
	"slices"
)

// Jump is jump consistent hashing (Lamping and Veach, "A Fast, Minimal
// Memory, Consistent Hash Algorithm", 2014): no table at all, a lookup in
// O(log n) arithmetic steps, perfect balance, and when the n-th node is
// added exactly 1/n of the keys move, all of them to it.
//
// Its nodes are numbered buckets: the node at position i of [Jump.Members]
// is bucket i. Jump can therefore only grow and shrink at the end: it has
// [Jump.Add], which appends a node, and [Jump.RemoveLast], and no way to
// remove any other node. Taking a node out of the middle means renaming the
// nodes after it, which moves their keys too; when nodes fail in arbitrary
// order, use a [Ring], [Rendezvous] or [Maglev] instead, or keep Jump over
// logical shards that replicas stand behind. Weights are not supported.
//
// A Jump is immutable and safe for simultaneous use by multiple goroutines.
// The zero Jump is a jump hash with no buckets, the same as NewJump():
// its lookups fail with [ErrNoNodes] and [Jump.Add] grows it.
type Jump struct {
	names []string
}

var _ Locator = (*Jump)(nil)

// NewJump returns a jump hash over the named nodes, bucket i being
// names[i]: unlike the other placements, the order matters. It returns an
// error wrapping [ErrInvalidNode] or [ErrDuplicateNode] for bad names.
func NewJump(names ...string) (*Jump, error) {
	if _, err := sortedNames(names); err != nil {
		return nil, err
	}
	return &Jump{names: slices.Clone(names)}, nil
}

// Lookup returns the node that owns key. It does not allocate.
func (j *Jump) Lookup(key string) (string, error) {
	if len(j.names) == 0 {
		return "", ErrNoNodes
	}
	return j.names[JumpBucket(Hash64(key), len(j.names))], nil
}

// JumpBucket returns the bucket in [0, n) of a key whose 64-bit hash is h,
// by the algorithm of Lamping and Veach: a pseudo-random walk seeded by h
// decides, for each size the cluster could grow to, whether the key would
// jump to the newest bucket, and visits only the sizes where it does. It
// returns 0 for n < 1.
func JumpBucket(h uint64, n int) int {
	if n <= 1 {
		return 0
	}
	// b is the key's bucket at size b+1; the walk jumps to j, the next
	// size at which the key would move, until j is n or beyond. Both are
	// integers held in float64s, exact below 2⁵³: truncating in floating
	// point gives the same buckets as the paper's integer conversions
	// with a shorter chain of dependent instructions. The first step,
	// from bucket 0, is written out.
	nf := float64(n)
	h = h*2862933555777941757 + 1 // the linear congruential step of the paper
	b, j := 0.0, math.Trunc(float64(1<<31)/float64((h>>33)+1))
	for j < nf {
		b = j
		h = h*2862933555777941757 + 1
		// (b+1) / r, with r uniform in (0, 1] from the top 31 bits of h.
		j = math.Trunc((b + 1) * (float64(1<<31) / float64((h>>33)+1)))
	}
	return int(b)
}

// Members returns the nodes in bucket order.
func (j *Jump) Members() []string { return slices.Clone(j.names) }

// Add returns a jump hash with name appended as the last bucket: 1/(n+1)
// of the keys move, all to name. j is unchanged.
func (j *Jump) Add(name string) (*Jump, error) {
	return NewJump(append(slices.Clone(j.names), name)...)
}

// RemoveLast returns a jump hash without its last bucket, whose keys spread
// evenly over the others; nothing else moves. j is unchanged. It returns an
// error wrapping [ErrNoNodes] when there is no node to remove.
func (j *Jump) RemoveLast() (*Jump, error) {
	if len(j.names) == 0 {
		return nil, fmt.Errorf("%w: nothing to remove", ErrNoNodes)
	}
	return &Jump{names: slices.Clone(j.names[:len(j.names)-1])}, nil
}
