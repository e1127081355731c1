package redislimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// TokenBucket holds, per key, a bucket of burst tokens refilled at limit
// tokens per period; n events take n tokens; the Redis twin of
// [ratelimit.TokenBucket]. Its state per key is one hash of two fields
// (tokens left and when they were counted). It allows bursts up to burst
// and a long-run rate of limit per period.
//
// Build one with [NewTokenBucket]: the methods of a zero TokenBucket (or a
// nil one) return an error wrapping [ErrNotInitialized], and Allow and
// Failures panic with it.
//
// TokenBucket is safe for simultaneous use by multiple goroutines and by
// many processes sharing one Redis.
type TokenBucket struct{ c *core }

var _ ratelimit.PerKey = (*TokenBucket)(nil)

// NewTokenBucket returns a token bucket per key of burst tokens refilled at
// limit per period, its state kept in Redis through rdb (a *redis.Client,
// *redis.ClusterClient or *redis.Ring). The period need not be a whole
// number of microseconds: buckets compute in nanoseconds. It returns an
// error wrapping [ErrInvalidConfig] for a limit or burst outside
// [1, MaxLimit], a period outside (0, MaxWindow], a rate faster than one
// token per nanosecond, or a refill from empty (burst × per/limit) longer
// than [MaxBucketSpan].
func NewTokenBucket(rdb redis.Scripter, limit int, per time.Duration, burst int, cfg Config) (*TokenBucket, error) {
	c, err := newCore(rdb, scriptTokenBucket, []spec{{algoTokenBucket, limit, per, burst}}, cfg)
	if err != nil {
		return nil, err
	}
	return &TokenBucket{c}, nil
}

// Decide asks for n events for key now, by the Redis server's clock, and
// records them if they are allowed: one round trip. See [ratelimit.Limiter]
// for the errors, and [Policy] for what happens when Redis fails.
func (l *TokenBucket) Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if l == nil || l.c == nil {
		return ratelimit.Decision{}, errTokenBucketZero
	}
	return l.c.decide(ctx, key, n)
}

// Allow reports whether one event for key may happen now, and records it if
// so. A failure of Redis allows only under [FailOpen] (or if the fallback
// allows).
func (l *TokenBucket) Allow(ctx context.Context, key string) bool {
	if l == nil || l.c == nil {
		panic(errTokenBucketZero)
	}
	d, _ := l.c.decide(ctx, key, 1)
	return d.Allowed
}

// Wait blocks until one event for key is allowed; see [TokenBucket.WaitN].
func (l *TokenBucket) Wait(ctx context.Context, key string) error {
	if l == nil || l.c == nil {
		return errTokenBucketZero
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
func (l *TokenBucket) WaitN(ctx context.Context, key string, n int) error {
	if l == nil || l.c == nil {
		return errTokenBucketZero
	}
	return l.c.waitN(ctx, key, n)
}

// IndependentKeys marks TokenBucket as a [ratelimit.PerKey] limiter: each key
// has a state of its own in Redis. It does nothing, on any value.
func (l *TokenBucket) IndependentKeys() {}

// Failures returns how many decisions Redis could not make since the
// limiter was created, whatever the policy did about them.
func (l *TokenBucket) Failures() uint64 {
	if l == nil || l.c == nil {
		panic(errTokenBucketZero)
	}
	return l.c.failures.Load()
}
