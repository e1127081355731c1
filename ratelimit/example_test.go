package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/backendkit/backendkit/ratelimit"
)

// Time is a parameter, so a limiter can be driven through fixed instants.
func ExampleGCRA() {
	// 2 requests per second on average, at most 2 at once.
	l, err := ratelimit.NewGCRA(2, time.Second, 2)
	if err != nil {
		panic(err)
	}
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, 0, 0, 500 * time.Millisecond} {
		d, err := l.AllowN(start.Add(at), 1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("t+%v allowed=%v remaining=%d retry-after=%v\n", at, d.Allowed, d.Remaining, d.RetryAfter)
	}
	_, err = l.AllowN(start, 3)
	fmt.Println(errors.Is(err, ratelimit.ErrExceedsLimit), err)
	// Output:
	// t+0s allowed=true remaining=1 retry-after=0s
	// t+0s allowed=true remaining=0 retry-after=0s
	// t+0s allowed=false remaining=0 retry-after=500ms
	// t+500ms allowed=true remaining=0 retry-after=0s
	// true ratelimit: n exceeds the limit: n=3, limit 2
}

// The fixed window lets twice its limit through around a boundary; the
// sliding log, which counts (now-window, now], does not.
func ExampleFixedWindow() {
	fixed, _ := ratelimit.NewFixedWindow(3, time.Second)
	log, _ := ratelimit.NewSlidingLog(3, time.Second)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	count := func(l interface {
		AllowN(time.Time, int) (ratelimit.Decision, error)
	}) int {
		n := 0
		for _, at := range []time.Duration{900 * time.Millisecond, 1000 * time.Millisecond} {
			for range 3 {
				if d, _ := l.AllowN(start.Add(at), 1); d.Allowed {
					n++
				}
			}
		}
		return n
	}
	fmt.Println("fixed window:", count(fixed), "in 100ms")
	fmt.Println("sliding log: ", count(log), "in 100ms")
	// Output:
	// fixed window: 6 in 100ms
	// sliding log:  3 in 100ms
}

// A Keyed limiter gives each key its own limiter, with bounded memory.
func ExampleKeyed() {
	g, _ := ratelimit.NewGCRA(10, time.Minute, 2) // 10 a minute, 2 at once
	users, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100_000})
	if err != nil {
		panic(err)
	}
	defer users.Close()
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, user := range []string{"alice", "alice", "alice", "bob"} {
		d, _ := users.AllowN(start, user, 1)
		fmt.Println(user, d.Allowed, d.RetryAfter)
	}
	// Output:
	// alice true 0s
	// alice true 0s
	// alice false 6s
	// bob true 0s
}

// Middleware limits each client by address and tells it how it stands.
func ExampleMiddleware() {
	g, _ := ratelimit.NewGCRA(1, time.Second, 2)
	perClient, _ := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100_000})
	defer perClient.Close()
	mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: perClient, Policy: "api"})
	if err != nil {
		panic(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") }))
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.7:4321"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d RateLimit: %s Retry-After: %q\n", w.Code, w.Header().Get("RateLimit"), w.Header().Get("Retry-After"))
	}
	// Output:
	// 200 RateLimit: "api";r=1;t=1 Retry-After: ""
	// 200 RateLimit: "api";r=0;t=2 Retry-After: ""
	// 429 RateLimit: "api";r=0;t=2 Retry-After: "1"
}

// Unlimited and Blocked are the two ends of the scale, for code that must
// hold a Limiter.
func ExampleBlocked() {
	var none ratelimit.Blocked
	_, err := none.AllowN(time.Now(), 1)
	fmt.Println(errors.Is(err, ratelimit.ErrExceedsLimit))
	var all ratelimit.Unlimited
	fmt.Println(all.Allow())
	// Output:
	// true
	// true
}

// Wait blocks until the event is due, and fails at once when the context's
// deadline comes first.
func ExampleGCRA_Wait() {
	l, _ := ratelimit.NewGCRA(1, time.Hour, 1) // one an hour
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fmt.Println(l.Wait(ctx)) // the first is due at once
	err := l.Wait(ctx)       // the next in an hour: past the deadline
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// <nil>
	// true
}
