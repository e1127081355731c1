package ratelimit_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/backendkit/backendkit/ratelimit"
)

// benchRate is the rate every Allow benchmark runs at: 100 million events
// per second with a burst of 1000, far above what one core can ask for, so
// that every call is admitted and every approach does the full work of an
// admission (a denial is cheaper for some of them).
const (
	benchLimit = 1_000_000
	benchPer   = 10 * time.Millisecond
	benchBurst = 1000
)

type allowFunc struct {
	name  string
	allow func() bool
}

func allowers(tb testing.TB) []allowFunc {
	must := func(l allower, err error) allower {
		if err != nil {
			tb.Fatal(err)
		}
		return l
	}
	x := rate.NewLimiter(rate.Limit(float64(benchLimit)/benchPer.Seconds()), benchBurst)
	return []allowFunc{
		{"fixed-window", must(ratelimit.NewFixedWindow(benchLimit, benchPer)).Allow},
		{"sliding-log", must(ratelimit.NewSlidingLog(benchLimit, benchPer)).Allow},
		{"sliding-window", must(ratelimit.NewSlidingWindow(benchLimit, benchPer)).Allow},
		{"token-bucket", must(ratelimit.NewTokenBucket(benchLimit, benchPer, benchBurst)).Allow},
		{"leaky-bucket", must(ratelimit.NewLeakyBucket(benchLimit, benchPer, benchBurst)).Allow},
		{"gcra", must(ratelimit.NewGCRA(benchLimit, benchPer, benchBurst)).Allow},
		{"x-time-rate", x.Allow},
	}
}

// BenchmarkAllow measures one admission on a limiter used by one goroutine.
// The allowed/op metric shows the share of calls admitted.
func BenchmarkAllow(b *testing.B) {
	for _, a := range allowers(b) {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			allowed := 0
			for b.Loop() {
				if a.allow() {
					allowed++
				}
			}
			b.ReportMetric(float64(allowed)/float64(b.N), "allowed/op")
		})
	}
}

// BenchmarkAllowParallel measures one admission on a limiter shared by
// GOMAXPROCS goroutines.
func BenchmarkAllowParallel(b *testing.B) {
	for _, a := range allowers(b) {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a.allow()
				}
			})
		})
	}
}

// keyCount is how many distinct keys the keyed benchmarks spread over.
const keyCount = 100_000

func benchKeys() []string {
	keys := make([]string, keyCount)
	for i := range keys {
		keys[i] = fmt.Sprintf("user:%08d", i*7919%keyCount) // a fixed shuffle
	}
	return keys
}

// rateMap is the usual keyed limiter: a map of x/time/rate limiters under
// one mutex, created on first sight and never forgotten.
type rateMap struct {
	mu sync.Mutex // protects m
	m  map[string]*rate.Limiter
}

func (r *rateMap) Allow(key string) bool {
	r.mu.Lock()
	l, ok := r.m[key]
	if !ok {
		l = rate.NewLimiter(1000, 1000)
		r.m[key] = l
	}
	r.mu.Unlock()
	return l.Allow()
}

// keyedApproaches builds, for each approach, a fresh keyed limiter at 1000
// events per second with a burst of 1000 per key, which the benchmarks
// never exhaust.
func keyedApproaches() []keyedApproach {
	keyed := func(a ratelimit.Algorithm, err error) func() (func(string) bool, error) {
		return func() (func(string) bool, error) {
			if err != nil {
				return nil, err
			}
			k, err := ratelimit.NewKeyed(a, ratelimit.KeyedConfig{MaxKeys: 2 * keyCount, SweepEvery: -1})
			if err != nil {
				return nil, err
			}
			return k.Allow, nil
		}
	}
	return []keyedApproach{
		{"fixed-window", keyed(ratelimit.NewFixedWindow(1000, time.Second))},
		{"sliding-log", keyed(ratelimit.NewSlidingLog(1000, time.Second))},
		{"sliding-window", keyed(ratelimit.NewSlidingWindow(1000, time.Second))},
		{"token-bucket", keyed(ratelimit.NewTokenBucket(1000, time.Second, 1000))},
		{"leaky-bucket", keyed(ratelimit.NewLeakyBucket(1000, time.Second, 1000))},
		{"gcra", keyed(ratelimit.NewGCRA(1000, time.Second, 1000))},
		{"x-time-rate-map", func() (func(string) bool, error) {
			return (&rateMap{m: map[string]*rate.Limiter{}}).Allow, nil
		}},
	}
}

