package cache

import (
	"sync"
	"time"
)

// LRU is a least-recently-used cache: when full, it evicts the entry whose
// last Get or Set is oldest. Get, Set and Delete are O(1) (SetWithTTL is
// O(log n) in the number of entries with a time to live).
//
// LRU is safe for simultaneous use by multiple goroutines. Every call,
// including Get, takes one exclusive lock, because a Get moves the entry to
// the front of the recency list; under parallel load the lock, not the
// work, sets the pace. [S3FIFO] is the cache to use when many goroutines
// read at once.
//
// Make an LRU with [NewLRU]. The zero value has no capacity: every method
// of it panics with an error wrapping [ErrNotInitialized] ("cache: LRU used
// without NewLRU").
type LRU[K comparable, V any] struct {
	onEvict    func(K, V, Reason)
	defaultTTL time.Duration
	interval   time.Duration
	base       time.Time
	sweep      sweeper
	// recordStats is Config.RecordStats.
	recordStats bool

	mu       sync.Mutex // protects the fields below
	capacity int
	items    map[K]*entry[K, V]
	order    list[K, V] // front is the most recently used
	expiry   expiryHeap[K, V]
	stats    Stats
}

func (c *LRU[K, V]) countMiss() {
	if c.recordStats {
		c.stats.Misses++
	}
}

// NewLRU returns an empty LRU that holds at most capacity entries,
// configured by cfg. Memory follows the entries stored, not the capacity.
// It returns an error wrapping [ErrInvalidConfig] when capacity is outside
// [1, MaxCapacity] or a duration in cfg is negative.
func NewLRU[K comparable, V any](capacity int, cfg Config[K, V]) (*LRU[K, V], error) {
	if err := cfg.validate(capacity); err != nil {
		return nil, err
	}
	c := &LRU[K, V]{
		onEvict:     cfg.OnEvict,
		defaultTTL:  cfg.DefaultTTL,
		interval:    cfg.sweepInterval(),
		base:        time.Now(),
		capacity:    capacity,
		recordStats: cfg.RecordStats,
		items:       make(map[K]*entry[K, V], min(capacity, 1024)),
	}
	c.order.init()
	return c, nil
}

func (c *LRU[K, V]) now() int64 { return int64(time.Since(c.base)) }

// mustBeInitialized panics unless c was made by NewLRU. It reads items
// without the lock: only NewLRU sets it.
func (c *LRU[K, V]) mustBeInitialized() {
	if c.items == nil {
		panic(errLRUZero)
	}
}

// Get returns the value stored for key and whether there was one, and marks
// the entry as the most recently used. An expired entry is removed and
// reported as absent.
func (c *LRU[K, V]) Get(key K) (V, bool) {
	c.mustBeInitialized()
	c.mu.Lock()
	e, ok := c.items[key]
	if !ok {
		c.countMiss()
		c.mu.Unlock()
		var zero V
		return zero, false
	}
	if d := e.deadline.Load(); d != 0 && c.now() >= d {
		c.countMiss()
		c.stats.Expirations++
		c.removeLocked(e)
		c.mu.Unlock()
		if c.onEvict != nil {
			c.onEvict(e.key, e.value, Expired)
		}
		var zero V
		return zero, false
	}
	if c.recordStats {
		c.stats.Hits++
	}
	c.order.moveToFront(e)
	v := e.value
	c.mu.Unlock()
	return v, true
}

// Set stores value for key with the configured DefaultTTL, replacing any
// value stored before, and marks the entry as the most recently used. When
// the cache is full, the least recently used entry is evicted.
func (c *LRU[K, V]) Set(key K, value V) {
	c.SetWithTTL(key, value, c.defaultTTL)
}

