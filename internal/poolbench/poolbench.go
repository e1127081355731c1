// Package poolbench is the benchmark harness shared by package pool's
// benchmarks and the benchmarks module, so that every pool measured, this
// module's and its peers alike, does exactly the same work: acquire a
// resource, increment a counter in it, release it.
package poolbench

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/backendkit/backendkit/pool"
)

// Conn is the pooled resource: using it is one increment.
type Conn struct{ Uses int }

// Size is MaxSize in the acquire-release benchmarks: more than the
// goroutines of RunParallel on a small machine, so nobody waits.
const Size = 8

// Borrower is one way of pooling.
type Borrower interface {
	// Borrow acquires, uses and releases one resource. With contended, it
	// returns how long the acquire took, and yields the processor while it
	// holds the resource, as a caller doing I/O on a connection would, so
	// that other goroutines run and find the resources taken.
	Borrow(ctx context.Context, contended bool) (time.Duration, error)
	Close()
}

// Approach names a Borrower and builds one of a given size.
type Approach struct {
	Name string
	Make func(size int) Borrower
}

// Start and Hold bracket a use of a resource the same way for every
// approach: Start reads the clock when contended, Hold records the wait
// and yields while the resource is held.
func Start(contended bool) time.Time {
	if contended {
		return time.Now()
	}
	return time.Time{}
}

// Hold returns the wait since start when contended, after yielding the
// processor as a caller holding a connection for I/O would.
func Hold(start time.Time, contended bool) time.Duration {
	if !contended {
		return 0
	}
	wait := time.Since(start)
	runtime.Gosched()
	return wait
}

// Pool is pool.Pool as a Borrower.
type Pool struct{ p *pool.Pool[*Conn] }

// NewPool returns a pool.Pool of the given MaxSize. Checked turns on what
// reads the clock on every acquire and release: a lifetime with jitter, an
// idle time and a health check after a second idle.
func NewPool(size int, checked bool) Pool {
	cfg := pool.Config[*Conn]{Destructor: func(*Conn) {}}
	if checked {
		cfg.MaxLifetime = time.Hour
		cfg.LifetimeJitter = time.Minute
		cfg.MaxIdleTime = 10 * time.Minute
		cfg.HealthCheck = func(context.Context, *Conn) error { return nil }
		cfg.HealthCheckAfter = time.Second
	}
	p, err := pool.New(size, func(context.Context) (*Conn, error) { return new(Conn), nil }, cfg)
	if err != nil {
		panic(err)
	}
	return Pool{p}
}

// Borrow implements Borrower.
func (b Pool) Borrow(ctx context.Context, contended bool) (time.Duration, error) {
	start := Start(contended)
	h, err := b.p.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	wait := Hold(start, contended)
	h.Value().Uses++
	h.Release()
	return wait, nil
}

// Close implements Borrower.
func (b Pool) Close() { _ = b.p.Close(context.Background()) }

// AcquireRelease measures one acquire, use and release on one goroutine:
// the fast path, with an idle resource always ready.
func AcquireRelease(b *testing.B, approaches []Approach) {
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.Name, func(b *testing.B) {
			p := a.Make(Size)
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Borrow(ctx, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// AcquireReleaseParallel is AcquireRelease from GOMAXPROCS goroutines
// sharing one pool that is large enough for all of them.
func AcquireReleaseParallel(b *testing.B, approaches []Approach) {
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.Name, func(b *testing.B) {
			p := a.Make(Size)
			defer p.Close()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.Borrow(ctx, false); err != nil {
						panic(err) // b.Fatal must not be called from these goroutines
					}
				}
			})
		})
	}
}

// Contention has 100 goroutines share 4 resources, so nearly every acquire
// waits. Each acquire is timed the same way for every approach, and the
// wait is reported as p50 and p99, in nanoseconds.
func Contention(b *testing.B, approaches []Approach) {
	const goroutines, size = 100, 4
	ctx := context.Background()
	for _, a := range approaches {
		b.Run(a.Name+"/goroutines=100/size=4", func(b *testing.B) {
			p := a.Make(size)
			defer p.Close()
			var mu sync.Mutex
			var all []time.Duration
			b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					wait, err := p.Borrow(ctx, true)
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
			p50, p99 := Percentiles(all)
			b.ReportMetric(float64(p50), "p50-ns")
			b.ReportMetric(float64(p99), "p99-ns")
		})
	}
}

// Percentiles returns the median and the 99th percentile of d, sorting it.
func Percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return at(0.50), at(0.99)
}
