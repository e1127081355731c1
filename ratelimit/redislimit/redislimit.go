package redislimit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
)

// MaxKeyLen is the longest key, in bytes, a limiter accepts. Longer keys are
// refused with [ErrKeyTooLong] before any round trip: a key usually comes
// from a request (a user ID, an IP address, an API key), and an unbounded one
// would let a client write arbitrarily large names into Redis.
const MaxKeyLen = 512

// MaxLimit is the largest limit or burst a limiter accepts. The scripts count
// in Lua numbers (IEEE doubles), exact for integers up to 2⁵³; keeping counts
// below 2³⁰ keeps every sum and product the scripts form exact.
const MaxLimit = 1 << 30

// MaxWindow is the longest window (or refill period) a limiter accepts. The
// scripts keep instants in microseconds since the Unix epoch, so an instant
// plus a window must stay below 2⁵³ µs.
const MaxWindow = 10 * 365 * 24 * time.Hour

// MaxLogLimit is the largest limit a [SlidingLog] accepts, as in package
// ratelimit: its sorted set holds up to limit members per key.
const MaxLogLimit = 1 << 20

// maxSlidingProduct bounds a [SlidingWindow]'s limit × window (µs): the
// script's weighted counts are products of the two, exact in Lua's doubles
// only below 2⁵³, and one more bit keeps the roundings of its divisions
// exact. 50,000 per day fits; 100,000 per day does not.
const maxSlidingProduct = 1 << 52

// MaxBucketSpan is the longest a [TokenBucket] or [GCRA] may take to refill
// from empty (burst × period/limit), about 52 days. The bucket scripts
// compute in nanoseconds, as the in-process buckets do, in Lua numbers exact
// below 2⁵³; sums of two spans must stay below that.
const MaxBucketSpan = 1 << 52

// DefaultPrefix starts the name of every key a limiter writes, unless
// Config.Prefix says otherwise.
const DefaultPrefix = "ratelimit:"

var (
	// ErrKeyTooLong is returned for a key longer than [MaxKeyLen] bytes.
	ErrKeyTooLong = errors.New("redislimit: key too long")
	// ErrRedis is wrapped by every error that comes from Redis (unreachable,
	// timed out, or a script error), together with the underlying error, so
	// a caller can answer 503 rather than 429 when the policy is to fail
	// closed.
	ErrRedis = errors.New("redislimit: redis failed")
	// ErrInvalidConfig is wrapped by the errors of constructors given a
	// configuration they cannot honour. It wraps
	// [ratelimit.ErrInvalidConfig], so errors.Is finds either.
	ErrInvalidConfig error = &sentinel{"redislimit: invalid configuration", ratelimit.ErrInvalidConfig}
	// ErrNotInitialized is wrapped by the errors of a limiter that was not
	// made by its constructor (a zero value or a nil pointer), and is what
	// such a limiter's methods without an error result (Allow, Failures)
	// panic with. The error names the type: "redislimit: GCRA used
	// without NewGCRA". It wraps [ratelimit.ErrNotInitialized].
	ErrNotInitialized error = &sentinel{"redislimit: used without its constructor", ratelimit.ErrNotInitialized}
)

// sentinel is an error of this package that is also one of package
// ratelimit's, so a caller holding any Limiter tests one name.
type sentinel struct {
	msg    string
	parent error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.parent }

// notInitialized is the error of a limiter used without its constructor:
// it names the type, and wraps ErrNotInitialized.
type notInitialized string

func (e notInitialized) Error() string {
	return "redislimit: " + string(e) + " used without New" + string(e)
}

func (notInitialized) Unwrap() error { return ErrNotInitialized }

// Policy says what a limiter decides when Redis cannot: when it is
// unreachable, slower than the timeout, or answers with an error. Whatever
// the policy, a decision that failed after its script reached Redis may
// have been charged there (see the package documentation, "When Redis
// fails"): refused and charged under FailClosed, allowed and charged under
// FailOpen and FallBack.
type Policy int

const (
	// FailClosed denies the request and returns the error (wrapping
	// [ErrRedis]). It is the default: a broken Redis never silently lets
	// traffic through.
	FailClosed Policy = iota
	// FailOpen allows the request and returns no error: availability
	// matters more than the limit. The Decision reports the full limit
	// less n as remaining. The failure is still counted and reported to
	// the Config.OnFailure callback.
	FailOpen
	// FallBack asks a local, in-process limiter (given as Config.Fallback)
	// and returns its decision with no error. With n servers each holding a
	// local limiter, up to n times the limit gets through while Redis is
	// down; size the local limit accordingly.
	FallBack
)

