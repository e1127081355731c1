// Package clock measures what reading the time costs, which every rate
// limiter, cache with TTLs and pool with lifetimes pays on each call.
//
// time.Now reads two clocks (wall and monotonic). Code that only needs
// elapsed time can read the monotonic clock alone through time.Since on a
// fixed base instant, which is what the limiters in ratelimit build on.
package clock
