package ratelimit

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/bits"
	"sync"
	"time"
)

// Algorithm is a limiter that [Keyed] can replicate, one per key: a
// [*FixedWindow], [*SlidingLog], [*SlidingWindow], [*TokenBucket],
// [*LeakyBucket] (as a meter) or [*GCRA]. Only its configuration is used.
type Algorithm interface {
	Limiter
	newStore(shards, maxKeys int) keyedStore
}

// keyedStore is a Keyed limiter's table for one algorithm's state type.
type keyedStore interface {
	decide(h uint64, now int64, n int) (Decision, error)
	allow(h uint64, now int64) bool
	sweep(now int64)
	len() int
}

// core is one algorithm's arithmetic over its state S, without the state:
// what a Keyed limiter needs to keep one S per key.
//
// States pass by value: through an interface, a pointer would make every
// state escape to the heap.
type core[S any] interface {
	initial() S
	decide(s S, now int64, n int) (S, Decision, error)
	allow(s S, now int64) (S, bool)
	// fullAt is the instant from which s decides exactly as initial()
	// does, so that forgetting s then changes nothing.
	fullAt(s S) int64
}

// KeyedConfig configures a [Keyed] limiter.
type KeyedConfig struct {
	// MaxKeys is the most keys held at once; it must be at least 1. The
	// table is split into shards whose shares of MaxKeys (each
	// floor(MaxKeys/shards) or one more) add up to exactly MaxKeys; a new
	// key arriving at a shard that holds its share evicts one, as [Keyed]
	// describes.
	MaxKeys int
	// SweepEvery is how often a background goroutine forgets the keys
	// that are full again. Zero means one minute; a negative value
	// starts no goroutine, leaving eviction to the count cap alone. The
	// sweep judges "full again" by the current time, so a caller that
	// drives the limiter with instants of its own (AllowN) far from the
	// present should turn it off.
	SweepEvery time.Duration
}

