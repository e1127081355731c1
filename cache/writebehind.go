package cache

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"time"
)

// The defaults of WriteBehindConfig.
const (
	DefaultMaxPending  = 10_000
	DefaultBatchSize   = 100
	DefaultFlushDelay  = time.Second
	DefaultMaxAttempts = 5
	DefaultRetryBase   = 100 * time.Millisecond
	DefaultRetryMax    = 10 * time.Second
)

// WriteBehindConfig configures a [WriteBehind] beyond its store, tier and
// TTL. Its zero value means the documented defaults.
type WriteBehindConfig[V any] struct {
	// ReadThrough configures the reads, which go through a ReadThrough
	// over the tier that loads from the pending writes, then the store.
	ReadThrough ReadThroughConfig

	// MaxPending is the most keys with a write queued and not yet handed
	// to the store. Zero means DefaultMaxPending.
	MaxPending int

	// BatchSize is the most writes in one Store.Write, and the number of
	// queued keys that starts a flush without waiting for FlushDelay.
	// Zero means DefaultBatchSize.
	BatchSize int

	// FlushDelay is the longest a write waits in the queue before a flush
	// starts. Zero means DefaultFlushDelay.
	FlushDelay time.Duration

	// MaxAttempts is how many times a batch is tried before it goes to
	// DeadLetter. Zero means DefaultMaxAttempts.
	MaxAttempts int

	// RetryBase and RetryMax shape the wait before each retry: a random
	// duration in [0, min(RetryMax, RetryBase·2^attempt)) ("full
	// jitter"). Zero means DefaultRetryBase and DefaultRetryMax.
	RetryBase, RetryMax time.Duration

	// DeadLetter, when not nil, receives each batch that could not be
	// written, with the last error: after MaxAttempts, or when Close's
	// context ended first. It runs on the flusher's goroutine; while it
	// runs nothing is flushed.
	DeadLetter func(items []Item[V], err error)
}

// WriteBehindStats counts what a WriteBehind has done.
type WriteBehindStats struct {
	Writes       uint64 // Set and Delete calls accepted
	Coalesced    uint64 // of those, writes that replaced a queued one
	Batches      uint64 // Store.Write calls that succeeded
	Rows         uint64 // items in those
	Retries      uint64 // Store.Write calls retried after an error
	DeadLettered uint64 // items handed to DeadLetter
}

// WriteBehind is the write-behind (write-back) strategy: Set writes the
// cache tier and queues the write; a flusher writes the queue to the store
// later, in batches of up to BatchSize, as soon as BatchSize keys are
// queued or the oldest has waited FlushDelay.
//
// Writes to one key coalesce: while a key's write is queued, a new one
// replaces its value in place, so only the last value is written. Writes to
// one key reach the store in the order they were made: the flusher writes
// one batch at a time, retries it before the next, and a write to a key
// whose batch is being written waits in the queue for the next batch.
//
// The queue is bounded by MaxPending keys (plus the batch being written).
// When it is full, Set waits for room until its context ends, and TrySet
// returns ErrQueueFull at once. A batch that fails is retried with
// exponential backoff and full jitter, MaxAttempts times in all, then
// handed to DeadLetter.
//
// Reads never wait for the flusher: Get reads the tier, which Set updated
// before returning; on a miss it loads the queued or in-flight value if
// there is one, else the store's.
//
// What is lost if the process dies: every write not yet acknowledged by
// Store.Write, that is, the queue (up to MaxPending keys, each written at
// most FlushDelay ago when the store keeps up, longer while a batch is
// retried) and the batch being written (which the store may have applied
// in part). Flush and Close narrow that window to nothing for the writes
// made before them; they cannot help a process that is killed.
//
// Close(ctx) flushes everything, stops the flusher and waits for it; it
// takes a context because it waits on the store and on DeadLetter. Make a
// WriteBehind with [NewWriteBehind]; it is safe for concurrent use.
type WriteBehind[V any] struct {
	store Store[V]
	tier  Tier[V]
	ttl   ttlPolicy
	rt    *ReadThrough[V]
	cfg   WriteBehindConfig[V]

	seed     maphash.Seed
	keyLocks [64]sync.Mutex // order a key's enqueue with its tier update

	runCtx context.Context // the store writes' context, cancelled by abort
	abort  context.CancelFunc
	wake   chan struct{} // cap 1: the queue needs the flusher's attention
	done   chan struct{} // closed when the flusher exits

	mu        sync.Mutex // protects the fields below
	pending   map[string]*pendingWrite[V]
	queue     []*pendingWrite[V] // pending writes, oldest first
	inflight  map[string]Item[V] // the batch being written
	firstSeq  uint64             // the lowest seq in inflight
	reserved  int                // slots taken by Sets about to enqueue
	seq       uint64             // the last seq given out
	flushing  int                // Flush calls waiting
	closing   bool
	space     chan struct{} // closed and replaced when room frees
	progress  chan struct{} // closed and replaced after each batch
	deadCount uint64
	stats     WriteBehindStats
}

