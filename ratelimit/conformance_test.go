package ratelimit_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

// t0 is aligned to a whole second, so windows of a second start on it.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

const ms = time.Millisecond

// allower is what every algorithm offers with time as a parameter.
type allower interface {
	ratelimit.Limiter
	AllowN(now time.Time, n int) (ratelimit.Decision, error)
	Allow() bool
}

type maker struct {
	name string
	new  func(limit int, window time.Duration) (allower, error)
}

// algorithms builds each algorithm at limit events per window; the buckets
// get a burst of limit, so that all of them start with limit events.
var algorithms = []maker{
	{"fixed-window", func(l int, w time.Duration) (allower, error) { return ratelimit.NewFixedWindow(l, w) }},
	{"sliding-log", func(l int, w time.Duration) (allower, error) { return ratelimit.NewSlidingLog(l, w) }},
	{"sliding-window", func(l int, w time.Duration) (allower, error) { return ratelimit.NewSlidingWindow(l, w) }},
	{"token-bucket", func(l int, w time.Duration) (allower, error) { return ratelimit.NewTokenBucket(l, w, l) }},
	{"leaky-bucket", func(l int, w time.Duration) (allower, error) { return ratelimit.NewLeakyBucket(l, w, l) }},
	{"gcra", func(l int, w time.Duration) (allower, error) { return ratelimit.NewGCRA(l, w, l) }},
}

type bucketMaker struct {
	name string
	new  func(limit int, per time.Duration, burst int) (allower, error)
}

// bucketMakers builds the three algorithms whose decisions coincide.
var bucketMakers = []bucketMaker{
	{"token-bucket", func(l int, p time.Duration, b int) (allower, error) { return ratelimit.NewTokenBucket(l, p, b) }},
	{"leaky-bucket", func(l int, p time.Duration, b int) (allower, error) { return ratelimit.NewLeakyBucket(l, p, b) }},
	{"gcra", func(l int, p time.Duration, b int) (allower, error) { return ratelimit.NewGCRA(l, p, b) }},
}

// step is one request at t0+at and what must come of it.
type step struct {
	at   time.Duration
	n    int
	want ratelimit.Decision
	err  error
}

// run plays steps against l, comparing only Allowed, Limit and Remaining
// when partial is set, and the whole Decision otherwise.
func run(t *testing.T, l allower, steps []step, partial bool) {
	t.Helper()
	for i, s := range steps {
		got, err := l.AllowN(t0.Add(s.at), s.n)
		where := fmt.Sprintf("step %d (t0+%v, n=%d)", i, s.at, s.n)
		if s.err != nil {
			require.ErrorIs(t, err, s.err, where)
			assert.Zero(t, got.RetryAfter, where+": a refusal with an error has no retry-after")
		} else {
			require.NoError(t, err, where)
		}
		if partial {
			assert.Equal(t, s.want.Allowed, got.Allowed, where+": Allowed")
			assert.Equal(t, s.want.Limit, got.Limit, where+": Limit")
			assert.Equal(t, s.want.Remaining, got.Remaining, where+": Remaining")
			continue
		}
		assert.Equal(t, s.want, got, where)
	}
}

func allow(rem int) ratelimit.Decision {
	return ratelimit.Decision{Allowed: true, Limit: 3, Remaining: rem}
}
func deny(rem int) ratelimit.Decision { return ratelimit.Decision{Limit: 3, Remaining: rem} }

// TestConformance holds every algorithm to the semantics they share: a
// full allowance at the start and again after a long idle, nothing more at
// the same instant, n < 1 and n > limit refused with errors.
func TestConformance(t *testing.T) {
	steps := []step{
		{at: 0, n: 1, want: allow(2)},
		{at: 0, n: 1, want: allow(1)},
		{at: 0, n: 1, want: allow(0)},
		{at: 0, n: 1, want: deny(0)},
		{at: 0, n: 0, want: deny(0), err: ratelimit.ErrInvalidN},
		{at: 0, n: -5, want: deny(0), err: ratelimit.ErrInvalidN},
		{at: 0, n: 4, want: deny(0), err: ratelimit.ErrExceedsLimit},
		{at: 0, n: math.MaxInt, want: deny(0), err: ratelimit.ErrExceedsLimit},
		{at: 0, n: math.MinInt, want: deny(0), err: ratelimit.ErrInvalidN},
		{at: time.Hour, n: 4, want: deny(3), err: ratelimit.ErrExceedsLimit},
		{at: time.Hour, n: 3, want: allow(0)},
		{at: time.Hour, n: 1, want: deny(0)},
		{at: 2 * time.Hour, n: 2, want: allow(1)},
		{at: 2 * time.Hour, n: 2, want: deny(1)},
		{at: 2 * time.Hour, n: 1, want: allow(0)},
	}
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			l, err := a.new(3, time.Second)
			require.NoError(t, err)
			run(t, l, steps, true)
		})
	}
}

