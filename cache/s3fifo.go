package cache

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The bits of an S3FIFO entry's flags.
//
// accessed is S3FIFO's access counter, one bit wide: the paper uses two
// bits (a count to 3); one bit lost 0.4 points of hit ratio on Zipf(0.99)
// at 1% capacity and gained 0.5 on the recency workload (BenchmarkHitRatio
// in the benchmarks module), and a Get then writes an entry at most once
// per pass of the queue.
//
// inMain records which queue holds the entry.
//
// gone is set, under the shard's lock, when the entry is taken out of the
// index, before it is.
//
// The bits from setting up count the Sets without the lock that are
// storing into the entry (2^29 at once would take more goroutines than
// memory holds). Such a Set adds setting, and stores only if the
// flags it added to did not have gone; it subtracts setting once its value
// is stored. Marking an entry gone and registering a store are thus
// ordered on one word: a Set registered before is part of the entry's
// history, and whoever removed the entry waits for the count to drop to
// zero before it reads the value the entry left with (see leftValue); a
// Set that finds gone stores nothing and starts again under the lock.
const (
	accessed uint32 = 1 << iota
	inMain
	gone
	setting
)

// touch sets e's accessed bit, writing only when it is clear.
func touch[K comparable, V any](e *entry[K, V]) {
	if e.flags.Load()&accessed == 0 {
		e.flags.Or(accessed)
	}
}

// smallPercent is the share of each shard's capacity the small queue
// starts with; it then adapts.
const smallPercent = 15

// minShardCapacity is the fewest entries a shard is given when the number
// of shards is picked automatically: below it, splitting the cache costs
// hit ratio (each shard's small queue and ghost become too short to tell
// one-hit wonders from returning keys).
const minShardCapacity = 128

// statBits sets the number of cache-line-sized hit and miss counters. Each
// Get picks one at random rather than by its key: under a skewed load most
// reads are of a few hot keys, and a stripe chosen by key would have every
// core writing the same line for them.
const (
	statBits    = 4
	statStripes = 1 << statBits
)

// S3FIFO is a cache with the S3-FIFO eviction policy (Yang et al., "FIFO
// queues are all you need for cache eviction", SOSP 2023), made adaptive,
// split into independently locked shards, with reads that take no lock.
//
// A new key enters a small FIFO queue; a key read at least once before it
// reaches the end of the small queue moves to the main queue, and one that
// was not is evicted and remembered, by hash only, in a ghost queue, so
// that if it comes back it goes straight to the main queue. The main queue
// evicts like CLOCK: an entry read since it last passed the tail gets
// another round. A scan of keys read once therefore passes through the
// small queue without displacing the frequently read entries in the main
// queue, which is where LRU loses its hit ratio.
//
// The paper fixes the small queue at 10% of the capacity. Here it starts at
// 15% and adapts as ARC (Megiddo and Modha, FAST 2003) adapts its target:
// the main queue has a ghost too, and a key that comes back after being
// evicted from the small queue grows the small queue's share, one evicted
// from the main queue shrinks it. When keys are read a few times while new
// and then never again, the small queue grows until the cache behaves
// nearly like LRU; with lasting popularity it shrinks and protects the main
// queue.
//
// A Get takes no lock: each shard's index is an open-addressing hash table
// of atomic pointers to entries, and a Set that changes an entry's value
// never writes over what a reader may be reading. A value that fits one
// atomic load and store (4 or 8 bytes without pointers, such as an int or a
// float64, or a single pointer, map, channel or function) is stored in the
// entry with one; any other value is stored in a new box behind an atomic
// pointer, which costs an allocation per update. A Get never moves an
// entry; it sets the entry's access bit with an atomic Or, and only when
// the bit is clear, so the entries read most often are not written at all.
// A Set that replaces the value of a cached key, when neither the old nor
// the new value has a time to live, takes no lock either (see
// SetWithTTL); other Sets and Delete take their shard's mutex.
//
// Consistency: every operation on one key is linearizable; in particular a
// Set is never dropped (a Get that starts after Set returns sees that value
// unless it was overwritten, deleted, evicted or expired since). Len never
// exceeds the capacity: each shard holds at most its share of it, and the
// shares add up to the capacity. Because each shard evicts on its own, a
// cache can evict before it holds as many entries as its capacity. A Get
// that races with the eviction pass may set the access bit of an entry
// just passed over; that only shifts which entry is evicted next, never
// what a Get returns.
//
// S3FIFO is safe for simultaneous use by multiple goroutines.
//
// Make an S3FIFO with [NewS3FIFO]. The zero value has no shards: every
// method of it panics with an error wrapping [ErrNotInitialized] ("cache:
// S3FIFO used without NewS3FIFO").
type S3FIFO[K comparable, V any] struct {
	seed maphash.Seed
	mask uint64
	kind valueKind
	// recordStats is Config.RecordStats.
	recordStats bool
	shards      []s3shard[K, V]
	onEvict     func(K, V, Reason)
	defaultTTL  time.Duration
	interval    time.Duration
	base        time.Time
	sweep       sweeper
	counts      [statStripes]counter
}

