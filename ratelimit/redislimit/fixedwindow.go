package redislimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// FixedWindow allows at most limit events per key in each window, the
// windows aligned to multiples of the window since the Unix epoch; the
// Redis twin of [ratelimit.FixedWindow]. Its state per key is one hash of
// two fields. At a window's edge a client can get up to 2×limit through in
// a short span (the end of one window and the start of the next); pick
// [SlidingWindow] or [GCRA] when that matters.
//
// Build one with [NewFixedWindow]: the methods of a zero FixedWindow (or a
// nil one) return an error wrapping [ErrNotInitialized], and Allow and
// Failures panic with it.
//
// FixedWindow is safe for simultaneous use by multiple goroutines and by
// many processes sharing one Redis.
type FixedWindow struct{ c *core }

var _ ratelimit.PerKey = (*FixedWindow)(nil)

// NewFixedWindow returns a limiter allowing limit events per key per window,
// its state kept in Redis through rdb (a *redis.Client, *redis.ClusterClient
// or *redis.Ring). The window must be a whole number of microseconds, the
// resolution of the Redis clock. It returns an error wrapping
// [ErrInvalidConfig] for a limit outside [1, MaxLimit] or a window
// outside [1µs, MaxWindow].
func NewFixedWindow(rdb redis.Scripter, limit int, window time.Duration, cfg Config) (*FixedWindow, error) {
	c, err := newCore(rdb, scriptFixedWindow, []spec{{algoFixedWindow, limit, window, limit}}, cfg)
	if err != nil {
		return nil, err
	}
	return &FixedWindow{c}, nil
}

// Decide asks for n events for key now, by the Redis server's clock, and
// records them if they are allowed: one round trip. See [ratelimit.Limiter]
// for the errors, and [Policy] for what happens when Redis fails.
func (l *FixedWindow) Decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if l == nil || l.c == nil {
		return ratelimit.Decision{}, errFixedWindowZero
	}
	return l.c.decide(ctx, key, n)
}

// Allow reports whether one event for key may happen now, and records it if
// so. A failure of Redis allows only under [FailOpen] (or if the fallback
// allows).
func (l *FixedWindow) Allow(ctx context.Context, key string) bool {
	if l == nil || l.c == nil {
		panic(errFixedWindowZero)
	}
	d, _ := l.c.decide(ctx, key, 1)
	return d.Allowed
}

// Wait blocks until one event for key is allowed; see [FixedWindow.WaitN].
func (l *FixedWindow) Wait(ctx context.Context, key string) error {
	if l == nil || l.c == nil {
		return errFixedWindowZero
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
func (l *FixedWindow) WaitN(ctx context.Context, key string, n int) error {
	if l == nil || l.c == nil {
		return errFixedWindowZero
	}
	return l.c.waitN(ctx, key, n)
}

// IndependentKeys marks FixedWindow as a [ratelimit.PerKey] limiter: each key
// has a state of its own in Redis. It does nothing, on any value.
func (l *FixedWindow) IndependentKeys() {}

// Failures returns how many decisions Redis could not make since the
// limiter was created, whatever the policy did about them.
func (l *FixedWindow) Failures() uint64 {
	if l == nil || l.c == nil {
		panic(errFixedWindowZero)
	}
	return l.c.failures.Load()
}