// TestBucketFamily checks that the token bucket, the leaky bucket meter and
// GCRA agree on every field of every Decision: one event per 100ms, burst 3.
func TestBucketFamily(t *testing.T) {
	d := func(allowed bool, rem int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: 3, Remaining: rem, RetryAfter: retry, ResetAfter: reset, Window: 300 * ms}
	}
	steps := []step{
		{at: 0, n: 1, want: d(true, 2, 0, 100*ms)},
		{at: 0, n: 2, want: d(true, 0, 0, 300*ms)},
		{at: 0, n: 1, want: d(false, 0, 100*ms, 300*ms)},
		{at: 50 * ms, n: 1, want: d(false, 0, 50*ms, 250*ms)},
		{at: 100 * ms, n: 1, want: d(true, 0, 0, 300*ms)},
		{at: 250 * ms, n: 2, want: d(false, 1, 50*ms, 150*ms)},
		{at: 300 * ms, n: 2, want: d(true, 0, 0, 300*ms)},
		{at: 450 * ms, n: 1, want: d(true, 0, 0, 250*ms)},
		{at: time.Second, n: 4, want: d(false, 3, 0, 0), err: ratelimit.ErrExceedsLimit},
		{at: time.Second, n: 0, want: d(false, 3, 0, 0), err: ratelimit.ErrInvalidN},
		{at: time.Second, n: 1, want: d(true, 2, 0, 100*ms)},
		{at: 10 * time.Second, n: 3, want: d(true, 0, 0, 300*ms)},
	}
	for _, a := range bucketMakers {
		t.Run(a.name, func(t *testing.T) {
			l, err := a.new(1, 100*ms, 3)
			require.NoError(t, err)
			run(t, l, steps, false)
		})
	}
}

// TestBucketFamilyAgrees plays a long pseudo-random trace against the three
// bucket algorithms and requires identical Decisions at every step.
func TestBucketFamilyAgrees(t *testing.T) {
	tb, err := ratelimit.NewTokenBucket(7, time.Second, 5)
	require.NoError(t, err)
	lb, err := ratelimit.NewLeakyBucket(7, time.Second, 5)
	require.NoError(t, err)
	g, err := ratelimit.NewGCRA(7, time.Second, 5)
	require.NoError(t, err)
	at := t0
	x := uint64(1)
	for i := range 5000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		at = at.Add(time.Duration(x%300) * ms)
		n := int(x>>20)%7 - 1 // -1 … 5, some invalid
		want, wantErr := g.AllowN(at, n)
		for name, l := range map[string]allower{"token-bucket": tb, "leaky-bucket": lb} {
			got, err := l.AllowN(at, n)
			require.Equal(t, want, got, "%s, step %d", name, i)
			require.Equal(t, wantErr != nil, err != nil, "%s, step %d", name, i)
		}
	}
}

func TestFixedWindow(t *testing.T) {
	d := func(allowed bool, rem int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: 3, Remaining: rem, RetryAfter: retry, ResetAfter: reset, Window: time.Second}
	}
	l, err := ratelimit.NewFixedWindow(3, time.Second)
	require.NoError(t, err)
	run(t, l, []step{
		{at: 900 * ms, n: 3, want: d(true, 0, 0, 100*ms)},
		{at: 950 * ms, n: 1, want: d(false, 0, 50*ms, 50*ms)},
		{at: 1000 * ms, n: 3, want: d(true, 0, 0, time.Second)},
		{at: 1500 * ms, n: 1, want: d(false, 0, 500*ms, 500*ms)},
		{at: 1500 * ms, n: 0, want: d(false, 0, 0, 500*ms), err: ratelimit.ErrInvalidN},
		{at: 2200 * ms, n: 4, want: d(false, 3, 0, 0), err: ratelimit.ErrExceedsLimit},
		{at: 2200 * ms, n: 1, want: d(true, 2, 0, 800*ms)},
		{at: 2999 * ms, n: 2, want: d(true, 0, 0, ms)},
		{at: 2999 * ms, n: 1, want: d(false, 0, ms, ms)},
	}, false)
}