// counter is one stripe of Get statistics, padded to a cache line's size
// so that two stripes rarely share a line.
type counter struct {
	hits, misses atomic.Uint64
	_            [48]byte
}

type s3shard[K comparable, V any] struct {
	// seed is the cache's hash seed, for the hash of an evicted key.
	seed maphash.Seed
	// index is read without a lock; it is replaced, and its slots
	// written, only under mu.
	index atomic.Pointer[table[K, V]]
	// tomb marks a deleted slot; it is never in a queue.
	tomb *entry[K, V]

	mu          sync.Mutex // protects the fields below
	live        int        // entries in the index
	used        int        // slots not empty: entries and tombstones
	small, main list[K, V] // front is newest; eviction takes the back
	ghosts      ghosts     // keys evicted from each queue
	expiry      expiryHeap[K, V]
	capacity    int
	maxSlots    int // the index grows up to this many slots
	smallCap    int
	evictions   uint64
	expirations uint64

	_ [64]byte // keeps the next shard's hot fields off this shard's lines
}

// table is an open-addressing hash table with linear probing. An empty
// slot ends a probe; a tombstone does not.
type table[K comparable, V any] struct {
	slots []slot[K, V]
	mask  uint64
}

// slot holds an entry and a tag made from its hash, so that a probe skips
// other keys without loading their entries (a cache miss each). Deleting
// leaves a tombstone, or empties the slot when no probe goes past it.
type slot[K comparable, V any] struct {
	// tag is 0 for an empty slot, tombTag for a tombstone, or else
	// tagOf(hash); a live tag may equal tombTag, so the entry decides.
	// Writers store e before tag, so a reader that sees a tag sees e.
	tag atomic.Uint64
	e   atomic.Pointer[entry[K, V]]
}

const tombTag = 1

// tagOf returns the slot tag of hash h: never 0, which marks empty slots.
func tagOf(h uint64) uint64 { return h | 1 }

func newTable[K comparable, V any](size int) *table[K, V] {
	return &table[K, V]{slots: make([]slot[K, V], size), mask: uint64(size - 1)}
}

// home is where a probe for hash h starts. The low bits of h pick the
// shard, so the table uses the high ones.
func (t *table[K, V]) home(h uint64) uint64 { return (h >> 32) & t.mask }

// NewS3FIFO returns an empty S3FIFO that holds at most capacity entries,
// configured by cfg. Memory follows the entries stored, not the capacity.
// It returns an error wrapping [ErrInvalidConfig] when capacity is outside
// [1, MaxCapacity] or a duration or the shard count in cfg is negative.
func NewS3FIFO[K comparable, V any](capacity int, cfg Config[K, V]) (*S3FIFO[K, V], error) {
	if err := cfg.validate(capacity); err != nil {
		return nil, err
	}
	n := shardCount(capacity, cfg.Shards)
	c := &S3FIFO[K, V]{
		seed:        maphash.MakeSeed(),
		mask:        uint64(n - 1),
		kind:        valueKindOf[V](),
		recordStats: cfg.RecordStats,
		shards:      make([]s3shard[K, V], n),
		onEvict:     cfg.OnEvict,
		defaultTTL:  cfg.DefaultTTL,
		interval:    cfg.sweepInterval(),
		base:        time.Now(),
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.seed = c.seed
		// Spread the capacity so that the shares add up to it exactly.
		s.capacity = capacity / n
		if i < capacity%n {
			s.capacity++
		}
		s.smallCap = max(1, s.capacity*smallPercent/100)
		s.tomb = &entry[K, V]{heapIndex: -1}
		s.maxSlots = tableSize(s.capacity)
		s.index.Store(newTable[K, V](min(minSlots, s.maxSlots)))
		s.small.init()
		s.main.init()
		s.ghosts.init(max(1, s.capacity-s.smallCap), max(1, s.capacity))
	}
	return c, nil
}

