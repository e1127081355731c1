package redislimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// embedded starts a miniredis with its clock stopped at a whole second, so
// the examples' output does not depend on when they run. A real program
// passes its own *redis.Client (or ClusterClient, or Ring).
func embedded() (*miniredis.Miniredis, *redis.Client) {
	m, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	m.SetTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	return m, redis.NewClient(&redis.Options{Addr: m.Addr()})
}

// Every server that builds this limiter on the same Redis shares its
// limits: 10 per second per key, in bursts of up to 2.
func ExampleNewGCRA() {
	m, rdb := embedded()
	defer m.Close()
	defer rdb.Close()

	l, err := redislimit.NewGCRA(rdb, 10, time.Second, 2, redislimit.Config{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 3 {
		d, err := l.Decide(ctx, "user:42", 1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("allowed=%v remaining=%d retry-after=%v\n", d.Allowed, d.Remaining, d.RetryAfter)
	}
	d, _ := l.Decide(ctx, "user:7", 1) // another key, another limit
	fmt.Println("user:7 allowed:", d.Allowed)
	// Output:
	// allowed=true remaining=1 retry-after=0s
	// allowed=true remaining=0 retry-after=0s
	// allowed=false remaining=0 retry-after=100ms
	// user:7 allowed: true
}

// A request is charged to every limit only when all of them allow it, and
// a refusal reports the limit that refused and the longest wait.
func ExampleNewMulti() {
	m, rdb := embedded()
	defer m.Close()
	defer rdb.Close()

	l, err := redislimit.NewMulti(rdb, []redislimit.Limit{
		redislimit.GCRALimit(10, time.Second, 10),    // 10 per second
		redislimit.FixedWindowLimit(12, time.Minute), // and 12 per minute
	}, redislimit.Config{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	d, _ := l.Decide(ctx, "api-key:1", 10)
	fmt.Printf("10 now: allowed=%v, %d left of %d per %v\n", d.Allowed, d.Remaining, d.Limit, d.Window)
	m.SetTime(time.Date(2030, 1, 1, 0, 0, 1, 0, time.UTC))
	d, _ = l.Decide(ctx, "api-key:1", 5)
	fmt.Printf("5 a second later: allowed=%v, %d per %v says retry after %v\n", d.Allowed, d.Limit, d.Window, d.RetryAfter)
	// Output:
	// 10 now: allowed=true, 0 left of 10 per 1s
	// 5 a second later: allowed=false, 12 per 1m0s says retry after 59s
}

// When Redis is down, the policy decides. Here each server falls back to a
// local limiter per key holding its share of the limit, and a counter
// records every decision Redis could not make.
func ExampleConfig_fallback() {
	m, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	addr := m.Addr()
	m.Close() // Redis is gone
	// Fail fast: the policy, not the client's retries, handles an outage.
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer rdb.Close()

	share, err := ratelimit.NewTokenBucket(2, time.Minute, 2) // this server's share
	if err != nil {
		panic(err)
	}
	local, err := ratelimit.NewKeyed(share, ratelimit.KeyedConfig{MaxKeys: 100_000})
	if err != nil {
		panic(err)
	}
	defer local.Close()
	l, err := redislimit.NewTokenBucket(rdb, 50, time.Second, 20, redislimit.Config{
		Policy:   redislimit.FallBack,
		Fallback: local,
		Timeout:  50 * time.Millisecond,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, key := range []string{"user:42", "user:42", "user:42", "user:7"} {
		d, err := l.Decide(ctx, key, 1)
		fmt.Println(key, "allowed:", d.Allowed, "error:", err)
	}
	fmt.Println("failures:", l.Failures())

	closed, _ := redislimit.NewTokenBucket(rdb, 50, time.Second, 20, redislimit.Config{}) // FailClosed, the default
	_, err = closed.Decide(ctx, "user:42", 1)
	fmt.Println("fail-closed error is ErrRedis:", errors.Is(err, redislimit.ErrRedis))
	// Output:
	// user:42 allowed: true error: <nil>
	// user:42 allowed: true error: <nil>
	// user:42 allowed: false error: <nil>
	// user:7 allowed: true error: <nil>
	// failures: 4
	// fail-closed error is ErrRedis: true
}