type keyedApproach struct {
	name string
	new  func() (func(key string) bool, error)
}

// prepare builds a's limiter, makes every key known to it, and reports the
// heap it then holds per key (B/key); the keys themselves are allocated
// beforehand and not counted.
func (a keyedApproach) prepare(b *testing.B, keys []string) (allow func(string) bool, report func()) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	allow, err := a.new()
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range keys {
		allow(k)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perKey := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(keys))
	return allow, func() { b.ReportMetric(perKey, "B/key") }
}

// BenchmarkAllowKeyed measures one admission for one of 100,000 known keys,
// taken in a fixed shuffled order.
func BenchmarkAllowKeyed(b *testing.B) {
	keys := benchKeys()
	for _, a := range keyedApproaches() {
		b.Run(a.name+"/keys=100000", func(b *testing.B) {
			allow, report := a.prepare(b, keys)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				allow(keys[i])
				if i++; i == len(keys) {
					i = 0
				}
			}
			report()
		})
	}
}

// BenchmarkAllowKeyedParallel is BenchmarkAllowKeyed with GOMAXPROCS
// goroutines, each starting at a different place in the key order.
func BenchmarkAllowKeyedParallel(b *testing.B) {
	keys := benchKeys()
	for _, a := range keyedApproaches() {
		b.Run(a.name+"/keys=100000", func(b *testing.B) {
			allow, report := a.prepare(b, keys)
			b.ReportAllocs()
			b.ResetTimer()
			var start atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(start.Add(7919)) % len(keys)
				for pb.Next() {
					allow(keys[i])
					if i++; i == len(keys) {
						i = 0
					}
				}
			})
			report()
		})
	}
}

// BenchmarkSteadyState measures one request to a one-second log that is
// full and receiving requests at exactly its limit's pace, so that each
// call expires the oldest entry and adds one: the guide's baseline shifts
// its whole list to do so, the ring buffer moves one index.
func BenchmarkSteadyState(b *testing.B) {
	for _, limit := range []int{10, 1000, 100_000} {
		step := time.Second / time.Duration(limit)
		b.Run(fmt.Sprintf("guide-baseline/limit=%d", limit), func(b *testing.B) {
			l, err := ratelimit.NewBaseline(limit)
			if err != nil {
				b.Fatal(err)
			}
			at := t0
			for range limit {
				l.IsAllowedAt(at, "user")
				at = at.Add(step)
			}
			b.ReportAllocs()
			for b.Loop() {
				l.IsAllowedAt(at, "user")
				at = at.Add(step)
			}
		})
		b.Run(fmt.Sprintf("sliding-log/limit=%d", limit), func(b *testing.B) {
			l, err := ratelimit.NewSlidingLog(limit, time.Second)
			if err != nil {
				b.Fatal(err)
			}
			at := t0
			for range limit {
				_, _ = l.AllowN(at, 1)
				at = at.Add(step)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = l.AllowN(at, 1)
				at = at.Add(step)
			}
		})
	}
}

// BenchmarkClientIP measures the default middleware key for a request
// whose client forged a long X-Forwarded-For in front of the entry one
// trusted proxy appended: the cost must not grow with the header's size.
func BenchmarkClientIP(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("header=%dKiB", size>>10), func(b *testing.B) {
			r := requestWith("192.0.2.1:1", []string{forgedHeader(size)})
			b.ReportAllocs()
			for b.Loop() {
				ratelimit.ClientIP(r, 1)
			}
		})
	}
}
