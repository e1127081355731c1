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

// Config is everything about a Pool beyond the two arguments of New that
// define it, its MaxSize and its Constructor. The zero Config is the
// defaults each field states: nothing to destroy, no health check, no
// MinIdle, MaxIdle = MaxSize, no age limits, fail fast after
// DefaultFailFastAfter failures, no leak detection. A duration may be as
// large as the largest time.Duration: one too long to elapse while the
// process runs means, in effect, never, as the pool's time arithmetic
// saturates instead of wrapping round.
type Config[T any] struct {
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

// settings are what New was given, validated, with the defaults filled in.
type settings[T any] struct {
	Config[T]
	maxSize     int
	constructor func(ctx context.Context) (T, error)
}

// validate checks New's arguments and returns them with the defaults
// filled in.
func validate[T any](maxSize int, constructor func(context.Context) (T, error), c Config[T]) (settings[T], error) {
	bad := func(format string, args ...any) (settings[T], error) {
		return settings[T]{}, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	switch {
	case constructor == nil:
		return bad("constructor is required")
	case maxSize < 1:
		return bad("maxSize must be at least 1, got %d", maxSize)
	case c.MinIdle < 0 || c.MinIdle > maxSize:
		return bad("MinIdle must be in [0, maxSize=%d], got %d", maxSize, c.MinIdle)
	case c.MaxIdle < 0 || c.MaxIdle > maxSize:
		return bad("MaxIdle must be in [0, maxSize=%d], got %d", maxSize, c.MaxIdle)
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
		c.MaxIdle = maxSize
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
	return settings[T]{Config: c, maxSize: maxSize, constructor: constructor}, nil
}