type pendingWrite[V any] struct {
	item Item[V]
	seq  uint64    // order of the key's first queued write
	at   time.Time // when it was queued
}

// NewWriteBehind returns a write-behind cache over store and tier; values
// are fresh in the tier for ttl plus jitter. It starts the flusher, which
// Close stops. It returns an error wrapping ErrInvalidConfig for a nil
// store or tier, a bad ttl or a bad cfg.
func NewWriteBehind[V any](store Store[V], tier Tier[V], ttl time.Duration, cfg WriteBehindConfig[V]) (*WriteBehind[V], error) {
	switch {
	case store == nil:
		return nil, errInvalid("NewWriteBehind: store must not be nil")
	case cfg.MaxPending < 0:
		return nil, fmt.Errorf("%w: MaxPending must not be negative, got %d", ErrInvalidConfig, cfg.MaxPending)
	case cfg.BatchSize < 0:
		return nil, fmt.Errorf("%w: BatchSize must not be negative, got %d", ErrInvalidConfig, cfg.BatchSize)
	case cfg.FlushDelay < 0:
		return nil, fmt.Errorf("%w: FlushDelay must not be negative, got %v", ErrInvalidConfig, cfg.FlushDelay)
	case cfg.MaxAttempts < 0:
		return nil, fmt.Errorf("%w: MaxAttempts must not be negative, got %d", ErrInvalidConfig, cfg.MaxAttempts)
	case cfg.RetryBase < 0 || cfg.RetryMax < 0:
		return nil, fmt.Errorf("%w: RetryBase and RetryMax must not be negative, got %v and %v", ErrInvalidConfig, cfg.RetryBase, cfg.RetryMax)
	}
	defaults := []struct {
		v *int
		d int
	}{{&cfg.MaxPending, DefaultMaxPending}, {&cfg.BatchSize, DefaultBatchSize}, {&cfg.MaxAttempts, DefaultMaxAttempts}}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.d
		}
	}
	if cfg.FlushDelay == 0 {
		cfg.FlushDelay = DefaultFlushDelay
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	wb := &WriteBehind[V]{
		store: store, tier: tier, cfg: cfg, seed: maphash.MakeSeed(),
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		pending: map[string]*pendingWrite[V]{}, inflight: map[string]Item[V]{},
		space: make(chan struct{}), progress: make(chan struct{}),
	}
	rt, err := NewReadThrough(tier, wb.load, ttl, cfg.ReadThrough)
	if err != nil {
		return nil, err
	}
	wb.rt, wb.ttl = rt, rt.ttl
	wb.runCtx, wb.abort = context.WithCancel(context.Background())
	go wb.run()
	return wb, nil
}

// load is the reads' loader: a queued or in-flight write first, then the
// store. With the lease the ReadThrough takes before calling it, a value
// read from the store is never older than a write the tier was told of.
func (wb *WriteBehind[V]) load(ctx context.Context, key string) (V, error) {
	wb.mu.Lock()
	it, ok := wb.latestLocked(key)
	wb.mu.Unlock()
	if ok {
		if it.Delete {
			var zero V
			return zero, ErrNotFound
		}
		return it.Value, nil
	}
	return wb.store.Load(ctx, key)
}

// latestLocked returns the newest write of key not yet in the store.
func (wb *WriteBehind[V]) latestLocked(key string) (Item[V], bool) {
	if p, ok := wb.pending[key]; ok {
		return p.item, true
	}
	it, ok := wb.inflight[key]
	return it, ok
}

