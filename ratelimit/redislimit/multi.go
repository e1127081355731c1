package redislimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// MaxLimits is the most limits one [Multi] checks.
const MaxLimits = 16

// Limit is one of the limits a [Multi] checks: an algorithm and its
// configuration, built by [FixedWindowLimit], [SlidingLogLimit],
// [SlidingWindowLimit], [TokenBucketLimit] or [GCRALimit] and validated by
// [NewMulti].
type Limit struct{ s spec }

// FixedWindowLimit is limit events per fixed window, as [NewFixedWindow].
func FixedWindowLimit(limit int, window time.Duration) Limit {
	return Limit{spec{algoFixedWindow, limit, window, limit}}
}

// SlidingLogLimit is limit events in any window-long span, as
// [NewSlidingLog].
func SlidingLogLimit(limit int, window time.Duration) Limit {
	return Limit{spec{algoSlidingLog, limit, window, limit}}
}

// SlidingWindowLimit is about limit events per sliding window, as
// [NewSlidingWindow].
func SlidingWindowLimit(limit int, window time.Duration) Limit {
	return Limit{spec{algoSlidingWindow, limit, window, limit}}
}

// TokenBucketLimit is a token bucket of burst refilled at limit per period,
// as [NewTokenBucket].
func TokenBucketLimit(limit int, per time.Duration, burst int) Limit {
	return Limit{spec{algoTokenBucket, limit, per, burst}}
}

// GCRALimit is limit events per period in bursts of up to burst, as
// [NewGCRA].
func GCRALimit(limit int, per time.Duration, burst int) Limit {
	return Limit{spec{algoGCRA, limit, per, burst}}
}

// Multi checks several limits on one key in one atomic script (10 per
// second and 1000 per hour, say) and charges all of them only when all
// allow: a request refused by one limit costs the others nothing. A
// decision's RetryAfter is the longest among the limits that refused;
// Remaining is the smallest left by any limit, and Limit and Window are
// those of the limit that bounds the decision (the one with the fewest
// remaining events when allowed, the one with the longest retry-after when
// denied), as the IETF RateLimit header reports the policy closest to its
// quota. ResetAfter is the longest of all.
//
// Each limit keeps the state its single-limit limiter would, under the same
// key name, so a Multi and, say, a [GCRA] with the same prefix and
// configuration share that limit's state. The keys of one decision share
// the caller's key as their hash tag, so they live in one Redis Cluster
// slot.
//
// Build one with [NewMulti]: the methods of a zero Multi (or a nil one)
// return an error wrapping [ErrNotInitialized], and Allow and Failures panic
// with it.
//
// Multi is safe for simultaneous use by multiple goroutines and by many
// processes sharing one Redis.
type Multi struct{ c *core }

var _ ratelimit.PerKey = (*Multi)(nil)

// NewMulti returns a limiter that checks every one of limits on each
// decision, its state kept in Redis through rdb (a *redis.Client,
// *redis.ClusterClient or *redis.Ring). It returns an error wrapping
// [ErrInvalidConfig] when there are no limits or more than
// [MaxLimits], when two are the same, or when one is invalid as its
// single-limit constructor would say.
func NewMulti(rdb redis.Scripter, limits []Limit, cfg Config) (*Multi, error) {
	if len(limits) < 1 || len(limits) > MaxLimits {
		return nil, fmt.Errorf("%w: %d limits, want 1 to %d", ErrInvalidConfig, len(limits), MaxLimits)
	}
	specs := make([]spec, len(limits))
	seen := make(map[string]bool, len(limits))
	for i, l := range limits {
		if l.s.algo.code == "" {
			return nil, fmt.Errorf("%w: limit %d is the zero Limit", ErrInvalidConfig, i)
		}
		if err := l.s.validate(); err != nil {
			return nil, err
		}
		// The same limit twice would be one key charged twice.
		if seen[l.s.suffix()] {
			return nil, fmt.Errorf("%w: limit %d repeats an earlier one", ErrInvalidConfig, i)
		}
		seen[l.s.suffix()] = true
		specs[i] = l.s
	}
	c, err := newCore(rdb, scriptMulti, specs, cfg)
	if err != nil {
		return nil, err
	}
	return &Multi{c}, nil
}

// Decide asks for n events for key now, by the Redis server's clock, and
// records them if they are allowed: one round trip. See [ratelimit.Limiter]
// for the errors, and [Policy] for what happens when Redis fails.
func (l *Multi) Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if l == nil || l.c == nil {
		return ratelimit.Decision{}, errMultiZero
	}
	return l.c.decide(ctx, key, n)
}

// Allow reports whether one event for key may happen now, and records it if
// so. A failure of Redis allows only under [FailOpen] (or if the fallback
// allows).
func (l *Multi) Allow(ctx context.Context, key string) bool {
	if l == nil || l.c == nil {
		panic(errMultiZero)
	}
	d, _ := l.c.decide(ctx, key, 1)
	return d.Allowed
}

// Wait blocks until one event for key is allowed; see [Multi.WaitN].
func (l *Multi) Wait(ctx context.Context, key string) error {
	if l == nil || l.c == nil {
		return errMultiZero
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
func (l *Multi) WaitN(ctx context.Context, key string, n int) error {
	if l == nil || l.c == nil {
		return errMultiZero
	}
	return l.c.waitN(ctx, key, n)
}

// IndependentKeys marks Multi as a [ratelimit.PerKey] limiter: each key
// has a state of its own in Redis. It does nothing, on any value.
func (l *Multi) IndependentKeys() {}

// Failures returns how many decisions Redis could not make since the
// limiter was created, whatever the policy did about them.
func (l *Multi) Failures() uint64 {
	if l == nil || l.c == nil {
		panic(errMultiZero)
	}
	return l.c.failures.Load()
}
