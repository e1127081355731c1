package ratelimit

import (
	"context"
	"testing"
	"time"

	uber "go.uber.org/ratelimit"
	"golang.org/x/time/rate"

	bk "github.com/backendkit/backendkit/ratelimit"
)

// The shared configuration: events per second and burst.
const (
	perSecond = 1_000_000_000
	burst     = 10
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

type approach struct {
	name string
	do   func() bool
}

// allowers returns fresh limiters at perSecond with burst, as Allow calls.
func allowers() []approach {
	return []approach{
		{"backendkit-gcra", must(bk.NewGCRA(perSecond, time.Second, burst)).Allow},
		{"backendkit-token-bucket", must(bk.NewTokenBucket(perSecond, time.Second, burst)).Allow},
		{"backendkit-leaky-bucket", must(bk.NewLeakyBucket(perSecond, time.Second, burst)).Allow},
		{"x-time-rate", rate.NewLimiter(perSecond, burst).Allow},
	}
}

// waiters returns fresh limiters at perSecond with burst, as blocking
// takes that report success.
func waiters() []approach {
	ctx := context.Background()
	lb := must(bk.NewLeakyBucket(perSecond, time.Second, burst))
	g := must(bk.NewGCRA(perSecond, time.Second, burst))
	x := rate.NewLimiter(perSecond, burst)
	u := uber.New(perSecond, uber.Per(time.Second), uber.WithSlack(burst))
	return []approach{
		{"backendkit-leaky-bucket", func() bool { return lb.Wait(ctx) == nil }},
		{"backendkit-gcra", func() bool { return g.Wait(ctx) == nil }},
		{"x-time-rate", func() bool { return x.Wait(ctx) == nil }},
		{"ratelimit", func() bool { u.Take(); return true }},
	}
}

func serial(b *testing.B, approaches []approach) {
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.do()
			}
		})
	}
}

func parallel(b *testing.B, approaches []approach) {
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a.do()
				}
			})
		})
	}
}

// BenchmarkAllow measures one non-blocking admission, one goroutine.
func BenchmarkAllow(b *testing.B) { serial(b, allowers()) }

// BenchmarkAllowParallel measures one non-blocking admission on a limiter
// shared by GOMAXPROCS goroutines.
func BenchmarkAllowParallel(b *testing.B) { parallel(b, allowers()) }

// BenchmarkWait measures one blocking take that never has to sleep.
func BenchmarkWait(b *testing.B) { serial(b, waiters()) }

// BenchmarkWaitParallel is BenchmarkWait shared by GOMAXPROCS goroutines.
func BenchmarkWaitParallel(b *testing.B) { parallel(b, waiters()) }

// TestSameConfiguration checks that the approaches are configured alike:
// at one event a second, each admits its burst of 10 at once and not an
// eleventh.
func TestSameConfiguration(t *testing.T) {
	for _, a := range []approach{
		{"backendkit-gcra", must(bk.NewGCRA(1, time.Second, burst)).Allow},
		{"backendkit-token-bucket", must(bk.NewTokenBucket(1, time.Second, burst)).Allow},
		{"backendkit-leaky-bucket", must(bk.NewLeakyBucket(1, time.Second, burst)).Allow},
		{"x-time-rate", rate.NewLimiter(1, burst).Allow},
	} {
		admitted := 0
		for range burst + 1 {
			if a.do() {
				admitted++
			}
		}
		if admitted != burst {
			t.Errorf("%s admitted %d of %d at once, want %d", a.name, admitted, burst+1, burst)
		}
	}
}
