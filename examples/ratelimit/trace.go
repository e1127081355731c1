package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/backendkit/backendkit/ratelimit"
)

// window is every limiter's window (or, for the buckets, the period of
// their rate), and slot the resolution of the printed timeline.
const (
	window = time.Second
	slot   = 100 * time.Millisecond
)

// epoch is the start of the trace: a whole second, so that the fixed
// window's windows start at 0 s, 1 s, 2 s … of the trace.
var epoch = time.Unix(1_800_000_000, 0)

// phase is one part of the trace, for the narration.
type phase struct {
	from, to time.Duration
	what     string
}

// algorithm is one limiter under test: a name and a decision at an instant.
type algorithm struct {
	name  string
	short string // column heading
	allow func(now time.Time) (bool, error)
}

// outcome is what one limiter did with the whole trace.
type outcome struct {
	name, short string
	admitted    []time.Duration // the instants of the admitted requests
	perSlot     []int
	maxInWindow int
}

// traceResult is everything the first part measured.
type traceResult struct {
	limit    int
	phases   []phase
	requests []time.Duration
	offered  []int // per slot
	outcomes []outcome
}

// buildTrace returns the instants of the requests, in order, and the
// phases they make up.
func buildTrace(cfg config) ([]time.Duration, []phase) {
	var at []time.Duration
	var phases []phase
	burst := func(from time.Duration, n int, step time.Duration) {
		for i := range n {
			at = append(at, from+time.Duration(i)*step)
		}
	}
	l := cfg.Limit
	step := slot / time.Duration(l) // l requests fit in one slot

	// l requests in the last slot of the first window, l in the first
	// slot of the second.
	burst(window-slot, 2*l, step)
	phases = append(phases, phase{window - slot, window + slot,
		fmt.Sprintf("%d requests straddling the window boundary at %s s", 2*l, seconds(window))})

	// Twice the limit, evenly spaced.
	start := 2 * window
	n := int(cfg.Overload / (window / time.Duration(2*l)))
	burst(start, n, window/time.Duration(2*l))
	end := start + cfg.Overload
	phases = append(phases, phase{start, end,
		fmt.Sprintf("%d requests per second, twice the limit (%d requests)", 2*l, n)})

	if cfg.Gap > 0 {
		phases = append(phases, phase{end, end + cfg.Gap, "nothing: an idle gap"})
	}
	last := end + cfg.Gap
	last = (last + slot - 1) / slot * slot // start the burst on a slot
	burst(last, 2*l, step/2)
	phases = append(phases, phase{last, last + slot, fmt.Sprintf("a burst of %d after the gap", 2*l)})
	return at, phases
}

// algorithms returns a fresh limiter of every kind, each allowing limit
// requests per second.
func algorithms(limit int) ([]algorithm, error) {
	baseline, err := ratelimit.NewBaseline(limit)
	if err != nil {
		return nil, err
	}
	fixed, err := ratelimit.NewFixedWindow(limit, window)
	if err != nil {
		return nil, err
	}
	slog, err := ratelimit.NewSlidingLog(limit, window)
	if err != nil {
		return nil, err
	}
	swin, err := ratelimit.NewSlidingWindow(limit, window)
	if err != nil {
		return nil, err
	}
	token, err := ratelimit.NewTokenBucket(limit, window, limit)
	if err != nil {
		return nil, err
	}
	leaky, err := ratelimit.NewLeakyBucket(limit, window, limit)
	if err != nil {
		return nil, err
	}
	gcra, err := ratelimit.NewGCRA(limit, window, limit)
	if err != nil {
		return nil, err
	}
	decide := func(l interface {
		AllowN(time.Time, int) (ratelimit.Decision, error)
	}) func(time.Time) (bool, error) {
		return func(now time.Time) (bool, error) {
			d, err := l.AllowN(now, 1)
			return d.Allowed, err
		}
	}
	return []algorithm{
		{"the guide's answer (Baseline)", "guide", func(now time.Time) (bool, error) {
			return baseline.IsAllowedAt(now, "user-1"), nil
		}},
		{"fixed window", "fixed", decide(fixed)},
		{"sliding log", "s-log", decide(slog)},
		{"sliding window counter", "s-win", decide(swin)},
		{"token bucket", "token", decide(token)},
		{"leaky bucket (meter)", "leaky", decide(leaky)},
		{"GCRA", "gcra", decide(gcra)},
	}, nil
}

