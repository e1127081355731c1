package ratelimit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// bucket holds the configuration that the token bucket, the leaky bucket and
// GCRA share: a burst of events and the whole nanoseconds between two events
// at the sustained rate.
type bucket struct {
	burst    int
	interval int64 // nanoseconds per event: per/limit, rounded down
	span     int64 // burst*interval: the time to refill from empty
}

func newBucket(limit int, per time.Duration, burst int) (bucket, error) {
	if err := validate(limit, per, "per"); err != nil {
		return bucket{}, err
	}
	if burst < 1 {
		return bucket{}, fmt.Errorf("%w: burst %d must be at least 1", ErrInvalidConfig, burst)
	}
	interval := int64(per) / int64(limit)
	if interval < 1 {
		return bucket{}, fmt.Errorf("%w: %d per %v is more than one event per nanosecond", ErrInvalidConfig, limit, per)
	}
	if int64(burst) > maxSpan/interval {
		return bucket{}, fmt.Errorf("%w: a burst of %d at one event per %v takes longer than %v to refill", ErrInvalidConfig, burst, time.Duration(interval), time.Duration(maxSpan))
	}
	return bucket{burst: burst, interval: interval, span: int64(burst) * interval}, nil
}

// decide applies a request for n events at now to a bucket whose
// theoretical arrival time is tat, and returns the new tat (unchanged unless
// allowed). The arithmetic is the one documented on [GCRA].
func (b *bucket) decide(tat, now int64, n int) (int64, Decision, error) {
	d := Decision{Limit: b.burst, Window: time.Duration(b.span)}
	base := max(tat, now)
	if n < 1 || n > b.burst {
		d.Remaining = b.remaining(base, now)
		d.ResetAfter = time.Duration(base - now)
		if n < 1 {
			return tat, d, errInvalidN(n)
		}
		return tat, d, errExceeds(n, b.burst)
	}
	next := base + int64(n)*b.interval
	if next-now > b.span {
		d.Remaining = b.remaining(base, now)
		d.RetryAfter = time.Duration(next - b.span - now)
		d.ResetAfter = time.Duration(base - now)
		return tat, d, nil
	}
	d.Allowed = true
	d.Remaining = b.remaining(next, now)
	d.ResetAfter = time.Duration(next - now)
	return next, d, nil
}

// admit is decide for one event without the Decision: the new tat, and
// whether the event is allowed (tat is unchanged if not).
func (b *bucket) admit(tat, now int64) (int64, bool) {
	if next := max(tat, now) + b.interval; next-now <= b.span {
		return next, true
	}
	return tat, false
}

// check returns the error for a request of n events that can never be
// allowed, or nil.
func (b *bucket) check(n int) error {
	if n < 1 {
		return errInvalidN(n)
	}
	if n > b.burst {
		return errExceeds(n, b.burst)
	}
	return nil
}

// remaining is how many single events fit before tat reaches now+span.
func (b *bucket) remaining(tat, now int64) int {
	free := now + b.span - tat
	if free <= 0 {
		return 0
	}
	return int(free / b.interval)
}

// GCRA is the generic cell rate algorithm: a token bucket stored as a single
// timestamp, the theoretical arrival time (TAT) of the next event at the
// sustained rate. It keeps one int64 and decides with one atomic
// compare-and-swap, without a mutex and without floating point.
//
// With T = per/limit (whole nanoseconds, rounded down) and span = burst*T,
// a request for n events at instant now (nanoseconds) computes
//
//	base = max(tat, now)       // tat starts at 0: a full bucket
//	next = base + n*T
//	allowed = next - now <= span
//
// and, when allowed, stores tat = next. The Decision reports
//
//	Limit      = burst
//	Window     = span
//	Remaining  = floor((now + span - tat') / T), tat' = next if allowed, else base
//	RetryAfter = next - span - now when denied, else 0
//	ResetAfter = tat' - now
//
// Its decisions are the same, instant for instant, as those of a
// [TokenBucket] or a [LeakyBucket] meter with the same parameters; it
// differs in being lock-free. Because T is rounded down to a whole
// nanosecond, the sustained rate is at least limit/per and faster by less
// than one nanosecond per event.
//
// GCRA is safe for concurrent use by multiple goroutines. Build one with
// [NewGCRA]: the methods of a zero GCRA (or a nil one) return an error
// wrapping [ErrNotInitialized], and Allow panics with it; none refuses
// silently.
type GCRA struct {
	tat atomic.Int64 // nanoseconds since the Unix epoch; 0 is a full bucket
	b   bucket
}

