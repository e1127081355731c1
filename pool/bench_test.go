package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/backendkit/backendkit/internal/poolbench"
	"github.com/backendkit/backendkit/pool"
)

// approaches are the ways of pooling compared here; the benchmarks module
// runs the same harness (internal/poolbench) beside jackc/puddle.
var approaches = []poolbench.Approach{
	{Name: "pool", Make: func(size int) poolbench.Borrower { return poolbench.NewPool(size, false) }},
	{Name: "pool-checked", Make: func(size int) poolbench.Borrower { return poolbench.NewPool(size, true) }},
	{Name: "channel", Make: func(size int) poolbench.Borrower { return newChanPool(size) }},
	{Name: "guide", Make: newGuideBorrower},
}

// chanPool is the smallest pool that is right under concurrency: a
// buffered channel of resources, built lazily under a counting semaphore,
// with a context on the wait. It has no health checks, lifetimes or close
// protocol.
type chanPool struct {
	idle  chan *poolbench.Conn
	slots chan struct{}
}

func newChanPool(size int) *chanPool {
	return &chanPool{idle: make(chan *poolbench.Conn, size), slots: make(chan struct{}, size)}
}

func (c *chanPool) acquire(ctx context.Context) (*poolbench.Conn, error) {
	select {
	case r := <-c.idle:
		return r, nil
	default:
	}
	select {
	case r := <-c.idle:
		return r, nil
	case c.slots <- struct{}{}:
		return new(poolbench.Conn), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *chanPool) Borrow(ctx context.Context, contended bool) (time.Duration, error) {
	start := poolbench.Start(contended)
	r, err := c.acquire(ctx)
	if err != nil {
		return 0, err
	}
	wait := poolbench.Hold(start, contended)
	r.Uses++
	c.idle <- r
	return wait, nil
}

func (c *chanPool) Close() {}

// guideBorrower is the guide's pool. It cannot honour ctx.
type guideBorrower struct{ p *pool.GuidePool }

func newGuideBorrower(size int) poolbench.Borrower {
	p, err := pool.NewGuidePool(size)
	if err != nil {
		panic(err)
	}
	return guideBorrower{p}
}

func (g guideBorrower) Borrow(_ context.Context, contended bool) (time.Duration, error) {
	start := poolbench.Start(contended)
	c := g.p.GetConnection()
	wait := poolbench.Hold(start, contended)
	c["uses"] = "1"
	g.p.ReleaseConnection(c)
	return wait, nil
}

func (g guideBorrower) Close() {}

// BenchmarkAcquireRelease measures one acquire, use and release on one
// goroutine: the fast path, with an idle resource always ready.
func BenchmarkAcquireRelease(b *testing.B) { poolbench.AcquireRelease(b, approaches) }

// BenchmarkAcquireReleaseParallel is the same from GOMAXPROCS goroutines
// sharing one pool that is large enough for all of them.
func BenchmarkAcquireReleaseParallel(b *testing.B) { poolbench.AcquireReleaseParallel(b, approaches) }

// BenchmarkContention has 100 goroutines share 4 resources, so nearly every
// acquire waits, and reports the wait's p50 and p99 in nanoseconds.
func BenchmarkContention(b *testing.B) { poolbench.Contention(b, approaches) }
