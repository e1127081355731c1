package shortener

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The layout of a [TimeOrdered] id, from the top bit down: one zero bit,
// TimestampBits of milliseconds since the epoch, NodeBits of node id,
// SequenceBits of sequence within the millisecond.
const (
	TimestampBits = 41              // 2^41 ms ≈ 69.7 years
	NodeBits      = 10              // 1024 nodes
	SequenceBits  = 12              // 4096 ids per node per millisecond
	MaxNode       = 1<<NodeBits - 1 // the largest node id
)

// DefaultEpoch is the instant a TimeOrdered id's timestamp counts from
// when TimeOrderedConfig.Epoch is zero.
var DefaultEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// DefaultMaxBackward is how far back the clock may step before
// [TimeOrdered] refuses instead of waiting, when
// TimeOrderedConfig.MaxBackward is zero.
const DefaultMaxBackward = time.Second

// ErrClockBackward is returned by [TimeOrdered.NextID] when the clock
// stepped back further than MaxBackward (or before the epoch): waiting
// that long is worse than failing, and issuing would repeat ids.
var ErrClockBackward = errors.New("shortener: clock moved backwards")

// TimeOrderedConfig holds the optional settings of a [TimeOrdered]. Its
// zero value means the defaults.
type TimeOrderedConfig struct {
	// Epoch is the instant timestamps count from. Zero means DefaultEpoch.
	Epoch time.Time
	// MaxBackward is the largest backward step of the clock that NextID
	// waits out; a larger one is ErrClockBackward. Zero means
	// DefaultMaxBackward; negative means never wait.
	MaxBackward time.Duration
	// Now reads the clock. Nil means time.Now. Tests set it.
	Now func() time.Time
}

// TimeOrdered issues 63-bit ids that sort by creation time, as Twitter's
// Snowflake does: milliseconds since the epoch, the node, a sequence
// number. Each node must have its own node id; within a node the ids are
// strictly increasing. A clock that steps back up to MaxBackward is waited
// out; further is an error; an id is never repeated. It is safe for
// simultaneous use by multiple goroutines.
type TimeOrdered struct {
	node        uint64
	epoch       time.Time
	maxBackward time.Duration
	now         func() time.Time

	mu   sync.Mutex // protects last and seq
	last int64      // the millisecond of the last id, -1 before the first
	seq  uint64     // the sequence of the last id within last
}

// NewTimeOrdered returns a generator for node, in [0, MaxNode].
func NewTimeOrdered(node int, cfg TimeOrderedConfig) (*TimeOrdered, error) {
	if node < 0 || node > MaxNode {
		return nil, fmt.Errorf("%w: node must be in [0, %d], got %d", ErrInvalidConfig, MaxNode, node)
	}
	if cfg.Epoch.IsZero() {
		cfg.Epoch = DefaultEpoch
	}
	if cfg.MaxBackward == 0 {
		cfg.MaxBackward = DefaultMaxBackward
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TimeOrdered{node: uint64(node), epoch: cfg.Epoch, maxBackward: cfg.MaxBackward, now: cfg.Now, last: -1}, nil
}

// NextID returns a new id. It waits for the next millisecond when this
// one's 4096 ids are used, and for the clock to catch up when it stepped
// back by at most MaxBackward; it returns ctx's error if ctx ends first.
func (g *TimeOrdered) NextID(ctx context.Context) (uint64, error) {
	if g == nil || g.now == nil {
		return 0, errTimeOrderedZero
	}
	for {
		id, wait, err := g.take()
		if err != nil || wait == 0 {
			return id, err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		}
	}
}

// take returns an id, or how long to wait before trying again.
func (g *TimeOrdered) take() (id uint64, wait time.Duration, err error) {
	// The clock is read under the lock, so the order of the reads is the
	// order of the ids.
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.now().Sub(g.epoch)
	if d < 0 {
		return 0, 0, fmt.Errorf("%w: clock reads %v before the epoch", ErrClockBackward, -d)
	}
	ms := d.Milliseconds()
	if ms >= 1<<TimestampBits {
		return 0, 0, fmt.Errorf("%w: timestamp past %d bits", ErrExhausted, TimestampBits)
	}
	switch {
	case ms < g.last:
		back := time.Duration(g.last-ms) * time.Millisecond
		if g.maxBackward < 0 || back > g.maxBackward {
			return 0, 0, fmt.Errorf("%w: by %v, more than %v", ErrClockBackward, back, max(g.maxBackward, 0))
		}
		return 0, back, nil
	case ms == g.last:
		if g.seq == 1<<SequenceBits-1 {
			// This millisecond is used up: wait for the next one.
			next := g.epoch.Add(time.Duration(g.last+1) * time.Millisecond)
			return 0, max(next.Sub(g.now()), time.Microsecond), nil
		}
		g.seq++
	default:
		g.last, g.seq = ms, 0
	}
	return uint64(g.last)<<(NodeBits+SequenceBits) | g.node<<SequenceBits | g.seq, 0, nil
}

// Next returns the base62 code of a new id: at most 11 characters, and
// codes of the same length sort in the order they were issued.
func (g *TimeOrdered) Next(ctx context.Context) (string, error) {
	id, err := g.NextID(ctx)
	if err != nil {
		return "", err
	}
	return Encode(id), nil
}

// Parts splits an id into the instant it was issued, its node and its
// sequence number.
func (g *TimeOrdered) Parts(id uint64) (at time.Time, node int, seq int, err error) {
	if g == nil || g.now == nil {
		return time.Time{}, 0, 0, errTimeOrderedZero
	}
	ms := int64(id >> (NodeBits + SequenceBits))
	return g.epoch.Add(time.Duration(ms) * time.Millisecond),
		int(id >> SequenceBits & MaxNode), int(id & (1<<SequenceBits - 1)), nil
}
