package pool

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/puddle/v2"

	"github.com/backendkit/backendkit/internal/poolbench"
)

// approaches run through the same harness as package pool's own
// benchmarks (internal/poolbench), so both pools do exactly the same work.
var approaches = []poolbench.Approach{
	{Name: "backendkit-pool", Make: func(n int) poolbench.Borrower { return poolbench.NewPool(n, false) }},
	{Name: "backendkit-pool-checked", Make: func(n int) poolbench.Borrower { return poolbench.NewPool(n, true) }},
	{Name: "puddle", Make: newPuddle},
}

type puddlePool struct{ p *puddle.Pool[*poolbench.Conn] }

func newPuddle(n int) poolbench.Borrower {
	p, err := puddle.NewPool(&puddle.Config[*poolbench.Conn]{
		Constructor: func(context.Context) (*poolbench.Conn, error) { return new(poolbench.Conn), nil },
		Destructor:  func(*poolbench.Conn) {},
		MaxSize:     int32(n),
	})
	if err != nil {
		panic(err)
	}
	return puddlePool{p}
}

func (q puddlePool) Borrow(ctx context.Context, contended bool) (time.Duration, error) {
	start := poolbench.Start(contended)
	r, err := q.p.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	wait := poolbench.Hold(start, contended)
	r.Value().Uses++
	r.Release()
	return wait, nil
}

func (q puddlePool) Close() { q.p.Close() }

// BenchmarkAcquireRelease measures one acquire, use and release on one
// goroutine, with an idle resource always ready.
func BenchmarkAcquireRelease(b *testing.B) { poolbench.AcquireRelease(b, approaches) }

// BenchmarkAcquireReleaseParallel is the same from GOMAXPROCS goroutines
// sharing one pool that is large enough for all of them.
func BenchmarkAcquireReleaseParallel(b *testing.B) { poolbench.AcquireReleaseParallel(b, approaches) }

// BenchmarkContention has 100 goroutines share 4 resources, and reports
// the wait's p50 and p99 in nanoseconds.
func BenchmarkContention(b *testing.B) { poolbench.Contention(b, approaches) }