// Keyed is a limiter per key (a user, an IP address, an API key), each
// configured like one template algorithm, in a table sharded so that
// distinct keys rarely contend on one lock.
//
// Memory is bounded twice. A key is forgotten once its limiter is full
// again (the instant from which its state decides exactly as a new one
// would, so forgetting it changes no decision): a background sweep removes
// such keys every KeyedConfig.SweepEvery, and a key whose state still
// matters is never removed by it. And the table never holds more than
// KeyedConfig.MaxKeys keys, since no shard holds more than its share of
// them and the shares add up to MaxKeys: a new key arriving at a full
// shard evicts, among eight keys of that shard, one that is full again if
// there is one, and otherwise the one closest to full. That key then
// starts again with a full allowance, so under a flood of distinct keys
// beyond MaxKeys a key may get more than its limit; size MaxKeys above the
// number of keys active within one window.
//
// Keys are not stored: the table is indexed by a 64-bit seeded hash of the
// key (hash/maphash, with a seed chosen at random per Keyed), so the
// memory per key is the algorithm's state plus the table's overhead,
// whatever the key's length. Two keys whose hashes collide would share one
// limiter; among a million keys the chance that any two do is about 3 in
// 10^8, and the random seed keeps it from being engineered.
//
// The state per key is 8 bytes for GCRA and the leaky bucket, 16 for the
// token bucket and the fixed window, 24 for the sliding-window counter and
// 40 plus the log itself (8 bytes per logged event) for the sliding log.
//
// Keyed is safe for concurrent use by multiple goroutines. Close stops the
// sweep. Build one with [NewKeyed]: the methods of a zero Keyed (or a nil
// one) that have an error result return an error wrapping
// [ErrNotInitialized], and the others (Allow, Len, Close) panic with it.
type Keyed struct {
	seed  maphash.Seed
	store keyedStore

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

var _ PerKey = (*Keyed)(nil)

// NewKeyed returns a Keyed limiter that gives every key a limiter
// configured like template; template's own state is neither used nor
// changed. It returns an error wrapping [ErrInvalidConfig] when template
// is nil or cfg.MaxKeys is below 1. Unless cfg.SweepEvery is negative it
// starts a goroutine, which Close stops.
func NewKeyed(template Algorithm, cfg KeyedConfig) (*Keyed, error) {
	if template == nil {
		return nil, fmt.Errorf("%w: Keyed needs a template algorithm", ErrInvalidConfig)
	}
	if cfg.MaxKeys < 1 {
		return nil, fmt.Errorf("%w: MaxKeys %d must be at least 1", ErrInvalidConfig, cfg.MaxKeys)
	}
	// Up to 64 shards, keeping at least 16 keys in each.
	shards := 1 << min(6, max(0, bits.Len(uint(cfg.MaxKeys/16))-1))
	store := template.newStore(shards, cfg.MaxKeys)
	if store == nil {
		return nil, fmt.Errorf("%w: Keyed needs a template built by its constructor, not a nil or zero %T", ErrInvalidConfig, template)
	}
	k := &Keyed{
		seed:  maphash.MakeSeed(),
		store: store,
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	every := cfg.SweepEvery
	if every == 0 {
		every = time.Minute
	}
	if every < 0 {
		close(k.done)
		return k, nil
	}
	go k.sweeper(every)
	return k, nil
}

func (k *Keyed) sweeper(every time.Duration) {
	defer close(k.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			k.store.sweep(now())
		case <-k.stop:
			return
		}
	}
}

// Close stops the background sweep and returns once its goroutine has
// exited. It is idempotent, and has no error result since stopping the
// sweep cannot fail and waits on no user code; the limiter still decides
// afterwards, with eviction left to the count cap.
func (k *Keyed) Close() {
	if k == nil || k.store == nil {
		panic(errKeyedZero)
	}
	k.once.Do(func() { close(k.stop) })
	<-k.done
}

// AllowN decides a request for n events for key at instant now. Errors are
// those of the template algorithm.
func (k *Keyed) AllowN(now time.Time, key string, n int) (Decision, error) {
	if k == nil || k.store == nil {
		return Decision{}, errKeyedZero
	}
	return k.store.decide(maphash.String(k.seed, key), nanos(now), n)
}

// Allow reports whether one event may happen now for key, and records it
// if so.
func (k *Keyed) Allow(key string) bool {
	if k == nil || k.store == nil {
		panic(errKeyedZero)
	}
	// The clock first: its read can then overlap the cache miss that
	// hashing a cold key costs.
	now := now()
	return k.store.allow(maphash.String(k.seed, key), now)
}

// Decide decides a request for n events for key now.
func (k *Keyed) Decide(_ context.Context, key string, n int) (Decision, error) {
	if k == nil || k.store == nil {
		return Decision{}, errKeyedZero
	}
	now := now()
	return k.store.decide(maphash.String(k.seed, key), now, n)
}

// IndependentKeys marks Keyed as a [PerKey] limiter: each key has a state
// of its own. It does nothing, on any value.
func (k *Keyed) IndependentKeys() {}

// Len returns the number of keys currently held.
func (k *Keyed) Len() int {
	if k == nil || k.store == nil {
		panic(errKeyedZero)
	}
	return k.store.len()
}

// table is the keyedStore for state type S: shards of open-addressing
// hash tables indexed by the key's hash, with the state inline in the
// slot, so that a decision usually touches one cache line of the table and
// never allocates.
type table[S any] struct {
	core   core[S]
	shift  uint // 64 - log2(len(shards)): the top bits of a hash pick its shard
	shards []shard[S]
}

// slot holds one key's state; h == 0 marks an empty slot, so hashes of 0
// are stored as 1.
type slot[S any] struct {
	h uint64
	s S
}

// shard is a linear-probing hash table, at most four fifths full,
// whose slots are indexed by the low bits of the hash. Deletion shifts the
// following entries back, so there are no tombstones.
type shard[S any] struct {
	mu    sync.Mutex // protects slots and n
	slots []slot[S]  // power-of-two length, or nil when empty
	n     int
	share int      // the most keys this shard holds; set once
	_     [16]byte // keeps each shard on a cache line of its own
}

// newTable returns a table of shards (a power of two) holding at most
// maxKeys keys in all: each shard's share is floor(maxKeys/shards), and the
// first maxKeys%shards shards hold one more, so the shares add up to
// maxKeys exactly.
func newTable[S any](c core[S], shards, maxKeys int) *table[S] {
	t := &table[S]{
		core:   c,
		shift:  uint(64 - bits.Len(uint(shards-1))),
		shards: make([]shard[S], shards),
	}
	for i := range t.shards {
		t.shards[i].share = maxKeys / shards
		if i < maxKeys%shards {
			t.shards[i].share++
		}
	}
	return t
}

func (t *table[S]) shardOf(h uint64) *shard[S] {
	return &t.shards[h>>t.shift] // a shift of 64 (one shard) gives 0
}

// find returns the slot holding h, or the empty slot where h would go.
// sh.slots must not be nil.
func (sh *shard[S]) find(h uint64) (int, bool) {
	mask := len(sh.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch sh.slots[i].h {
		case h:
			return i, true
		case 0:
			return i, false
		}
	}
}

func (t *table[S]) decide(h uint64, now int64, n int) (Decision, error) {
	h = max(h, 1)
	sh := t.shardOf(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, i, found := t.lookupLocked(sh, h)
	s, d, err := t.core.decide(s, now, n)
	if found {
		sh.slots[i].s = s
	} else if d.Allowed {
		t.insertLocked(sh, h, s, now)
	}
	return d, err
}

func (t *table[S]) allow(h uint64, now int64) bool {
	h = max(h, 1)
	sh := t.shardOf(h)
	sh.mu.Lock()
	s, i, found := t.lookupLocked(sh, h)
	s, allowed := t.core.allow(s, now)
	if found {
		sh.slots[i].s = s
	} else if allowed {
		t.insertLocked(sh, h, s, now)
	}
	sh.mu.Unlock()
	return allowed
}

// lookupLocked returns h's state and slot, or a new state and found false.
// sh.mu must be held.
func (t *table[S]) lookupLocked(sh *shard[S], h uint64) (S, int, bool) {
	if sh.slots != nil {
		if i, found := sh.find(h); found {
			return sh.slots[i].s, i, true
		}
	}
	return t.core.initial(), -1, false
}

// insertLocked adds a new key, evicting one first when the shard holds its
// share and growing the slots when they would pass four fifths full.
// sh.mu must be held.
func (t *table[S]) insertLocked(sh *shard[S], h uint64, s S, now int64) {
	if sh.n >= sh.share {
		t.evictLocked(sh, h, now)
	}
	if (sh.n+1)*5 > len(sh.slots)*4 {
		sh.rehash(max(8, 2*len(sh.slots)))
	}
	i, _ := sh.find(h)
	sh.slots[i] = slot[S]{h: h, s: s}
	sh.n++
}

// rehash moves the entries into a new slice of size slots.
func (sh *shard[S]) rehash(size int) {
	old := sh.slots
	sh.slots = nil
	if size == 0 {
		return
	}
	sh.slots = make([]slot[S], size)
	for _, e := range old {
		if e.h != 0 {
			i, _ := sh.find(e.h)
			sh.slots[i] = e
		}
	}
}

// evictLocked removes one key of a full shard: among eight entries from a
// position given by the incoming hash (so, random), one that is full
// again, else the one closest to full. sh.mu must be held.
func (t *table[S]) evictLocked(sh *shard[S], h uint64, now int64) {
	mask := len(sh.slots) - 1
	victim, best, seen := -1, int64(0), 0
	for i := int(h>>32) & mask; seen < 8; i = (i + 1) & mask {
		if sh.slots[i].h == 0 {
			continue
		}
		if at := t.core.fullAt(sh.slots[i].s); victim < 0 || at < best {
			victim, best = i, at
		}
		if best <= now {
			break
		}
		seen++
	}
	sh.deleteAt(victim)
}

// deleteAt empties slot i and shifts back the entries after it that would
// otherwise no longer be found.
func (sh *shard[S]) deleteAt(i int) {
	mask := len(sh.slots) - 1
	for j := (i + 1) & mask; sh.slots[j].h != 0; j = (j + 1) & mask {
		home := int(sh.slots[j].h) & mask
		// The entry at j may stay unless its home lies cyclically in (i, j].
		if (i <= j && i < home && home <= j) || (i > j && (i < home || home <= j)) {
			continue
		}
		sh.slots[i] = sh.slots[j]
		i = j
	}
	sh.slots[i] = slot[S]{}
	sh.n--
}

// sweep forgets every key that is full again at now, one shard at a time,
// rebuilding each shard that had any at the size its survivors need, so
// that the memory of a burst of keys is given back.
func (t *table[S]) sweep(now int64) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		live := 0
		for j := range sh.slots {
			if e := &sh.slots[j]; e.h != 0 {
				if t.core.fullAt(e.s) <= now {
					*e = slot[S]{}
				} else {
					live++
				}
			}
		}
		if live < sh.n {
			size := 0
			if live > 0 {
				size = max(8, 1<<bits.Len(uint(live*5/4)))
			}
			sh.n = live
			sh.rehash(size)
		}
		sh.mu.Unlock()
	}
}

