package pool_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

// failing returns a pool of one whose Constructor does what fail says,
// and that treats the backend as down after one failure; its probe waits
// an hour, which a test's bubble never reaches.
func failing(t *testing.T, b *backend, fail func(ctx context.Context) (*conn, error)) *pool.Pool[*conn] {
	cfg := b.config(1)
	cfg.construct = fail
	cfg.FailFastAfter = 1
	cfg.ProbeInterval = time.Hour
	return newPool(t, cfg)
}

// TestErrorsSayThePrefixOnce calls everything in the package that returns
// an error: each error is the sentinel it should wrap, and its text says
// "pool:" once, at the start.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  func(t *testing.T) error
		is   []error
	}{
		{
			name: "New/invalid",
			err: func(t *testing.T) error {
				_, err := pool.New(0, new(backend).construct, pool.Config[*conn]{})
				return err
			},
			is: []error{pool.ErrInvalidConfig},
		},
		{
			name: "NewGuidePool/invalid",
			err: func(t *testing.T) error {
				_, err := pool.NewGuidePool(0)
				return err
			},
			is: []error{pool.ErrInvalidConfig},
		},
		{
			name: "Acquire/zero",
			err: func(t *testing.T) error {
				_, err := new(pool.Pool[*conn]).Acquire(context.Background())
				return err
			},
			is: []error{pool.ErrNotInitialized},
		},
		{
			name: "TryAcquire/exhausted",
			err: func(t *testing.T) error {
				var b backend
				p := newPool(t, b.config(1))
				defer closePool(t, p)
				_, err := p.TryAcquire()
				return err
			},
			is: []error{pool.ErrExhausted},
		},
		{
			name: "Acquire/closed",
			err: func(t *testing.T) error {
				var b backend
				p := newPool(t, b.config(1))
				closePool(t, p)
				_, err := p.Acquire(context.Background())
				return err
			},
			is: []error{pool.ErrClosed},
		},
		{
			name: "Acquire/constructor-error",
			err: func(t *testing.T) error {
				var b backend
				b.fail.Store(true)
				p := newPool(t, b.config(1))
				defer closePool(t, p)
				_, err := p.Acquire(context.Background())
				return err
			},
			is: []error{pool.ErrConstructor, errDial},
		},
		{
			name: "Acquire/unavailable-after-error",
			err: func(t *testing.T) error {
				var b backend
				p := failing(t, &b, func(context.Context) (*conn, error) { return nil, errDial })
				defer closePool(t, p)
				_, err := p.Acquire(context.Background())
				require.ErrorIs(t, err, errDial)
				_, err = p.Acquire(context.Background())
				return err
			},
			is: []error{pool.ErrUnavailable, errDial},
		},
		{
			name: "Acquire/unavailable-after-panic",
			err: func(t *testing.T) error {
				var b backend
				p := failing(t, &b, func(context.Context) (*conn, error) { panic("dial exploded") })
				defer closePool(t, p)
				require.Equal(t, "dial exploded", panicOf(func() { _, _ = p.Acquire(context.Background()) }))
				_, err := p.Acquire(context.Background())
				var pe *pool.PanicError
				require.ErrorAs(t, err, &pe, "the last error is the panic")
				return err
			},
			is: []error{pool.ErrUnavailable},
		},
		{
			name: "Acquire/unavailable-after-goexit",
			err: func(t *testing.T) error {
				var b backend
				p := failing(t, &b, func(context.Context) (*conn, error) { runtime.Goexit(); return nil, nil })
				defer closePool(t, p)
				done := make(chan struct{})
				go func() {
					defer close(done)
					_, _ = p.Acquire(context.Background())
				}()
				<-done
				_, err := p.Acquire(context.Background())
				return err
			},
			is: []error{pool.ErrUnavailable},
		},
		{
			name: "Close/context-ended",
			err: func(t *testing.T) error {
				var b backend
				cfg := b.config(1)
				unblock := make(chan struct{})
				cfg.Destructor = func(c *conn) { <-unblock; b.destruct(c) }
				p := newPool(t, cfg)
				h, err := p.Acquire(context.Background())
				require.NoError(t, err)
				h.Release()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				err = p.Close(ctx)
				close(unblock)
				closePool(t, p)
				return err
			},
			is: []error{context.DeadlineExceeded},
		},
		{
			name: "PanicError",
			err: func(t *testing.T) error {
				return &pool.PanicError{Callback: "Destructor", Value: "close exploded"}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := tc.err(t)
				require.Error(t, err)
				for _, want := range tc.is {
					assert.ErrorIs(t, err, want)
				}
				msg := err.Error()
				assert.True(t, strings.HasPrefix(msg, "pool: "), "%q starts with the prefix", msg)
				assert.Equal(t, 1, strings.Count(msg, "pool:"), "%q says the prefix once", msg)
			})
		})
	}
}