var _ Limiter = (*GCRA)(nil)

// NewGCRA returns a GCRA limiter that admits limit events per period per on
// average and at most burst at once, starting full. It returns an error
// wrapping [ErrInvalidConfig] when limit, per or burst is not positive,
// when the rate is faster than one event per nanosecond, or when refilling
// burst events would take longer than about 36 years.
func NewGCRA(limit int, per time.Duration, burst int) (*GCRA, error) {
	b, err := newBucket(limit, per, burst)
	if err != nil {
		return nil, err
	}
	return &GCRA{b: b}, nil
}

// AllowN decides a request for n events at instant now, recording them when
// allowed. It returns an error wrapping [ErrInvalidN] when n < 1 and one
// wrapping [ErrExceedsLimit] when n > burst.
func (l *GCRA) AllowN(now time.Time, n int) (Decision, error) {
	return l.decideAt(nanos(now), n)
}

// Allow reports whether one event may happen now, and records it if so.
// It reads only the monotonic clock and allocates nothing.
func (l *GCRA) Allow() bool {
	if l == nil || l.b.burst == 0 {
		panic(errGCRAZero)
	}
	now := now()
	for {
		tat := l.tat.Load()
		next, ok := l.b.admit(tat, now)
		if !ok || l.tat.CompareAndSwap(tat, next) {
			return ok
		}
	}
}

// Decide decides a request for n events now; key is ignored, since a GCRA
// is one limit shared by every caller.
func (l *GCRA) Decide(_ context.Context, _ string, n int) (Decision, error) {
	return l.decideAt(now(), n)
}

func (l *GCRA) decideAt(now int64, n int) (Decision, error) {
	if l == nil || l.b.burst == 0 {
		return Decision{}, errGCRAZero
	}
	for {
		tat := l.tat.Load()
		next, d, err := l.b.decide(tat, now, n)
		if !d.Allowed || l.tat.CompareAndSwap(tat, next) {
			return d, err
		}
	}
}

// WaitN blocks until n events may happen, then returns nil having recorded
// them. It reserves the events at once and sleeps exactly until their turn:
// when the context's deadline comes before that turn it returns an error
// wrapping context.DeadlineExceeded at once without reserving anything, and
// when the context ends during the sleep it returns the context's error,
// giving the reservation back unless events have been counted after it
// since (a later waiter's turn was reckoned after this one, so the turn
// then goes unused rather than being handed out twice). A turn more than
// 2^60 ns (about 36.5 years) away, which a queue of waiters reaches at the
// slowest rates, counts as never: WaitN reserves nothing and fails at once
// if the context has a deadline, else blocks until the context ends. It
// returns an error wrapping [ErrInvalidN] or [ErrExceedsLimit] for n < 1 or
// n > burst.
func (l *GCRA) WaitN(ctx context.Context, n int) error {
	if l == nil || l.b.burst == 0 {
		return errGCRAZero
	}
	if err := l.b.check(n); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := now()
	cost := int64(n) * l.b.interval
	var next, delay int64
	for {
		tat := l.tat.Load()
		next = max(tat, now) + cost
		// The events are due when next-span is reached.
		if delay = next - l.b.span - now; delay > maxWait {
			return waitForEver(ctx, delay)
		}
		if delay > 0 {
			if err := checkDeadline(ctx, now, time.Duration(delay)); err != nil {
				return err
			}
		}
		if l.tat.CompareAndSwap(tat, next) {
			break
		}
	}
	if err := sleep(ctx, time.Duration(delay)); err != nil {
		// Give the reservation back only if nothing was counted after it:
		// a later waiter sleeps until a turn reckoned after this one, and
		// moving tat back under it would let a new event through at that
		// same turn.
		l.tat.CompareAndSwap(next, next-cost)
		return err
	}
	return nil
}

// Wait is WaitN(ctx, 1).
func (l *GCRA) Wait(ctx context.Context) error {
	return l.WaitN(ctx, 1)
}
