package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrClosed is returned by Acquire and TryAcquire once Close has been
	// called, and given to callers that were waiting when it was.
	ErrClosed = errors.New("pool: closed")
	// ErrExhausted is returned by TryAcquire when no idle resource is ready.
	ErrExhausted = errors.New("pool: no idle resource")
	// ErrUnavailable is returned, wrapped together with the constructor's
	// last error, by an acquire that would have to build a resource while
	// the backend is failing: the pool refuses at once instead of dialling
	// again, and a single background probe looks for recovery.
	ErrUnavailable = errors.New("pool: backend unavailable")
	// ErrConstructor is returned, wrapped together with the Constructor's
	// error, to the caller whose acquire ran a construction that failed.
	ErrConstructor = errors.New("pool: Constructor failed")
	// ErrInvalidConfig is returned by New for a configuration it cannot
	// honour.
	ErrInvalidConfig = errors.New("pool: invalid configuration")
	// ErrNotInitialized is returned by the methods of a Pool that was not
	// made by New (a zero Pool, or a nil *Pool), and is what Stats panics
	// with on one.
	ErrNotInitialized = errors.New("pool: Pool used without New")
)

// chain is an error that wraps one of the package's sentinels and the
// error behind it, and says the package's prefix once, at the start: the
// cause's own "pool: " (a PanicError's, say) is left out of the text, not
// out of the chain that errors.Is and errors.As walk.
type chain struct{ sentinel, cause error }

// wrap returns sentinel wrapping cause, as "pool: <sentinel>: <cause>".
func wrap(sentinel, cause error) error { return &chain{sentinel, cause} }

func (e *chain) Error() string {
	return e.sentinel.Error() + ": " + strings.TrimPrefix(e.cause.Error(), "pool: ")
}

func (e *chain) Unwrap() []error { return []error{e.sentinel, e.cause} }

// Defaults for the zero values of Config.
const (
	// DefaultFailFastAfter is the number of consecutive construction
	// failures after which the pool treats the backend as down.
	DefaultFailFastAfter = 3
	// DefaultProbeInterval is the first pause between recovery probes.
	DefaultProbeInterval = 100 * time.Millisecond
	// DefaultMaxProbeInterval caps the doubling pause between probes.
	DefaultMaxProbeInterval = 5 * time.Second
)

// Config describes a Pool. Constructor and MaxSize are required; every other
// field has a useful zero value. A duration may be as large as the largest
// time.Duration: one too long to elapse while the process runs means, in
// effect, never, as the pool's time arithmetic saturates instead of
// wrapping round.
type Config[T any] struct {
	// Constructor builds a resource (dials a connection). Its context
	// carries the values of the acquiring caller's context but is not
	// cancelled when that caller gives up, so that a slow dial can finish
	// and join the idle set; it is cancelled when the pool is closed.
	// A Constructor that panics is a failed construction: its slot is
	// freed first, and the panic goes on in the acquiring caller (see
	// Pool.Acquire), or, with no caller waiting, is recovered and counted.
	Constructor func(ctx context.Context) (T, error)
	// Destructor releases a resource (closes a connection). Nil means
	// nothing needs releasing. It runs on the goroutine of the caller whose
	// call gives the resource up (Release, Destroy, an Acquire that finds
	// it stale or unhealthy or whose build finished after Close), and on a
	// pool goroutine for the sweep, for the idle resources Close destroys,
	// and for builds nobody keeps (beyond MaxIdle, or finished after Close
	// with no caller waiting). If it panics, the resource's slot is freed
	// all the same; the panic goes on in the caller, is carried to Close,
	// or, elsewhere on a pool goroutine, is recovered and counted in
	// Stats.Panics (see PanicError).
	Destructor func(T)
	// HealthCheck, when set, is run on borrow for a resource that sat idle
	// longer than HealthCheckAfter, on the acquiring caller's goroutine. A
	// resource that fails it is destroyed and the acquire moves on to the
	// next one. If it panics, the resource is destroyed, its slot freed,
	// and the panic goes on in the caller.
	HealthCheck func(ctx context.Context, value T) error
	// HealthCheckAfter is the idle time after which HealthCheck runs on
	// borrow. Zero means on every borrow.
	HealthCheckAfter time.Duration

	// MaxSize is the hard cap on resources that exist at once, counting
	// those idle, in use and being constructed. It must be at least 1.
	MaxSize int
	// MinIdle is the number of idle resources a background goroutine keeps
	// ready. Zero means none are built ahead of demand.
	MinIdle int
	// MaxIdle is the most idle resources kept: a resource that would
	// become idle while MaxIdle are, released or built for nobody (a build
	// whose caller gave up, the MinIdle refill, a recovery probe), is
	// destroyed instead. Zero means MaxSize.
	MaxIdle int
	// MaxLifetime is how long a resource may exist. It is checked on
	// acquire, on release and by a background sweep. Zero means no limit.
	MaxLifetime time.Duration
	// LifetimeJitter shortens each resource's lifetime by a random amount
	// in [0, LifetimeJitter), so that resources built together do not all
	// expire together. It must be less than MaxLifetime.
	LifetimeJitter time.Duration
	// MaxIdleTime is how long a resource may sit idle before it is
	// destroyed, on acquire or by the background sweep. Resources kept for
	// MinIdle are replaced when they pass it. Zero means no limit.
	MaxIdleTime time.Duration

	// FailFastAfter is the number of consecutive construction failures
	// after which acquires that need a new resource fail fast with
	// ErrUnavailable. Zero means DefaultFailFastAfter.
	FailFastAfter int
	// ProbeInterval is the first pause before a recovery probe while the
	// backend is failing; it doubles after each failed probe up to
	// MaxProbeInterval. Zero means DefaultProbeInterval.
	ProbeInterval time.Duration
	// MaxProbeInterval caps the pause between probes. Zero means
	// DefaultMaxProbeInterval, or ProbeInterval if that is larger.
	MaxProbeInterval time.Duration

	// LeakThreshold, when positive, turns on leak detection: every acquire
	// records its call stack, and OnLeak is called once for each handle
	// held longer than LeakThreshold. Recording costs a stack walk per
	// acquire; leave it off in hot production paths.
	LeakThreshold time.Duration
	// OnLeak receives the leak reports. It is called from the pool's
	// background goroutine without the pool's lock held; it must not block
	// for long, nor call Close, which waits for that goroutine. Required
	// when LeakThreshold is set.
	OnLeak func(Leak)
}

