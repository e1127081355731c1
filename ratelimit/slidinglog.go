package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MaxLogLimit is the largest limit a [SlidingLog] accepts: its log holds up
// to limit timestamps of 8 bytes each, so this bounds one log at 8 MiB. For
// larger limits the [SlidingWindow] counter needs no log.
const MaxLogLimit = 1 << 20

// logState is a sliding log's state: the instants of the admitted events
// still inside the window, oldest first, in a ring buffer that grows by
// doubling up to the limit.
type logState struct {
	ring  []int64
	head  int // index of the oldest entry
	count int
}

// index returns the position in ring of the ith oldest entry.
func (s *logState) index(i int) int {
	if i += s.head; i >= len(s.ring) {
		i -= len(s.ring)
	}
	return i
}

func (s *logState) at(i int) int64 { return s.ring[s.index(i)] }

func (s *logState) newest() int64 { return s.at(s.count - 1) }

// push appends n copies of t, growing the ring up to limit.
func (s *logState) push(t int64, n, limit int) {
	if s.count+n > len(s.ring) {
		size := min(max(2*len(s.ring), s.count+n, 8), limit)
		ring := make([]int64, size)
		for i := range s.count {
			ring[i] = s.at(i)
		}
		s.ring, s.head = ring, 0
	}
	for range n {
		s.ring[s.index(s.count)] = t
		s.count++
	}
}

// decideLog applies a request for n events at now to s. The arithmetic is
// the one documented on [SlidingLog].
func (w *window) decideLog(s *logState, now int64, n int) (Decision, error) {
	if s.count > 0 {
		now = max(now, s.newest())
	}
	for s.count > 0 && s.ring[s.head] <= now-w.size {
		s.head = s.index(1)
		s.count--
	}
	d := Decision{Limit: w.limit, Window: time.Duration(w.size)}
	var err error
	switch {
	case n < 1:
		err = errInvalidN(n)
	case n > w.limit:
		err = errExceeds(n, w.limit)
	case s.count+n > w.limit:
		// The (count+n-limit)th oldest event must leave the window.
		d.RetryAfter = time.Duration(s.at(s.count+n-w.limit-1) + w.size - now)
	default:
		s.push(now, n, w.limit)
		d.Allowed = true
	}
	d.Remaining = w.limit - s.count
	if s.count > 0 {
		d.ResetAfter = time.Duration(s.newest() + w.size - now)
	}
	return d, err
}

// SlidingLog is the sliding-window log: it remembers the instant of every
// admitted event still inside the window and admits an event when fewer
// than limit fall in (now-window, now]. It is exact, with no boundary
// burst and no estimate, at the price of memory proportional to the limit:
// a ring buffer of up to limit timestamps (8 bytes each). Dropping
// expired entries from the front is O(1) each, so a decision costs O(1)
// amortised per event.
//
// A request for n events at instant now first drops the entries at or
// before now-window, then is allowed when count + n <= limit and records n
// entries at now. The Decision reports
//
//	Limit      = limit
//	Window     = window
//	Remaining  = limit - count            (count after the decision)
//	RetryAfter = when denied, e + window - now, where e is the
//	             (count+n-limit)th oldest entry; else 0
//	ResetAfter = newest + window - now when count > 0, else 0
//
// An instant earlier than the newest entry is treated as that entry's
// instant, which keeps the log in order.
//
// SlidingLog is safe for concurrent use by multiple goroutines. Build one
// with [NewSlidingLog]: the methods of a zero SlidingLog (or a nil one)
// return an error wrapping [ErrNotInitialized], and Allow panics with it.
type SlidingLog struct {
	w window

	mu sync.Mutex // protects s
	s  logState
}

var _ Limiter = (*SlidingLog)(nil)

// NewSlidingLog returns a sliding-window log admitting limit events in any
// window of the given length. It returns an error wrapping
// [ErrInvalidConfig] when limit or window is not positive, when limit is
// above [MaxLogLimit], or when window is longer than about 36 years.
func NewSlidingLog(limit int, window time.Duration) (*SlidingLog, error) {
	w, err := newLogWindow(limit, window)
	if err != nil {
		return nil, err
	}
	return &SlidingLog{w: w}, nil
}

func newLogWindow(limit int, size time.Duration) (window, error) {
	w, err := newWindow(limit, size)
	if err == nil && limit > MaxLogLimit {
		err = fmt.Errorf("%w: a sliding log's limit %d is above %d", ErrInvalidConfig, limit, MaxLogLimit)
	}
	return w, err
}

// AllowN decides a request for n events at instant now, logging them when
// allowed. It returns an error wrapping [ErrInvalidN] when n < 1 and one
// wrapping [ErrExceedsLimit] when n > limit.
func (l *SlidingLog) AllowN(now time.Time, n int) (Decision, error) {
	return l.decideAt(nanos(now), n)
}

// Allow reports whether one event may happen now, and logs it if so.
func (l *SlidingLog) Allow() bool {
	if l == nil || l.w.limit == 0 {
		panic(errSlidingLogZero)
	}
	d, _ := l.decideAt(now(), 1)
	return d.Allowed
}

// Decide decides a request for n events now; key is ignored.
func (l *SlidingLog) Decide(_ context.Context, _ string, n int) (Decision, error) {
	return l.decideAt(now(), n)
}

func (l *SlidingLog) decideAt(now int64, n int) (Decision, error) {
	if l == nil || l.w.limit == 0 {
		return Decision{}, errSlidingLogZero
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.decideLog(&l.s, now, n)
}