// minSlots is the size of a new shard's index, which then doubles as
// entries arrive, so an empty cache costs little whatever its capacity.
const minSlots = 16

// tableSize returns the most slots a shard of capacity entries needs: a
// power of two at least four times as many, so that with tombstones filling
// up to half the slots before a rebuild, probes stay short (about 2.5
// slots for an absent key with linear probing). Each slot is 16 bytes.
func tableSize(capacity int) int {
	return 1 << bits.Len(uint(4*capacity-1))
}

// shardCount returns the number of shards: requested rounded up to a power
// of two, or when zero, enough for GOMAXPROCS goroutines to rarely meet on
// one lock while keeping minShardCapacity entries per shard. Never more
// shards than entries.
func shardCount(capacity, requested int) int {
	n := requested
	if n == 0 {
		n = 16 * runtime.GOMAXPROCS(0)
		for n > 1 && capacity/n < minShardCapacity {
			n /= 2
		}
	}
	n = 1 << bits.Len(uint(n-1)) // next power of two
	for n > capacity {
		n /= 2
	}
	return max(n, 1)
}

func (c *S3FIFO[K, V]) now() int64 { return int64(time.Since(c.base)) }

// shard returns key's shard and hash. It panics unless c was made by
// NewS3FIFO: the check stands in for the bounds check of the index, which
// the compiler then drops.
func (c *S3FIFO[K, V]) shard(key K) (*s3shard[K, V], uint64) {
	h := maphash.Comparable(c.seed, key)
	i := h & c.mask
	if i >= uint64(len(c.shards)) {
		panic(errS3FIFOZero)
	}
	return &c.shards[i], h
}

// mustBeInitialized panics unless c was made by NewS3FIFO, for the methods
// that do not go through shard.
func (c *S3FIFO[K, V]) mustBeInitialized() {
	if len(c.shards) == 0 {
		panic(errS3FIFOZero)
	}
}

// Get returns the value stored for key and whether there was one. An
// expired entry is removed and reported as absent. Get takes no lock
// unless it removes an expired entry.
func (c *S3FIFO[K, V]) Get(key K) (V, bool) {
	s, h := c.shard(key)
	if e := s.find(h, key); e != nil {
		if d := e.deadline.Load(); d == 0 || c.now() < d {
			touch(e)
			if c.recordStats {
				c.counts[rand.Uint32()>>(32-statBits)].hits.Add(1)
			}
			return c.load(e), true
		}
		c.expire(s, e, h)
	}
	if c.recordStats {
		c.counts[rand.Uint32()>>(32-statBits)].misses.Add(1)
	}
	var zero V
	return zero, false
}

// getRef is Get for a Local tier without the copy: it returns a pointer
// to the value stored for key (nil when there is none or it has expired)
// and the wall-clock time, in Unix nanoseconds, measured as the cache's
// base instant plus the monotonic time elapsed since, so one clock
// reading serves both the entry's deadline and the caller's freshness
// check. It is only for caches whose kind is boxed: their stored values
// are never written again once readers can see them (a Set stores a new
// box), so the caller may read the value behind the pointer without a
// lock for as long as it keeps the pointer, and must not write it. A
// ReadThrough reads an Entry's fields through it and copies out only the
// Value: copying the whole Entry out through each layer of calls cost
// more than the lookup did.
func (c *S3FIFO[K, V]) getRef(key K) (*V, int64) {
	now := c.now()
	wall := c.base.UnixNano() + now
	s, h := c.shard(key)
	if e := s.find(h, key); e != nil {
		if d := e.deadline.Load(); d == 0 || now < d {
			touch(e)
			if c.recordStats {
				c.counts[rand.Uint32()>>(32-statBits)].hits.Add(1)
			}
			if p := e.boxed.Load(); p != nil {
				return p, wall
			}
			return &e.value, wall
		}
		c.expire(s, e, h)
	}
	if c.recordStats {
		c.counts[rand.Uint32()>>(32-statBits)].misses.Add(1)
	}
	return nil, wall
}

