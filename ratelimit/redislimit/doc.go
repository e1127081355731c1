// Package redislimit is the Redis-backed twin of package ratelimit: the same
// algorithms (fixed window, sliding-window log, sliding-window counter,
// token bucket, GCRA), the same [ratelimit.Limiter] interface and the same
// decisions, with the state in Redis so that every server behind a load
// balancer shares one limit. Ten servers with an in-process limiter of L
// each let 10×L through; ten servers sharing one of these let L through.
// Moving from one machine to many is a change of constructor:
//
//	l, err := ratelimit.NewGCRA(100, time.Second, 20)           // one process
//	l, err := redislimit.NewGCRA(rdb, 100, time.Second, 20)     // every process
package redislimit
