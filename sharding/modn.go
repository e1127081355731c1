package sharding

import (
	"slices"
)

// ModN is the whiteboard placement: node hash(key) mod n. It is perfectly
// balanced and costs one division, and it is kept here as the cautionary
// baseline, because changing n moves almost every key: going from n to n+1
// nodes keeps a key in place only when hash mod n equals hash mod (n+1),
// so about n/(n+1) of all keys move, most of them between nodes that were
// there before and after. Behind a cache that empties the cache; in a
// database it means copying nearly all the data.
//
// Nodes are numbered in sorted order of their names. A ModN is immutable
// and safe for simultaneous use by multiple goroutines. The zero ModN is a
// placement with no nodes, the same as NewModN(): its lookups fail with
// [ErrNoNodes] and [ModN.Add] grows it.
type ModN struct {
	names []string // sorted
}

var _ Locator = (*ModN)(nil)

// NewModN returns a mod-n placement over the named nodes. It returns an
// error wrapping [ErrInvalidNode] or [ErrDuplicateNode] for bad names.
func NewModN(names ...string) (*ModN, error) {
	sorted, err := sortedNames(names)
	if err != nil {
		return nil, err
	}
	return &ModN{names: sorted}, nil
}

// Lookup returns the node that owns key. It does not allocate.
func (m *ModN) Lookup(key string) (string, error) {
	if len(m.names) == 0 {
		return "", ErrNoNodes
	}
	return m.names[Hash64(key)%uint64(len(m.names))], nil
}

// Members returns the names of the nodes, sorted.
func (m *ModN) Members() []string { return slices.Clone(m.names) }

// Add returns a placement with the named nodes added; m is unchanged.
func (m *ModN) Add(names ...string) (*ModN, error) {
	return NewModN(append(slices.Clone(m.names), names...)...)
}

// Remove returns a placement without the named nodes; m is unchanged. It
// returns an error wrapping [ErrUnknownNode] if one is not a member.
func (m *ModN) Remove(names ...string) (*ModN, error) {
	rest, err := without(Named(m.names...), names)
	if err != nil {
		return nil, err
	}
	return NewModN(nodeNames(rest)...)
}