// find returns the entry for key in s's index, or nil. It takes no lock.
func (s *s3shard[K, V]) find(h uint64, key K) *entry[K, V] {
	t := s.index.Load()
	tag := tagOf(h)
	for i := t.home(h); ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		st := sl.tag.Load()
		if st == 0 {
			return nil
		}
		if st != tag {
			continue
		}
		// The tag is the hash, less its lowest bit: the key decides.
		if e := sl.e.Load(); e != nil && e != s.tomb && e.key == key {
			return e
		}
	}
}

// expire removes e, found expired, if it is still the entry for its key
// and still expired: a Set may have given it a new deadline since.
// h is the hash of e's key.
func (c *S3FIFO[K, V]) expire(s *s3shard[K, V], e *entry[K, V], h uint64) {
	s.mu.Lock()
	d := e.deadline.Load()
	ok := d != 0 && c.now() >= d && s.lookupLocked(h, e.key) == e
	if ok {
		s.expirations++
		s.removeLocked(e, h)
	}
	s.mu.Unlock()
	if ok && c.onEvict != nil {
		c.onEvict(e.key, c.leftValue(e), Expired)
	}
}

// Set stores value for key with the configured DefaultTTL, replacing any
// value stored before. When the key's shard is full, S3-FIFO picks an entry
// to evict.
func (c *S3FIFO[K, V]) Set(key K, value V) {
	c.SetWithTTL(key, value, c.defaultTTL)
}

// SetWithTTL stores value for key to expire after ttl. A ttl of zero means
// the entry never expires; a negative ttl stores nothing and removes any
// entry for key, as if it had expired at once. A ttl that would reach past
// about 292 years after the cache was created, such as math.MaxInt64, is
// cut to that instant, which no process lives to see.
//
// Replacing the value of a cached key that has no time to live, with none,
// takes no lock: the Set registers in the entry's flags with one atomic
// add, which fails if the entry has been taken out of the index, stores
// the value atomically, as the locked path would, and deregisters.
// Entries without a deadline never get one in place (a Set with a ttl
// replaces such an entry), so the registration is all it takes: a Set
// registered before the entry was removed or replaced took effect before
// that, and the call that removed the entry passes OnEvict the last value
// stored; a Set that finds the entry gone starts again under the lock.
func (c *S3FIFO[K, V]) SetWithTTL(key K, value V, ttl time.Duration) {
	s, h := c.shard(key)
	if ttl == 0 {
		if e := s.find(h, key); e != nil && e.deadline.Load() == 0 {
			if testHookUnlockedSet != nil {
				testHookUnlockedSet()
			}
			if c.storeUnlocked(e, value) {
				return
			}
		}
	}
	var d int64
	if ttl > 0 {
		d = deadline(c.now(), ttl)
		c.sweep.start(c.interval, c.sweepExpired)
	}
	var removed *entry[K, V]
	var reason Reason
	s.mu.Lock()
	t := s.index.Load()
	slot, free := s.findLocked(t, h, key)
	switch {
	case slot >= 0 && ttl < 0:
		removed, reason = t.slots[slot].e.Load(), Expired
		s.expirations++
		s.removeLocked(removed, h)
	case slot >= 0 && d != 0 && t.slots[slot].e.Load().deadline.Load() == 0:
		// A deadline for an entry that had none: a new entry takes its
		// place in the index and its queue, so that a Set without the
		// lock, which only updates entries without a deadline, never
		// meets one that gained a deadline.
		old := t.slots[slot].e.Load()
		e := &entry[K, V]{key: key, value: value, heapIndex: -1}
		e.flags.Store(old.flags.Load()&inMain | accessed)
		e.deadline.Store(d)
		s.expiry.push(e)
		s.queue(old).replace(old, e)
		old.flags.Or(gone)
		t.slots[slot].e.Store(e)
	case slot >= 0:
		// Readers hold no lock: the new value is stored atomically,
		// before the deadline, which readers load first.
		e := t.slots[slot].e.Load()
		c.store(e, value)
		s.expiry.setDeadline(e, d)
		touch(e)
	case ttl >= 0:
		if s.live >= s.capacity {
			removed, reason = s.evictLocked(), Evicted
			// Eviction frees a slot on some probe path, which may
			// be the one where key now belongs.
			_, free = s.findLocked(t, h, key)
		}
		e := &entry[K, V]{key: key, value: value, heapIndex: -1}
		g := &s.ghosts
		switch g.take(h) {
		case fromSmall:
			// Evicted from the small queue too soon: give it more room.
			step := max(1, g.live[fromMain]/max(1, g.live[fromSmall]))
			s.smallCap = min(s.smallCap+step, max(1, s.capacity-1))
			e.flags.Store(inMain)
			s.main.pushFront(e)
		case fromMain:
			// Evicted from the main queue too soon: give it more room.
			step := max(1, g.live[fromSmall]/max(1, g.live[fromMain]))
			s.smallCap = max(s.smallCap-step, 1)
			e.flags.Store(inMain)
			s.main.pushFront(e)
		default:
			s.small.pushFront(e)
		}
		if d != 0 {
			e.deadline.Store(d)
			s.expiry.push(e)
		}
		s.insertLocked(t, free, e, h)
	}
	s.mu.Unlock()
	if removed != nil && c.onEvict != nil {
		c.onEvict(removed.key, c.leftValue(removed), reason)
	}
}