// TestFixedWindowDoubleBurst passes because the fixed window is flawed: it
// lets twice its limit through within a tenth of its window, around a
// boundary. The sliding algorithms refuse the second burst.
func TestFixedWindowDoubleBurst(t *testing.T) {
	count := func(l allower) int {
		n := 0
		for _, at := range []time.Duration{900 * ms, 1000 * ms} {
			for range 3 {
				if d, _ := l.AllowN(t0.Add(at), 1); d.Allowed {
					n++
				}
			}
		}
		return n
	}
	for _, a := range algorithms[:3] {
		l, err := a.new(3, time.Second)
		require.NoError(t, err)
		want := 3
		if a.name == "fixed-window" {
			want = 6
		}
		assert.Equal(t, want, count(l), "%s: events admitted in (t0+900ms, t0+1s]", a.name)
	}
}

func TestSlidingWindow(t *testing.T) {
	d := func(allowed bool, rem int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: 4, Remaining: rem, RetryAfter: retry, ResetAfter: reset, Window: time.Second}
	}
	l, err := ratelimit.NewSlidingWindow(4, time.Second)
	require.NoError(t, err)
	run(t, l, []step{
		{at: 500 * ms, n: 4, want: d(true, 0, 0, 1500*ms)},
		// Only the next window can take it: at t0+1.25s prev weighs ceil(4*0.75) = 3.
		{at: 900 * ms, n: 1, want: d(false, 0, 350*ms, 1100*ms)},
		{at: 1250*ms - 1, n: 1, want: d(false, 0, 1, 750*ms+1)},
		{at: 1250 * ms, n: 1, want: d(true, 0, 0, 1750*ms)},
		// prev weighs ceil(4*0.5) = 2, cur is 1.
		{at: 1500 * ms, n: 1, want: d(true, 0, 0, 1500*ms)},
		// Fits in this window once prev weighs 1: at t0+1.75s.
		{at: 1500 * ms, n: 1, want: d(false, 0, 250*ms, 1500*ms)},
		{at: 1750 * ms, n: 1, want: d(true, 0, 0, 1250*ms)},
		{at: 1750 * ms, n: 5, want: d(false, 0, 0, 1250*ms), err: ratelimit.ErrExceedsLimit},
		// Next window: prev = 3 weighs ceil(3*0.9) = 3.
		{at: 2100 * ms, n: 1, want: d(true, 0, 0, 1900*ms)},
		// Two windows on, nothing is left.
		{at: 4000 * ms, n: 0, want: d(false, 4, 0, 0), err: ratelimit.ErrInvalidN},
		{at: 4000 * ms, n: 4, want: d(true, 0, 0, 2*time.Second)},
	}, false)
}

func TestSlidingLog(t *testing.T) {
	d := func(allowed bool, rem int, retry, reset time.Duration) ratelimit.Decision {
		return ratelimit.Decision{Allowed: allowed, Limit: 3, Remaining: rem, RetryAfter: retry, ResetAfter: reset, Window: time.Second}
	}
	l, err := ratelimit.NewSlidingLog(3, time.Second)
	require.NoError(t, err)
	run(t, l, []step{
		{at: 0, n: 1, want: d(true, 2, 0, time.Second)},
		{at: 200 * ms, n: 2, want: d(true, 0, 0, time.Second)},
		{at: 500 * ms, n: 1, want: d(false, 0, 500*ms, 700*ms)},
		{at: 500 * ms, n: 3, want: d(false, 0, 700*ms, 700*ms)},
		// (now-1s, now]: the event at t0 still counts one nanosecond before t0+1s.
		{at: time.Second - 1, n: 1, want: d(false, 0, 1, 200*ms+1)},
		{at: time.Second, n: 1, want: d(true, 0, 0, time.Second)},
		{at: 1100 * ms, n: 1, want: d(false, 0, 100*ms, 900*ms)},
		// An instant before the newest entry counts as the newest.
		{at: 500 * ms, n: 1, want: d(false, 0, 200*ms, time.Second)},
		{at: 1100 * ms, n: 4, want: d(false, 0, 0, 900*ms), err: ratelimit.ErrExceedsLimit},
		{at: 5 * time.Second, n: 3, want: d(true, 0, 0, time.Second)},
	}, false)
}