// Get reads key: from the tier, else the pending writes, else the store.
// It never waits for the flusher.
func (wb *WriteBehind[V]) Get(ctx context.Context, key string) (V, Result, error) {
	if wb == nil || wb.rt == nil {
		var zero V
		return zero, Failed, errWriteBehindZero
	}
	return wb.rt.Get(ctx, key)
}

// Set caches v for key and queues its write to the store, waiting for
// room in the queue until ctx ends. An error wrapping ErrTier means the
// write is queued but the tier could not be updated (its entry was
// deleted, unless the error says otherwise).
func (wb *WriteBehind[V]) Set(ctx context.Context, key string, v V) error {
	return wb.write(ctx, Item[V]{Key: key, Value: v}, true)
}

// TrySet is Set that returns ErrQueueFull instead of waiting for room.
func (wb *WriteBehind[V]) TrySet(ctx context.Context, key string, v V) error {
	return wb.write(ctx, Item[V]{Key: key, Value: v}, false)
}

// Delete removes key from the tier and queues its deletion from the
// store, waiting for room as Set does.
func (wb *WriteBehind[V]) Delete(ctx context.Context, key string) error {
	return wb.write(ctx, Item[V]{Key: key, Delete: true}, true)
}

func (wb *WriteBehind[V]) write(ctx context.Context, it Item[V], block bool) error {
	if wb == nil || wb.rt == nil {
		return errWriteBehindZero
	}
	if err := wb.reserve(ctx, block); err != nil {
		return err
	}
	if testHookReserved != nil {
		testHookReserved()
	}
	kl := &wb.keyLocks[maphash.String(wb.seed, it.Key)%uint64(len(wb.keyLocks))]
	kl.Lock()
	defer kl.Unlock()
	if err := wb.enqueue(it); err != nil {
		return err
	}
	var err error
	if it.Delete {
		err = wb.tier.Delete(ctx, it.Key)
	} else {
		e, ttl := valueEntry(wb.ttl, it.Value, time.Now(), 0)
		if err = wb.tier.Set(ctx, it.Key, e, ttl); err != nil {
			if derr := wb.tier.Delete(ctx, it.Key); derr != nil {
				err = errors.Join(err, derr)
				wb.rt.forget(it.Key)
				return fmt.Errorf("%w: key %q is queued but its old value may stay cached until its TTL: %w", ErrTier, it.Key, err)
			}
		}
	}
	wb.rt.forget(it.Key)
	if err != nil {
		wb.rt.stats.tier.Add(1)
		return fmt.Errorf("%w: key %q is queued; its cache entry was deleted: %w", ErrTier, it.Key, err)
	}
	return nil
}

// reserve takes a slot in the queue, waiting for one when block is set.
func (wb *WriteBehind[V]) reserve(ctx context.Context, block bool) error {
	wb.mu.Lock()
	for {
		if wb.closing {
			wb.mu.Unlock()
			return ErrClosed
		}
		if len(wb.pending)+wb.reserved < wb.cfg.MaxPending {
			wb.reserved++
			wb.mu.Unlock()
			return nil
		}
		if !block {
			wb.mu.Unlock()
			return fmt.Errorf("%w: %d keys pending", ErrQueueFull, wb.cfg.MaxPending)
		}
		space := wb.space
		wb.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		}
		wb.mu.Lock()
	}
}

// enqueue queues it, coalescing with a queued write of its key, and gives
// back the slot reserve took when it does. It refuses a write that Close
// overtook since reserve: the flusher may be gone.
func (wb *WriteBehind[V]) enqueue(it Item[V]) error {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	wb.reserved--
	if wb.closing {
		wb.kick() // the flusher waits for reserved slots before it exits
		return ErrClosed
	}
	wb.stats.Writes++
	if p, ok := wb.pending[it.Key]; ok {
		p.item = it
		wb.stats.Coalesced++
		wb.freeLocked()
		return nil
	}
	wb.seq++
	p := &pendingWrite[V]{item: it, seq: wb.seq, at: time.Now()}
	wb.pending[it.Key] = p
	wb.queue = append(wb.queue, p)
	if len(wb.queue) == 1 || len(wb.queue) >= wb.cfg.BatchSize {
		wb.kick()
	}
	return nil
}