func (t *table[S]) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += sh.n
		sh.mu.Unlock()
	}
	return n
}

// The cores: each algorithm's arithmetic over its state, for Keyed.

type gcraCore struct{ b bucket }

func (c gcraCore) initial() int64 { return 0 }
func (c gcraCore) decide(tat int64, now int64, n int) (int64, Decision, error) {
	return c.b.decide(tat, now, n)
}
func (c gcraCore) allow(tat int64, now int64) (int64, bool) { return c.b.admit(tat, now) }
func (c gcraCore) fullAt(tat int64) int64                   { return tat }

type tokenCore struct{ b bucket }

func (c tokenCore) initial() tokenState { return tokenState{credit: c.b.span} }
func (c tokenCore) decide(s tokenState, now int64, n int) (tokenState, Decision, error) {
	d, err := c.b.decideTokens(&s, now, n)
	return s, d, err
}
func (c tokenCore) allow(s tokenState, now int64) (tokenState, bool) { return c.b.take(s, now) }
func (c tokenCore) fullAt(s tokenState) int64                        { return s.last + c.b.span - s.credit }

type fixedCore struct{ w window }

func (c fixedCore) initial() windowState { return windowState{} }
func (c fixedCore) decide(s windowState, now int64, n int) (windowState, Decision, error) {
	d, err := c.w.decideFixed(&s, now, n)
	return s, d, err
}
func (c fixedCore) allow(s windowState, now int64) (windowState, bool) {
	ok := c.w.admitFixed(&s, now)
	return s, ok
}
func (c fixedCore) fullAt(s windowState) int64 {
	if s.count == 0 {
		return 0
	}
	return s.start + c.w.size
}

