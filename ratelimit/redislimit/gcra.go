package redislimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// GCRA is the generic cell rate algorithm: a token bucket kept as a single
// instant per key, the theoretical arrival time at which the bucket would
// be full again; the Redis twin of [ratelimit.GCRA]. It decides like
// [TokenBucket] with the smallest possible state (one string per key) and
// no refill arithmetic, which is why Redis rate limiters commonly use it.
//
// Build one with [NewGCRA]: the methods of a zero GCRA (or a nil one) return
// an error wrapping [ErrNotInitialized], and Allow and Failures panic with
// it.
//
// GCRA is safe for simultaneous use by multiple goroutines and by many
// processes sharing one Redis.
type GCRA struct{ c *core }

var _ ratelimit.PerKey = (*GCRA)(nil)

// NewGCRA returns a GCRA limiter per key allowing limit events per period
// with bursts of up to burst, its state kept in Redis through rdb (a
// *redis.Client, *redis.ClusterClient or *redis.Ring). The period need
// not be a whole number of microseconds: buckets compute in nanoseconds.
// It returns an error wrapping [ErrInvalidConfig] for a limit or burst
// outside [1, MaxLimit], a period outside (0, MaxWindow], a rate faster
// than one event per nanosecond, or a refill from empty
// (burst × per/limit) longer than [MaxBucketSpan].
func NewGCRA(rdb redis.Scripter, limit int, per time.Duration, burst int, cfg Config) (*GCRA, error) {
	c, err := newCore(rdb, scriptGCRA, []spec{{algoGCRA, limit, per, burst}}, cfg)
	if err != nil {
		return nil, err
	}
	return &GCRA{c}, nil
}

// Decide asks for n events for key now, by the Redis server's clock, and
// records them if they are allowed: one round trip. See [ratelimit.Limiter]
// for the errors, and [Policy] for what happens when Redis fails.
func (l *GCRA) Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if l == nil || l.c == nil {
		return ratelimit.Decision{}, errGCRAZero
	}
	return l.c.decide(ctx, key, n)
}

// Allow reports whether one event for key may happen now, and records it if
// so. A failure of Redis allows only under [FailOpen] (or if the fallback
// allows).
func (l *GCRA) Allow(ctx context.Context, key string) bool {
	if l == nil || l.c == nil {
		panic(errGCRAZero)
	}
	d, _ := l.c.decide(ctx, key, 1)
	return d.Allowed
}

// Wait blocks until one event for key is allowed; see [GCRA.WaitN].
func (l *GCRA) Wait(ctx context.Context, key string) error {
	if l == nil || l.c == nil {
		return errGCRAZero
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
func (l *GCRA) WaitN(ctx context.Context, key string, n int) error {
	if l == nil || l.c == nil {
		return errGCRAZero
	}
	return l.c.waitN(ctx, key, n)
}

// IndependentKeys marks GCRA as a [ratelimit.PerKey] limiter: each key
// has a state of its own in Redis. It does nothing, on any value.
func (l *GCRA) IndependentKeys() {}

// Failures returns how many decisions Redis could not make since the
// limiter was created, whatever the policy did about them.
func (l *GCRA) Failures() uint64 {
	if l == nil || l.c == nil {
		panic(errGCRAZero)
	}
	return l.c.failures.Load()
}
