package sharding

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Locator maps keys to the nodes that own them. Every placement in this
// package satisfies it, so callers, the measurements ([MeasureBalance],
// [MeasureMovement]) and the key planner ([PlanKeys]) work with any of them.
//
// Lookup returns the name of the node that owns key, or an error wrapping
// [ErrNoNodes] when there are no nodes (or [ErrNotInitialized] for a zero
// value that cannot be used). Members returns the names of the nodes,
// including any that own no key.
type Locator interface {
	Lookup(key string) (string, error)
	Members() []string
}

var (
	// ErrNoNodes is returned by a lookup on a placement with no nodes.
	ErrNoNodes = errors.New("sharding: no nodes")
	// ErrInvalidConfig is returned by constructors given a setting they
	// cannot honour (a negative number of virtual nodes, a table size that
	// is not prime, a load factor of at most 1).
	ErrInvalidConfig = errors.New("sharding: invalid configuration")
	// ErrInvalidNode is returned for an empty node name or a weight that is
	// negative, NaN or infinite.
	ErrInvalidNode = errors.New("sharding: invalid node")
	// ErrDuplicateNode is returned when a node name appears twice.
	ErrDuplicateNode = errors.New("sharding: duplicate node")
	// ErrUnknownNode is returned when removing a node that is not a member.
	ErrUnknownNode = errors.New("sharding: unknown node")
	// ErrNotInitialized is wrapped by the error a method of a zero [Ring],
	// [Maglev] or [BoundedLoads] returns, and is the panic value's cause
	// for those of their methods that have no error result: such a value
	// was not made by its constructor.
	ErrNotInitialized = errors.New("sharding: value used without its constructor")
)

// notInitialized is what the methods of a zero [Ring], [Maglev] or
// [BoundedLoads] return, or panic with when they have no error result: its
// text names the type and its constructor, and it wraps
// [ErrNotInitialized].
type notInitialized struct{ typ, ctor string }

func (e *notInitialized) Error() string { return "sharding: " + e.typ + " used without " + e.ctor }

func (e *notInitialized) Unwrap() error { return ErrNotInitialized }

var (
	errRingNotInitialized    error = &notInitialized{"Ring", "NewRing"}
	errMaglevNotInitialized  error = &notInitialized{"Maglev", "NewMaglev"}
	errBoundedNotInitialized error = &notInitialized{"BoundedLoads", "NewBoundedLoads"}
)

// Node is a member of a placement that supports weights.
type Node struct {
	// Name identifies the node; it is what lookups return and what is
	// hashed to place it, so it must be the same in every client.
	Name string
	// Weight is the node's capacity relative to the others: a node of
	// weight 2 receives about twice the keys of a node of weight 1. Zero
	// means 1.
	Weight float64
}

// Named returns one node of weight 1 for each name.
func Named(names ...string) []Node {
	nodes := make([]Node, len(names))
	for i, name := range names {
		nodes[i] = Node{Name: name, Weight: 1}
	}
	return nodes
}

// normalize checks nodes and returns a copy sorted by name with every
// weight set, so that a placement built from it does not depend on the
// order the caller listed the nodes in.
func normalize(nodes []Node) ([]Node, error) {
	out := make([]Node, len(nodes))
	for i, n := range nodes {
		if n.Name == "" {
			return nil, fmt.Errorf("%w: empty name", ErrInvalidNode)
		}
		if n.Weight < 0 || math.IsNaN(n.Weight) || math.IsInf(n.Weight, 0) {
			return nil, fmt.Errorf("%w: %q has weight %v", ErrInvalidNode, n.Name, n.Weight)
		}
		if n.Weight == 0 {
			n.Weight = 1
		}
		out[i] = n
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateNode, out[i].Name)
		}
	}
	return out, nil
}

// sortedNames checks names like normalize and returns them sorted.
func sortedNames(names []string) ([]string, error) {
	nodes, err := normalize(Named(names...))
	if err != nil {
		return nil, err
	}
	return nodeNames(nodes), nil
}

func nodeNames(nodes []Node) []string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return names
}

// without returns nodes minus the named ones, or an error wrapping
// ErrUnknownNode if one is not there.
func without(nodes []Node, names []string) ([]Node, error) {
	out := slices.Clone(nodes)
	for _, name := range names {
		i := slices.IndexFunc(out, func(n Node) bool { return n.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%w: %q", ErrUnknownNode, name)
		}
		out = slices.Delete(out, i, i+1)
	}
	return out, nil
}
