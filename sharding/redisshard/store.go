package redisshard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/sharding"
)

var (
	// ErrNotFound is returned by [Store.Get] for a key that is not stored.
	ErrNotFound = errors.New("redisshard: key not found")
	// ErrInvalidConfig is returned by [New] and [ConsistentHash] for a
	// configuration or a node they cannot use, and by [Store.AddNode] for
	// a node it cannot add; for a bad name or weight the error also wraps
	// package sharding's [sharding.ErrInvalidNode] or
	// [sharding.ErrDuplicateNode].
	ErrInvalidConfig = errors.New("redisshard: invalid configuration")
	// ErrNegativeTTL is returned by [Store.Set] for a negative time to live.
	ErrNegativeTTL = errors.New("redisshard: negative time to live")
	// ErrMovePending is returned by AddNode and RemoveNode while an earlier
	// move has not finished (it failed part-way); call [Store.Resume].
	ErrMovePending = errors.New("redisshard: an earlier move has not finished")
	// ErrNotInitialized is wrapped by the errors the methods of a zero
	// [Store] return, and by the panic of those without an error result.
	ErrNotInitialized = errors.New("redisshard: value used without its constructor")
)

// Node is one Redis server of a [Store]: a [sharding.Node] and the client
// that talks to it.
type Node struct {
	// Node names and weighs the node on the ring. Its Name must be the
	// same in every client and stable across restarts (not an address that
	// may change); its Weight is the node's capacity relative to the
	// others, zero meaning 1.
	sharding.Node
	// Client talks to the node. The Store does not close it. It may be a
	// *redis.ClusterClient: a whole Redis Cluster is then one node, whose
	// masters a move scans one by one (the Store uses single-key commands
	// only, so every command stays in one slot). A cluster client that
	// reads from replicas (ReadOnly, RouteByLatency, RouteRandomly) is
	// refused, since a read could then miss a write that has returned; so
	// is a *redis.Ring, whose SCAN reaches one shard picked at random: make
	// each of its shards a node instead.
	Client redis.Cmdable
}

// DefaultBatchSize is the number of keys a move reads and copies at once
// when [Config] leaves BatchSize zero.
const DefaultBatchSize = 100

// Config configures a [Store]. Its zero value means the defaults below.
type Config struct {
	// VirtualNodes is the number of points per unit of weight on the
	// ring; zero means [sharding.DefaultVirtualNodes].
	VirtualNodes int
	// BatchSize is how many keys a move reads with one SCAN and copies in
	// one pipeline; zero means [DefaultBatchSize].
	BatchSize int
}

// refused returns err, an error of package sharding refusing a node or a
// setting, as this package's: its text is sharding's after this package's
// prefix, and it wraps both err and [ErrInvalidConfig].
func refused(err error) error { return &refusedError{err} }

type refusedError struct{ err error }

func (e *refusedError) Error() string { return "redisshard: " + e.err.Error() }

func (e *refusedError) Unwrap() []error { return []error{ErrInvalidConfig, e.err} }

// MoveStats counts what one move did.
type MoveStats struct {
	// Scanned is the number of keys read from the nodes that hand keys
	// over.
	Scanned int
	// Moved is the number of keys copied to their new node.
	Moved int
	// Superseded is the number of keys not copied because the new node
	// already held them: written there during the move (or copied there by
	// an earlier run of it that failed part-way). The old copy is deleted
	// all the same.
	Superseded int
}