// freeLocked wakes the Sets waiting for room.
func (wb *WriteBehind[V]) freeLocked() {
	close(wb.space)
	wb.space = make(chan struct{})
}

func (wb *WriteBehind[V]) kick() {
	select {
	case wb.wake <- struct{}{}:
	default:
	}
}

// Flush writes every write made before it to the store (or to DeadLetter),
// and waits for that until ctx ends. It returns ErrDeadLetter when a batch
// was dead-lettered while it waited.
func (wb *WriteBehind[V]) Flush(ctx context.Context) error {
	if wb == nil || wb.rt == nil {
		return errWriteBehindZero
	}
	wb.mu.Lock()
	target, dead := wb.seq, wb.deadCount
	wb.flushing++
	wb.kick()
	for !wb.flushedLocked(target) {
		progress := wb.progress
		wb.mu.Unlock()
		select {
		case <-progress:
		case <-ctx.Done():
			wb.mu.Lock()
			wb.flushing--
			wb.mu.Unlock()
			return ctx.Err()
		}
		wb.mu.Lock()
	}
	wb.flushing--
	lost := wb.deadCount - dead
	wb.mu.Unlock()
	if lost > 0 {
		return fmt.Errorf("%w: %d items", ErrDeadLetter, lost)
	}
	return nil
}

// flushedLocked reports whether every write up to seq target has left the
// queue and the batch being written.
func (wb *WriteBehind[V]) flushedLocked(target uint64) bool {
	return (len(wb.queue) == 0 || wb.queue[0].seq > target) &&
		(len(wb.inflight) == 0 || wb.firstSeq > target)
}

// Pending returns the number of keys whose write has not reached the
// store yet, the batch being written included.
func (wb *WriteBehind[V]) Pending() int {
	if wb == nil || wb.rt == nil {
		panic(errWriteBehindZero)
	}
	wb.mu.Lock()
	defer wb.mu.Unlock()
	return len(wb.pending) + len(wb.inflight)
}

// Stats returns the counts so far.
func (wb *WriteBehind[V]) Stats() WriteBehindStats {
	if wb == nil || wb.rt == nil {
		panic(errWriteBehindZero)
	}
	wb.mu.Lock()
	defer wb.mu.Unlock()
	return wb.stats
}

// ReadThrough returns the read-through cache that serves Get.
func (wb *WriteBehind[V]) ReadThrough() *ReadThrough[V] {
	if wb == nil || wb.rt == nil {
		panic(errWriteBehindZero)
	}
	return wb.rt
}

// Close stops accepting writes (they fail with ErrClosed), writes out
// everything queued, stops the flusher and waits for it, then closes the
// reads' ReadThrough. When ctx ends first, Close cancels the store write in
// progress, hands every batch not written to DeadLetter with the context's
// error, waits for the flusher and returns ctx.Err(). Close is idempotent:
// a second call waits as the first does. It returns ErrDeadLetter when a
// batch was dead-lettered during Close.
func (wb *WriteBehind[V]) Close(ctx context.Context) error {
	if wb == nil || wb.rt == nil {
		return errWriteBehindZero
	}
	wb.mu.Lock()
	dead := wb.deadCount
	if !wb.closing {
		wb.closing = true
		wb.freeLocked() // Sets waiting for room see closing
	}
	wb.kick()
	wb.mu.Unlock()
	var err error
	select {
	case <-wb.done:
	case <-ctx.Done():
		wb.abort()
		<-wb.done
		err = ctx.Err()
	}
	wb.abort()
	if rerr := wb.rt.Close(ctx); err == nil {
		err = rerr
	}
	wb.mu.Lock()
	lost := wb.deadCount - dead
	wb.mu.Unlock()
	if err == nil && lost > 0 {
		err = fmt.Errorf("%w: %d items", ErrDeadLetter, lost)
	}
	return err
}

// testHookReserved, nil outside tests, runs in a write between taking its
// slot and queueing.
var testHookReserved func()