// Test hooks, nil outside tests. testHookUnlockedSet runs in a Set without
// the lock between finding the entry and registering to update it, so that
// tests can remove or replace the entry there; testHookUnlockedStore runs
// after registering, before the store; testHookLeftValue runs each time
// leftValue finds a registered Set still storing.
var (
	testHookUnlockedSet   func()
	testHookUnlockedStore func()
	testHookLeftValue     func()
)

// storeUnlocked stores v into e without the lock and reports whether it
// did: it does not when e has been marked gone, and the Set must then start
// again under the lock. See the flags.
func (c *S3FIFO[K, V]) storeUnlocked(e *entry[K, V], v V) bool {
	var box *V
	if c.kind == boxed {
		// Allocated before registering, so that the store a remover may
		// wait for is one atomic write.
		box = new(V)
		*box = v
	}
	f := e.flags.Add(setting)
	if f&gone != 0 {
		e.flags.Add(^(setting - 1))
		return false
	}
	if testHookUnlockedStore != nil {
		testHookUnlockedStore()
	}
	if box != nil {
		e.boxed.Store(box)
	} else {
		c.store(e, v)
	}
	e.flags.Add(^(setting - 1))
	if f&accessed == 0 {
		e.flags.Or(accessed)
	}
	return true
}

// leftValue returns the value that e, marked gone, left the cache with. A
// Set without the lock that registered before e was marked may still be
// storing into it; leftValue waits for each such store, a single atomic
// write, so that the value it returns is the last one stored. A Set that
// adds itself after the mark takes itself off again without storing. It is
// called after the shard's lock is released, and only for OnEvict.
func (c *S3FIFO[K, V]) leftValue(e *entry[K, V]) V {
	for e.flags.Load() >= setting {
		if testHookLeftValue != nil {
			testHookLeftValue()
		}
		runtime.Gosched()
	}
	return c.load(e)
}

// findLocked returns the slot holding key, or -1, and the first slot on
// key's probe path where it could be inserted. s.mu must be held.
func (s *s3shard[K, V]) findLocked(t *table[K, V], h uint64, key K) (slot, free int) {
	free = -1
	tag := tagOf(h)
	for i := t.home(h); ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		switch st := sl.tag.Load(); {
		case st == 0:
			if free < 0 {
				free = int(i)
			}
			return -1, free
		case st == tag || st == tombTag:
			// Only these tags can hold key or a tombstone.
			e := sl.e.Load()
			if e == s.tomb {
				if free < 0 {
					free = int(i)
				}
			} else if e.key == key {
				return int(i), free
			}
		}
	}
}

// lookupLocked returns the entry for key, or nil. s.mu must be held.
func (s *s3shard[K, V]) lookupLocked(h uint64, key K) *entry[K, V] {
	t := s.index.Load()
	if slot, _ := s.findLocked(t, h, key); slot >= 0 {
		return t.slots[slot].e.Load()
	}
	return nil
}

