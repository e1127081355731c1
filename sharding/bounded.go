package sharding

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
)

// ErrFull is returned by [BoundedLoads.Lookup] when placing one more key
// would exceed the configured MaxKeys.
var ErrFull = errors.New("sharding: bounded loads holds MaxKeys keys")

// The defaults of a zero [BoundedLoadsConfig].
const (
	// DefaultLoadFactor is the load factor c of a zero LoadFactor: no node
	// holds more than 25% above the mean.
	DefaultLoadFactor = 1.25
	// DefaultMaxKeys is the number of keys a zero MaxKeys allows.
	DefaultMaxKeys = 1 << 20
)

// BoundedLoadsConfig configures [NewBoundedLoads]. Its zero value means
// the defaults below.
type BoundedLoadsConfig struct {
	// LoadFactor is c: no node holds more than ⌈c × m / n⌉ of the m
	// placed keys. It must be greater than 1; zero means
	// [DefaultLoadFactor]. Smaller c balances better and moves more keys
	// when membership changes.
	LoadFactor float64
	// MaxKeys bounds how many keys may be placed at once, and so the
	// memory held (two map entries per key). Zero means [DefaultMaxKeys].
	MaxKeys int
	// VirtualNodes is the points per node of the underlying [Ring]; zero
	// means [DefaultVirtualNodes].
	VirtualNodes int
}

// BoundedLoads is consistent hashing with bounded loads (Mirrokni, Thorup
// and Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2016). Keys
// are placed on a [Ring], but a node already holding ⌈c × m / n⌉ keys is
// full and the key walks on, clockwise, to the next node with room. No node
// ever holds more than that bound, whatever the hashes do, and a key still
// moves only when its node changes or fills up. The price is state: unlike
// the other placements, where a key lives depends on what was placed
// before it, so every client must see the same sequence of placements (one
// load balancer, or one coordinator), and each placed key costs memory
// until [BoundedLoads.Release].
//
// Lookup places a key the first time it sees it and returns the same node
// afterwards. Membership changes and releases keep the bound: a joining
// node takes the keys whose walk now reaches it first, a leaving node's
// keys walk on, and keys on a node over the (shrunken) bound move to the
// next node with room.
//
// BoundedLoads is safe for simultaneous use by multiple goroutines. Make
// one with [NewBoundedLoads]: the methods of a zero BoundedLoads return an
// error wrapping [ErrNotInitialized], or panic with such an error when they
// have no error result.
type BoundedLoads struct {
	c       float64
	maxKeys int

	mu    sync.Mutex                     // protects the fields below
	ring  *Ring                          // membership
	owner map[string]string              // placed key → node
	held  map[string]map[string]struct{} // node → its keys
}

var _ Locator = (*BoundedLoads)(nil)

