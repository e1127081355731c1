// Package redislimit measures backendkit's Redis-backed rate limiters
// against github.com/go-redis/redis_rate/v10, the limiter go-redis's
// authors publish (GCRA in one Lua script), on the same server, with the
// same client and the same limit, in one run.
//
// BenchmarkDecide measures one decision after another (the cost of a round
// trip plus the script); BenchmarkDecideParallel measures many goroutines
// sharing one client (what the server sustains). Both spread decisions
// over 10 000 keys at 1000 per second with a burst of 1000, redis_rate's
// PerSecond(1000). backendkit-gcra is the like-for-like line; the other
// algorithms show what each costs beside it.
//
// The server is the real one at REDIS_ADDR when that is set, and an
// embedded miniredis otherwise, and each sub-benchmark's name ends with
// the one it ran on: BenchmarkDecide/backendkit-gcra/engine=redis or
// …/engine=miniredis. Quote figures from the real server, since miniredis
// builds a fresh Lua interpreter for every script call and measures little
// else.
package redislimit
