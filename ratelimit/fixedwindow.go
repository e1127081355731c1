package ratelimit

import (
	"context"
	"sync"
	"time"
)

// windowState is a fixed window's state: the start of the window it counts
// and the events admitted in it.
type windowState struct {
	start int64
	count int64
}

// window is the configuration the two window algorithms share.
type window struct {
	limit int
	size  int64 // nanoseconds
}

func newWindow(limit int, size time.Duration) (window, error) {
	if err := validate(limit, size, "window"); err != nil {
		return window{}, err
	}
	return window{limit: limit, size: int64(size)}, nil
}

// startOf returns the start of the window holding now: windows are aligned
// to the Unix epoch, as floor(now/size)*size.
func (w *window) startOf(now int64) int64 {
	return now - now%w.size
}

// decideFixed applies a request for n events at now to s. The arithmetic is
// the one documented on [FixedWindow].
func (w *window) decideFixed(s *windowState, now int64, n int) (Decision, error) {
	if start := w.startOf(now); start > s.start {
		s.start, s.count = start, 0
	}
	d := Decision{Limit: w.limit, Window: time.Duration(w.size)}
	end := time.Duration(s.start + w.size - now)
	var err error
	switch {
	case n < 1:
		err = errInvalidN(n)
	case n > w.limit:
		err = errExceeds(n, w.limit)
	case s.count+int64(n) > int64(w.limit):
		d.RetryAfter = end
	default:
		s.count += int64(n)
		d.Allowed = true
	}
	d.Remaining = w.limit - int(s.count)
	if s.count > 0 {
		d.ResetAfter = end
	}
	return d, err
}

// admitFixed is decideFixed for one event without the Decision.
func (w *window) admitFixed(s *windowState, now int64) bool {
	if start := w.startOf(now); start > s.start {
		s.start, s.count = start, 0
	}
	if s.count >= int64(w.limit) {
		return false
	}
	s.count++
	return true
}

// FixedWindow is the fixed-window counter: time is cut into windows of a
// fixed size aligned to the Unix epoch (the window holding instant t starts
// at floor(t/window)*window), and each window admits up to limit events.
// It keeps one counter, and lets up to twice the limit through around a
// window boundary: limit events at the end of one window and limit more at
// the start of the next.
//
// A request for n events at instant now, in the window [start, end),
// is allowed when count + n <= limit, and then counts them. The Decision
// reports
//
//	Limit      = limit
//	Window     = window
//	Remaining  = limit - count            (count after the decision)
//	RetryAfter = end - now when denied, else 0
//	ResetAfter = end - now when count > 0, else 0
//
// An instant earlier than the current window counts in the current window.
//
// FixedWindow is safe for concurrent use by multiple goroutines. Build one
// with [NewFixedWindow]: the methods of a zero FixedWindow (or a nil one)
// return an error wrapping [ErrNotInitialized], and Allow panics with it.
type FixedWindow struct {
	w window

	mu sync.Mutex // protects s
	s  windowState
}

var _ Limiter = (*FixedWindow)(nil)

// NewFixedWindow returns a fixed-window limiter admitting limit events per
// window. It returns an error wrapping [ErrInvalidConfig] when limit or
// window is not positive, when limit is above 2^60, or when window is
// longer than about 36 years.
func NewFixedWindow(limit int, window time.Duration) (*FixedWindow, error) {
	w, err := newWindow(limit, window)
	if err != nil {
		return nil, err
	}
	return &FixedWindow{w: w}, nil
}

// AllowN decides a request for n events at instant now, counting them when
// allowed. It returns an error wrapping [ErrInvalidN] when n < 1 and one
// wrapping [ErrExceedsLimit] when n > limit.
func (l *FixedWindow) AllowN(now time.Time, n int) (Decision, error) {
	return l.decideAt(nanos(now), n)
}

// Allow reports whether one event may happen now, and counts it if so.
func (l *FixedWindow) Allow() bool {
	if l == nil || l.w.limit == 0 {
		panic(errFixedWindowZero)
	}
	now := now()
	l.mu.Lock()
	ok := l.w.admitFixed(&l.s, now)
	l.mu.Unlock()
	return ok
}

// Decide decides a request for n events now; key is ignored.
func (l *FixedWindow) Decide(_ context.Context, _ string, n int) (Decision, error) {
	return l.decideAt(now(), n)
}

func (l *FixedWindow) decideAt(now int64, n int) (Decision, error) {
	if l == nil || l.w.limit == 0 {
		return Decision{}, errFixedWindowZero
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.decideFixed(&l.s, now, n)
}
