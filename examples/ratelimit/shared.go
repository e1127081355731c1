package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// sharedSecond is what one second of the second part saw.
type sharedSecond struct {
	offered       [2]int // per process
	local, shared [2]int // admitted per process, by its own limiter and by the shared one
}

// sharedResult is everything the second part measured.
type sharedResult struct {
	limit   int
	rate    int // requests per second each process receives
	seconds []sharedSecond
	// most admitted by both processes together within any one second
	maxLocal, maxShared int
}

// playShared sends the same requests from two processes to two limits of
// cfg.Limit per second: one in-process sliding log in each process, and
// one redislimit.SlidingLog that both share through an embedded Redis.
func playShared(ctx context.Context, cfg config) (sharedResult, error) {
	r := sharedResult{limit: cfg.Limit, rate: cfg.Limit * 3 / 2}
	r.rate = max(r.rate, 2)
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return r, err
	}
	defer mr.Close()

	type process struct {
		local  *ratelimit.SlidingLog
		shared *redislimit.SlidingLog
	}
	var procs [2]process
	for i := range procs {
		// Each process has a client of its own, as two servers behind a
		// load balancer would.
		client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		defer client.Close()
		local, err := ratelimit.NewSlidingLog(cfg.Limit, window)
		if err != nil {
			return r, err
		}
		// Same prefix, algorithm and limit: the same state in Redis.
		shared, err := redislimit.NewSlidingLog(client, cfg.Limit, window, redislimit.Config{Prefix: "example:"})
		if err != nil {
			return r, err
		}
		procs[i] = process{local, shared}
	}

	// Each process receives rate requests a second, evenly spaced; the
	// second process's fall halfway between the first's.
	// Instants are whole microseconds, the resolution of the Redis clock.
	n := int(cfg.Shared / window * time.Duration(r.rate))
	r.seconds = make([]sharedSecond, cfg.Shared/window)
	var local, shared []time.Duration
	for k := range n {
		for p := range procs {
			at := (time.Duration(2*k+p) * window / time.Duration(2*r.rate)).Truncate(time.Microsecond)
			now := epoch.Add(at)
			sec := &r.seconds[at/window]
			sec.offered[p]++
			if d, err := procs[p].local.AllowN(now, 1); err != nil {
				return r, err
			} else if d.Allowed {
				sec.local[p]++
				local = append(local, at)
			}
			mr.SetTime(now) // the scripts read the Redis server's clock
			d, err := procs[p].shared.Decide(ctx, "api-key-7", 1)
			if err != nil {
				return r, err
			}
			if d.Allowed {
				sec.shared[p]++
				shared = append(shared, at)
			}
		}
	}
	r.maxLocal = maxInWindow(local, window)
	r.maxShared = maxInWindow(shared, window)
	return r, nil
}

// sharedTotals returns how many requests of each process the shared
// limiter admitted over the whole part.
func (r sharedResult) sharedTotals() (shared [2]int) {
	for _, s := range r.seconds {
		for p := range 2 {
			shared[p] += s.shared[p]
		}
	}
	return shared
}

func (r sharedResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 2: one limit shared by two processes through Redis\n\n")
	fmt.Fprintf(w, "Two processes A and B (two Redis clients, as two servers behind a load\n")
	fmt.Fprintf(w, "balancer) serve one API key, each receiving %d requests per second, for a limit\n", r.rate)
	fmt.Fprintf(w, "of %d per second for the key. First each process keeps its own sliding log in\n", r.limit)
	fmt.Fprintf(w, "memory; then both ask one redislimit.SlidingLog, whose state is one sorted set\n")
	fmt.Fprintf(w, "in an embedded Redis server, updated by one Lua script per decision.\n\n")
	fmt.Fprintf(w, "  %-8s %11s %22s %22s\n", "", "offered", "own limiter each", "one shared limiter")
	fmt.Fprintf(w, "  %-8s %5s %5s %6s %6s %8s %6s %6s %8s\n", "second", "A", "B", "A", "B", "total", "A", "B", "total")
	for i, s := range r.seconds {
		fmt.Fprintf(w, "  %-8s %5d %5d %6d %6d %8d %6d %6d %8d\n", fmt.Sprintf("%d-%d", i, i+1),
			s.offered[0], s.offered[1], s.local[0], s.local[1], s.local[0]+s.local[1],
			s.shared[0], s.shared[1], s.shared[0]+s.shared[1])
	}
	fmt.Fprintf(w, "\n%s\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r sharedResult) conclusion() string {
	shared := r.sharedTotals()
	s := fmt.Sprintf("with a limiter each, the two processes together let up to %d requests through within one second, %.1f times the limit of %d, since neither knows what the other admitted; ",
		r.maxLocal, float64(r.maxLocal)/float64(r.limit), r.limit)
	if r.maxShared <= r.limit {
		s += fmt.Sprintf("sharing one limiter through Redis, they never passed %d in any second (at most %d)", r.limit, r.maxShared)
	} else {
		s += fmt.Sprintf("sharing one limiter through Redis, they still let %d through within one second", r.maxShared)
	}
	total := shared[0] + shared[1]
	if total > 0 {
		s += fmt.Sprintf(", A getting %d and B %d of the %d admitted (%.0f%% and %.0f%%), each its share of the traffic it brought.",
			shared[0], shared[1], total, 100*float64(shared[0])/float64(total), 100*float64(shared[1])/float64(total))
	} else {
		s += "."
	}
	return s
}
