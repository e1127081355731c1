package pool

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/puddle/v2"

	"github.com/backendkit/backendkit/pool"
)

// conn is the pooled resource: using it is one increment.
type conn struct{ uses int }

// size is MaxSize in the acquire-release benchmarks: more than the
// goroutines of RunParallel on a small machine, so nobody waits.
const size = 8

// borrower acquires, uses and releases one resource. With contended, it
// returns how long the acquire took, and yields the processor while it
// holds the resource, as a caller doing I/O on a connection would, so that
// other goroutines run and find the resources taken.
type borrower interface {
	borrow(ctx context.Context, contended bool) (time.Duration, error)
	close()
}

var approaches = []struct {
	name string
	make func(size int) borrower
}{
	{"backendkit-pool", func(n int) borrower { return newOurs(n, false) }},
	{"backendkit-pool-checked", func(n int) borrower { return newOurs(n, true) }},
	{"puddle", newPuddle},
}

type ours struct{ p *pool.Pool[*conn] }

func newOurs(n int, checked bool) borrower {
	cfg := pool.Config[*conn]{
		Constructor: func(context.Context) (*conn, error) { return new(conn), nil },
		Destructor:  func(*conn) {},
		MaxSize:     n,
	}
	if checked {
		cfg.MaxLifetime = time.Hour
		cfg.LifetimeJitter = time.Minute
		cfg.MaxIdleTime = 10 * time.Minute
		cfg.HealthCheck = func(context.Context, *conn) error { return nil }
		cfg.HealthCheckAfter = time.Second
	}
	p, err := pool.New(cfg)
	if err != nil {
		panic(err)
	}
	return ours{p}
}

func (o ours) borrow(ctx context.Context, contended bool) (wait time.Duration, err error) {
	var start time.Time
	if contended {
		start = time.Now()
	}
	h, err := o.p.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	if contended {
		wait = time.Since(start)
	}
	h.Value().uses++
	if contended {
		runtime.Gosched()
	}
	h.Release()
	return wait, nil
}

func (o ours) close() { _ = o.p.Close(context.Background()) }

type puddlePool struct{ p *puddle.Pool[*conn] }

func newPuddle(n int) borrower {
	p, err := puddle.NewPool(&puddle.Config[*conn]{
		Constructor: func(context.Context) (*conn, error) { return new(conn), nil },
		Destructor:  func(*conn) {},
		MaxSize:     int32(n),
	})
	if err != nil {
		panic(err)
	}
	return puddlePool{p}
}

func (q puddlePool) borrow(ctx context.Context, contended bool) (wait time.Duration, err error) {
	var start time.Time
	if contended {
		start = time.Now()
	}
	r, err := q.p.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	if contended {
		wait = time.Since(start)
	}
	r.Value().uses++
	if contended {
		runtime.Gosched()
	}
	r.Release()
	return wait, nil
}

func (q puddlePool) close() { q.p.Close() }

// BenchmarkAcquireRelease measures one acquire, use and release on one
// goroutine, with an idle resource always ready.
func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			p := a.make(size)
			defer p.close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.borrow(ctx, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAcquireReleaseParallel is the same from GOMAXPROCS goroutines
// sharing one pool that is large enough for all of them.
func BenchmarkAcquireReleaseParallel(b *testing.B) {
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			p := a.make(size)
			defer p.close()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.borrow(ctx, false); err != nil {
						panic(err)
					}
				}
			})
		})
	}
}

// BenchmarkContention has 100 goroutines share 4 resources. Each acquire
// is timed the same way for both pools, and the wait is reported as p50
// and p99, in nanoseconds.
func BenchmarkContention(b *testing.B) {
	const goroutines, n = 100, 4
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.name+"/goroutines=100/size=4", func(b *testing.B) {
			p := a.make(n)
			defer p.close()
			var mu sync.Mutex
			var all []time.Duration
			b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					wait, err := p.borrow(ctx, true)
					if err != nil {
						panic(err)
					}
					mine = append(mine, wait)
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			p50, p99 := percentiles(all)
			b.ReportMetric(float64(p50), "p50-ns")
			b.ReportMetric(float64(p99), "p99-ns")
		})
	}
}

// percentiles returns the median and the 99th percentile of d.
func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return at(0.50), at(0.99)
}
