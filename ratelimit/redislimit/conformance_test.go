package redislimit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// The conformance suite: one trace of instants and request sizes with the
// decisions they must produce, played against the in-process limiter at
// explicit instants and against its Redis twin on miniredis with the
// server's clock set before each step. The Redis clock has microsecond
// resolution, so every instant is a whole millisecond after t0.

// t0 is a whole second, so windows of a second start on it.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

const ms = time.Millisecond

// local is what an in-process limiter offers with time as a parameter.
type local interface {
	AllowN(now time.Time, n int) (ratelimit.Decision, error)
}

// twin builds an in-process limiter and its Redis twin with the same
// configuration.
type twin struct {
	name  string
	local func() (local, error)
	redis func(rdb redis.Scripter, prefix string) (ratelimit.Limiter, error)
}

func windowTwins(limit int, window time.Duration) []twin {
	return []twin{
		{"fixed-window",
			func() (local, error) { return ratelimit.NewFixedWindow(limit, window) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewFixedWindow(rdb, limit, window, redislimit.Config{Prefix: p})
			}},
		{"sliding-log",
			func() (local, error) { return ratelimit.NewSlidingLog(limit, window) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewSlidingLog(rdb, limit, window, redislimit.Config{Prefix: p})
			}},
		{"sliding-window",
			func() (local, error) { return ratelimit.NewSlidingWindow(limit, window) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewSlidingWindow(rdb, limit, window, redislimit.Config{Prefix: p})
			}},
	}
}

func bucketTwins(limit int, per time.Duration, burst int) []twin {
	return []twin{
		{"token-bucket",
			func() (local, error) { return ratelimit.NewTokenBucket(limit, per, burst) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewTokenBucket(rdb, limit, per, burst, redislimit.Config{Prefix: p})
			}},
		{"gcra",
			func() (local, error) { return ratelimit.NewGCRA(limit, per, burst) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewGCRA(rdb, limit, per, burst, redislimit.Config{Prefix: p})
			}},
	}
}

// step is one request for n events at t0+at and the decision it must get.
type step struct {
	at   time.Duration
	n    int
	want ratelimit.Decision
}

// play runs steps against both twins and requires every decision to be
// want.
func play(t *testing.T, tw twin, steps []step) {
	t.Helper()
	t.Run("in-process", func(t *testing.T) {
		l, err := tw.local()
		require.NoError(t, err)
		for i, s := range steps {
			got, err := l.AllowN(t0.Add(s.at), s.n)
			require.NoError(t, err)
			assert.Equal(t, s.want, got, "step %d: t0+%v n=%d", i, s.at, s.n)
		}
	})
	for _, via := range vias {
		t.Run("redis/"+via.name, func(t *testing.T) {
			r := redistest.NewMiniredis(t)
			l, err := tw.redis(via.over(t, r.Client), r.Prefix)
			require.NoError(t, err)
			for i, s := range steps {
				r.Miniredis().SetTime(t0.Add(s.at))
				got, err := l.Decide(context.Background(), "user:42", s.n)
				require.NoError(t, err)
				assert.Equal(t, s.want, got, "step %d: t0+%v n=%d", i, s.at, s.n)
			}
		})
	}
}

// decision builds the expected Decision of a limit of capacity events per
// window.
func decision(capacity int, window time.Duration) func(allowed bool, remaining int, retry, reset time.Duration) ratelimit.Decision {
	return func(allowed bool, remaining int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: capacity, Remaining: remaining, RetryAfter: retry, ResetAfter: reset, Window: window}
	}
}

func TestConformanceFixedWindow(t *testing.T) {
	d := decision(3, time.Second)
	play(t, windowTwins(3, time.Second)[0], []step{
		{0, 2, d(true, 1, 0, time.Second)},
		{400 * ms, 2, d(false, 1, 600*ms, 600*ms)}, // 2+2 > 3: nothing recorded
		{400 * ms, 1, d(true, 0, 0, 600*ms)},
		{999 * ms, 1, d(false, 0, ms, ms)},
		{1000 * ms, 3, d(true, 0, 0, time.Second)}, // a new window: the double burst
		{2500 * ms, 1, d(true, 2, 0, 500*ms)},
		{1900 * ms, 1, d(true, 1, 0, 1100*ms)}, // the clock stepped back: counts in the stored window
		{5000 * ms, 1, d(true, 2, 0, time.Second)},
	})
}

func TestConformanceSlidingLog(t *testing.T) {
	d := decision(3, time.Second)
	play(t, windowTwins(3, time.Second)[1], []step{
		{0, 1, d(true, 2, 0, time.Second)},
		{300 * ms, 2, d(true, 0, 0, time.Second)},
		{500 * ms, 1, d(false, 0, 500*ms, 800*ms)},  // waits for the event at 0 to leave
		{1000 * ms, 1, d(true, 0, 0, time.Second)},  // it has: (0, 1000] excludes 0
		{1200 * ms, 2, d(false, 0, 100*ms, 800*ms)}, // needs both events at 300 gone
		{1300 * ms, 2, d(true, 0, 0, time.Second)},
		{1250 * ms, 1, d(false, 0, 700*ms, time.Second)}, // stepped back: taken as 1300
		{5000 * ms, 3, d(true, 0, 0, time.Second)},
	})
}