// NewBoundedLoads returns a bounded-loads placement over the named nodes.
// It returns an error wrapping [ErrInvalidConfig] for a load factor that
// is not a finite number greater than 1 or a negative MaxKeys or
// VirtualNodes, and one wrapping [ErrInvalidNode] or [ErrDuplicateNode]
// for bad names.
func NewBoundedLoads(names []string, cfg BoundedLoadsConfig) (*BoundedLoads, error) {
	if cfg.LoadFactor == 0 {
		cfg.LoadFactor = DefaultLoadFactor
	}
	if !(cfg.LoadFactor > 1) || math.IsInf(cfg.LoadFactor, 0) {
		return nil, fmt.Errorf("%w: LoadFactor must be greater than 1, got %v", ErrInvalidConfig, cfg.LoadFactor)
	}
	if cfg.MaxKeys < 0 {
		return nil, fmt.Errorf("%w: MaxKeys must be >= 0, got %d", ErrInvalidConfig, cfg.MaxKeys)
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.VirtualNodes < 0 {
		return nil, fmt.Errorf("%w: VirtualNodes must be >= 0, got %d", ErrInvalidConfig, cfg.VirtualNodes)
	}
	if cfg.VirtualNodes == 0 {
		cfg.VirtualNodes = DefaultVirtualNodes
	}
	ring, err := NewRing(cfg.VirtualNodes, Named(names...)...)
	if err != nil {
		return nil, err
	}
	b := &BoundedLoads{
		c:       cfg.LoadFactor,
		maxKeys: cfg.MaxKeys,
		ring:    ring,
		owner:   make(map[string]string),
		held:    make(map[string]map[string]struct{}),
	}
	for _, n := range ring.nodes {
		b.held[n.Name] = make(map[string]struct{})
	}
	return b, nil
}

// mustBeInitialized panics if b is a zero BoundedLoads, for the methods
// that have no error to return. NewBoundedLoads always sets c, which never
// changes, so it is read without the lock.
func (b *BoundedLoads) mustBeInitialized() {
	if b.c == 0 {
		panic(errBoundedNotInitialized)
	}
}

// capacityLocked returns ⌈c × m / n⌉ for m placed keys. b.mu must be held
// and the ring must have nodes.
func (b *BoundedLoads) capacityLocked(m int) int {
	return int(math.Ceil(b.c * float64(m) / float64(len(b.ring.nodes))))
}

// Capacity returns the most keys a node may hold now: ⌈c × m / n⌉ for m
// placed keys on n nodes, or 0 with no nodes.
func (b *BoundedLoads) Capacity() int {
	b.mustBeInitialized()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ring.nodes) == 0 {
		return 0
	}
	return b.capacityLocked(len(b.owner))
}

// Lookup returns the node that holds key, placing it first if it is not
// placed yet: on the first node clockwise from its hash that holds fewer
// than ⌈c × (m+1) / n⌉ keys. It returns an error wrapping [ErrNoNodes] with
// no nodes and [ErrFull] when MaxKeys keys are placed.
func (b *BoundedLoads) Lookup(key string) (string, error) {
	if b.c == 0 {
		return "", errBoundedNotInitialized
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if node, ok := b.owner[key]; ok {
		return node, nil
	}
	if len(b.ring.nodes) == 0 {
		return "", ErrNoNodes
	}
	if len(b.owner) >= b.maxKeys {
		return "", fmt.Errorf("%w: MaxKeys=%d", ErrFull, b.maxKeys)
	}
	capacity := b.capacityLocked(len(b.owner) + 1)
	node := b.firstWithRoomLocked(key, "", capacity)
	// Every node held at most ⌈c m / n⌉ ≤ capacity keys, so no node is now
	// over the bound.
	b.placeLocked(key, node)
	return node, nil
}

// Release forgets key, freeing its place. It reports whether key was
// placed. Keys on nodes now over the bound move on.
func (b *BoundedLoads) Release(key string) bool {
	b.mustBeInitialized()
	b.mu.Lock()
	defer b.mu.Unlock()
	node, ok := b.owner[key]
	if !ok {
		return false
	}
	delete(b.owner, key)
	delete(b.held[node], key)
	b.shedLocked()
	return true
}

// Loads returns how many keys each node holds.
func (b *BoundedLoads) Loads() map[string]int {
	b.mustBeInitialized()
	b.mu.Lock()
	defer b.mu.Unlock()
	loads := make(map[string]int, len(b.held))
	for n, keys := range b.held {
		loads[n] = len(keys)
	}
	return loads
}

// Len returns the number of placed keys.
func (b *BoundedLoads) Len() int {
	b.mustBeInitialized()
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.owner)
}

// Members returns the names of the nodes, sorted.
func (b *BoundedLoads) Members() []string {
	b.mustBeInitialized()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ring.Members()
}

// Clone returns an independent copy of b with the same nodes and
// placements, to compare a placement before and after a change.
func (b *BoundedLoads) Clone() *BoundedLoads {
	b.mustBeInitialized()
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &BoundedLoads{
		c:       b.c,
		maxKeys: b.maxKeys,
		ring:    b.ring,
		owner:   maps.Clone(b.owner),
		held:    make(map[string]map[string]struct{}, len(b.held)),
	}
	for n, keys := range b.held {
		c.held[n] = maps.Clone(keys)
	}
	return c
}

