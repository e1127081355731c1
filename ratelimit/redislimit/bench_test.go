package redislimit_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// benchKeys are the distinct keys the benchmarks spread decisions over, as
// a service limiting each of its users does.
var benchKeys = func() []string {
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = "user:" + strconv.Itoa(i)
	}
	return keys
}()

// benchLimit is every benchmark's limit per key: 1000 per second, burst
// 1000; each key is asked about once per 10 000 decisions, so nearly every
// decision is allowed and every one writes.
const benchLimit = 1000

var benchApproaches = []struct {
	name string
	new  func(rdb redis.Scripter, prefix string) (ratelimit.Limiter, error)
}{
	{"fixed-window", func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
		return redislimit.NewFixedWindow(rdb, benchLimit, time.Second, redislimit.Config{Prefix: p})
	}},
	{"sliding-log", func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
		return redislimit.NewSlidingLog(rdb, benchLimit, time.Second, redislimit.Config{Prefix: p})
	}},
	{"sliding-window", func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
		return redislimit.NewSlidingWindow(rdb, benchLimit, time.Second, redislimit.Config{Prefix: p})
	}},
	{"token-bucket", func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
		return redislimit.NewTokenBucket(rdb, benchLimit, time.Second, benchLimit, redislimit.Config{Prefix: p})
	}},
	{"gcra", func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
		return redislimit.NewGCRA(rdb, benchLimit, time.Second, benchLimit, redislimit.Config{Prefix: p})
	}},
	{"multi-2", func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
		return redislimit.NewMulti(rdb, []redislimit.Limit{
			redislimit.GCRALimit(benchLimit, time.Second, benchLimit),
			redislimit.FixedWindowLimit(1000*benchLimit, time.Hour),
		}, redislimit.Config{Prefix: p})
	}},
}

// BenchmarkDecide measures one decision, a round trip to Redis, for each
// algorithm, on miniredis or on the real server at REDIS_ADDR.
func BenchmarkDecide(b *testing.B) {
	r := redistest.New(b)
	ctx := context.Background()
	for _, a := range benchApproaches {
		b.Run(a.name+"/"+r.Engine(), func(b *testing.B) {
			l, err := a.new(r.Client, r.Prefix+a.name+":")
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Decide(ctx, benchKeys[i%len(benchKeys)], 1); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// BenchmarkDecideParallel is BenchmarkDecide from many goroutines sharing
// one client, as the handlers of a server do: what the server sustains
// rather than what one round trip costs.
func BenchmarkDecideParallel(b *testing.B) {
	r := redistest.New(b)
	ctx := context.Background()
	for _, a := range benchApproaches {
		b.Run(a.name+"/"+r.Engine(), func(b *testing.B) {
			l, err := a.new(r.Client, r.Prefix+a.name+":")
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			var failed atomic.Bool
			b.ReportAllocs()
			b.SetParallelism(8) // round trips wait on the network, not the CPU
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)) * 7919
				for pb.Next() {
					if _, err := l.Decide(ctx, benchKeys[i%len(benchKeys)], 1); err != nil {
						failed.Store(true)
					}
					i++
				}
			})
			if failed.Load() {
				b.Fatal("a decision failed")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// BenchmarkDecideRequestContext decides under a cancellable context, as an
// HTTP handler's request context is. A client created without
// ContextTimeoutEnabled would not let that context interrupt a read, so the
// limiter watches it from a goroutine of its own; with the option set it
// calls straight through. The difference is that goroutine's cost.
func BenchmarkDecideRequestContext(b *testing.B) {
	r := redistest.New(b)
	for _, honours := range []bool{false, true} {
		b.Run("gcra/context-timeouts="+strconv.FormatBool(honours)+"/"+r.Engine(), func(b *testing.B) {
			c := redis.NewClient(&redis.Options{Addr: r.Addr(), ContextTimeoutEnabled: honours})
			b.Cleanup(func() { _ = c.Close() })
			l, err := redislimit.NewGCRA(c, benchLimit, time.Second, benchLimit, redislimit.Config{Prefix: r.Prefix + "ctx:"})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Decide(ctx, benchKeys[i%len(benchKeys)], 1); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