func TestConfigErrors(t *testing.T) {
	day := 24 * time.Hour
	for name, f := range map[string]func() error{
		"fixed limit 0":           func() error { _, err := ratelimit.NewFixedWindow(0, time.Second); return err },
		"fixed limit -1":          func() error { _, err := ratelimit.NewFixedWindow(-1, time.Second); return err },
		"fixed window 0":          func() error { _, err := ratelimit.NewFixedWindow(1, 0); return err },
		"fixed window -1s":        func() error { _, err := ratelimit.NewFixedWindow(1, -time.Second); return err },
		"fixed window 40 years":   func() error { _, err := ratelimit.NewFixedWindow(1, 40*365*day); return err },
		"sliding limit 0":         func() error { _, err := ratelimit.NewSlidingWindow(0, time.Second); return err },
		"sliding window 0":        func() error { _, err := ratelimit.NewSlidingWindow(1, 0); return err },
		"log limit 0":             func() error { _, err := ratelimit.NewSlidingLog(0, time.Second); return err },
		"log window 0":            func() error { _, err := ratelimit.NewSlidingLog(1, 0); return err },
		"log limit too large":     func() error { _, err := ratelimit.NewSlidingLog(ratelimit.MaxLogLimit+1, time.Second); return err },
		"token limit 0":           func() error { _, err := ratelimit.NewTokenBucket(0, time.Second, 1); return err },
		"token per 0":             func() error { _, err := ratelimit.NewTokenBucket(1, 0, 1); return err },
		"token burst 0":           func() error { _, err := ratelimit.NewTokenBucket(1, time.Second, 0); return err },
		"token faster than 1/ns":  func() error { _, err := ratelimit.NewTokenBucket(10, 5, 1); return err },
		"leaky capacity -1":       func() error { _, err := ratelimit.NewLeakyBucket(1, time.Second, -1); return err },
		"leaky per -1":            func() error { _, err := ratelimit.NewLeakyBucket(1, -1, 1); return err },
		"gcra limit -1":           func() error { _, err := ratelimit.NewGCRA(-1, time.Second, 1); return err },
		"gcra burst 0":            func() error { _, err := ratelimit.NewGCRA(1, time.Second, 0); return err },
		"gcra refill > 36 years":  func() error { _, err := ratelimit.NewGCRA(1, 20*365*day, 2); return err },
		"gcra huge burst":         func() error { _, err := ratelimit.NewGCRA(1, time.Second, 1<<40); return err },
		"gcra per > 36 years":     func() error { _, err := ratelimit.NewGCRA(1, 40*365*day, 1); return err },
		"gcra faster than 1/ns":   func() error { _, err := ratelimit.NewGCRA(1<<40, time.Second, 1); return err },
		"leaky faster than 1/ns":  func() error { _, err := ratelimit.NewLeakyBucket(2, 1, 1); return err },
		"token refill > 36 years": func() error { _, err := ratelimit.NewTokenBucket(1, 365*day, 40); return err },
	} {
		err := f()
		require.Error(t, err, name)
		assert.True(t, errors.Is(err, ratelimit.ErrInvalidConfig), "%s: %v", name, err)
		assert.Regexp(t, "^ratelimit: ", err.Error(), name)
	}
}

// TestVerySmallRates checks that a rate of one event in decades neither
// overflows into admitting everything nor reports a nonsense wait.
func TestVerySmallRates(t *testing.T) {
	thirtyYears := 30 * 365 * 24 * time.Hour
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			l, err := a.new(1, thirtyYears)
			require.NoError(t, err)
			d, err := l.AllowN(t0, 1)
			require.NoError(t, err)
			require.True(t, d.Allowed)
			for _, later := range []time.Duration{0, time.Hour, 365 * 24 * time.Hour} {
				d, err = l.AllowN(t0.Add(later), 1)
				require.NoError(t, err)
				assert.False(t, d.Allowed, "t0+%v", later)
				assert.Positive(t, d.RetryAfter, "t0+%v", later)
				assert.LessOrEqual(t, d.RetryAfter, 2*thirtyYears, "t0+%v", later)
			}
		})
	}
}

// TestInstantsOutOfRange feeds instants a limiter cannot represent; they
// are clamped, and nothing overflows or panics.
func TestInstantsOutOfRange(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			l, err := a.new(2, time.Second)
			require.NoError(t, err)
			for _, at := range []time.Time{{}, time.Unix(-1<<40, 0), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(1<<40, 0)} {
				d, err := l.AllowN(at, 1)
				require.NoError(t, err)
				assert.GreaterOrEqual(t, d.Remaining, 0)
				assert.GreaterOrEqual(t, d.RetryAfter, time.Duration(0))
				assert.GreaterOrEqual(t, d.ResetAfter, time.Duration(0))
			}
		})
	}
}
