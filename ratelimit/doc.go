// Package ratelimit answers the guide's coding challenge "Implement a rate
// limiter" with the algorithms a production service chooses between, each
// deterministic with time as a parameter, and keeps the guide's own answer
// as a measured baseline.
//
// Every limiter offers AllowN(now, n), which decides a request for n events
// at an instant and returns a [Decision]; Allow, which reads the clock
// itself; and Decide, which satisfies the [Limiter] interface shared with the
// Redis-backed limiters of package redislimit.
package ratelimit