// String returns the policy's name.
func (p Policy) String() string {
	switch p {
	case FailClosed:
		return "fail-closed"
	case FailOpen:
		return "fail-open"
	case FallBack:
		return "fall-back"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

// DefaultJitter is the jitter Wait adds unless [Config] says otherwise.
const DefaultJitter = 0.2

// Config configures a limiter. The zero Config means the defaults: keys
// under [DefaultPrefix], no timeout of the limiter's own, [FailClosed], no
// failure callback, and a Wait jitter of [DefaultJitter].
type Config struct {
	// Prefix starts the name of every key the limiter writes; empty means
	// [DefaultPrefix]. Give limiters that must not share state different
	// prefixes; limiters with the same prefix, algorithm and
	// configuration share state, which is the point: that is how several
	// servers share one limit. A prefix containing '{' becomes the Redis
	// Cluster hash tag of every key, so keep braces out of it unless that
	// is what you want. At most [MaxKeyLen] bytes.
	Prefix string
	// Timeout bounds each decision's round trip to Redis; a decision that
	// takes longer is a failure handled by the Policy. Zero leaves only
	// the caller's context and the client's own timeouts; it must not be
	// negative. A decision that times out after its script reached Redis
	// is charged there if the script ran, so the timeout should be well
	// above the server's slowest replies; a client's retries can charge a
	// decision more than once (see the package documentation, "When Redis
	// fails").
	//
	// The bound holds whatever the client's configuration: with a client
	// created with ContextTimeoutEnabled the deadline reaches the socket;
	// otherwise the limiter waits for the reply from a goroutine of its
	// own (three more allocations per decision, for any context that can
	// end), stops waiting at the deadline, and the client's ReadTimeout
	// ends the abandoned call. Creating the client with
	// ContextTimeoutEnabled is the cheaper choice.
	Timeout time.Duration
	// Policy is what a decision does when Redis fails; zero is
	// [FailClosed]. [FallBack] needs Fallback.
	Policy Policy
	// Fallback is the local limiter that decides while Redis cannot,
	// under Policy [FallBack]; it must be set with that policy and only
	// with it. It is a [ratelimit.PerKey] limiter, so each key keeps a
	// limit of its own during an outage: typically a [ratelimit.Keyed] of
	// the in-process twin of the Redis one, with the limit divided by the
	// number of servers.
	Fallback ratelimit.PerKey
	// OnFailure, when set, is called after every decision Redis could not
	// make, with the caller's key and the error (wrapping [ErrRedis]),
	// whatever the policy; for logs and metrics. It runs on the deciding
	// goroutine, so it should be quick.
	OnFailure func(key string, err error)
	// Jitter is how much random delay Wait adds to the retry-after it was
	// told, as a fraction of it: a wait of d becomes a uniformly random
	// duration in [d, d×(1+Jitter)], or d itself when the context's
	// deadline would come first. Zero means [DefaultJitter], unless
	// NoJitter is set; at most 10. Jitter spreads clients that were
	// refused together, so they do not come back in lockstep and collide
	// again.
	Jitter float64
	// NoJitter makes Wait sleep exactly the retry-after it was told: a
	// jitter of 0, which a zero Jitter cannot say. Jitter must then be
	// zero.
	NoJitter bool
}

// withDefaults validates cfg and fills in the defaults its zero fields
// stand for.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.Policy < FailClosed || cfg.Policy > FallBack:
		return cfg, fmt.Errorf("%w: unknown policy %v", ErrInvalidConfig, cfg.Policy)
	case cfg.Policy == FallBack && cfg.Fallback == nil:
		return cfg, fmt.Errorf("%w: policy %v needs a Fallback limiter", ErrInvalidConfig, cfg.Policy)
	case cfg.Policy != FallBack && cfg.Fallback != nil:
		return cfg, fmt.Errorf("%w: a Fallback limiter needs Policy %v, not %v", ErrInvalidConfig, FallBack, cfg.Policy)
	case cfg.Timeout < 0:
		return cfg, fmt.Errorf("%w: negative timeout %v", ErrInvalidConfig, cfg.Timeout)
	case !(cfg.Jitter >= 0 && cfg.Jitter <= 10): // also refuses NaN
		return cfg, fmt.Errorf("%w: jitter %v outside [0, 10]", ErrInvalidConfig, cfg.Jitter)
	case cfg.NoJitter && cfg.Jitter != 0:
		return cfg, fmt.Errorf("%w: NoJitter with a Jitter of %v", ErrInvalidConfig, cfg.Jitter)
	case len(cfg.Prefix) > MaxKeyLen:
		return cfg, fmt.Errorf("%w: prefix longer than %d bytes", ErrInvalidConfig, MaxKeyLen)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Jitter == 0 && !cfg.NoJitter {
		cfg.Jitter = DefaultJitter
	}
	return cfg, nil
}

// algorithm names one script and the state layout it keeps.
type algorithm struct {
	name string // for errors: "fixed window"
	code string // in key names and the script's dispatch: "fw"
}

var (
	algoFixedWindow   = algorithm{"fixed window", "fw"}
	algoSlidingLog    = algorithm{"sliding log", "sl"}
	algoSlidingWindow = algorithm{"sliding window", "sw"}
	algoTokenBucket   = algorithm{"token bucket", "tb"}
	algoGCRA          = algorithm{"GCRA", "gcra"}
)

// spec is one limit as a script sees it.
type spec struct {
	algo   algorithm
	limit  int           // events per window, or refill events per period
	window time.Duration // window, or refill period
	burst  int           // bucket size; equal to limit for the window algorithms
}

// bucket reports whether the limit is a bucket (token bucket or GCRA),
// computed in nanoseconds like its in-process twin, rather than a window,
// computed in microseconds.
func (s spec) bucket() bool { return s.algo == algoTokenBucket || s.algo == algoGCRA }

// interval is a bucket's whole nanoseconds between two events at the
// sustained rate, rounded down as in package ratelimit.
func (s spec) interval() int64 { return int64(s.window) / int64(s.limit) }

// capacity is the most events the limit can ever allow at once.
func (s spec) capacity() int {
	if s.bucket() {
		return s.burst
	}
	return s.limit
}

// span is the Decision's Window: the window, or for a bucket the time to
// refill it from empty (burst×interval), as package ratelimit reports it.
func (s spec) span() time.Duration {
	if s.bucket() {
		return time.Duration(int64(s.burst) * s.interval())
	}
	return s.window
}

func (s spec) validate() error {
	what := "window"
	if s.bucket() {
		what = "period"
	}
	switch {
	case s.limit < 1 || s.limit > MaxLimit:
		return fmt.Errorf("%w: %s limit %d outside [1, %d]", ErrInvalidConfig, s.algo.name, s.limit, MaxLimit)
	case s.burst < 1 || s.burst > MaxLimit:
		return fmt.Errorf("%w: %s burst %d outside [1, %d]", ErrInvalidConfig, s.algo.name, s.burst, MaxLimit)
	case s.window <= 0 || s.window > MaxWindow:
		return fmt.Errorf("%w: %s %s %v outside (0, %v]", ErrInvalidConfig, s.algo.name, what, s.window, MaxWindow)
	case !s.bucket() && s.window%time.Microsecond != 0:
		return fmt.Errorf("%w: %s window %v is not a whole number of microseconds, the resolution of the Redis clock", ErrInvalidConfig, s.algo.name, s.window)
	case s.algo == algoSlidingLog && s.limit > MaxLogLimit:
		return fmt.Errorf("%w: a sliding log's limit %d is above %d", ErrInvalidConfig, s.limit, MaxLogLimit)
	case s.algo == algoSlidingWindow && int64(s.limit) > maxSlidingProduct/s.window.Microseconds():
		return fmt.Errorf("%w: a sliding window of %d per %v: limit × window in µs is above 2⁵², beyond the script's exact arithmetic", ErrInvalidConfig, s.limit, s.window)
	case s.bucket() && s.interval() < 1:
		return fmt.Errorf("%w: %s of %d per %v is more than one event per nanosecond", ErrInvalidConfig, s.algo.name, s.limit, s.window)
	case s.bucket() && int64(s.burst) > MaxBucketSpan/s.interval():
		return fmt.Errorf("%w: %s of burst %d at one event per %v takes longer than %v to refill", ErrInvalidConfig, s.algo.name, s.burst, time.Duration(s.interval()), time.Duration(MaxBucketSpan))
	}
	return nil
}

// params are the limit's two script parameters: limit and window (µs) for
// the window algorithms, interval (ns) and burst for the buckets.
func (s spec) params() (int64, int64) {
	if s.bucket() {
		return s.interval(), int64(s.burst)
	}
	return int64(s.limit), s.window.Microseconds()
}

// suffix ends the key name of this limit's state: the algorithm and its
// parameters, so that limiters configured differently never read each
// other's state (nor trip over another algorithm's data type).
func (s spec) suffix() string {
	a, b := s.params()
	return ":" + s.algo.code + ":" + strconv.FormatInt(a, 10) + ":" + strconv.FormatInt(b, 10)
}

// core is what every Redis-backed limiter shares: the script, the limits it
// checks, the key layout and the failure policy.
type core struct {
	rdb    redis.Scripter
	pipe   *Pipeline // set when rdb is one: decisions go through its run
	script *redis.Script
	specs  []spec
	name   string   // algorithm name for errors
	suffix []string // per spec, see spec.suffix
	args   []any    // ARGV after n, per spec: algorithm code and params
	maxN   int      // the smallest capacity among specs
	cfg    Config   // with the defaults filled in
	// direct is set when the client itself honours context deadlines, so a
	// call needs no watching goroutine.
	direct bool
	// sleep waits between tries in Wait, and random draws its jitter in
	// [0, 1); tests replace them.
	sleep  func(context.Context, time.Duration) error
	random func() float64

	failures atomic.Uint64
}

func newCore(rdb redis.Scripter, script *redis.Script, specs []spec, cfg Config) (*core, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: nil Redis client", ErrInvalidConfig)
	}
	pipe, _ := rdb.(*Pipeline)
	if pipe != nil && pipe.ap == nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, errPipelineZero)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &core{
		rdb:    rdb,
		pipe:   pipe,
		script: script,
		specs:  specs,
		cfg:    cfg,
		direct: honoursContext(rdb),
		sleep:  sleepCtx,
		random: rand.Float64,
	}
	c.maxN = MaxLimit
	for i, s := range specs {
		if err := s.validate(); err != nil {
			return nil, err
		}
		if i == 0 {
			c.name = s.algo.name
		} else if s.algo != specs[0].algo {
			c.name = "multi-limit"
		}
		a, b := s.params()
		c.suffix = append(c.suffix, s.suffix())
		c.args = append(c.args, s.algo.code, a, b)
		c.maxN = min(c.maxN, s.capacity())
	}
	return c, nil
}

