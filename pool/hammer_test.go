package pool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

// TestHammer has 1000 goroutines share 8 resources. The resources police
// themselves: none is ever held by two callers or used after it is closed,
// and no more than 8 ever exist at once.
func TestHammer(t *testing.T) {
	const (
		goroutines = 1000
		rounds     = 20
		maxSize    = 8
	)
	var b backend
	cfg := b.config(maxSize)
	cfg.MaxIdle = 4 // churn: releases beyond 4 idle destroy
	cfg.MinIdle = 2
	p := newPool(t, cfg)

	var inUse, peak atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				h, err := p.Acquire(ctx)
				if !assert.NoError(t, err) {
					return
				}
				c := h.Value()
				c.take()
				n := inUse.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				inUse.Add(-1)
				c.give()
				if (g+r)%97 == 0 {
					h.Destroy()
				} else {
					h.Release()
				}
			}
		})
	}
	wg.Wait()
	s := p.Stats()
	require.NoError(t, p.Close(context.Background()))

	_, live, maxLive := b.figures()
	assert.Zero(t, b.misuse.Load(), "a resource was shared or used after close")
	assert.LessOrEqual(t, maxLive, maxSize, "more resources existed than MaxSize")
	assert.LessOrEqual(t, peak.Load(), int64(maxSize))
	assert.Zero(t, live, "Close destroyed everything")
	assert.Equal(t, int64(goroutines*rounds), s.Acquires)
	assert.LessOrEqual(t, s.Total, maxSize)
}

// TestChaos runs callers against a backend that fails often, with failing
// health checks and callers that give up at random. Every acquire returns,
// Close returns, and nothing leaks (goleak checks the goroutines).
func TestChaos(t *testing.T) {
	const (
		goroutines = 200
		rounds     = 30
		maxSize    = 6
		minOK      = 300
	)
	var b backend
	misuse := &b.misuse
	var failed atomic.Int64
	construct := func(ctx context.Context) (*conn, error) {
		if rand.IntN(10) < 3 {
			failed.Add(1)
			return nil, errDial
		}
		return b.construct(ctx)
	}
	cfg := spec{maxSize, construct, pool.Config[*conn]{
		MinIdle:          2,
		Destructor:       b.destruct,
		HealthCheckAfter: 0,
		HealthCheck: func(ctx context.Context, c *conn) error {
			if c.closed.Load() {
				misuse.Add(1)
			}
			if rand.IntN(10) == 0 {
				return errors.New("stale")
			}
			return nil
		},
		MaxLifetime:      20 * time.Millisecond,
		MaxIdleTime:      5 * time.Millisecond,
		FailFastAfter:    4,
		ProbeInterval:    100 * time.Microsecond,
		MaxProbeInterval: time.Millisecond,
	}}
	p := newPool(t, cfg)

	var wg sync.WaitGroup
	var ok, errs atomic.Int64
	deadline := time.Now().Add(10 * time.Second)
	for range goroutines {
		wg.Go(func() {
			// At least rounds attempts each, and on until the pool has
			// served minOK in all, within the deadline.
			for r := 0; r < rounds || ok.Load() < minOK; r++ {
				if time.Now().After(deadline) {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(5000))*time.Microsecond)
				if rand.IntN(5) == 0 {
					cancel() // gone before it starts
				}
				h, err := p.Acquire(ctx)
				cancel()
				if err != nil {
					if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
						!errors.Is(err, errDial) && !errors.Is(err, pool.ErrUnavailable) {
						t.Errorf("unexpected error: %v", err)
					}
					errs.Add(1)
					continue
				}
				ok.Add(1)
				c := h.Value()
				c.take()
				runtime.Gosched() // hold it a moment, so that others queue
				c.give()
				if rand.IntN(8) == 0 {
					h.Destroy()
				} else {
					h.Release()
				}
			}
		})
	}
	wg.Wait()
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.Close(closeCtx), "Close returns")

	_, live, maxLive := b.figures()
	assert.Zero(t, misuse.Load())
	assert.LessOrEqual(t, maxLive, maxSize)
	assert.Zero(t, live)
	assert.GreaterOrEqual(t, ok.Load(), int64(minOK), "the pool kept serving through the chaos")
	assert.Positive(t, errs.Load(), "some fail")
	assert.Positive(t, failed.Load())
	s := p.Stats()
	assert.Zero(t, s.Total)
	assert.Equal(t, ok.Load(), s.Acquires)
}
