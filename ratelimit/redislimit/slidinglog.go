package redislimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// SlidingLog allows at most limit events per key in any span of one window,
// exactly, by logging every allowed event in a sorted set scored by its
// instant; the Redis twin of [ratelimit.SlidingLog]. It is the most precise
// window algorithm and the most expensive: its state per key holds up to
// limit members (a few dozen bytes each) and each decision trims and counts
// the set, O(log limit + trimmed). Pick it for small limits that must hold
// exactly; [SlidingWindow] approximates it in constant space.
//
// Build one with [NewSlidingLog]: the methods of a zero SlidingLog (or a nil
// one) return an error wrapping [ErrNotInitialized], and Allow and Failures
// panic with it.
//
// SlidingLog is safe for simultaneous use by multiple goroutines and by
// many processes sharing one Redis.
type SlidingLog struct{ c *core }

var _ ratelimit.PerKey = (*SlidingLog)(nil)

// NewSlidingLog returns a limiter allowing limit events per key in any
// window-long span, its state kept in Redis through rdb (a *redis.Client,
// *redis.ClusterClient or *redis.Ring). The window must be a whole number
// of microseconds. It returns an error wrapping [ErrInvalidConfig]
// for a limit outside [1, MaxLogLimit] or a window outside
// [1µs, MaxWindow].
func NewSlidingLog(rdb redis.Scripter, limit int, window time.Duration, cfg Config) (*SlidingLog, error) {
	c, err := newCore(rdb, scriptSlidingLog, []spec{{algoSlidingLog, limit, window, limit}}, cfg)
	if err != nil {
		return nil, err
	}
	return &SlidingLog{c}, nil
}

// Decide asks for n events for key now, by the Redis server's clock, and
// records them if they are allowed: one round trip. See [ratelimit.Limiter]
// for the errors, and [Policy] for what happens when Redis fails.
func (l *SlidingLog) Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if l == nil || l.c == nil {
		return ratelimit.Decision{}, errSlidingLogZero
	}
	return l.c.decide(ctx, key, n)
}

// Allow reports whether one event for key may happen now, and records it if
// so. A failure of Redis allows only under [FailOpen] (or if the fallback
// allows).
func (l *SlidingLog) Allow(ctx context.Context, key string) bool {
	if l == nil || l.c == nil {
		panic(errSlidingLogZero)
	}
	d, _ := l.c.decide(ctx, key, 1)
	return d.Allowed
}

// Wait blocks until one event for key is allowed; see [SlidingLog.WaitN].
func (l *SlidingLog) Wait(ctx context.Context, key string) error {
	if l == nil || l.c == nil {
		return errSlidingLogZero
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
func (l *SlidingLog) WaitN(ctx context.Context, key string, n int) error {
	if l == nil || l.c == nil {
		return errSlidingLogZero
	}
	return l.c.waitN(ctx, key, n)
}

// IndependentKeys marks SlidingLog as a [ratelimit.PerKey] limiter: each key
// has a state of its own in Redis. It does nothing, on any value.
func (l *SlidingLog) IndependentKeys() {}

// Failures returns how many decisions Redis could not make since the
// limiter was created, whatever the policy did about them.
func (l *SlidingLog) Failures() uint64 {
	if l == nil || l.c == nil {
		panic(errSlidingLogZero)
	}
	return l.c.failures.Load()
}