// Store is a string key-value store spread over Redis nodes by a
// consistent-hash ring, whose membership can change while it serves reads
// and writes: AddNode and RemoveNode move the keys that change node. During
// a move and after it, a read finds what the last write to finish before
// it began left (a value, or nothing after a Del or once the value has
// expired), or what a write that overlaps it leaves: no read misses a key
// that was written, and a value that was overwritten or deleted never
// comes back, whether the write that replaced it had a time to live or
// not. The one exception, a value read again just after it expired, is
// bounded below.
//
// How it stays correct during a move. The new ring is switched in at once
// for every operation, and writes in flight when it switches finish first
// (the switch waits for them). The move then scans each node that hands
// keys over, copies each key whose node changed from its old node to its
// new one without overwriting (SET NX), and deletes the old copy. A read of
// such a key (a dual read) asks the new node, then the old node, then the
// new node again: a miss on the new node means the key had not been copied
// yet (or is gone), and a miss on the old node after it means it has been
// copied since (or is gone).
//
// Writes to such a key keep one rule: the old node holds no value the new
// node should not show. [Store.Set] writes the old node first, and only if
// the key is still there (SET XX), then the new node; [Store.Del] deletes
// the old copy first, then the new one. So:
//
//   - a read between a Set's two writes finds the new value on the old
//     node, or, when the key has been copied already, the value the Set
//     replaces on the new node: the old value or the new, never a miss;
//   - with a time to live, the old node's copy was written first and so
//     expires first: once the new node's copy has expired, the dual read
//     finds nothing on the old node either. Writing the new node first
//     would leave the old value reachable, for a round trip, behind a new
//     one that has just expired; deleting the old copy before writing the
//     new would leave a moment when a read finds the key on neither node;
//   - a read in the middle of a Del finds the value being deleted or
//     nothing;
//   - SET XX never creates a key on the old node, so every key there has
//     been there since the move began, and the scan, which returns every
//     key present from its start to its end, finds it: the move leaves no
//     copy behind;
//   - a Set or Del that returns an error may have changed the old node and
//     not the new one; a read then finds what was there before the write
//     or what the write left, and the move settles on one of them.
//
// Set and Del of a key whose node changes hold the key's stripe, one of 64
// locks that the move holds for a batch of keys from reading them on the
// old node to deleting them there. A copy therefore never interleaves
// with a write of the same key: it cannot read a value, let a Set replace
// it with one that expires, and then write the replaced value back. The
// price, during a move only and for those keys only: a Set or Del makes two
// round trips, one after the other, and waits while a batch that holds its
// stripe is copied.
//
// A copy lives for what remained of the original's time to live when it
// was read, less the time since the read was sent, so it expires no later
// than the original plus the time its SET NX took to reach the new node:
// a key copied that close to its expiry can be read again, with its last
// value, for that long after a read found it expired.
//
// This coordination lives in the Store, so every client of the data must
// go through one Store. Redis Cluster solves the same problem on the
// server side: a slot being migrated answers ASK, redirecting a client to
// the new node for keys already moved, which works for any number of
// clients.
//
// A Store is safe for simultaneous use by multiple goroutines. Make one
// with [New]: the methods of a zero Store return an error wrapping
// [ErrNotInitialized], or panic with one when they have no error result.
type Store struct {
	prefix    string
	batchSize int
	now       func() time.Time // reckons what remains of a copy's life; tests set it

	moveMu sync.Mutex // serialises AddNode, RemoveNode and Resume

	// mu is held for reading by every Get, Set and Del for its whole
	// duration, and for writing to change the fields below it.
	mu      sync.RWMutex
	clients map[string]redis.Cmdable
	ring    *sharding.Ring // where keys live now; every write goes here
	prev    *sharding.Ring // during a move, where keys lived before; else nil

	stripes [64]sync.Mutex // per-key locks shared by Set, Del and the move

	// Test hooks, nil outside tests, which use them to interleave their
	// operations with a move. afterBatch runs after each batch a move
	// copies. beforeCopy runs when a batch has been read from its old node
	// and is about to be copied, with the batch's stripes held. midWrite
	// runs in a Set or Del during a move between its writes to the two
	// nodes, with the key's stripe and mu held for reading. stripeWait
	// runs before a goroutine blocks on a stripe that another holds.
	afterBatch func()
	beforeCopy func(keys []string)
	midWrite   func(key string)
	stripeWait func()
}

// errStoreNotInitialized is what the methods of a zero Store return, or
// panic with when they have no error result.
var errStoreNotInitialized error = &notInitialized{}

// notInitialized is the text of errStoreNotInitialized; it wraps
// ErrNotInitialized.
type notInitialized struct{}

func (*notInitialized) Error() string { return "redisshard: Store used without New" }

func (*notInitialized) Unwrap() error { return ErrNotInitialized }

// initialized reports whether s was made by New, which always sets a
// prefix that never changes; it is read without a lock.
func (s *Store) initialized() bool { return s.prefix != "" }

// mustBeInitialized panics if s is a zero Store, for the methods without
// an error result.
func (s *Store) mustBeInitialized() {
	if !s.initialized() {
		panic(errStoreNotInitialized)
	}
}