// SetWithTTL stores value for key to expire after ttl. A ttl of zero means
// the entry never expires; a negative ttl stores nothing and removes any
// entry for key, as if it had expired at once. A ttl that would reach past
// about 292 years after the cache was created, such as math.MaxInt64, is
// cut to that instant, which no process lives to see.
func (c *LRU[K, V]) SetWithTTL(key K, value V, ttl time.Duration) {
	c.mustBeInitialized()
	var d int64
	if ttl > 0 {
		d = deadline(c.now(), ttl)
		c.sweep.start(c.interval, c.sweepExpired)
	}
	var gone removal[K, V]
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		if ttl < 0 {
			c.stats.Expirations++
			c.removeLocked(e)
			gone = removal[K, V]{e.key, e.value, Expired}
		} else {
			e.value = value
			c.expiry.setDeadline(e, d)
			c.order.moveToFront(e)
		}
	} else if ttl >= 0 {
		if len(c.items) >= c.capacity {
			old := c.order.back()
			c.stats.Evictions++
			c.removeLocked(old)
			gone = removal[K, V]{old.key, old.value, Evicted}
		}
		e := &entry[K, V]{key: key, value: value, heapIndex: -1}
		c.items[key] = e
		c.order.pushFront(e)
		if d != 0 {
			e.deadline.Store(d)
			c.expiry.push(e)
		}
	}
	c.mu.Unlock()
	if gone.reason != 0 && c.onEvict != nil {
		c.onEvict(gone.key, gone.value, gone.reason)
	}
}

// Delete removes the entry for key and reports whether there was one.
func (c *LRU[K, V]) Delete(key K) bool {
	c.mustBeInitialized()
	c.mu.Lock()
	e, ok := c.items[key]
	if ok {
		c.removeLocked(e)
	}
	c.mu.Unlock()
	if ok && c.onEvict != nil {
		c.onEvict(e.key, e.value, Deleted)
	}
	return ok
}

// Clear removes every entry.
func (c *LRU[K, V]) Clear() {
	c.mustBeInitialized()
	c.mu.Lock()
	var gone []*entry[K, V]
	if c.onEvict != nil {
		gone = make([]*entry[K, V], 0, len(c.items))
		for e := c.order.back(); e != nil && e != &c.order.root; e = e.prev {
			gone = append(gone, e)
		}
	}
	clear(c.items)
	c.order.init()
	c.expiry = nil
	c.mu.Unlock()
	for _, e := range gone {
		c.onEvict(e.key, e.value, Deleted)
	}
}

// Len returns the number of entries, counting expired ones not yet removed.
func (c *LRU[K, V]) Len() int {
	c.mustBeInitialized()
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Stats returns the counts of hits, misses, evictions and expirations so far.
func (c *LRU[K, V]) Stats() Stats {
	c.mustBeInitialized()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
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
func (c *LRU[K, V]) Close() {
	c.mustBeInitialized()
	c.sweep.close()
}

// removeLocked unlinks e from every structure. c.mu must be held.
func (c *LRU[K, V]) removeLocked(e *entry[K, V]) {
	delete(c.items, e.key)
	c.order.remove(e)
	if e.heapIndex >= 0 {
		c.expiry.remove(e)
	}
}

// sweepExpired removes expired entries in batches, releasing the lock
// between batches, up to sweepLimit per run; it returns before the next
// batch once Close has been called.
func (c *LRU[K, V]) sweepExpired() {
	var batch [sweepBatch]removal[K, V]
	for removed := 0; removed < sweepLimit; {
		if c.sweep.stopping() {
			return
		}
		n := 0
		c.mu.Lock()
		now := c.now()
		for n < len(batch) && len(c.expiry) > 0 && c.expiry[0].deadline.Load() <= now {
			e := c.expiry[0]
			c.removeLocked(e)
			c.stats.Expirations++
			batch[n] = removal[K, V]{e.key, e.value, Expired}
			n++
		}
		c.mu.Unlock()
		if c.onEvict != nil {
			for i := range n {
				c.onEvict(batch[i].key, batch[i].value, Expired)
			}
		}
		clear(batch[:n])
		if n < len(batch) {
			return
		}
		removed += n
	}
}