// insertLocked publishes e in slot free of t, then rebuilds the table when
// entries and tombstones fill half of it: twice as large (up to maxSlots)
// when entries alone fill more than a quarter, or else the same size
// without tombstones. Entries thus never fill more than half the slots.
// s.mu must be held.
func (s *s3shard[K, V]) insertLocked(t *table[K, V], free int, e *entry[K, V], h uint64) {
	sl := &t.slots[free]
	if sl.e.Load() == nil {
		s.used++
	}
	sl.e.Store(e)
	sl.tag.Store(tagOf(h))
	s.live++
	if s.used > len(t.slots)/2 {
		size := len(t.slots)
		if s.live*4 > size {
			size = min(2*size, s.maxSlots)
		}
		s.rebuildLocked(t, size)
	}
}

// rebuildLocked publishes a copy of t of size slots without tombstones.
// Readers still probing t see a consistent snapshot of each key. s.mu must
// be held.
func (s *s3shard[K, V]) rebuildLocked(t *table[K, V], size int) {
	n := newTable[K, V](size)
	for i := range t.slots {
		e := t.slots[i].e.Load()
		if e == nil || e == s.tomb {
			continue
		}
		// The tag keeps all of the hash but its lowest bit, which
		// home does not use.
		tag := t.slots[i].tag.Load()
		j := n.home(tag)
		for n.slots[j].e.Load() != nil {
			j = (j + 1) & n.mask
		}
		n.slots[j].e.Store(e)
		n.slots[j].tag.Store(tag)
	}
	s.used = s.live
	s.index.Store(n)
}

// unindexLocked removes e from the index. When the slot after e's is
// empty, no probe passes e's slot to reach another key, so it empties that
// slot and the tombstones just before it; otherwise it leaves a tombstone.
// Emptying spares the rebuilds that tombstones would cause. s.mu must be
// held.
func (s *s3shard[K, V]) unindexLocked(e *entry[K, V], h uint64) {
	e.flags.Or(gone)
	t := s.index.Load()
	i := t.home(h)
	for t.slots[i].e.Load() != e {
		i = (i + 1) & t.mask
	}
	s.live--
	if t.slots[(i+1)&t.mask].tag.Load() != 0 {
		t.slots[i].e.Store(s.tomb)
		t.slots[i].tag.Store(tombTag)
		return
	}
	for {
		// Tag first: a reader that sees a tag and then a nil entry
		// goes on to the next slot, which is empty.
		t.slots[i].tag.Store(0)
		t.slots[i].e.Store(nil)
		s.used--
		i = (i - 1) & t.mask
		if t.slots[i].e.Load() != s.tomb {
			return
		}
	}
}

func (s *s3shard[K, V]) queue(e *entry[K, V]) *list[K, V] {
	if e.flags.Load()&inMain != 0 {
		return &s.main
	}
	return &s.small
}

// evictLocked removes one entry by the S3-FIFO rules and returns it. The
// shard must hold at least one entry and s.mu must be held.
func (s *s3shard[K, V]) evictLocked() *entry[K, V] {
	// Alone, the loop ends within one pass over each queue plus one over
	// main after it has cleared the bits; Gets setting bits while it runs
	// could stretch it, so past that many steps it takes the next entry
	// whatever its bit.
	limit := 2*(s.small.len+s.main.len) + 1
	for step := 0; ; step++ {
		force := step > limit
		if s.small.len >= s.smallCap || s.main.len == 0 {
			e := s.small.back()
			s.small.remove(e)
			if e.flags.Load()&accessed != 0 && !force {
				// Read while in the small queue: promote.
				e.flags.And(^accessed)
				e.flags.Or(inMain)
				s.main.pushFront(e)
				continue
			}
			s.dropLocked(e, fromSmall)
			return e
		}
		e := s.main.back()
		if e.flags.Load()&accessed != 0 && !force {
			e.flags.And(^accessed)
			s.main.moveToFront(e)
			continue
		}
		s.main.remove(e)
		s.dropLocked(e, fromMain)
		return e
	}
}

// dropLocked removes e, already unlinked from queue from, from the index
// and the expiry heap, remembers it in that queue's ghost, and counts the
// eviction. Entries do not keep their key's hash, so it is computed again
// here, once per eviction. s.mu must be held.
func (s *s3shard[K, V]) dropLocked(e *entry[K, V], from int) {
	h := maphash.Comparable(s.seed, e.key)
	s.ghosts.add(from, h)
	s.unindexLocked(e, h)
	if e.heapIndex >= 0 {
		s.expiry.remove(e)
	}
	s.evictions++
}

