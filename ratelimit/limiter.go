package ratelimit

import (
	"context"
	"errors"
	"time"
)

// Limiter is the interface every limiter in this module satisfies, in
// process and Redis-backed alike, so that middleware and callers can swap
// algorithms.
//
// Decide asks for n events for key at this moment and records them when they
// are allowed; a denied request is not recorded. A limiter that holds one
// state (a single token bucket, say) ignores key: it is one limit shared by
// every caller. [Keyed] gives each key its own limiter, and so do the
// limiters of package redislimit; both satisfy [PerKey]. Moving a limit per
// client from one machine to many is then a change of constructor:
//
//	g, err := ratelimit.NewGCRA(100, time.Second, 20)
//	l, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100_000})     // one process
//	l, err := redislimit.NewGCRA(rdb, 100, time.Second, 20, redislimit.Config{}) // every process
//
// Decide returns an error wrapping [ErrInvalidN] when n < 1, and one wrapping
// [ErrExceedsLimit] when n is larger than the limiter could ever allow at
// once; that refusal is permanent, and the returned Decision is not allowed
// and carries no retry-after. A refusal with an error records nothing; its
// Decision still reports Limit, Window and the current Remaining and
// ResetAfter. Redis-backed limiters also return transport and script
// errors, as their failure policy says.
//
// The zero rate is [Blocked], which refuses every request with
// ErrExceedsLimit, and the unlimited rate is [Unlimited], whose Decisions
// are allowed with Limit and Remaining math.MaxInt; both have a zero
// Window. Constructors of the algorithms refuse a zero limit.
type Limiter interface {
	Decide(ctx context.Context, key string, n int) (Decision, error)
}

// PerKey is a [Limiter] whose decisions for one key never depend on the
// requests made under another: the key selects the state Decide decides on.
// [Keyed] is one, and so is every limiter of package redislimit; [Unlimited]
// and [Blocked], which keep no state, are too. A single algorithm
// ([GCRA], [TokenBucket], …) is not: it is one limit shared by every key.
//
// [Middleware] needs a PerKey limiter unless it is asked for a global limit
// by name (MiddlewareConfig.Global), so that one client's requests cannot
// spend every client's budget by mistake.
type PerKey interface {
	Limiter
	// IndependentKeys marks the type as keeping one state per key; it
	// does nothing.
	IndependentKeys()
}

// Decision is the outcome of one request: what an HTTP response needs to
// tell the client.
type Decision struct {
	// Allowed reports whether the events may happen now.
	Allowed bool
	// Limit is the most events the limiter allows at once (its burst or
	// its window's quota).
	Limit int
	// Remaining is how many more events would be allowed right after this
	// decision.
	Remaining int
	// RetryAfter is, when not allowed, how long until the same request
	// would be allowed if nothing else happened in between; zero when
	// allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the limiter is back to its full
	// allowance if nothing else happened in between.
	ResetAfter time.Duration
	// Window is the period over which Limit applies (the window, or for a
	// bucket the time to refill it from empty), for the RateLimit-Policy
	// header; zero for Unlimited and Blocked.
	Window time.Duration
}

var (
	// ErrInvalidN is returned for a request of fewer than one event.
	ErrInvalidN = errors.New("ratelimit: n must be at least 1")
	// ErrExceedsLimit is returned for a request larger than the limiter
	// could ever allow at once: retrying cannot help.
	ErrExceedsLimit = errors.New("ratelimit: n exceeds the limit")
	// ErrInvalidConfig is returned by constructors given a limit, window or
	// burst they cannot honour.
	ErrInvalidConfig = errors.New("ratelimit: invalid configuration")
	// ErrNotInitialized is wrapped by the errors of a limiter that was not
	// made by its constructor (a zero value or a nil pointer), and is what
	// such a limiter's methods without an error result panic with. The
	// error names the type: "ratelimit: GCRA used without NewGCRA".
	ErrNotInitialized = errors.New("ratelimit: used without its constructor")
)

// notInitialized is the error of a limiter used without its constructor:
// it names the type, and wraps ErrNotInitialized.
type notInitialized string

func (e notInitialized) Error() string {
	return "ratelimit: " + string(e) + " used without New" + string(e)
}

func (notInitialized) Unwrap() error { return ErrNotInitialized }

// The errors of zero values, made once so that returning one allocates
// nothing.
var (
	errFixedWindowZero   error = notInitialized("FixedWindow")
	errSlidingLogZero    error = notInitialized("SlidingLog")
	errSlidingWindowZero error = notInitialized("SlidingWindow")
	errTokenBucketZero   error = notInitialized("TokenBucket")
	errLeakyBucketZero   error = notInitialized("LeakyBucket")
	errGCRAZero          error = notInitialized("GCRA")
	errKeyedZero         error = notInitialized("Keyed")
	errBaselineZero      error = notInitialized("Baseline")
)
