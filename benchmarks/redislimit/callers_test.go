package redislimit

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// evalshaStats reads the server's INFO commandstats line for EVALSHA:
// calls and total microseconds spent running them.
func evalshaStats(b *testing.B, rdb *redis.Client) (calls, usec float64) {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_evalsha:")
		if !ok {
			continue
		}
		for f := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(f, "=")
			x, _ := strconv.ParseFloat(v, 64)
			switch k {
			case "calls":
				calls = x
			case "usec":
				usec = x
			}
		}
	}
	return calls, usec
}

// BenchmarkDecideCallers runs GCRA decisions from a fixed number of
// concurrent callers, over a plain client and over go-redis's automatic
// pipeliner (through a redislimit.Pipeline), beside redis_rate over both.
// It reports decisions/s, p50 and p99 latency, the mean batch size the
// pipeline reached, and the server's own cost per EVALSHA (INFO
// commandstats), whose inverse is the ceiling one server core allows.
func BenchmarkDecideCallers(b *testing.B) {
	r := redistest.New(b)
	plain := r.NewClient()
	piped := r.NewClient()
	ap, err := piped.AutoPipeline()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ap.Close() })
	pipe := must(redislimit.NewPipeline(ap, redislimit.PipelineConfig{}))
	gPlain := must(redislimit.NewGCRA(plain, limit, time.Second, limit, redislimit.Config{Prefix: r.Prefix}))
	gPipe := must(redislimit.NewGCRA(pipe, limit, time.Second, limit, redislimit.Config{Prefix: r.Prefix}))
	rrPlain := redis_rate.NewLimiter(plain)
	rrPipe := redis_rate.NewLimiter(ap)
	rrLimit := redis_rate.PerSecond(limit)
	gcra := func(l *redislimit.GCRA) decider {
		return func(ctx context.Context, k string) (bool, error) {
			d, err := l.Decide(ctx, k, 1)
			return d.Allowed, err
		}
	}
	rr := func(l *redis_rate.Limiter) decider {
		return func(ctx context.Context, k string) (bool, error) {
			res, err := l.Allow(ctx, r.Prefix+k, rrLimit)
			if err != nil {
				return false, err
			}
			return res.Allowed > 0, nil
		}
	}
	as := []approach{
		{"backendkit-gcra/client=plain", gcra(gPlain)},
		{"backendkit-gcra/client=pipeline", gcra(gPipe)},
		{"redis-rate/client=plain", rr(rrPlain)},
		{"redis-rate/client=autopipeliner", rr(rrPipe)},
	}
	ctx := context.Background()
	for _, a := range as {
		for i := range 50 {
			if _, err := a.do(ctx, "warm-up:"+strconv.Itoa(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, callers := range []int{1, 8, 64, 256} {
		for _, a := range as {
			b.Run(a.name+"/callers="+strconv.Itoa(callers)+"/"+r.Engine(), func(b *testing.B) {
				before := pipe.Stats()
				calls0, usec0 := evalshaStats(b, plain)
				work := make(chan int, callers)
				lat := make([][]time.Duration, callers)
				var failed sync.Map
				var wg sync.WaitGroup
				for w := range callers {
					wg.Go(func() {
						for i := range work {
							t := time.Now()
							if _, err := a.do(ctx, keys[i%len(keys)]); err != nil {
								failed.Store(w, err)
							}
							lat[w] = append(lat[w], time.Since(t))
						}
					})
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					work <- i
					i++
				}
				close(work)
				wg.Wait()
				failed.Range(func(_, v any) bool { b.Fatal(v); return false })
				calls1, usec1 := evalshaStats(b, plain)
				all := slices.Concat(lat...)
				slices.Sort(all)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
				b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
				if calls1 > calls0 {
					per := (usec1 - usec0) / (calls1 - calls0)
					b.ReportMetric(per, "server-µs/evalsha")
					b.ReportMetric(1e6/per, "server-ceiling-decisions/s")
				}
				if s := pipe.Stats(); s.Batches > before.Batches {
					b.ReportMetric(float64(s.BatchedCommands-before.BatchedCommands)/float64(s.Batches-before.Batches), "batch-size")
				}
			})
		}
	}
}