// honoursContext reports whether the client lets a context deadline cut a
// socket read short. go-redis clients do only when created with
// ContextTimeoutEnabled; otherwise a hung server holds the caller for the
// client's ReadTimeout whatever the context says.
func honoursContext(rdb redis.Scripter) bool {
	switch c := rdb.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}

// keyName returns the Redis key holding limit i's state for key. The caller's
// key is the hash tag, so all of a decision's keys share one cluster slot;
// the colon inside the braces keeps the tag non-empty for an empty key or
// one starting with '}' (an empty tag would hash the whole name instead).
func (c *core) keyName(key string, i int) string {
	return c.cfg.Prefix + "{:" + key + "}" + c.suffix[i]
}

// idle is the decision's shape before any state is read: the limit that
// bounds it and its window.
func (c *core) idle() ratelimit.Decision {
	s := c.specs[0]
	return ratelimit.Decision{Limit: s.capacity(), Window: s.span()}
}

// decide validates the request, runs the script once, and applies the
// failure policy when Redis cannot answer.
func (c *core) decide(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	if len(key) > MaxKeyLen {
		return c.idle(), fmt.Errorf("%w: %d bytes, at most %d", ErrKeyTooLong, len(key), MaxKeyLen)
	}
	if n < 1 {
		return c.idle(), fmt.Errorf("%w: n=%d", ratelimit.ErrInvalidN, n)
	}
	if n > c.maxN {
		return c.idle(), fmt.Errorf("%w: n=%d, %s allows at most %d at once", ratelimit.ErrExceedsLimit, n, c.name, c.maxN)
	}
	keys := make([]string, len(c.specs))
	for i := range keys {
		keys[i] = c.keyName(key, i)
	}
	args := make([]any, 0, 1+len(c.args))
	args = append(args, n)
	args = append(args, c.args...)

	res, err := c.run(ctx, keys, args)
	if err == nil {
		var d ratelimit.Decision
		if d, err = c.parse(res); err == nil {
			return d, nil
		}
	}
	if cerr := ended(ctx); cerr != nil {
		// The caller gave up (or its deadline passed): that is no failure
		// of Redis, and no policy can help a caller that is gone.
		return c.idle(), fmt.Errorf("redislimit: %s %q: %w", c.name, key, cerr)
	}
	err = fmt.Errorf("%w: %s %q: %w", ErrRedis, c.name, key, err)
	return c.fail(ctx, key, n, err)
}

