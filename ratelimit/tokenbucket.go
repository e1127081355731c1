package ratelimit

import (
	"context"
	"sync"
	"time"
)

// tokenState is a token bucket's state: the instant it was last refilled
// and the tokens it held then, counted in nanoseconds of refill (one token
// is T nanoseconds), so that refilling is an exact integer addition.
type tokenState struct {
	last   int64
	credit int64 // in [0, span]; below 0 while a WaitN holds a debt
}

// refill returns the credit at now: the stored credit plus the time since
// the last refill, capped at span. An instant before last adds nothing.
func (b *bucket) refill(s tokenState, now int64) int64 {
	if now > s.last {
		return min(s.credit+(now-s.last), b.span)
	}
	return s.credit
}

// take is decideTokens for one event without the Decision: the new
// state, and whether the event is allowed (s is unchanged if not).
func (b *bucket) take(s tokenState, now int64) (tokenState, bool) {
	credit := b.refill(s, now)
	if credit < b.interval {
		return s, false
	}
	return tokenState{last: max(s.last, now), credit: credit - b.interval}, true
}

// decideTokens applies a request for n events at now to s. The arithmetic
// is the one documented on [TokenBucket].
func (b *bucket) decideTokens(s *tokenState, now int64, n int) (Decision, error) {
	d := Decision{Limit: b.burst, Window: time.Duration(b.span)}
	credit := b.refill(*s, now)
	need := int64(n) * b.interval
	switch {
	case n < 1:
		return b.tokenDecision(d, credit), errInvalidN(n)
	case n > b.burst:
		return b.tokenDecision(d, credit), errExceeds(n, b.burst)
	case credit < need:
		d.RetryAfter = time.Duration(need - credit)
		return b.tokenDecision(d, credit), nil
	}
	credit -= need
	s.credit, s.last = credit, max(s.last, now)
	d.Allowed = true
	return b.tokenDecision(d, credit), nil
}

func (b *bucket) tokenDecision(d Decision, credit int64) Decision {
	d.Remaining = int(max(credit, 0) / b.interval) // credit < 0 while WaitN holds a debt
	d.ResetAfter = time.Duration(b.span - credit)
	return d
}

// TokenBucket is the token bucket: a bucket holding at most burst tokens,
// refilled continuously at limit tokens per period per; each event takes a
// token, and an event that finds none is refused. It is the algorithm of
// golang.org/x/time/rate, kept here in integers: with T = per/limit (whole
// nanoseconds, rounded down) and span = burst*T, the bucket's content is a
// credit in nanoseconds (tokens = credit/T). A request for n events at
// instant now computes
//
//	credit = min(credit + (now - last), span)   // no refill if now <= last
//	allowed = credit >= n*T
//
// and, when allowed, stores credit - n*T and last = now. The Decision
// reports, with c the credit after the decision,
//
//	Limit      = burst
//	Window     = span
//	Remaining  = floor(c / T)
//	RetryAfter = n*T - c when denied, else 0
//	ResetAfter = span - c
//
// For instants that never go backwards these are exactly the decisions of
// a [GCRA] with the same parameters, which holds the same state in one
// word (tat = now + span - credit); TokenBucket keeps the textbook pair
// under a mutex.
//
// TokenBucket is safe for concurrent use by multiple goroutines. Build one
// with [NewTokenBucket]: the methods of a zero TokenBucket (or a nil one)
// return an error wrapping [ErrNotInitialized], and Allow panics with it.
type TokenBucket struct {
	b bucket

	mu sync.Mutex // protects s
	s  tokenState
}

var _ Limiter = (*TokenBucket)(nil)

// NewTokenBucket returns a token bucket that adds limit tokens every
// period per, continuously, and holds at most burst, starting full. It
// returns an error wrapping [ErrInvalidConfig] when limit, per or burst is
// not positive, when the rate is faster than one token per nanosecond, or
// when refilling burst tokens would take longer than about 36 years.
func NewTokenBucket(limit int, per time.Duration, burst int) (*TokenBucket, error) {
	b, err := newBucket(limit, per, burst)
	if err != nil {
		return nil, err
	}
	return &TokenBucket{b: b, s: tokenState{credit: b.span}}, nil
}

// AllowN decides a request for n events at instant now, taking n tokens
// when allowed. It returns an error wrapping [ErrInvalidN] when n < 1 and
// one wrapping [ErrExceedsLimit] when n > burst.
func (l *TokenBucket) AllowN(now time.Time, n int) (Decision, error) {
	return l.decideAt(nanos(now), n)
}

// Allow reports whether one event may happen now, and takes a token if so.
// It reads only the monotonic clock and allocates nothing.
func (l *TokenBucket) Allow() bool {
	if l == nil || l.b.burst == 0 {
		panic(errTokenBucketZero)
	}
	now := now()
	l.mu.Lock()
	var ok bool
	l.s, ok = l.b.take(l.s, now)
	l.mu.Unlock()
	return ok
}

// Decide decides a request for n events now; key is ignored.
func (l *TokenBucket) Decide(_ context.Context, _ string, n int) (Decision, error) {
	return l.decideAt(now(), n)
}

func (l *TokenBucket) decideAt(now int64, n int) (Decision, error) {
	if l == nil || l.b.burst == 0 {
		return Decision{}, errTokenBucketZero
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.decideTokens(&l.s, now, n)
}

// WaitN blocks until n tokens are available, then returns nil having taken
// them. It takes the tokens at once, letting the credit go negative, and
// sleeps exactly until the refill has covered them: when the context's
// deadline comes first it returns an error wrapping
// context.DeadlineExceeded at once without taking anything, and when the
// context ends during the sleep it returns the context's error, putting the
// tokens back unless tokens have been taken since (a later waiter's refill
// was reckoned after this debt, so the tokens then go unused rather than
// being handed out twice). A refill more than 2^60 ns (about 36.5 years)
// away, which a queue of waiters reaches at the slowest rates, counts as
// never: WaitN takes nothing and fails at once if the context has a
// deadline, else blocks until the context ends. It returns an error
// wrapping [ErrInvalidN] or [ErrExceedsLimit] for n < 1 or n > burst.
func (l *TokenBucket) WaitN(ctx context.Context, n int) error {
	if l == nil || l.b.burst == 0 {
		return errTokenBucketZero
	}
	if err := l.b.check(n); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := now()
	need := int64(n) * l.b.interval
	l.mu.Lock()
	credit := l.b.refill(l.s, now)
	if need-credit > maxWait {
		l.mu.Unlock()
		return waitForEver(ctx, need-credit)
	}
	delay := time.Duration(need - credit)
	if err := checkDeadline(ctx, now, delay); err != nil {
		l.mu.Unlock()
		return err
	}
	// Take the tokens; when there are too few, the credit goes into a
	// debt that the refill repays by the end of the wait.
	l.s.credit, l.s.last = credit-need, max(l.s.last, now)
	taken := l.s
	l.mu.Unlock()

	if err := sleep(ctx, delay); err != nil {
		// Put the tokens back only if nothing was taken since: a later
		// waiter sleeps until a refill reckoned after this debt, and
		// repaying it under that waiter would let a new event through
		// at the same instant.
		l.mu.Lock()
		if l.s == taken {
			l.s.credit += need
		}
		l.mu.Unlock()
		return err
	}
	return nil
}

// Wait is WaitN(ctx, 1).
func (l *TokenBucket) Wait(ctx context.Context) error {
	return l.WaitN(ctx, 1)
}
