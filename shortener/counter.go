package shortener

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
)

// BlockSource hands out blocks of ids shared by every node: a Redis
// INCRBY (package redisid), a database sequence, or [MemorySource] in a
// single process. Blocks never overlap, and each one starts after every
// block handed out before it.
type BlockSource interface {
	// NextBlock reserves size ids and returns the first: the block is
	// [first, first+size).
	NextBlock(ctx context.Context, size uint64) (first uint64, err error)
}

// Raiser is a BlockSource that can be moved forward. [Counter] raises a
// source it finds behind its floor (one that restarted empty) to the
// floor, and then checks the next block again.
type Raiser interface {
	BlockSource
	// Raise makes the next block start at floor or later. It never moves
	// the source backwards.
	Raise(ctx context.Context, floor uint64) error
}

// ErrSourceBehind is returned by [Counter] when its BlockSource hands out a
// block below the counter's floor (a source that restarted empty, or was
// reset) and cannot be raised past it: issuing from that block would hand
// out codes again.
var ErrSourceBehind = errors.New("shortener: block source is behind the floor")

// MemorySource is a BlockSource in one process: an atomic counter. Its
// zero value is ready to use and starts at 0. It restarts empty with the
// process, so it is the authority only for a single process whose Counter
// is given a floor from the store (see [CounterConfig].Floor).
type MemorySource struct {
	next atomic.Uint64 // the first id of the next block
}

var _ Raiser = (*MemorySource)(nil)

// NewMemorySource returns a source whose first block starts at first.
func NewMemorySource(first uint64) *MemorySource {
	s := new(MemorySource)
	s.next.Store(first)
	return s
}

// NextBlock reserves size ids. It fails with ErrExhausted when the block
// would pass math.MaxUint64, and with ErrInvalidConfig for size 0.
func (s *MemorySource) NextBlock(ctx context.Context, size uint64) (uint64, error) {
	if size == 0 {
		return 0, fmt.Errorf("%w: block size must be >= 1", ErrInvalidConfig)
	}
	for {
		first := s.next.Load()
		if first > math.MaxUint64-size {
			return 0, fmt.Errorf("%w: no block of %d after %d", ErrExhausted, size, first)
		}
		if s.next.CompareAndSwap(first, first+size) {
			return first, nil
		}
	}
}

// Raise moves the next block to floor if it would start below it.
func (s *MemorySource) Raise(_ context.Context, floor uint64) error {
	for {
		cur := s.next.Load()
		if cur >= floor || s.next.CompareAndSwap(cur, floor) {
			return nil
		}
	}
}

// CounterConfig holds the optional settings of a [Counter]. Its zero value
// means the defaults.
type CounterConfig struct {
	// Floor is the lowest id the counter may hand out: one more than the
	// highest id the store has ever issued, read from the store at start.
	// A block below it is refused (the source is raised first when it is
	// a Raiser). Zero means no floor beyond the counter's own blocks.
	//
	// A floor knows only the store and this counter's own blocks, not the
	// blocks other nodes hold in memory: when a shared source restarts
	// empty under several running nodes, one node can be raised into a
	// block another still serves, and both hand out the same ids. The
	// store's unique index (and [Issuer]'s TakenFunc before it) is what
	// keeps such a code from being issued twice.
	Floor uint64
	// Obfuscator, when set, turns each id into a code through the keyed
	// bijection, so consecutive links get unrelated codes. Ids must stay
	// below its Domain; the counter fails with ErrExhausted there.
	Obfuscator *Feistel
}

// block is a range of ids [next, end) owned by one Counter.
type block struct {
	next atomic.Uint64
	end  uint64
}

// Counter hands out ids from blocks of a shared BlockSource: an atomic
// increment within the block, one round trip to the source per blockSize
// ids. Ids of a block lost in a crash are gaps, never handed out again.
// It is safe for simultaneous use by multiple goroutines.
type Counter struct {
	src       BlockSource
	blockSize uint64
	obf       *Feistel

	cur atomic.Pointer[block] // the block ids are taken from

	// refill is a one-slot semaphore held by the goroutine fetching the
	// next block; the others wait on it with their context.
	refill chan struct{}
	// floor is the lowest id the next block may start at: Config.Floor,
	// then the end of the last block. Guarded by refill.
	floor uint64
}

// NewCounter returns a Counter that takes blockSize ids at a time from
// src. blockSize must be >= 1.
func NewCounter(src BlockSource, blockSize uint64, cfg CounterConfig) (*Counter, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: BlockSource is nil", ErrInvalidConfig)
	}
	if blockSize == 0 {
		return nil, fmt.Errorf("%w: blockSize must be >= 1, got 0", ErrInvalidConfig)
	}
	if cfg.Obfuscator != nil && cfg.Obfuscator.rounds == 0 {
		return nil, fmt.Errorf("%w: Obfuscator made without NewFeistel", ErrInvalidConfig)
	}
	c := &Counter{src: src, blockSize: blockSize, obf: cfg.Obfuscator, refill: make(chan struct{}, 1), floor: cfg.Floor}
	c.cur.Store(new(block)) // empty: the first NextID fetches
	return c, nil
}

// NextID returns a new id. Within a block it is one compare-and-swap;
// the goroutine that finds the block used up fetches the next one while
// the others wait for it or for their context.
func (c *Counter) NextID(ctx context.Context) (uint64, error) {
	if c == nil || c.refill == nil {
		return 0, errCounterZero
	}
	for {
		b := c.cur.Load()
		n := b.next.Load()
		if n < b.end {
			if b.next.CompareAndSwap(n, n+1) {
				return n, nil
			}
			continue
		}
		if err := c.fetch(ctx, b); err != nil {
			return 0, err
		}
	}
}

// fetch replaces the used-up block old with a new one from the source,
// unless another goroutine already did.
func (c *Counter) fetch(ctx context.Context, old *block) error {
	if err := ctx.Err(); err != nil {
		return err // before the select, which would pick at random
	}
	select {
	case c.refill <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.refill }()
	if c.cur.Load() != old {
		return nil
	}
	first, err := c.src.NextBlock(ctx, c.blockSize)
	if err != nil {
		return err
	}
	if first < c.floor {
		r, ok := c.src.(Raiser)
		if !ok {
			return fmt.Errorf("%w: block starts at %d, floor %d", ErrSourceBehind, first, c.floor)
		}
		if err := r.Raise(ctx, c.floor); err != nil {
			return err
		}
		if first, err = c.src.NextBlock(ctx, c.blockSize); err != nil {
			return err
		}
		if first < c.floor {
			return fmt.Errorf("%w: block starts at %d after raising to %d", ErrSourceBehind, first, c.floor)
		}
	}
	if first > math.MaxUint64-c.blockSize {
		return fmt.Errorf("%w: block at %d does not fit", ErrExhausted, first)
	}
	nb := &block{end: first + c.blockSize}
	nb.next.Store(first)
	c.floor = nb.end
	c.cur.Store(nb)
	return nil
}

// Next returns the base62 code of a new id, passed through the
// Obfuscator when there is one.
func (c *Counter) Next(ctx context.Context) (string, error) {
	id, err := c.NextID(ctx)
	if err != nil {
		return "", err
	}
	if c.obf != nil {
		y, err := c.obf.Obfuscate(id)
		if err != nil {
			return "", fmt.Errorf("%w: id %d is past the obfuscator's domain %d", ErrExhausted, id, c.obf.domain)
		}
		id = y
	}
	return Encode(id), nil
}