// run runs the script (EVALSHA, then EVAL if the server has not cached it)
// within the decision's timeout.
func (c *core) run(ctx context.Context, keys []string, args []any) (any, error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	if c.direct || ctx.Done() == nil {
		v, err := c.call(ctx, keys, args)
		if err != nil {
			if cerr := ended(ctx); cerr != nil {
				// The client saw the deadline as a socket timeout; say
				// which deadline it was.
				err = fmt.Errorf("%w: %w", cerr, err)
			}
		}
		return v, err
	}
	// The client would not let the deadline interrupt a read: wait for the
	// answer or the context, whichever comes first. The abandoned call ends
	// at the client's ReadTimeout; its channel is buffered so it never
	// blocks.
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := c.call(ctx, keys, args)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// call runs the script once: through the Pipeline when the client is one,
// else with the client's EVALSHA (EVAL on NOSCRIPT).
func (c *core) call(ctx context.Context, keys []string, args []any) (any, error) {
	if c.pipe != nil {
		return c.pipe.run(ctx, c.script, keys, args)
	}
	return c.script.Run(ctx, c.rdb, keys, args...).Result()
}

// ended returns ctx.Err(), or context.DeadlineExceeded once the deadline
// has passed even if the context's timer has not fired yet: a socket
// deadline set from the context can expire a moment before it does.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// parse reads the script's answer: allowed (1 or 0), remaining,
// retry-after and reset-after in nanoseconds as decimal strings, and the
// 1-based index of the limit that bounds the decision.
func (c *core) parse(res any) (ratelimit.Decision, error) {
	vals, ok := res.([]any)
	if !ok || len(vals) != 5 {
		return ratelimit.Decision{}, fmt.Errorf("unexpected script reply %v", res)
	}
	allowed, ok1 := vals[0].(int64)
	remaining, ok2 := vals[1].(int64)
	retryS, ok3 := vals[2].(string)
	resetS, ok4 := vals[3].(string)
	which, ok5 := vals[4].(int64)
	retry, err1 := strconv.ParseInt(retryS, 10, 64)
	reset, err2 := strconv.ParseInt(resetS, 10, 64)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || err1 != nil || err2 != nil || which < 1 || int(which) > len(c.specs) {
		return ratelimit.Decision{}, fmt.Errorf("unexpected script reply %v", res)
	}
	s := c.specs[which-1]
	return ratelimit.Decision{
		Allowed:    allowed == 1,
		Limit:      s.capacity(),
		Remaining:  int(remaining),
		RetryAfter: time.Duration(retry),
		ResetAfter: time.Duration(reset),
		Window:     s.span(),
	}, nil
}

// fail counts and reports a failed decision and decides by the policy.
func (c *core) fail(ctx context.Context, key string, n int, err error) (ratelimit.Decision, error) {
	c.failures.Add(1)
	if c.cfg.OnFailure != nil {
		c.cfg.OnFailure(key, err)
	}
	d := c.idle()
	switch c.cfg.Policy {
	case FailOpen:
		d.Allowed = true
		d.Remaining = max(d.Limit-n, 0)
		return d, nil
	case FallBack:
		return c.cfg.Fallback.Decide(ctx, key, n)
	}
	return d, err
}

// The errors of zero values, made once so that returning one allocates
// nothing.
var (
	errFixedWindowZero   error = notInitialized("FixedWindow")
	errSlidingLogZero    error = notInitialized("SlidingLog")
	errSlidingWindowZero error = notInitialized("SlidingWindow")
	errTokenBucketZero   error = notInitialized("TokenBucket")
	errGCRAZero          error = notInitialized("GCRA")
	errMultiZero         error = notInitialized("Multi")
)
