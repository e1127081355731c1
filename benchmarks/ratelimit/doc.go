// Package ratelimit measures backendkit's in-process rate limiters against
// the Go libraries that do the same job, in one run:
// golang.org/x/time/rate (a token bucket under a mutex, the standard) and
// go.uber.org/ratelimit (a blocking leaky bucket on one atomic word).
//
// BenchmarkAllow and BenchmarkAllowParallel compare a non-blocking
// admission: backendkit's GCRA and token bucket against x/time/rate's
// Allow. BenchmarkWait and BenchmarkWaitParallel compare a blocking take
// at a rate so high that nobody sleeps, which measures what each costs on
// its fast path: backendkit's leaky-bucket queue and GCRA against
// x/time/rate's Wait and uber's Take. Every approach gets the same rate
// and burst (uber's slack plays the burst).
package ratelimit