type slidingCore struct{ w window }

func (c slidingCore) initial() slidingState { return slidingState{} }
func (c slidingCore) decide(s slidingState, now int64, n int) (slidingState, Decision, error) {
	d, err := c.w.decideSliding(&s, now, n)
	return s, d, err
}
func (c slidingCore) allow(s slidingState, now int64) (slidingState, bool) {
	d, _ := c.w.decideSliding(&s, now, 1)
	return s, d.Allowed
}
func (c slidingCore) fullAt(s slidingState) int64 {
	switch {
	case s.cur > 0:
		return s.start + 2*c.w.size
	case s.prev > 0:
		return s.start + c.w.size
	}
	return 0
}

type logCore struct{ w window }

func (c logCore) initial() logState { return logState{} }
func (c logCore) decide(s logState, now int64, n int) (logState, Decision, error) {
	d, err := c.w.decideLog(&s, now, n)
	return s, d, err
}
func (c logCore) allow(s logState, now int64) (logState, bool) {
	d, _ := c.w.decideLog(&s, now, 1)
	return s, d.Allowed
}
func (c logCore) fullAt(s logState) int64 {
	if s.count == 0 {
		return 0
	}
	return s.newest() + c.w.size
}

func (l *GCRA) newStore(shards, maxKeys int) keyedStore {
	if l == nil || l.b.burst == 0 {
		return nil
	}
	return newTable[int64](gcraCore{l.b}, shards, maxKeys)
}

func (l *LeakyBucket) newStore(shards, maxKeys int) keyedStore {
	if l == nil || l.b.burst == 0 {
		return nil
	}
	return newTable[int64](gcraCore{l.b}, shards, maxKeys)
}

func (l *TokenBucket) newStore(shards, maxKeys int) keyedStore {
	if l == nil || l.b.burst == 0 {
		return nil
	}
	return newTable[tokenState](tokenCore{l.b}, shards, maxKeys)
}

func (l *FixedWindow) newStore(shards, maxKeys int) keyedStore {
	if l == nil || l.w.limit == 0 {
		return nil
	}
	return newTable[windowState](fixedCore{l.w}, shards, maxKeys)
}

func (l *SlidingWindow) newStore(shards, maxKeys int) keyedStore {
	if l == nil || l.w.limit == 0 {
		return nil
	}
	return newTable[slidingState](slidingCore{l.w}, shards, maxKeys)
}

func (l *SlidingLog) newStore(shards, maxKeys int) keyedStore {
	if l == nil || l.w.limit == 0 {
		return nil
	}
	return newTable[logState](logCore{l.w}, shards, maxKeys)
}