// Add adds a node. Placed keys whose clockwise walk now reaches it before
// the node holding them move to it while it has room; then nodes over the
// new, lower bound pass their excess on. It returns an error wrapping
// [ErrDuplicateNode] or [ErrInvalidNode] for a bad name.
func (b *BoundedLoads) Add(name string) error {
	if b.c == 0 {
		return errBoundedNotInitialized
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ring, err := b.ring.Add(Node{Name: name})
	if err != nil {
		return err
	}
	b.ring = ring
	b.held[name] = make(map[string]struct{})
	capacity := b.capacityLocked(len(b.owner))
	for _, key := range slices.Sorted(maps.Keys(b.owner)) {
		if len(b.held[name]) >= capacity {
			break
		}
		cur := b.owner[key]
		b.walkLocked(Hash64(key), func(node string) bool {
			if node == cur {
				return false
			}
			if node == name {
				b.moveLocked(key, name)
				return false
			}
			return true
		})
	}
	b.shedLocked()
	return nil
}

// Remove removes a node; its keys walk on to the next nodes with room.
// Removing the last node forgets every placement. It returns an error
// wrapping [ErrUnknownNode] if name is not a member.
func (b *BoundedLoads) Remove(name string) error {
	if b.c == 0 {
		return errBoundedNotInitialized
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ring, err := b.ring.Remove(name)
	if err != nil {
		return err
	}
	b.ring = ring
	orphans := slices.Sorted(maps.Keys(b.held[name]))
	delete(b.held, name)
	for _, key := range orphans {
		delete(b.owner, key)
	}
	if len(ring.nodes) == 0 {
		clear(b.owner)
		return nil
	}
	for _, key := range orphans {
		capacity := b.capacityLocked(len(b.owner) + 1)
		b.placeLocked(key, b.firstWithRoomLocked(key, "", capacity))
	}
	b.shedLocked()
	return nil
}

// shedLocked moves keys off every node holding more than the bound for the
// current number of keys, each to the next node clockwise with room. Such
// a node exists: n nodes of ⌈c m / n⌉ > m / n keys each could hold more than
// m keys.
func (b *BoundedLoads) shedLocked() {
	if len(b.ring.nodes) == 0 {
		return
	}
	capacity := b.capacityLocked(len(b.owner))
	for _, n := range b.ring.nodes {
		held := b.held[n.Name]
		if len(held) <= capacity {
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(held))[:len(held)-capacity] {
			b.moveLocked(key, b.firstWithRoomLocked(key, n.Name, capacity))
		}
	}
}

// firstWithRoomLocked returns the first node clockwise from key's hash,
// other than skip, that holds fewer than capacity keys.
func (b *BoundedLoads) firstWithRoomLocked(key, skip string, capacity int) string {
	found := ""
	b.walkLocked(Hash64(key), func(node string) bool {
		if node != skip && len(b.held[node]) < capacity {
			found = node
			return false
		}
		return true
	})
	if found == "" {
		// Unreachable: n nodes of capacity > m / n keys each always leave
		// room (see shedLocked). Fall back to the key's ring node.
		return b.ring.nodes[b.ring.points[b.ring.search(Hash64(key))].owner].Name
	}
	return found
}

// walkLocked calls yield with each distinct node in clockwise order from
// h, until yield returns false or every node was visited.
func (b *BoundedLoads) walkLocked(h uint64, yield func(node string) bool) {
	r := b.ring
	seen := make([]bool, len(r.nodes))
	left := len(r.nodes)
	for i := r.search(h); left > 0; i = (i + 1) % len(r.points) {
		o := r.points[i].owner
		if seen[o] {
			continue
		}
		seen[o] = true
		left--
		if !yield(r.nodes[o].Name) {
			return
		}
	}
}

func (b *BoundedLoads) placeLocked(key, node string) {
	b.owner[key] = node
	b.held[node][key] = struct{}{}
}

func (b *BoundedLoads) moveLocked(key, node string) {
	delete(b.held[b.owner[key]], key)
	b.placeLocked(key, node)
}