// run is the flusher.
func (wb *WriteBehind[V]) run() {
	defer close(wb.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		batch, wait, exit := wb.next()
		switch {
		case exit:
			return
		case batch != nil:
			wb.writeBatch(batch)
			wb.finish()
		case wait > 0:
			timer.Reset(wait)
			select {
			case <-wb.wake:
				timer.Stop()
			case <-timer.C:
			}
		default:
			<-wb.wake
		}
	}
}

// next returns the batch to write now, or how long to wait for one (zero:
// until woken), or exit when closing and nothing is left.
func (wb *WriteBehind[V]) next() (batch []Item[V], wait time.Duration, exit bool) {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	if len(wb.queue) == 0 {
		return nil, 0, wb.closing && wb.reserved == 0
	}
	if len(wb.queue) < wb.cfg.BatchSize && wb.flushing == 0 && !wb.closing {
		if d := time.Until(wb.queue[0].at.Add(wb.cfg.FlushDelay)); d > 0 {
			return nil, d, false
		}
	}
	n := min(len(wb.queue), wb.cfg.BatchSize)
	batch = make([]Item[V], n)
	wb.firstSeq = wb.queue[0].seq
	for i, p := range wb.queue[:n] {
		batch[i] = p.item
		wb.inflight[p.item.Key] = p.item
		delete(wb.pending, p.item.Key)
		wb.queue[i] = nil
	}
	wb.queue = wb.queue[n:]
	wb.freeLocked()
	return batch, 0, false
}

// writeBatch writes batch to the store, retrying with backoff, or hands
// it to DeadLetter.
func (wb *WriteBehind[V]) writeBatch(batch []Item[V]) {
	for attempt := 0; ; attempt++ {
		if err := wb.runCtx.Err(); err != nil {
			wb.deadLetter(batch, err)
			return
		}
		err := wb.store.Write(wb.runCtx, batch)
		if err == nil {
			wb.mu.Lock()
			wb.stats.Batches++
			wb.stats.Rows += uint64(len(batch))
			wb.mu.Unlock()
			return
		}
		if attempt+1 >= wb.cfg.MaxAttempts {
			wb.deadLetter(batch, fmt.Errorf("%w: %d attempts: %w", ErrStore, attempt+1, err))
			return
		}
		wb.mu.Lock()
		wb.stats.Retries++
		wb.mu.Unlock()
		t := time.NewTimer(wb.backoff(attempt))
		select {
		case <-t.C:
		case <-wb.runCtx.Done():
			t.Stop()
			wb.deadLetter(batch, errors.Join(wb.runCtx.Err(), err))
			return
		}
	}
}

// backoff returns the wait before retry number attempt+1: full jitter
// over an exponential ceiling.
func (wb *WriteBehind[V]) backoff(attempt int) time.Duration {
	ceil := wb.cfg.RetryMax
	if attempt < 62 {
		if d := wb.cfg.RetryBase << attempt; d > 0 && d < ceil {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceil)))
}

// deadLetter hands batch to DeadLetter, and deletes from the tier the
// keys it holds that have no newer write queued: the tier must not keep
// serving a value the store never got. The batch leaves inflight first,
// so that a read from then on loads the store's value, not the dead one.
func (wb *WriteBehind[V]) deadLetter(batch []Item[V], err error) {
	wb.mu.Lock()
	wb.stats.DeadLettered += uint64(len(batch))
	wb.deadCount += uint64(len(batch))
	clear(wb.inflight)
	var drop []string
	for _, it := range batch {
		if _, queued := wb.pending[it.Key]; !queued {
			drop = append(drop, it.Key)
		}
	}
	wb.mu.Unlock()
	if len(drop) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), wb.rt.cfg.LoadTimeout)
		if derr := wb.tier.Delete(ctx, drop...); derr != nil {
			wb.rt.report(drop[0], fmt.Errorf("%w: deleting %d dead-lettered keys: %w", ErrTier, len(drop), derr))
		}
		cancel()
		wb.rt.forget(drop...)
	}
	if wb.cfg.DeadLetter != nil {
		wb.cfg.DeadLetter(batch, err)
	}
}

// finish retires the batch just written.
func (wb *WriteBehind[V]) finish() {
	wb.mu.Lock()
	clear(wb.inflight)
	close(wb.progress)
	wb.progress = make(chan struct{})
	wb.mu.Unlock()
}