// removeLocked unlinks e, whose key has hash h, from every structure. s.mu
// must be held.
func (s *s3shard[K, V]) removeLocked(e *entry[K, V], h uint64) {
	s.unindexLocked(e, h)
	s.queue(e).remove(e)
	if e.heapIndex >= 0 {
		s.expiry.remove(e)
	}
}

// Delete removes the entry for key and reports whether there was one.
func (c *S3FIFO[K, V]) Delete(key K) bool {
	s, h := c.shard(key)
	s.mu.Lock()
	e := s.lookupLocked(h, key)
	if e != nil {
		s.removeLocked(e, h)
	}
	s.mu.Unlock()
	if e != nil && c.onEvict != nil {
		c.onEvict(e.key, c.leftValue(e), Deleted)
	}
	return e != nil
}

// Clear removes every entry. Entries set while Clear runs may survive it.
func (c *S3FIFO[K, V]) Clear() {
	c.mustBeInitialized()
	for i := range c.shards {
		s := &c.shards[i]
		var cleared []*entry[K, V]
		s.mu.Lock()
		t := s.index.Load()
		if c.onEvict != nil {
			cleared = make([]*entry[K, V], 0, s.live)
		}
		for i := range t.slots {
			if e := t.slots[i].e.Load(); e != nil && e != s.tomb {
				e.flags.Or(gone)
				if cleared != nil {
					cleared = append(cleared, e)
				}
			}
		}
		s.index.Store(newTable[K, V](min(minSlots, s.maxSlots)))
		s.live, s.used = 0, 0
		s.small.init()
		s.main.init()
		s.expiry = nil
		s.mu.Unlock()
		for _, e := range cleared {
			c.onEvict(e.key, c.leftValue(e), Deleted)
		}
	}
}

// Len returns the number of entries, counting expired ones not yet removed.
// Under concurrent writes it is a snapshot of each shard in turn.
func (c *S3FIFO[K, V]) Len() int {
	c.mustBeInitialized()
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.live
		s.mu.Unlock()
	}
	return n
}

// Stats returns the counts of hits, misses, evictions and expirations so far.
// Under concurrent use the counts are read one after another, not at one
// instant.
func (c *S3FIFO[K, V]) Stats() Stats {
	c.mustBeInitialized()
	var st Stats
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Evictions += s.evictions
		st.Expirations += s.expirations
		s.mu.Unlock()
	}
	for i := range c.counts {
		st.Hits += c.counts[i].hits.Load()
		st.Misses += c.counts[i].misses.Load()
	}
	return st
}

// Close stops the background sweep, if one was started, and waits for its
// goroutine to exit. It has no error result because closing cannot fail:
// it stops a goroutine of the cache's own and holds nothing of a caller's.
// A sweep that Close interrupts first reports the batch it has removed, at
// most 64 OnEvict calls, and Close waits for them, so an OnEvict that
// blocks holds Close up. The cache stays usable; afterwards expired
// entries are removed only when read or evicted. Close is idempotent, and
// each call waits.
//
// OnEvict may call Close. On the sweep's goroutine, Close cannot wait for
// the goroutine it runs on and returns at once; the sweep then reports the
// rest of the batch it has removed and returns.
func (c *S3FIFO[K, V]) Close() {
	c.mustBeInitialized()
	c.sweep.close()
}

// sweepExpired removes expired entries shard by shard, in batches that
// release the lock in between, up to sweepLimit per shard per run; it
// returns before the next batch once Close has been called.
func (c *S3FIFO[K, V]) sweepExpired() {
	var batch [sweepBatch]*entry[K, V]
	for i := range c.shards {
		s := &c.shards[i]
		for removed := 0; removed < sweepLimit; {
			if c.sweep.stopping() {
				return
			}
			n := 0
			s.mu.Lock()
			now := c.now()
			for n < len(batch) && len(s.expiry) > 0 && s.expiry[0].deadline.Load() <= now {
				e := s.expiry[0]
				s.removeLocked(e, maphash.Comparable(c.seed, e.key))
				s.expirations++
				batch[n] = e
				n++
			}
			s.mu.Unlock()
			if c.onEvict != nil {
				for _, e := range batch[:n] {
					c.onEvict(e.key, c.leftValue(e), Expired)
				}
			}
			clear(batch[:n])
			if n < len(batch) {
				break
			}
			removed += n
		}
	}
}

