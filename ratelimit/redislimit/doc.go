// Package redislimit is the Redis-backed twin of package ratelimit: the same
// algorithms (fixed window, sliding-window log, sliding-window counter,
// token bucket, GCRA), the same [ratelimit.Limiter] interface and the same
// decisions, with the state in Redis so that every server behind a load
// balancer shares one limit.
//
// # Interview card
//
// The question, the algorithms' trade-offs and most follow-ups are package
// ratelimit's (see the card at the top of its documentation); this card
// adds what changes when many servers share the limit.
//
// Question. Section 8, "Coding Challenges", of the guide asks "Implement a
// rate limiter" and keeps the timestamps in the memory of one process: ten
// API servers with that limit of L each let 10×L through. Ten servers
// sharing one of these limiters let L through.
//
// Answer in five lines:
//
//  1. Keep each key's state in Redis, named with the caller's key as its
//     hash tag, so a cluster keeps a decision's keys in one slot.
//  2. Decide in one Lua script (EVALSHA): read, decide, write only when
//     allowed, set an expiry; atomic, and one round trip.
//  3. Use the Redis server's clock (TIME), never the callers'.
//  4. Bound each decision with a timeout and pick a failure policy: fail
//     closed, fail open, or fall back to a local per-key share.
//  5. Know that a decision that timed out may still have been charged, and
//     that a client's retries charge again.
//
// Trade-offs of the approaches in this package (bench_test.go):
//
//	approach       state per key in Redis      work per decision on the server     pick it for
//	GCRA           one string                  a straight-line script, the least   the default
//	TokenBucket    a hash: credit, timestamp   the shared driver, about 40% more   the textbook form
//	FixedWindow    a hash of two fields        the shared driver                   calendar quotas; 2× at an edge
//	SlidingWindow  a hash: window, two counts  the shared driver                   quotas without the edge burst
//	SlidingLog     a sorted set, one member    trims and counts the set, the most  small limits, exactly
//	               per admitted event
//	Multi          each limit's own keys       one script for all the limits       10 per second and 1000 per hour
//
// Numbers worth quoting (a real redis-server 7.0.15 on loopback, 2-core
// AMD EPYC VM, Go 1.26.8, -count 12; cd benchmarks && REDIS_ADDR=<addr> go
// test -run '^$' -bench . -count 12 ./redislimit): a GCRA decision takes
// 88 µs one after another (11 300 decisions/s), 0.81× go-redis/redis_rate's
// 109 µs, and 36 µs each with many goroutines on one client (27 800/s,
// redis_rate 37 µs); 18 allocations, about 640 bytes, per decision. The
// other algorithms, serially: fixed window 108, sliding window 106, token
// bucket 116, sliding log 146 µs. Single runs swing by ±30% on this
// machine; the figures are the round trip, not the script.
//
// Follow-ups:
//
// Why a script, not GET and SET? Two servers reading the same count both
// allow; INCR then EXPIRE leaves a key without expiry when the process dies
// in between; MULTI cannot branch on a value it read. A script runs
// atomically on the server, in one round trip (lua/*.lua, scripts.go).
//
// Whose clock? The Redis server's: the script reads TIME, so the skew
// between servers never matters, and the decisions equal the in-process
// ones for the same instants (conformance_test.go).
//
// What if Redis is down or slow? Config.Timeout bounds the decision and
// Config.Policy decides: FailClosed (the default; the middleware answers
// 503), FailOpen, or FallBack to Config.Fallback, a [ratelimit.PerKey]
// limiter holding this server's share; every failure is counted (Failures)
// and reported to Config.OnFailure. See "When Redis fails" below, and
// policy_test.go and charge_test.go for what a timed-out decision costs.
//
// Does it work on Redis Cluster? Yes: the caller's key is the hash tag of
// every key a decision writes, so they share one slot, and keys spread over
// the masters by caller (cluster_test.go runs on a real three-master
// cluster in CI).
//
// How much memory does Redis hold? Every key a script writes carries an
// expiry at about the instant its limiter is full again, so an idle key
// costs nothing; the sliding log holds up to its limit of members per key;
// key names are bounded by [MaxKeyLen].
//
// # Conventions
//
//   - Constructors: New…(rdb, the limit's arguments…, cfg Config), the
//     zero Config being the defaults (NoJitter says a jitter of 0); bad
//     arguments are errors wrapping [ErrInvalidConfig], which wraps
//     ratelimit's.
//   - Errors say "redislimit:" once, the sentinel first; ErrInvalidN and
//     ErrExceedsLimit, which every Limiter shares, are ratelimit's
//     ("ratelimit: n exceeds the limit: n=3, GCRA allows at most 2 at
//     once").
//   - No Close: a limiter holds no resource of its own between decisions;
//     the client is the caller's to close. (A decision that passes
//     Config.Timeout on a client without ContextTimeoutEnabled leaves its
//     call to end at the client's ReadTimeout; see Config.Timeout.)
//   - Zero values fail loudly: a limiter not made by its constructor
//     returns errors wrapping [ErrNotInitialized], and Allow and Failures
//     panic with it.
//   - Every limiter is a [ratelimit.PerKey], and so must Config.Fallback
//     be.
//   - Benchmarks name the engine they ran on: …/engine=redis or
//     …/engine=miniredis.
//
// Every limiter here keeps a state per key, as a [ratelimit.Keyed] does in
// process, and both are [ratelimit.PerKey] limiters, so moving a limit per
// client from one machine to many is a change of constructor: the
// arguments are those of package ratelimit, after the Redis client.
//
//	g, err := ratelimit.NewGCRA(100, time.Second, 20)
//	l, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100_000})     // one process
//	l, err := redislimit.NewGCRA(rdb, 100, time.Second, 20, redislimit.Config{}) // every process
//
// A bare ratelimit.NewGCRA is one limit shared by every key; its Redis
// equivalent is a limiter here asked under one fixed key.
//
// # How a decision works
//
// Each decision is one Lua script run with EVALSHA (EVAL once, if the
// server has not cached the script): one round trip. The script reads the
// Redis server's clock (TIME), so the servers' own clocks never matter;
// decides; records the events only when allowed, so a client flooding with
// refused requests never locks itself out; and sets an expiry on every key
// it writes, so an idle key costs nothing. Redis runs a script atomically,
// which is what makes "exactly L admitted" hold across any number of
// clients. Decisions are keyed: each key (a user, an IP address, an API
// key) has its own state.
//
// The client is the narrow interface go-redis gives for scripts,
// [redis.Scripter], so a *redis.Client, *redis.ClusterClient or *redis.Ring
// all work unchanged. A key's state lives under
// <prefix>{:<key>}:<algorithm>:<parameters>: the caller's key is the hash
// tag, so every key a decision touches (several, for [Multi]) sits in one
// Redis Cluster slot, and keys spread over slots by caller. The suite runs
// on a real three-master cluster in CI: 1000 goroutines over three cluster
// clients admit exactly the limit for keys on different masters, and a
// script whose keys lost their common tag is refused with CROSSSLOT.
//
// # Which algorithm
//
//   - [GCRA]: one string per key and the least work per decision; smooth
//     rate with bursts. The default choice, and what most Redis limiters
//     (go-redis/redis_rate among them) use.
//   - [TokenBucket]: the same decisions as GCRA, kept as a credit and a
//     timestamp in a hash; the textbook form.
//   - [FixedWindow]: a counter per window, the simplest to explain and to
//     read in redis-cli; lets up to twice the limit through around a
//     window's edge.
//   - [SlidingWindow]: two counters per key; no edge burst, an estimate
//     that assumes the previous window's events were spread evenly.
//   - [SlidingLog]: exact, one sorted-set member per admitted event; the
//     most memory and work (see the benchmarks); for small limits that
//     must hold exactly.
//   - [Multi]: several limits on one key (10 per second and 1000 per hour)
//     checked and charged together in one script.
//
// # Same decisions as in process
//
// For the same configuration and the same instants, a Decision here equals
// the in-process limiter's, field by field (Allowed, Limit, Remaining,
// RetryAfter, ResetAfter, Window): the tests play one trace against both,
// the Redis one on an embedded server whose clock is set before each step,
// and random traces besides. The buckets compute in nanoseconds as package
// ratelimit does, the windows in microseconds, the resolution of the Redis
// clock. The differences:
//
//   - Windows must be a whole number of microseconds.
//   - Bad input (n < 1, n above the capacity, a key over [MaxKeyLen]) is
//     refused before any round trip, so its Decision holds only Limit and
//     Window, not the key's Remaining and ResetAfter.
//   - The scripts' arithmetic is exact only below 2⁵³, hence tighter bounds
//     than in process: [MaxLimit], [MaxWindow], [MaxBucketSpan] (about 52
//     days to refill a bucket), [MaxLogLimit], and for [SlidingWindow]
//     limit × window (µs) ≤ 2⁵² (50,000 per day fits, 100,000 does not).
//     Constructors refuse configurations beyond them.
//   - A refusal by [SlidingWindow] in a window the stored state has not
//     reached yet records the move to that window (no events), as the
//     in-process counter does, so that a clock stepping back later finds
//     the same state in both.
//   - Wait does not reserve: it sleeps the retry-after the script
//     returned, plus jitter, and asks again (another server may have taken
//     the slot meanwhile). The in-process Wait reserves and sleeps exactly;
//     a reservation shared between servers would need a second script to
//     cancel it and a round trip more.
//
// # When Redis fails
//
// A decision Redis cannot make (unreachable, slower than Config.Timeout, or
// a script error such as WRONGTYPE) goes to the [Policy]: [FailClosed] (the
// default) refuses and returns the error, wrapping [ErrRedis] with the
// algorithm and key; [FailOpen] allows; [FallBack] asks Config.Fallback, a
// local [ratelimit.PerKey] limiter, typically a [ratelimit.Keyed] of the
// in-process twin holding this server's share of the limit. Whatever the
// policy, the failure is counted (Failures) and reported to
// Config.OnFailure. A caller whose own context ends gets the context's
// error and no policy: there is nobody to allow. The timeout holds even for
// a client created without ContextTimeoutEnabled, whose reads would
// otherwise ignore deadlines.
//
// A failed decision may still have been charged. Redis runs a script once
// it has read it, whatever the client does next, so when the failure comes
// after the command was sent (the timeout passed while the command waited
// behind others or the script ran, or the connection broke before the reply
// came back) the events may be counted against the key all the same: under
// FailClosed the request is refused and charged; under FailOpen or FallBack
// it is allowed locally and charged in Redis too. A decision none of whose
// tries was written to Redis (no connection, a full pool) is never charged.
// What bounds it is the timeout against the time Redis takes to answer, the
// round trip plus any queue plus the script: a Config.Timeout well above
// the server's slowest replies makes such charges rare, never impossible.
// Telling Redis the client's deadline would need the client's clock in the
// script, which the design keeps out.
//
// Retries charge again. go-redis sends a command again, up to the client's
// MaxRetries (3 unless set), when its read timed out at the client's
// ReadTimeout or its connection broke after it was written, and each try
// that reaches Redis runs the script: one decision can be charged up to
// MaxRetries+1 times, even when its final answer allows it once. A timeout
// at the deadline of Config.Timeout or of the caller's context is not
// retried while the client keeps a retry backoff (MinRetryBackoff, 10 ms
// unless set): go-redis waits it out on that context, which has ended. For
// at most one charge per decision, give the limiter a client of its own
// with MaxRetries: -1, and let the policy handle the failure. A
// per-decision marker in Redis would make retries idempotent, but at the
// price of a key written and held per decision for the whole retry time, a
// second write for scripts that make one, and no help for the charges
// above.
//
// # Sharing round trips: Pipeline
//
// A decision's cost is its round trip, so a service that asks Redis on
// every request is capped by what its connections' round trips allow.
// go-redis's automatic pipeliner (Client.AutoPipeline,
// ClusterClient.AutoPipeline) batches concurrent commands into one round
// trip; every limiter here accepts one, directly or through a [Pipeline],
// which adds what a limiter needs: a bound on the decisions waiting
// (PipelineConfig.MaxQueued; a decision beyond it fails with
// [ErrQueueFull] before reaching Redis, uncharged, and its limiter's
// Policy decides it) and counters for metrics (Stats: decisions,
// refusals, batches, commands batched, the largest batch, the time
// decisions queued, and how many wait now). Decisions keep their own
// context and their limiter's policy, and NOSCRIPT after a SCRIPT FLUSH
// sends the script again, as on a plain client. The conformance traces and
// the exactly-L suites run over the pipeliner as over a plain client, on
// one server and on the cluster (pipeline_test.go).
//
// Measured (real redis-server on loopback, 2 shared cores, load average
// 0.6-0.8, Go 1.26.8, medians of -count 6 of cd benchmarks && go test
// -run '^$' -bench DecideCallers -benchtime 3000x ./redislimit), GCRA
// decisions/s over a plain client and over a Pipeline: 1 caller 8 800 and
// 7 900 (p50 93 and 110 µs, 1.18×); 8 callers 26 600 and 18 300; 64
// callers 27 400 and 32 500 (batches of 60, p99 11.0 and 5.8 ms); 256
// callers 35 500 and 49 400 (batches of 200). redis_rate over the same
// pipeliner: 37 800 at 64 callers, 57 600 at 256. The server spends about
// 13 µs per EVALSHA under load (INFO commandstats), a ceiling near 75 000
// decisions/s that none of these reach: on two cores the client's CPU,
// shared with the server, is what runs out first, so the pipeliner gains
// 1.2-1.4×, not the 3× a machine with cores to spare would show.
//
// # Cost
//
// A decision costs one round trip plus the script's run on the server. The
// single GCRA limiter runs a straight-line script of its own, as cheap on
// the server as go-redis/redis_rate's (benchmarks/redislimit compares them
// on the same server and limit); the other limiters share one driver that
// loops over limits, which costs the server about 40% more per call, and
// the sliding log, which trims and counts a sorted set, the most. On the
// client a decision allocates about 640 bytes in 18 objects, most of them
// go-redis's command.
package redislimit