// validate checks c and returns a copy with the defaults filled in.
func (c Config[T]) validate() (Config[T], error) {
	bad := func(format string, args ...any) (Config[T], error) {
		return c, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	switch {
	case c.Constructor == nil:
		return bad("Constructor is required")
	case c.MaxSize < 1:
		return bad("MaxSize must be at least 1, got %d", c.MaxSize)
	case c.MinIdle < 0 || c.MinIdle > c.MaxSize:
		return bad("MinIdle must be in [0, MaxSize=%d], got %d", c.MaxSize, c.MinIdle)
	case c.MaxIdle < 0 || c.MaxIdle > c.MaxSize:
		return bad("MaxIdle must be in [0, MaxSize=%d], got %d", c.MaxSize, c.MaxIdle)
	case c.MaxIdle > 0 && c.MaxIdle < c.MinIdle:
		return bad("MaxIdle (%d) must not be below MinIdle (%d)", c.MaxIdle, c.MinIdle)
	case c.HealthCheckAfter < 0, c.MaxLifetime < 0, c.LifetimeJitter < 0, c.MaxIdleTime < 0,
		c.ProbeInterval < 0, c.MaxProbeInterval < 0, c.LeakThreshold < 0:
		return bad("durations must not be negative")
	case c.LifetimeJitter > 0 && c.LifetimeJitter >= c.MaxLifetime:
		return bad("LifetimeJitter (%v) must be less than MaxLifetime (%v)", c.LifetimeJitter, c.MaxLifetime)
	case c.FailFastAfter < 0:
		return bad("FailFastAfter must not be negative, got %d", c.FailFastAfter)
	case c.LeakThreshold > 0 && c.OnLeak == nil:
		return bad("OnLeak is required when LeakThreshold is set")
	}
	if c.Destructor == nil {
		c.Destructor = func(T) {}
	}
	if c.MaxIdle == 0 {
		c.MaxIdle = c.MaxSize
	}
	if c.FailFastAfter == 0 {
		c.FailFastAfter = DefaultFailFastAfter
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = DefaultProbeInterval
	}
	if c.MaxProbeInterval == 0 {
		c.MaxProbeInterval = max(DefaultMaxProbeInterval, c.ProbeInterval)
	}
	if c.MaxProbeInterval < c.ProbeInterval {
		return bad("MaxProbeInterval (%v) must not be below ProbeInterval (%v)", c.MaxProbeInterval, c.ProbeInterval)
	}
	return c, nil
}
