package pool_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/backendkit/backendkit/pool"
)

// benchConn is the pooled resource: using it is one increment.
type benchConn struct{ uses int }

// benchSize is MaxSize in the acquire-release benchmarks: more than the
// goroutines of RunParallel on a small machine, so nobody waits.
const benchSize = 8

// borrower is one way of pooling: acquire a resource, use it, give it back.
type borrower interface {
	// borrow acquires, uses and releases one resource. With contended,
	// it returns how long the acquire took, and yields the processor while
	// it holds the resource, as a caller doing I/O on a connection would,
	// so that other goroutines run and find the resources taken.
	borrow(ctx context.Context, contended bool) (time.Duration, error)
	close()
}

type approach struct {
	name string
	make func(size int) borrower
}

var approaches = []approach{
	{"pool", func(size int) borrower { return newPoolBorrower(size, false) }},
	{"pool-checked", func(size int) borrower { return newPoolBorrower(size, true) }},
	{"channel", func(size int) borrower { return newChanPool(size) }},
	{"guide", func(size int) borrower { return guideBorrower{pool.NewGuidePool(size)} }},
}

// poolBorrower is Pool. Checked turns on what reads the clock on every
// acquire and release: a lifetime, an idle time and a health check after
// a second idle.
type poolBorrower struct{ p *pool.Pool[*benchConn] }

func newPoolBorrower(size int, checked bool) poolBorrower {
	cfg := pool.Config[*benchConn]{
		Constructor: func(context.Context) (*benchConn, error) { return new(benchConn), nil },
		Destructor:  func(*benchConn) {},
		MaxSize:     size,
	}
	if checked {
		cfg.MaxLifetime = time.Hour
		cfg.LifetimeJitter = time.Minute
		cfg.MaxIdleTime = 10 * time.Minute
		cfg.HealthCheck = func(context.Context, *benchConn) error { return nil }
		cfg.HealthCheckAfter = time.Second
	}
	p, err := pool.New(cfg)
	if err != nil {
		panic(err)
	}
	return poolBorrower{p}
}

func (b poolBorrower) borrow(ctx context.Context, contended bool) (wait time.Duration, err error) {
	var start time.Time
	if contended {
		start = time.Now()
	}
	h, err := b.p.Acquire(ctx)
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

func (b poolBorrower) close() { _ = b.p.Close(context.Background()) }

// chanPool is the smallest pool that is right under concurrency: a
// buffered channel of resources, built lazily under a counting semaphore,
// with a context on the wait. It has no health checks, lifetimes or close
// protocol.
type chanPool struct {
	idle  chan *benchConn
	slots chan struct{}
}

func newChanPool(size int) *chanPool {
	return &chanPool{idle: make(chan *benchConn, size), slots: make(chan struct{}, size)}
}

func (c *chanPool) acquire(ctx context.Context) (*benchConn, error) {
	select {
	case r := <-c.idle:
		return r, nil
	default:
	}
	select {
	case r := <-c.idle:
		return r, nil
	case c.slots <- struct{}{}:
		return new(benchConn), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *chanPool) borrow(ctx context.Context, contended bool) (wait time.Duration, err error) {
	var start time.Time
	if contended {
		start = time.Now()
	}
	r, err := c.acquire(ctx)
	if err != nil {
		return 0, err
	}
	if contended {
		wait = time.Since(start)
	}
	r.uses++
	if contended {
		runtime.Gosched()
	}
	c.idle <- r
	return wait, nil
}

func (c *chanPool) close() {}

// guideBorrower is the guide's pool. It cannot honour ctx.
type guideBorrower struct{ p *pool.GuidePool }

func (g guideBorrower) borrow(_ context.Context, contended bool) (wait time.Duration, err error) {
	var start time.Time
	if contended {
		start = time.Now()
	}
	c := g.p.GetConnection()
	if contended {
		wait = time.Since(start)
	}
	c["uses"] = "1"
	if contended {
		runtime.Gosched()
	}
	g.p.ReleaseConnection(c)
	return wait, nil
}

func (g guideBorrower) close() {}

var errBench = errors.New("bench: borrow failed")

// BenchmarkAcquireRelease measures one acquire, use and release on one
// goroutine: the fast path, with an idle resource always ready.
func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.name, func(b *testing.B) {
			p := a.make(benchSize)
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
			p := a.make(benchSize)
			defer p.close()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.borrow(ctx, false); err != nil {
						panic(errBench)
					}
				}
			})
		})
	}
}

// BenchmarkContention has 100 goroutines share 4 resources, so nearly every
// acquire waits. Each acquire is timed the same way for every approach, and
// the wait is reported as p50 and p99, in nanoseconds.
func BenchmarkContention(b *testing.B) {
	const goroutines, size = 100, 4
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.name+"/goroutines=100/size=4", func(b *testing.B) {
			p := a.make(size)
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
						panic(errBench)
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
