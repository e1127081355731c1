// Package ratelimit answers the guide's coding challenge "Implement a rate
// limiter" (and the "Rate limiting: token bucket algorithm" line of "How do
// you handle API security?") with the algorithms a production service
// chooses between, a limiter per key with bounded memory, blocking waits
// and HTTP middleware, and keeps the guide's own answer as a measured
// baseline.
//
// # The guide's answer, and what is wrong with it
//
// The guide keeps every request's timestamp in a list per user and pops
// expired ones from the front. Its decisions are right (it is a sliding
// log: [Baseline] agrees with [SlidingLog] on every instant of a long trace),
// but list.pop(0) shifts the whole list, so a call costs O(limit); the
// lists of users who left are never deleted; and nothing guards the map,
// so concurrent requests race. [Baseline] is that code in Go, and its tests
// and BenchmarkSteadyState pin each flaw rather than fix it.
//
// # The algorithms
//
// Every limiter decides with AllowN(now, n), time being a parameter, and
// offers Allow and Decide (the [Limiter] interface, shared with the
// Redis-backed limiters of package redislimit) on the current time.
//
//	algorithm        state            memory      bursts                      exact?
//	FixedWindow      count, start     16 B        2×limit across a boundary   per window only
//	SlidingWindow    two counts       24 B        none; estimate              approximate
//	SlidingLog       a timestamp/evt  8 B×limit   none                        exact
//	TokenBucket      credit, last     16 B        up to burst, then rate      exact
//	LeakyBucket      drain instant    8 B         meter: up to capacity;      exact
//	                                              queue: none, evenly spaced
//	GCRA             one timestamp    8 B         up to burst, then rate      exact
//
// When to pick which:
//
//   - GCRA for almost everything: a token bucket in one word, lock-free
//     (one atomic compare-and-swap), the cheapest per call and per key.
//     Configure it as "limit per period, burst at once".
//   - TokenBucket when the textbook form matters for teaching or for
//     matching another system's tokens; it decides exactly as GCRA does
//     (a test checks it over thousands of random steps) but holds a
//     mutex.
//   - LeakyBucket when requests should leave evenly spaced rather than in
//     bursts: its Wait is a queue that releases one event every
//     period/limit, and refuses with [ErrQueueFull] what does not fit.
//     As a meter (Allow) it is GCRA again, with burst = capacity.
//   - SlidingLog when the contract is literally "at most N in any window"
//     and N is small: exact, but 8 bytes per allowed event.
//   - SlidingWindow when a quota per window must hold for large N without
//     the log's memory: two counters and no boundary burst, but an
//     estimate that is exact only when the previous window's events were
//     evenly spread.
//   - FixedWindow when the quota is by calendar window ("1000 per hour,
//     resetting on the hour") and a double burst at the boundary is
//     acceptable: it is the simplest to explain and to mirror in Redis.
//
// [Keyed] holds one limiter per key for any of these. [Unlimited] and
// [Blocked] are the unlimited and the zero rate, for code that must hold a
// Limiter.
//
// # Semantics every limiter shares
//
// A request is for n events. When it is allowed, the events are recorded;
// when it is denied, nothing is, and Decision.RetryAfter is how long until
// the same request would be allowed if nothing else happened. n < 1 is
// refused with [ErrInvalidN]; n larger than the limit (the burst, the
// capacity, the window's quota) with [ErrExceedsLimit], since no wait could
// help, and such a refusal carries no RetryAfter. A refusal with an error
// records nothing and reports the current Remaining and ResetAfter.
// Every limiter starts full: its whole allowance is available at once, and
// again after a long enough idle. The exact arithmetic of each algorithm,
// which the Redis-backed limiters reproduce, is in its type's
// documentation.
//
// Rates: constructors refuse a limit, period or burst below 1 with
// [ErrInvalidConfig]. The zero rate is [Blocked] (every request refused
// with ErrExceedsLimit); the unlimited rate is [Unlimited]. The bucket
// algorithms work on T = per/limit whole nanoseconds (rounded down), so a
// rate faster than one event per nanosecond is refused rather than rounded
// to "unlimited"; any configured period, or time to refill a bucket from
// empty, must be at most 2^60 ns (about 36.5 years), and any limit at most
// 2^60 events, so that slow rates (one event in 30 years works) and huge
// quotas never overflow into allowing everything: every instant, count
// and duration a limiter computes stays within an int64, with the
// waits' reservations bounded as the next section says.
//
// # Time
//
// Limiters keep instants as int64 nanoseconds since the Unix epoch. An
// instant that carries a monotonic clock reading (anything from time.Now)
// is placed by that reading, relative to one taken when the package was
// initialised, so wall-clock steps do not disturb it; an instant without
// one (time.Date, time.Unix) is placed at exactly its UnixNano, which is
// what makes tests tables of instants and aligns fixed windows to the Unix
// epoch like a Redis server's clock. Instants before 1970 count as 1970 and
// after 2116 as 2116.
//
// Allow, Decide and the waits read the clock as time.Since on that
// initial instant, which reads only the monotonic clock: about 40 ns on the
// reference machine, against about 70 ns for time.Now, which reads the
// wall clock too (see benchmarks/clock). That is the cheapest correct read
// the standard library offers; on this machine it is most of what a
// decision costs, and it is what puts GCRA and the token bucket well under
// x/time/rate, whose Allow calls time.Now. A clock cached by a ticking
// goroutine would be cheaper and wrong: stale by up to a tick at every
// window boundary and every refill.
//
// # Waiting
//
// [GCRA.WaitN], [TokenBucket.WaitN] and [LeakyBucket.WaitN] reserve their
// events at once and sleep exactly until they are due, on a timer and the
// context, without polling; when the context's deadline comes before that
// they return an error wrapping context.DeadlineExceeded at once, having
// reserved nothing, and when the context ends during the sleep they give
// the reservation back. A turn more than 2^60 ns (about 36.5 years) away,
// which a queue of waiters reaches at the slowest rates, counts as never:
// such a wait reserves nothing, fails at once when the context has a
// deadline, and otherwise returns only when the context ends. [Wait] waits
// on any Limiter by sleeping each Decision's RetryAfter.
//
// # Keyed limiters and memory
//
// [Keyed] keeps each key's state (8 to 24 bytes, 40 plus the log for the
// sliding log) inline in sharded open-addressing tables indexed by a
// seeded 64-bit hash of the key, so it stores no key strings. A key is
// forgotten by a periodic sweep once its limiter is full again, which
// changes no decision; the table never holds more than MaxKeys, evicting
// the key closest to full among a sample when a new key needs room.
//
// # HTTP
//
// [Middleware] limits each request under a key (the client address by
// default, see [ClientIP] for X-Forwarded-For), answers 429 with
// Retry-After when refused, and sets the IETF draft-11 RateLimit-Policy and
// RateLimit headers on every response.
//
// # Measured
//
// On 2 cores (AMD EPYC, virtual machine), Go 1.26.8 linux/amd64,
// 2026-11-26: medians of 5 runs of
//
//	go test -run '^$' -bench 'Allow|SteadyState' -count 5 ./ratelimit
//
// on an otherwise idle machine. The ratios compare lines of the same run.
// Every line allocates nothing.
//
//	benchmark                                   ns/op   ratio to the baseline
//	Allow/gcra                                     37   0.28 × x-time-rate
//	Allow/token-bucket                             36   0.28 × x-time-rate
//	Allow/x-time-rate                             132
//	AllowParallel/gcra                             36   0.32 × x-time-rate
//	AllowParallel/token-bucket                     43   0.38 × x-time-rate
//	AllowParallel/x-time-rate                     114
//	AllowKeyed/gcra/keys=100000                    96   0.26 × x-time-rate-map, 22 B/key
//	AllowKeyed/x-time-rate-map/keys=100000        365   115 B/key
//	AllowKeyedParallel/gcra/keys=100000            86   0.19 × x-time-rate-map
//	AllowKeyedParallel/x-time-rate-map/...        442
//	SteadyState/guide-baseline/limit=10            68
//	SteadyState/guide-baseline/limit=100000     19931   292 × limit=10
//	SteadyState/sliding-log/limit=100000           92   1.2 × limit=10
//
// B/key is the heap a keyed limiter holds per key, key strings excluded:
// for GCRA 8 bytes of state and 8 of hash in a table at most four fifths
// full, against a map entry and a rate.Limiter per key. On a machine busy
// with other work (load average near 10) every figure rose two to three
// times and the ratios stayed within 0.6 and 0.5 (GCRA 0.33, token bucket
// 0.41, keyed 0.30 and 0.36 in parallel).
package ratelimit
