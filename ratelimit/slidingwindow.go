package ratelimit

import (
	"context"
	"sync"
	"time"
)

// slidingState is a sliding-window counter's state: the start of the
// current fixed window and the counts of it and of the window before.
type slidingState struct {
	start int64
	prev  int64
	cur   int64
}

// roll moves s to the window holding now.
func (w *window) roll(s *slidingState, now int64) {
	start := w.startOf(now)
	if start <= s.start {
		return
	}
	if start == s.start+w.size {
		s.prev = s.cur
	} else {
		s.prev = 0
	}
	s.start, s.cur = start, 0
}

// decideSliding applies a request for n events at now to s. The arithmetic
// is the one documented on [SlidingWindow].
func (w *window) decideSliding(s *slidingState, now int64, n int) (Decision, error) {
	w.roll(s, now)
	elapsed := max(now-s.start, 0)
	// weighted = ceil(prev * (size - elapsed) / size)
	weighted, rem := mulDiv(s.prev, w.size-elapsed, w.size)
	if rem {
		weighted++
	}
	used := weighted + s.cur
	limit := int64(w.limit)
	d := Decision{Limit: w.limit, Window: time.Duration(w.size)}
	var err error
	switch {
	case n < 1:
		err = errInvalidN(n)
	case n > w.limit:
		err = errExceeds(n, w.limit)
	case used+int64(n) > limit:
		d.RetryAfter = time.Duration(w.retrySliding(s, now, int64(n)))
	default:
		s.cur += int64(n)
		used += int64(n)
		d.Allowed = true
	}
	d.Remaining = int(max(limit-used, 0))
	switch {
	case s.cur > 0:
		d.ResetAfter = time.Duration(s.start + 2*w.size - now)
	case s.prev > 0:
		d.ResetAfter = time.Duration(s.start + w.size - now)
	}
	return d, err
}

// retrySliding returns how long until n events fit, for a request just
// denied at now.
func (w *window) retrySliding(s *slidingState, now, n int64) int64 {
	limit := int64(w.limit)
	if free := limit - n - s.cur; free >= 0 {
		// Fits in this window once prev's weight has fallen to free:
		// prev*(size-e) <= free*size, that is e >= size - floor(free*size/prev).
		// prev > free here, so the quotient is below size.
		q, _ := mulDiv(free, w.size, s.prev)
		return max(s.start+w.size-q-now, 0)
	}
	// Fits only in the next window, where prev becomes cur: cur > limit-n.
	q, _ := mulDiv(limit-n, w.size, s.cur)
	return s.start + 2*w.size - q - now
}

// SlidingWindow is the sliding-window counter: it keeps the counts of the
// current fixed window and of the one before, and estimates the events in
// the sliding window (now-window, now] by weighting the previous window's
// count by the share of it the sliding window still covers. Two counters
// per limit, no log, and no double burst at a boundary; the estimate
// assumes the previous window's events were spread evenly, so it may admit
// a little more or less than an exact log would.
//
// Windows are aligned to the Unix epoch as for [FixedWindow]. A request
// for n events at instant now, at elapsed = now - start into the current
// window, computes
//
//	weighted = ceil(prev * (window - elapsed) / window)   // exact, 128-bit
//	used     = weighted + cur
//	allowed  = used + n <= limit
//
// and, when allowed, adds n to cur. The Decision reports
//
//	Limit      = limit
//	Window     = window
//	Remaining  = limit - used             (used after the decision)
//	RetryAfter = when denied, the first instant the request fits:
//	             if cur + n <= limit: start + window - floor((limit-n-cur)*window/prev) - now
//	             otherwise:           start + 2*window - floor((limit-n)*window/cur) - now
//	ResetAfter = start + 2*window - now if cur > 0 (after the decision),
//	             start + window - now if cur = 0 and prev > 0, else 0
//
// The RetryAfter formulas give the earliest instant at which
// ceil(prev*(window-elapsed)/window) + cur + n <= limit holds, in this
// window or (prev becoming cur, cur becoming 0) in the next, exactly to
// the nanosecond.
//
// An instant earlier than the current window counts as its start.
//
// SlidingWindow is safe for concurrent use by multiple goroutines. Build
// one with [NewSlidingWindow]: the methods of a zero SlidingWindow (or a
// nil one) return an error wrapping [ErrNotInitialized], and Allow panics
// with it.
type SlidingWindow struct {
	w window

	mu sync.Mutex // protects s
	s  slidingState
}

var _ Limiter = (*SlidingWindow)(nil)

// NewSlidingWindow returns a sliding-window counter admitting about limit
// events per sliding window. It returns an error wrapping
// [ErrInvalidConfig] when limit or window is not positive, when limit is
// above 2^60, or when window is longer than about 36 years.
func NewSlidingWindow(limit int, window time.Duration) (*SlidingWindow, error) {
	w, err := newWindow(limit, window)
	if err != nil {
		return nil, err
	}
	return &SlidingWindow{w: w}, nil
}

// AllowN decides a request for n events at instant now, counting them when
// allowed. It returns an error wrapping [ErrInvalidN] when n < 1 and one
// wrapping [ErrExceedsLimit] when n > limit.
func (l *SlidingWindow) AllowN(now time.Time, n int) (Decision, error) {
	return l.decideAt(nanos(now), n)
}

// Allow reports whether one event may happen now, and counts it if so.
func (l *SlidingWindow) Allow() bool {
	if l == nil || l.w.limit == 0 {
		panic(errSlidingWindowZero)
	}
	d, _ := l.decideAt(now(), 1)
	return d.Allowed
}

// Decide decides a request for n events now; key is ignored.
func (l *SlidingWindow) Decide(_ context.Context, _ string, n int) (Decision, error) {
	return l.decideAt(now(), n)
}

func (l *SlidingWindow) decideAt(now int64, n int) (Decision, error) {
	if l == nil || l.w.limit == 0 {
		return Decision{}, errSlidingWindowZero
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.decideSliding(&l.s, now, n)
}
