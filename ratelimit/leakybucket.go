package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrQueueFull is returned by [LeakyBucket.WaitN] when the queue has no room
// for the request: a leaky bucket that overflows drops what it cannot hold.
var ErrQueueFull = errors.New("ratelimit: leaky bucket queue is full")

// LeakyBucket is the leaky bucket, in both of its classic forms over one
// state. The bucket holds at most capacity events and drains at limit events
// per period per, one every T = per/limit (whole nanoseconds, rounded down);
// its state is the instant it will be empty, drained.
//
// As a meter ([LeakyBucket.AllowN], Allow, Decide) an event that fits in the
// bucket passes at once and one that would overflow it is refused. Its
// arithmetic and its Decisions are exactly those of a [GCRA] with
// burst = capacity, drained playing the part of the theoretical arrival
// time:
//
//	base = max(drained, now); next = base + n*T
//	allowed = next - now <= capacity*T    // and then drained = next
//
// As a queue ([LeakyBucket.WaitN], Wait) an event that fits joins the queue
// and waits for its turn, max(drained, now), so that events leave evenly
// spaced T apart with no burst at all; one that would overflow it is
// refused with [ErrQueueFull]. Meter and queue share the state: an event
// occupies the bucket from its arrival until T after its turn, so the
// capacity counts the event leaving, and capacity-1 events can wait
// behind it (a capacity of 1 spaces events without queueing any).
//
// LeakyBucket is safe for concurrent use by multiple goroutines. Build one
// with [NewLeakyBucket]: the methods of a zero LeakyBucket (or a nil one)
// return an error wrapping [ErrNotInitialized], and Allow panics with it.
type LeakyBucket struct {
	b bucket

	mu      sync.Mutex // protects drained
	drained int64      // nanoseconds since the Unix epoch
}

var _ Limiter = (*LeakyBucket)(nil)

// NewLeakyBucket returns an empty leaky bucket that drains limit events per
// period per and holds at most capacity. It returns an error wrapping
// [ErrInvalidConfig] when limit, per or capacity is not positive, when the
// rate is faster than one event per nanosecond, or when draining capacity
// events would take longer than about 36 years.
func NewLeakyBucket(limit int, per time.Duration, capacity int) (*LeakyBucket, error) {
	b, err := newBucket(limit, per, capacity)
	if err != nil {
		return nil, err
	}
	return &LeakyBucket{b: b}, nil
}

// AllowN decides, as a meter, a request for n events at instant now, adding
// them to the bucket when they fit. It returns an error wrapping
// [ErrInvalidN] when n < 1 and one wrapping [ErrExceedsLimit] when
// n > capacity.
func (l *LeakyBucket) AllowN(now time.Time, n int) (Decision, error) {
	return l.decideAt(nanos(now), n)
}

// Allow reports, as a meter, whether one event may pass now, and adds it to
// the bucket if so.
func (l *LeakyBucket) Allow() bool {
	if l == nil || l.b.burst == 0 {
		panic(errLeakyBucketZero)
	}
	now := now()
	l.mu.Lock()
	var ok bool
	l.drained, ok = l.b.admit(l.drained, now)
	l.mu.Unlock()
	return ok
}

// Decide decides, as a meter, a request for n events now; key is ignored.
func (l *LeakyBucket) Decide(_ context.Context, _ string, n int) (Decision, error) {
	return l.decideAt(now(), n)
}

func (l *LeakyBucket) decideAt(now int64, n int) (Decision, error) {
	if l == nil || l.b.burst == 0 {
		return Decision{}, errLeakyBucketZero
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var d Decision
	var err error
	l.drained, d, err = l.b.decide(l.drained, now, n)
	return d, err
}

// WaitN queues n events and blocks until their turn, max(drained, now), so
// that events leave the bucket evenly spaced. It returns an error wrapping
// [ErrQueueFull] at once when the bucket has no room for them, one wrapping
// context.DeadlineExceeded at once when the context's deadline comes before
// their turn, and the context's error when it ends during the wait, having
// taken the events back out of the queue unless other events have joined it
// since (their turns were reckoned after these, so the room then goes
// unused rather than letting two events leave together). It returns an
// error wrapping [ErrInvalidN] or [ErrExceedsLimit] for n < 1 or n >
// capacity.
func (l *LeakyBucket) WaitN(ctx context.Context, n int) error {
	if l == nil || l.b.burst == 0 {
		return errLeakyBucketZero
	}
	if err := l.b.check(n); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := now()
	cost := int64(n) * l.b.interval
	l.mu.Lock()
	turn := max(l.drained, now)
	if turn+cost-now > l.b.span {
		l.mu.Unlock()
		return fmt.Errorf("%w: %d events do not fit for another %v", ErrQueueFull, n, time.Duration(turn+cost-l.b.span-now))
	}
	delay := time.Duration(turn - now)
	if err := checkDeadline(ctx, now, delay); err != nil {
		l.mu.Unlock()
		return err
	}
	l.drained = turn + cost
	l.mu.Unlock()

	if err := sleep(ctx, delay); err != nil {
		// Take the events back out only if nothing joined the bucket
		// after them: a later event's turn was reckoned after theirs, and
		// freeing their room under it would let a new event leave at that
		// same turn.
		l.mu.Lock()
		if l.drained == turn+cost {
			l.drained = turn
		}
		l.mu.Unlock()
		return err
	}
	return nil
}

// Wait is WaitN(ctx, 1).
func (l *LeakyBucket) Wait(ctx context.Context) error {
	return l.WaitN(ctx, 1)
}