// The queues a ghost entry can come from.
const (
	fromNone  = -1
	fromSmall = 0
	fromMain  = 1
)

// ghosts remembers the hashes of the last keys evicted from each queue, in
// two fixed-size rings sharing one index, so that its memory is bounded and
// a new key costs one lookup.
type ghosts struct {
	rings [2][]uint64 // each grows to its limit, then wraps
	limit [2]int
	next  [2]int
	live  [2]int // hashes in each ring still remembered
	// index maps a hash to where it is remembered: ring r, slot i is
	// stored as i*2+r.
	index map[uint64]int
}

func (g *ghosts) init(small, main int) {
	g.limit = [2]int{small, main}
	g.index = make(map[uint64]int)
}

// add remembers h as evicted from queue r, forgetting the oldest hash of
// that ring if it is full.
func (g *ghosts) add(r int, h uint64) {
	slot := g.next[r]
	if slot == len(g.rings[r]) {
		g.rings[r] = append(g.rings[r], 0)
	} else if at, ok := g.index[g.rings[r][slot]]; ok && at == slot*2+r {
		old := g.rings[r][slot]
		delete(g.index, old)
		g.live[r]--
	}
	if at, ok := g.index[h]; ok { // only on a 64-bit hash collision
		g.live[at%2]--
	}
	g.rings[r][slot] = h
	g.index[h] = slot*2 + r
	g.live[r]++
	g.next[r] = (slot + 1) % g.limit[r]
}

// take forgets h and returns the queue it was evicted from, or fromNone.
func (g *ghosts) take(h uint64) int {
	at, ok := g.index[h]
	if !ok {
		return fromNone
	}
	delete(g.index, h)
	g.live[at%2]--
	return at % 2
}

// valueKind is how an S3FIFO stores a value that a Set replaces while Gets
// read it without a lock.
type valueKind uint8

const (
	// boxed values go in a new box per update, behind entry.boxed.
	boxed valueKind = iota
	// word values (8 bytes, 8-aligned, no pointers) are loaded and stored
	// in entry.value as a uint64.
	word
	// halfWord values (4 bytes, 4-aligned, no pointers) are loaded and
	// stored in entry.value as a uint32.
	halfWord
	// pointer values (one pointer, map, channel or function) are loaded
	// and stored in entry.value as an unsafe.Pointer, so that the garbage
	// collector still sees them.
	pointer
)

// valueKindOf returns how an S3FIFO stores values of type V.
func valueKindOf[V any]() valueKind {
	t := reflect.TypeFor[V]()
	switch {
	case t.Size() == 8 && t.Align() == 8 && !hasPointers(t):
		return word
	case t.Size() == 4 && t.Align() == 4 && !hasPointers(t):
		return halfWord
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return pointer
	}
	return boxed
}

// hasPointers reports whether a value of type t holds any pointer.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}

// load returns e's current value. It takes no lock.
func (c *S3FIFO[K, V]) load(e *entry[K, V]) V {
	switch c.kind {
	case word:
		u := atomic.LoadUint64((*uint64)(unsafe.Pointer(&e.value)))
		return *(*V)(unsafe.Pointer(&u))
	case halfWord:
		u := atomic.LoadUint32((*uint32)(unsafe.Pointer(&e.value)))
		return *(*V)(unsafe.Pointer(&u))
	case pointer:
		p := atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&e.value)))
		return *(*V)(unsafe.Pointer(&p))
	}
	return e.load()
}

// store replaces the value of e, which readers may be loading. Its shard's
// mutex must be held, or the caller registered as storeUnlocked does.
func (c *S3FIFO[K, V]) store(e *entry[K, V], v V) {
	switch c.kind {
	case word:
		atomic.StoreUint64((*uint64)(unsafe.Pointer(&e.value)), *(*uint64)(unsafe.Pointer(&v)))
	case halfWord:
		atomic.StoreUint32((*uint32)(unsafe.Pointer(&e.value)), *(*uint32)(unsafe.Pointer(&v)))
	case pointer:
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&e.value)), *(*unsafe.Pointer)(unsafe.Pointer(&v)))
	default:
		p := new(V)
		*p = v
		e.boxed.Store(p)
	}
}