// playTrace runs the trace through every algorithm.
func playTrace(cfg config) (traceResult, error) {
	at, phases := buildTrace(cfg)
	slots := int(at[len(at)-1]/slot) + 1
	r := traceResult{limit: cfg.Limit, phases: phases, requests: at, offered: make([]int, slots)}
	for _, t := range at {
		r.offered[t/slot]++
	}
	algs, err := algorithms(cfg.Limit)
	if err != nil {
		return r, err
	}
	for _, a := range algs {
		o := outcome{name: a.name, short: a.short, perSlot: make([]int, slots)}
		for _, t := range at {
			ok, err := a.allow(epoch.Add(t))
			if err != nil {
				return r, fmt.Errorf("%s at %v: %w", a.name, t, err)
			}
			if ok {
				o.admitted = append(o.admitted, t)
				o.perSlot[t/slot]++
			}
		}
		o.maxInWindow = maxInWindow(o.admitted, window)
		r.outcomes = append(r.outcomes, o)
	}
	return r, nil
}

// outcome returns the outcome of the algorithm with the short name.
func (r traceResult) outcome(short string) outcome {
	for _, o := range r.outcomes {
		if o.short == short {
			return o
		}
	}
	return outcome{}
}

func (r traceResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 1: one bursty trace through every rate limiter\n\n")
	fmt.Fprintf(w, "Every limiter below allows %d requests per second; the buckets (token, leaky,\n", r.limit)
	fmt.Fprintf(w, "GCRA) refill at %d per second and hold a burst of %d. The same %d requests go\n", r.limit, r.limit, len(r.requests))
	fmt.Fprintf(w, "through each, at these instants of simulated time:\n\n")
	for _, p := range r.phases {
		fmt.Fprintf(w, "  %5s-%-5s s  %s\n", seconds(p.from), seconds(p.to), p.what)
	}
	fmt.Fprintf(w, "\nRequests admitted in each 100 ms (slots with no request are left out):\n\n")
	fmt.Fprintf(w, "  %-11s %7s", "time (s)", "offered")
	for _, o := range r.outcomes {
		fmt.Fprintf(w, " %6s", o.short)
	}
	fmt.Fprintln(w)
	skipped := -1
	for s, n := range r.offered {
		if n == 0 {
			if skipped < 0 {
				skipped = s
			}
			continue
		}
		if skipped >= 0 {
			span := seconds(time.Duration(skipped)*slot) + "-" + seconds(time.Duration(s)*slot)
			fmt.Fprintf(w, "  %-11s %7s\n", span, "none")
			skipped = -1
		}
		from := time.Duration(s) * slot
		fmt.Fprintf(w, "  %-11s %7d", seconds(from)+"-"+seconds(from+slot), n)
		for _, o := range r.outcomes {
			fmt.Fprintf(w, " %6d", o.perSlot[s])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nIn total, and the most each let through within any one second:\n\n")
	fmt.Fprintf(w, "  %-31s %8s %18s\n", "limiter", "admitted", "most in 1 second")
	for _, o := range r.outcomes {
		mark := ""
		if o.maxInWindow > r.limit {
			mark = fmt.Sprintf("  %.1f× the limit", float64(o.maxInWindow)/float64(r.limit))
		}
		fmt.Fprintf(w, "  %-31s %8d %18d%s\n", o.name, len(o.admitted), o.maxInWindow, mark)
	}
	fmt.Fprintf(w, "\n%s\n\n", wrap("What to notice: "+r.conclusion(), 80))
}

// conclusion says, from the outcomes, which limiters kept "at most limit
// in any second" and which did not.
func (r traceResult) conclusion() string {
	var over, kept []string
	for _, o := range r.outcomes {
		if o.maxInWindow > r.limit {
			over = append(over, fmt.Sprintf("%s %d", o.short, o.maxInWindow))
		} else {
			kept = append(kept, o.short)
		}
	}
	fixed, guide, slog := r.outcome("fixed"), r.outcome("guide"), r.outcome("s-log")
	var b strings.Builder
	if fixed.maxInWindow > r.limit {
		fmt.Fprintf(&b, "the fixed window let %d requests through within one second around its boundary, %.1f times its limit of %d, because each window starts its count from zero. ",
			fixed.maxInWindow, float64(fixed.maxInWindow)/float64(r.limit), r.limit)
	} else {
		fmt.Fprintf(&b, "the fixed window never let more than its limit of %d through within one second on this trace. ", r.limit)
	}
	if len(kept) > 0 {
		fmt.Fprintf(&b, "Never more than %d in any second: %s. ", r.limit, strings.Join(kept, ", "))
	}
	if len(over) > 0 {
		fmt.Fprintf(&b, "More (the most in one second): %s; a bucket promises a rate with a burst on top, not a count per window. ", strings.Join(over, ", "))
	}
	if slices.Equal(guide.admitted, slog.admitted) {
		b.WriteString("The guide's answer admitted exactly what the sliding log did: its decisions are right, its cost and memory are what is wrong with it.")
	} else {
		b.WriteString("The guide's answer and the sliding log disagreed on this trace.")
	}
	return b.String()
}
