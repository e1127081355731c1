package sharding

import (
	"fmt"
	"math/big"
	"math/bits"
	"slices"
)

// Maglev is the lookup table of Google's Maglev load balancer (Eisenbud et
// al., NSDI 2016). Each node walks its own permutation of a prime-sized
// table (an offset and a skip derived from its name) and the nodes take
// turns claiming their next free slot, so each ends up with M/n slots,
// give or take one; a key belongs to the node in the slot its hash picks.
// Balance is near perfect and a lookup is one multiplication and one load.
// The price is movement: a change of membership moves a little more than
// the minimum, some of it between nodes that did not change, and building
// the table costs O(M log M).
//
// The table size M is fixed for the life of a placement and its
// descendants (changing it would move almost every key), and must be a
// prime at least 100 times the number of nodes, so that no node's share is
// off by more than 1%. Weights are not supported.
//
// A Maglev is immutable and safe for simultaneous use by multiple
// goroutines. Make one with [NewMaglev]: a zero Maglev has no table size,
// and its methods return an error wrapping [ErrNotInitialized], or panic
// with such an error when they have no error result.
type Maglev struct {
	names []string // sorted
	size  uint64   // the prime M
	table []int32  // table[slot] indexes names
}

var _ Locator = (*Maglev)(nil)

// DefaultMaglevSize is the table size to pass to [NewMaglev] for up to 655
// nodes: the prime the Maglev paper uses for small deployments. For more
// nodes, [MaglevSizeFor] gives a large enough prime.
const DefaultMaglevSize = 65537

// maxMaglevSize bounds a table's memory at 64 MiB.
const maxMaglevSize = 1 << 24

// MaglevSizeFor returns a table size for [NewMaglev] over the given number
// of nodes: [DefaultMaglevSize], or the smallest prime at least 100 times
// the number of nodes when that is larger. A table keeps its size as nodes
// are added, so pass the largest number of nodes it will hold.
func MaglevSizeFor(nodes int) int {
	if want := 100 * nodes; want > DefaultMaglevSize {
		return nextPrime(want)
	}
	return DefaultMaglevSize
}

// NewMaglev returns a Maglev table of the given prime size over the named
// nodes ([DefaultMaglevSize] for up to 655 nodes, [MaglevSizeFor] beyond).
// It returns an error wrapping [ErrInvalidConfig] when size is not a
// prime, is larger than 2²⁴ or is less than 100 times the number of nodes,
// and one wrapping [ErrInvalidNode] or [ErrDuplicateNode] for bad names.
func NewMaglev(size int, names ...string) (*Maglev, error) {
	if size < 2 || size > maxMaglevSize || !big.NewInt(int64(size)).ProbablyPrime(0) {
		return nil, fmt.Errorf("%w: the maglev table size must be a prime in [2, %d], got %d", ErrInvalidConfig, maxMaglevSize, size)
	}
	if size < 100*len(names) {
		return nil, fmt.Errorf("%w: the maglev table size must be at least 100 × %d nodes, got %d", ErrInvalidConfig, len(names), size)
	}
	sorted, err := sortedNames(names)
	if err != nil {
		return nil, err
	}
	m := &Maglev{names: sorted, size: uint64(size)}
	m.populate()
	return m, nil
}

func nextPrime(n int) int {
	for !big.NewInt(int64(n)).ProbablyPrime(0) {
		n++
	}
	return n
}

// populate fills the table as section 3.4 of the paper describes.
func (m *Maglev) populate() {
	n := len(m.names)
	if n == 0 {
		return
	}
	size := m.size
	pos := make([]uint64, n)  // each node's current slot in its permutation
	skip := make([]uint64, n) // and its step, coprime with the prime size
	for i, name := range m.names {
		pos[i] = HashSeed(name, 0x6f6666736574) % size    // "offset"
		skip[i] = HashSeed(name, 0x736b6970)%(size-1) + 1 // "skip"
	}
	m.table = make([]int32, size)
	for i := range m.table {
		m.table[i] = -1
	}
	filled := uint64(0)
	for {
		for i := range n {
			// Node i claims the next slot of its permutation that is
			// still free; the permutation covers every slot, so it finds
			// one while any is free.
			for m.table[pos[i]] >= 0 {
				pos[i] += skip[i]
				if pos[i] >= size {
					pos[i] -= size
				}
			}
			m.table[pos[i]] = int32(i)
			filled++
			if filled == size {
				return
			}
		}
	}
}

// Lookup returns the node that owns key. It does not allocate.
func (m *Maglev) Lookup(key string) (string, error) {
	if len(m.names) == 0 {
		if m.size == 0 {
			return "", errMaglevNotInitialized
		}
		return "", ErrNoNodes
	}
	// The high word of h × M is uniform over [0, M) and needs no division.
	slot, _ := bits.Mul64(Hash64(key), m.size)
	return m.names[m.table[slot]], nil
}

// Members returns the names of the nodes, sorted.
func (m *Maglev) Members() []string {
	m.mustBeInitialized()
	return slices.Clone(m.names)
}

// Size returns the table size M.
func (m *Maglev) Size() int {
	m.mustBeInitialized()
	return int(m.size)
}

// mustBeInitialized panics if m is a zero Maglev, for the methods that
// have no error to return. NewMaglev always sets a size.
func (m *Maglev) mustBeInitialized() {
	if m.size == 0 {
		panic(errMaglevNotInitialized)
	}
}

// Shares returns the exact fraction of the table each node owns. Nodes sum
// to 1.
func (m *Maglev) Shares() map[string]float64 {
	m.mustBeInitialized()
	shares := make(map[string]float64, len(m.names))
	for _, n := range m.names {
		shares[n] = 0
	}
	for _, i := range m.table {
		shares[m.names[i]] += 1 / float64(m.size)
	}
	return shares
}

// Add returns a table of the same size with the named nodes added; m is
// unchanged.
func (m *Maglev) Add(names ...string) (*Maglev, error) {
	if m.size == 0 {
		return nil, errMaglevNotInitialized
	}
	return NewMaglev(int(m.size), append(slices.Clone(m.names), names...)...)
}

// Remove returns a table of the same size without the named nodes; m is
// unchanged. It returns an error wrapping [ErrUnknownNode] if one is not a
// member.
func (m *Maglev) Remove(names ...string) (*Maglev, error) {
	if m.size == 0 {
		return nil, errMaglevNotInitialized
	}
	rest, err := without(Named(m.names...), names)
	if err != nil {
		return nil, err
	}
	return NewMaglev(int(m.size), nodeNames(rest)...)
}