func TestConformanceSlidingWindow(t *testing.T) {
	d := decision(10, time.Second)
	play(t, windowTwins(10, time.Second)[2], []step{
		{0, 4, d(true, 6, 0, 2000*ms)},
		{500 * ms, 6, d(true, 0, 0, 1500*ms)},
		{900 * ms, 1, d(false, 0, 200*ms, 1100*ms)}, // next window, once ceil(10×weight) ≤ 9
		{1100 * ms, 1, d(true, 0, 0, 1900*ms)},      // ceil(10×0.9) + 0 + 1 = 10
		{1300 * ms, 2, d(true, 0, 0, 1700*ms)},      // ceil(10×0.7) + 1 + 2 = 10
		{1350 * ms, 1, d(false, 0, 50*ms, 1650*ms)}, // ceil(6.5) + 3 = 10; at 1400 ceil(6) + 3 = 9
		{1200 * ms, 1, d(false, 0, 200*ms, 1800*ms)},
		{2500 * ms, 5, d(true, 3, 0, 1500*ms)}, // previous count 3 weighs ceil(1.5) = 2
		{4500 * ms, 1, d(true, 9, 0, 1500*ms)}, // two windows idle: both counts gone
	})
}

func TestConformanceBuckets(t *testing.T) {
	// One event per 100ms, burst 3: the bucket refills from empty in 300ms.
	d := decision(3, 300*ms)
	common := []step{
		{0, 1, d(true, 2, 0, 100*ms)},
		{0, 2, d(true, 0, 0, 300*ms)},
		{30 * ms, 1, d(false, 0, 70*ms, 270*ms)},
		{100 * ms, 1, d(true, 0, 0, 300*ms)},
		{250 * ms, 2, d(false, 1, 50*ms, 150*ms)},
		{220 * ms, 1, d(true, 0, 0, 280*ms)},
	}
	// The two agree while time moves forward; when it steps back, the
	// token bucket refills nothing and GCRA measures from its TAT.
	back := map[string]step{
		"token-bucket": {210 * ms, 1, d(false, 0, 80*ms, 280*ms)},
		"gcra":         {210 * ms, 1, d(false, 0, 90*ms, 290*ms)},
	}
	for _, tw := range bucketTwins(1, 100*ms, 3) {
		t.Run(tw.name, func(t *testing.T) {
			steps := append(append([]step{}, common...), back[tw.name], step{time.Second, 3, d(true, 0, 0, 300*ms)})
			play(t, tw, steps)
		})
	}
}

// TestConformanceRandomTraces plays pseudo-random traces, the clock
// sometimes stepping back, against both twins of every algorithm and
// requires the same decision at every step. The configurations include
// rates whose interval is not a whole microsecond (7 per second).
func TestConformanceRandomTraces(t *testing.T) {
	var twins []twin
	twins = append(twins, windowTwins(5, time.Second)...)
	twins = append(twins, windowTwins(40, 700*ms)...)
	twins = append(twins, bucketTwins(7, time.Second, 5)...)
	twins = append(twins, bucketTwins(3, time.Second, 1)...)
	// A Multi of one limit decides as that limit alone.
	twins = append(twins,
		twin{"multi-sliding-window",
			func() (local, error) { return ratelimit.NewSlidingWindow(6, 900*ms) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewMulti(rdb, []redislimit.Limit{redislimit.SlidingWindowLimit(6, 900*ms)}, redislimit.Config{Prefix: p})
			}},
		twin{"multi-gcra",
			func() (local, error) { return ratelimit.NewGCRA(4, time.Second, 3) },
			func(rdb redis.Scripter, p string) (ratelimit.Limiter, error) {
				return redislimit.NewMulti(rdb, []redislimit.Limit{redislimit.GCRALimit(4, time.Second, 3)}, redislimit.Config{Prefix: p})
			}})
	for _, via := range vias {
		for i, tw := range twins {
			t.Run(fmt.Sprintf("%s/%s/%d", via.name, tw.name, i), func(t *testing.T) {
				randomTrace(t, i, tw, via)
			})
		}
	}
}

func randomTrace(t *testing.T, i int, tw twin, via via) {
	{
		{
			l, err := tw.local()
			require.NoError(t, err)
			r := redistest.NewMiniredis(t)
			rl, err := tw.redis(via.over(t, r.Client), r.Prefix)
			require.NoError(t, err)
			capacity, _ := l.AllowN(t0, 1) // learn the capacity, then start both from the same state
			l, err = tw.local()
			require.NoError(t, err)

			rng := rand.New(rand.NewPCG(uint64(i), 7))
			at, allowed := 10*time.Second, 0
			for step := range 150 {
				if rng.IntN(10) == 0 {
					at -= time.Duration(rng.IntN(300)) * ms
				} else {
					at += time.Duration(rng.IntN(400)) * ms
				}
				n := 1 + rng.IntN(capacity.Limit)
				want, err := l.AllowN(t0.Add(at), n)
				require.NoError(t, err)
				r.Miniredis().SetTime(t0.Add(at))
				got, err := rl.Decide(context.Background(), "k", n)
				require.NoError(t, err)
				require.Equal(t, want, got, "step %d: t0+%v n=%d", step, at, n)
				if got.Allowed {
					allowed++
				}
			}
			// A trace that allowed everything or nothing would test little.
			assert.Greater(t, allowed, 15)
			assert.Less(t, allowed, 135)
		}
	}
}
