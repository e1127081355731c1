package redislimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// SlidingWindow approximates a sliding window from two fixed-window
// counts: the current window's, plus the previous window's weighted by the
// share of it the sliding window still covers; the Redis twin of
// [ratelimit.SlidingWindow]. Its state per key is one hash of three fields,
// whatever the limit. It smooths the fixed window's edge burst and assumes
// the previous window's events were spread evenly.
//
// Build one with [NewSlidingWindow]: the methods of a zero SlidingWindow (or
// a nil one) return an error wrapping [ErrNotInitialized], and Allow and
// Failures panic with it.
//
// SlidingWindow is safe for simultaneous use by multiple goroutines and by
// many processes sharing one Redis.
type SlidingWindow struct{ c *core }

var _ ratelimit.PerKey = (*SlidingWindow)(nil)

// NewSlidingWindow returns a sliding-window-counter limiter allowing about
// limit events per key in any window-long span, its state kept in Redis
// through rdb (a *redis.Client, *redis.ClusterClient or *redis.Ring). The
// window must be a whole number of microseconds. It returns an error
// wrapping [ErrInvalidConfig] for a limit outside [1, MaxLimit], a window
// outside [1µs, MaxWindow], or a limit × window (in µs) above 2⁵², beyond
// the script's exact arithmetic (50,000 per day fits, 100,000 does not).
func NewSlidingWindow(rdb redis.Scripter, limit int, window time.Duration, cfg Config) (*SlidingWindow, error) {
	c, err := newCore(rdb, scriptSlidingWindow, []spec{{algoSlidingWindow, limit, window, limit}}, cfg)
	if err != nil {
		return nil, err
	}
	return &SlidingWindow{c}, nil
}

// Decide asks for n events for key now, by the Redis server's clock, and
// records them if they are allowed: one round trip. See [ratelimit.Limiter]
// for the errors, and [Policy] for what happens when Redis fails.
func (l *SlidingWindow) Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if l == nil || l.c == nil {
		return ratelimit.Decision{}, errSlidingWindowZero
	}
	return l.c.decide(ctx, key, n)
}

// Allow reports whether one event for key may happen now, and records it if
// so. A failure of Redis allows only under [FailOpen] (or if the fallback
// allows).
func (l *SlidingWindow) Allow(ctx context.Context, key string) bool {
	if l == nil || l.c == nil {
		panic(errSlidingWindowZero)
	}
	d, _ := l.c.decide(ctx, key, 1)
	return d.Allowed
}

// Wait blocks until one event for key is allowed; see [SlidingWindow.WaitN].
func (l *SlidingWindow) Wait(ctx context.Context, key string) error {
	if l == nil || l.c == nil {
		return errSlidingWindowZero
	}
	return l.c.waitN(ctx, key, 1)
}

// WaitN blocks until n events for key are allowed and records them. Each
// time it is refused it sleeps for the retry-after Redis returned plus
// random jitter (Config.Jitter; none when the jitter would take the sleep
// to the context's deadline, leaving no time to ask again), then asks
// again. It returns at once, with an error wrapping
// [context.DeadlineExceeded], when the context's deadline comes before the
// retry-after; and it returns the error of a failed decision when the
// policy gives one.
func (l *SlidingWindow) WaitN(ctx context.Context, key string, n int) error {
	if l == nil || l.c == nil {
		return errSlidingWindowZero
	}
	return l.c.waitN(ctx, key, n)
}

// IndependentKeys marks SlidingWindow as a [ratelimit.PerKey] limiter: each key
// has a state of its own in Redis. It does nothing, on any value.
func (l *SlidingWindow) IndependentKeys() {}

// Failures returns how many decisions Redis could not make since the
// limiter was created, whatever the policy did about them.
func (l *SlidingWindow) Failures() uint64 {
	if l == nil || l.c == nil {
		panic(errSlidingWindowZero)
	}
	return l.c.failures.Load()
}
