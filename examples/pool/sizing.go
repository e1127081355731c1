package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/backendkit/backendkit/pool"
)

// sizeRun is what one MaxSize of the sizing experiment measured.
type sizeRun struct {
	size      int
	requests  int
	elapsed   time.Duration
	meanHold  time.Duration // acquire to release, measured
	stats     pool.Stats
	predicted float64 // requests per second by Little's law
}

// throughput is the measured requests per second.
func (s sizeRun) throughput() float64 { return float64(s.requests) / s.elapsed.Seconds() }

// meanWait is the mean time an acquire spent queued, over all acquires.
func (s sizeRun) meanWait() time.Duration {
	if s.stats.Acquires == 0 {
		return 0
	}
	return s.stats.WaitDuration / time.Duration(s.stats.Acquires)
}

// sizingResult is what the sizing experiment measured.
type sizingResult struct {
	workers int
	latency time.Duration
	step    time.Duration
	runs    []sizeRun
}

// sizes returns the MaxSizes to try: powers of two up to twice workers.
func sizes(workers int) []int {
	var s []int
	for n := 1; n <= 2*workers; n *= 2 {
		s = append(s, n)
	}
	return s
}

// sizing runs cfg.Workers workers against a simulated server through
// pools of growing MaxSize, each for cfg.Step.
func sizing(ctx context.Context, cfg config) (sizingResult, error) {
	r := sizingResult{workers: cfg.Workers, latency: cfg.Latency, step: cfg.Step}
	for _, size := range sizes(cfg.Workers) {
		run, err := sizeOnce(ctx, cfg, size)
		if err != nil {
			return r, err
		}
		r.runs = append(r.runs, run)
	}
	return r, nil
}

// backend is the simulated server: every request takes latency, and it
// serves any number at once, so the pool is the only limit.
type backend struct{ latency time.Duration }

// query is one request: it takes the server's latency.
func (b backend) query() { time.Sleep(b.latency) }

func sizeOnce(ctx context.Context, cfg config, size int) (sizeRun, error) {
	run := sizeRun{size: size}
	srv := backend{cfg.Latency}
	p, err := pool.New(size, func(context.Context) (backend, error) { return srv, nil }, pool.Config[backend]{})
	if err != nil {
		return run, err
	}
	defer p.Close(context.WithoutCancel(ctx))
	stepCtx, cancel := context.WithTimeout(ctx, cfg.Step)
	defer cancel()

	counts := make([]int, cfg.Workers)
	holds := make([]time.Duration, cfg.Workers)
	errs := make([]error, cfg.Workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.Workers {
		wg.Go(func() {
			for stepCtx.Err() == nil {
				h, err := p.Acquire(stepCtx)
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						errs[w] = err
					}
					return
				}
				t := time.Now()
				h.Value().query()
				holds[w] += time.Since(t)
				h.Release()
				counts[w]++
			}
		})
	}
	wg.Wait()
	run.elapsed = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return run, err
	}
	if err := ctx.Err(); err != nil {
		return run, err
	}
	var hold time.Duration
	for w := range counts {
		run.requests += counts[w]
		hold += holds[w]
	}
	if run.requests == 0 {
		return run, fmt.Errorf("no request completed at MaxSize %d within %v", size, cfg.Step)
	}
	run.meanHold = hold / time.Duration(run.requests)
	run.stats = p.Stats()
	// Little's law, L = λW: with min(size, workers) connections busy at
	// all times, each held meanHold, λ = L / W.
	run.predicted = float64(min(size, cfg.Workers)) / run.meanHold.Seconds()
	return run, nil
}

// predictedWait is the mean wait Little's law gives for a closed loop of
// workers on size connections, each held hold: a request takes workers/L
// × hold in all (L = min(size, workers) connections busy), of which hold
// is the query itself.
func predictedWait(workers, size int, hold time.Duration) time.Duration {
	busy := min(size, workers)
	return time.Duration(float64(hold)*float64(workers)/float64(busy)) - hold
}

// waitsMatch reports whether every measured mean wait is within a quarter
// (or half a millisecond) of Little's prediction.
func (r sizingResult) waitsMatch() bool {
	for _, s := range r.runs {
		want := predictedWait(r.workers, s.size, s.meanHold)
		if d := s.meanWait() - want; d.Abs() > max(want/4, 500*time.Microsecond) {
			return false
		}
	}
	return true
}

func (r sizingResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 2: how big should the pool be?\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("%d workers send requests as fast as they can to a server that takes %v per request and can run any number at once, through a pool whose MaxSize doubles from 1 to %d, %v each. Little's law, L = λW, says the connections in use (L) equal the arrival rate (λ) times how long each is held (W). With L = min(MaxSize, workers) connections kept busy and W the measured hold time, the throughput should be λ = L / W, and each request should wait (workers / L − 1) × W for a connection.",
		r.workers, r.latency, r.runs[len(r.runs)-1].size, r.step), 80))
	fmt.Fprintf(w, "  %7s %9s %10s %10s %7s %11s %11s %9s %9s\n", "MaxSize", "requests", "req/s", "L / W", "ratio", "mean wait", "predicted", "p50 wait", "p99 wait")
	for _, s := range r.runs {
		fmt.Fprintf(w, "  %7d %9d %10.0f %10.0f %7.2f %11v %11v %9v %9v\n", s.size, s.requests, s.throughput(), s.predicted,
			s.throughput()/s.predicted, s.meanWait().Round(10*time.Microsecond),
			predictedWait(r.workers, s.size, s.meanHold).Round(10*time.Microsecond),
			s.stats.WaitP50.Round(10*time.Microsecond), s.stats.WaitP99.Round(10*time.Microsecond))
	}
	fmt.Fprintf(w, "\n%s\n", wrap("What to notice: "+r.conclusion(), 80))
}

// worstRatio returns the measured throughput over Little's prediction that
// is furthest from 1.
func (r sizingResult) worstRatio() float64 {
	worst := 1.0
	for _, s := range r.runs {
		if q := s.throughput() / s.predicted; math.Abs(q-1) > math.Abs(worst-1) {
			worst = q
		}
	}
	return worst
}

func (r sizingResult) conclusion() string {
	first, last := r.runs[0], r.runs[len(r.runs)-1]
	var atWorkers sizeRun
	for _, s := range r.runs {
		if s.size <= r.workers {
			atWorkers = s
		}
	}
	s := fmt.Sprintf("throughput grew from %.0f to %.0f requests per second as MaxSize went from %d to %d", first.throughput(), atWorkers.throughput(), first.size, atWorkers.size)
	if last.size > atWorkers.size {
		change := last.throughput()/atWorkers.throughput() - 1
		s += fmt.Sprintf(", and changed by %+.0f%% from there to %d: with %d workers, no more than %d connections can ever be in use, so a bigger pool only holds idle ones", 100*change, last.size, r.workers, r.workers)
	}
	s += fmt.Sprintf(". Every size stayed within %.0f%% of L / W (the worst ratio was %.2f)", 100*math.Abs(r.worstRatio()-1), r.worstRatio())
	if r.waitsMatch() {
		s += fmt.Sprintf(", and the mean waits matched Little's law, falling from %v at MaxSize %d to %v at %d",
			first.meanWait().Round(10*time.Microsecond), first.size, atWorkers.meanWait().Round(10*time.Microsecond), atWorkers.size)
	} else {
		s += ", but some mean waits strayed from Little's law by more than a quarter (a busy machine delays the hand-offs)"
	}
	s += ". Size a pool the same way: measure the hold time and the arrival rate, and take L = λW plus headroom, below what the server can run at once."
	return s
}