// New returns a Store over nodes that keeps every key k as prefix+k. A
// move scans the nodes for keys under prefix, so it must not be empty and
// no other program may write under it. New returns an error wrapping
// [ErrInvalidConfig] for an empty prefix, a negative VirtualNodes or
// BatchSize, a node whose client it cannot use (none, or one that [Node]
// says is refused), or a bad node name or weight.
func New(prefix string, nodes []Node, cfg Config) (*Store, error) {
	if prefix == "" {
		return nil, fmt.Errorf("%w: prefix must not be empty", ErrInvalidConfig)
	}
	if cfg.VirtualNodes < 0 {
		return nil, fmt.Errorf("%w: VirtualNodes must be >= 0, got %d", ErrInvalidConfig, cfg.VirtualNodes)
	}
	if cfg.VirtualNodes == 0 {
		cfg.VirtualNodes = sharding.DefaultVirtualNodes
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("%w: BatchSize must be >= 0, got %d", ErrInvalidConfig, cfg.BatchSize)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	s := &Store{
		prefix:    prefix,
		batchSize: cfg.BatchSize,
		clients:   make(map[string]redis.Cmdable, len(nodes)),
		now:       time.Now,
	}
	members := make([]sharding.Node, 0, len(nodes))
	for _, n := range nodes {
		if err := checkClient(n); err != nil {
			return nil, err
		}
		s.clients[n.Name] = n.Client
		members = append(members, n.Node)
	}
	ring, err := sharding.NewRing(cfg.VirtualNodes, members...)
	if err != nil {
		return nil, refused(err)
	}
	s.ring = ring
	return s, nil
}

// checkClient returns an error wrapping [ErrInvalidConfig] for a node
// whose client the Store cannot use: none; a go-redis Ring, whose SCAN
// reaches one shard picked at random, so that a move would leave the keys
// of the others behind; or a cluster client that reads from replicas,
// where a read may miss a write that has returned and a move may copy a
// value that a write has already replaced.
func checkClient(n Node) error {
	switch c := n.Client.(type) {
	case nil:
		return fmt.Errorf("%w: node %q has no client", ErrInvalidConfig, n.Name)
	case *redis.Ring:
		return fmt.Errorf("%w: node %q is a *redis.Ring, which a move cannot scan: give each of its shards as a node", ErrInvalidConfig, n.Name)
	case *redis.ClusterClient:
		if c.Options().ReadOnly {
			return fmt.Errorf("%w: node %q is a cluster client that reads from replicas (ReadOnly, RouteByLatency or RouteRandomly)", ErrInvalidConfig, n.Name)
		}
	}
	return nil
}

// Ring returns the ring writes go to now.
func (s *Store) Ring() *sharding.Ring {
	s.mustBeInitialized()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ring
}

// Moving reports whether a move has started and not finished.
func (s *Store) Moving() bool {
	s.mustBeInitialized()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.prev != nil
}

// Get returns the value of key, or an error wrapping [ErrNotFound].
func (s *Store) Get(ctx context.Context, key string) (string, error) {
	if !s.initialized() {
		return "", errStoreNotInitialized
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	home, old, err := s.nodesOf(key)
	if err != nil {
		return "", err
	}
	// The dual read: new node, old node, new node again.
	dual := [3]string{home, old, home}
	order := dual[:1]
	if old != home {
		order = dual[:]
	}
	for _, node := range order {
		v, err := s.clients[node].Get(ctx, s.prefix+key).Result()
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, redis.Nil) {
			return "", fmt.Errorf("redisshard: get %q from %s: %w", key, node, err)
		}
	}
	return "", fmt.Errorf("%w: %q", ErrNotFound, key)
}

// Set stores value under key on its node, expiring after ttl (zero means
// never; a negative ttl is an error wrapping [ErrNegativeTTL]).
//
// During a move, a key whose node changes is written on both nodes, with
// its stripe held: first on its old node, only if it is still there (SET
// XX), then on its new node. See [Store] for why in this order.
func (s *Store) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if !s.initialized() {
		return errStoreNotInitialized
	}
	if ttl < 0 {
		return fmt.Errorf("%w: %v", ErrNegativeTTL, ttl)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	home, old, err := s.nodesOf(key)
	if err != nil {
		return err
	}
	if old != home {
		i := s.stripeOf(key)
		s.lockStripe(i)
		defer s.stripes[i].Unlock()
		if err := s.clients[old].SetXX(ctx, s.prefix+key, value, ttl).Err(); err != nil {
			return fmt.Errorf("redisshard: set %q on %s: %w", key, old, err)
		}
		if s.midWrite != nil {
			s.midWrite(key)
		}
	}
	if err := s.clients[home].Set(ctx, s.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redisshard: set %q on %s: %w", key, home, err)
	}
	return nil
}

// Del deletes key. During a move, a key whose node changes is deleted
// from both nodes, with its stripe held: first from its old node, then
// from its new one.
func (s *Store) Del(ctx context.Context, key string) error {
	if !s.initialized() {
		return errStoreNotInitialized
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	home, old, err := s.nodesOf(key)
	if err != nil {
		return err
	}
	if old != home {
		i := s.stripeOf(key)
		s.lockStripe(i)
		defer s.stripes[i].Unlock()
		if err := s.del(ctx, old, key); err != nil {
			return err
		}
		if s.midWrite != nil {
			s.midWrite(key)
		}
	}
	return s.del(ctx, home, key)
}

// nodesOf returns key's node under the ring and, during a move, under the
// previous ring; old is home when no move is under way. s.mu must be held.
func (s *Store) nodesOf(key string) (home, old string, err error) {
	if home, err = s.ring.Lookup(key); err != nil {
		return "", "", fmt.Errorf("redisshard: %w", err)
	}
	if s.prev == nil {
		return home, home, nil
	}
	if old, err = s.prev.Lookup(key); err != nil {
		return "", "", fmt.Errorf("redisshard: %w", err)
	}
	return home, old, nil
}

func (s *Store) del(ctx context.Context, node, key string) error {
	if err := s.clients[node].Del(ctx, s.prefix+key).Err(); err != nil {
		return fmt.Errorf("redisshard: del %q on %s: %w", key, node, err)
	}
	return nil
}

// stripeOf returns the index of key's stripe.
func (s *Store) stripeOf(key string) int {
	return int(sharding.Hash64(key) % uint64(len(s.stripes)))
}

// lockStripe locks stripe i.
func (s *Store) lockStripe(i int) {
	if s.stripes[i].TryLock() {
		return
	}
	if s.stripeWait != nil {
		s.stripeWait()
	}
	s.stripes[i].Lock()
}

// AddNode adds a node to the ring and moves to it the keys it now owns,
// while reads and writes go on. It returns when every such key is on the
// new node. If it fails part-way (ctx ends, a node errs), reads stay
// correct and [Store.Resume] finishes the move. It returns an error
// wrapping [ErrInvalidConfig] for a node whose client it cannot use (as
// for [New]), a bad name or weight, or a name already on the ring, and
// [ErrMovePending] while an
// earlier move has not finished.
func (s *Store) AddNode(ctx context.Context, node Node) (MoveStats, error) {
	if !s.initialized() {
		return MoveStats{}, errStoreNotInitialized
	}
	if err := checkClient(node); err != nil {
		return MoveStats{}, err
	}
	s.moveMu.Lock()
	defer s.moveMu.Unlock()
	s.mu.Lock()
	if s.prev != nil {
		s.mu.Unlock()
		return MoveStats{}, ErrMovePending
	}
	next, err := s.ring.Add(node.Node)
	if err != nil {
		s.mu.Unlock()
		return MoveStats{}, refused(err)
	}
	s.clients[node.Name] = node.Client
	if s.ring.Points() > 0 { // an empty store has nothing to move
		s.prev = s.ring
	}
	s.ring = next
	s.mu.Unlock()
	return s.finishMove(ctx)
}

// RemoveNode moves the keys of the named node to the nodes that own them
// without it, while reads and writes go on, and then forgets the node. If
// it fails part-way, reads stay correct and [Store.Resume] finishes the
// move. It returns an error wrapping [sharding.ErrUnknownNode] for a name
// that is not a member, [sharding.ErrNoNodes] for the last node, and
// [ErrMovePending] while an earlier move has not finished.
func (s *Store) RemoveNode(ctx context.Context, name string) (MoveStats, error) {
	if !s.initialized() {
		return MoveStats{}, errStoreNotInitialized
	}
	s.moveMu.Lock()
	defer s.moveMu.Unlock()
	s.mu.Lock()
	if s.prev != nil {
		s.mu.Unlock()
		return MoveStats{}, ErrMovePending
	}
	next, err := s.ring.Remove(name)
	if err != nil {
		s.mu.Unlock()
		return MoveStats{}, fmt.Errorf("redisshard: %w", err)
	}
	if next.Points() == 0 {
		s.mu.Unlock()
		return MoveStats{}, fmt.Errorf("redisshard: %w: removing %q would leave its keys nowhere to go", sharding.ErrNoNodes, name)
	}
	s.prev, s.ring = s.ring, next
	s.mu.Unlock()
	return s.finishMove(ctx)
}

// Resume finishes a move that failed part-way; it does nothing when no
// move is pending.
func (s *Store) Resume(ctx context.Context) (MoveStats, error) {
	if !s.initialized() {
		return MoveStats{}, errStoreNotInitialized
	}
	s.moveMu.Lock()
	defer s.moveMu.Unlock()
	return s.finishMove(ctx)
}

// finishMove copies every key whose node differs between s.prev and s.ring
// and then ends the move. s.moveMu must be held.
func (s *Store) finishMove(ctx context.Context) (MoveStats, error) {
	s.mu.RLock()
	prev, ring := s.prev, s.ring
	s.mu.RUnlock()
	var stats MoveStats
	if prev == nil {
		return stats, nil
	}
	// The nodes that hand keys over; none when the ring was empty.
	var sources []string
	if prev.Points() > 0 {
		plan, err := sharding.PlanRing(prev, ring)
		if err != nil {
			return stats, fmt.Errorf("redisshard: %w", err)
		}
		for _, t := range plan.Transfers {
			if !slices.Contains(sources, t.From) {
				sources = append(sources, t.From)
			}
		}
	}
	for _, src := range sources {
		if err := s.moveFrom(ctx, src, ring, &stats); err != nil {
			return stats, err
		}
	}
	s.mu.Lock()
	for _, name := range prev.Members() {
		if !slices.Contains(ring.Members(), name) {
			delete(s.clients, name)
		}
	}
	s.prev = nil
	s.mu.Unlock()
	return stats, nil
}

// moveFrom scans src for keys under the prefix and moves those that ring
// places elsewhere. A node that is a Redis Cluster is scanned master by
// master; its keys are read, copied and deleted through the cluster client,
// which routes each command to its slot.
func (s *Store) moveFrom(ctx context.Context, src string, ring *sharding.Ring, stats *MoveStats) error {
	s.mu.RLock()
	client := s.clients[src]
	s.mu.RUnlock()
	scanners, err := scannersOf(ctx, client)
	if err != nil {
		return fmt.Errorf("redisshard: scan %s: %w", src, err)
	}
	for _, scanner := range scanners {
		if err := s.moveScanned(ctx, src, client, scanner, ring, stats); err != nil {
			return err
		}
	}
	return nil
}

// scannersOf returns the servers whose keys a scan of client must cover:
// client itself, or every master when client is a Redis Cluster, where a
// SCAN reaches only one node.
func scannersOf(ctx context.Context, client redis.Cmdable) ([]redis.Cmdable, error) {
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		return []redis.Cmdable{client}, nil
	}
	var (
		mu      sync.Mutex // ForEachMaster calls fn on every master at once
		masters []redis.Cmdable
	)
	err := cc.ForEachMaster(ctx, func(_ context.Context, m *redis.Client) error {
		mu.Lock()
		masters = append(masters, m)
		mu.Unlock()
		return nil
	})
	return masters, err
}

// moveScanned moves, with client, the keys a scan of scanner finds under
// the prefix that ring places elsewhere than src.
func (s *Store) moveScanned(ctx context.Context, src string, client, scanner redis.Cmdable, ring *sharding.Ring, stats *MoveStats) error {
	match := escapeGlob(s.prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := scanner.Scan(ctx, cursor, match, int64(s.batchSize)).Result()
		if err != nil {
			return fmt.Errorf("redisshard: scan %s: %w", src, err)
		}
		stats.Scanned += len(keys)
		var batch []move
		for _, k := range keys {
			key := strings.TrimPrefix(k, s.prefix)
			dst, err := ring.Lookup(key)
			if err != nil {
				return fmt.Errorf("redisshard: %w", err)
			}
			if dst != src {
				batch = append(batch, move{key: key, to: dst})
			}
		}
		// SCAN's count is a hint; copy in batches of the configured size.
		for chunk := range slices.Chunk(batch, s.batchSize) {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("redisshard: move from %s: %w", src, err)
			}
			if err := s.moveBatch(ctx, src, client, chunk, stats); err != nil {
				return err
			}
			if s.afterBatch != nil {
				s.afterBatch()
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

type move struct {
	key, to string
	value   *redis.StringCmd
	ttl     *redis.DurationCmd
	copied  *redis.BoolCmd
}

// moveBatch copies a batch of keys from src to their new nodes without
// overwriting newer values, then deletes them from src, holding the keys'
// stripes so that no Del runs in between. One pipeline per node per step.
func (s *Store) moveBatch(ctx context.Context, src string, client redis.Cmdable, batch []move, stats *MoveStats) error {
	var held []int
	for _, m := range batch {
		if i := s.stripeOf(m.key); !slices.Contains(held, i) {
			held = append(held, i)
		}
	}
	slices.Sort(held) // one order for every locker of several stripes
	for _, i := range held {
		s.lockStripe(i)
	}
	defer func() {
		for _, i := range held {
			s.stripes[i].Unlock()
		}
	}()

	// Read the values and their remaining lives.
	readAt := s.now()
	pipe := client.Pipeline()
	for i := range batch {
		batch[i].value = pipe.Get(ctx, s.prefix+batch[i].key)
		batch[i].ttl = pipe.PTTL(ctx, s.prefix+batch[i].key)
	}
	// Exec reports only the first failed command, which may be a nil
	// answer for a key that has gone while later ones failed outright;
	// every command is checked, so a failed read is never taken for a
	// missing key, whose old copy would then be deleted.
	cmds, err := pipe.Exec(ctx)
	if errors.Is(err, redis.Nil) {
		err = nil
		for _, c := range cmds {
			if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
				err = e
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("redisshard: read batch from %s: %w", src, err)
	}
	if s.beforeCopy != nil {
		keys := make([]string, len(batch))
		for i, m := range batch {
			keys[i] = m.key
		}
		s.beforeCopy(keys)
	}

	// Copy each to its new node unless the key is already there, one
	// pipeline per node. A copy lives for what remained of the original's
	// life when it was read, less the time since the read was sent, so it
	// does not outlive the original by more than its own trip to the new
	// node.
	var dsts []string
	for _, m := range batch {
		if !slices.Contains(dsts, m.to) {
			dsts = append(dsts, m.to)
		}
	}
	for _, to := range dsts {
		// Taking mu for reading with stripes held, while a Set holds mu
		// and waits for a stripe, cannot deadlock: only a move takes mu
		// for writing, and moves are serialised by moveMu, held here.
		s.mu.RLock()
		p := s.clients[to].Pipeline()
		s.mu.RUnlock()
		elapsed := s.now().Sub(readAt)
		for i := range batch {
			m := &batch[i]
			if m.to != to || m.value.Err() != nil || m.ttl.Err() != nil {
				continue // elsewhere, or gone (deleted, expired) since the scan
			}
			ttl := m.ttl.Val()
			switch {
			case ttl == -1: // no expiry
				ttl = 0
			case ttl-elapsed < time.Millisecond: // expired or about to
				continue
			default:
				ttl -= elapsed
			}
			m.copied = p.SetNX(ctx, s.prefix+m.key, m.value.Val(), ttl)
		}
		if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("redisshard: copy batch to %s: %w", to, err)
		}
	}

	// Delete the old copies: each is now on its new node, or superseded.
	del := client.Pipeline()
	for _, m := range batch {
		del.Del(ctx, s.prefix+m.key)
		switch {
		case m.copied == nil:
		case m.copied.Val():
			stats.Moved++
		default:
			stats.Superseded++
		}
	}
	if _, err := del.Exec(ctx); err != nil {
		return fmt.Errorf("redisshard: delete batch from %s: %w", src, err)
	}
	return nil
}

// escapeGlob escapes the characters SCAN's MATCH pattern treats specially.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
