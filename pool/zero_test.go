package pool_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

// returnsAtOnce runs f on a goroutine of the bubble and fails the test if f
// is still blocked once every goroutine of the bubble is.
func returnsAtOnce(t *testing.T, name string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }() // the panic is checked elsewhere
		f()
	}()
	synctest.Wait()
	select {
	case <-done:
	default:
		t.Fatalf("%s on a zero value blocks for ever", name)
	}
}

// TestZeroPoolFailsLoudly calls every method of a zero Pool, and of a nil
// *Pool: the ones with an error result return ErrNotInitialized at once,
// the one without panics with its message. None blocks.
func TestZeroPoolFailsLoudly(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *pool.Pool[*conn]
	}{
		{"zero", new(pool.Pool[*conn])},
		{"nil", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := tc.p
				// A context that ends in the bubble's time: a pool that
				// queues the caller returns its error instead of ours.
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()

				_, err := p.Acquire(ctx)
				require.ErrorIs(t, err, pool.ErrNotInitialized, "Acquire(ctx with a deadline)")
				assert.EqualError(t, err, "pool: Pool used without New")

				ended, end := context.WithCancel(context.Background())
				end()
				_, err = p.Acquire(ended)
				assert.ErrorIs(t, err, pool.ErrNotInitialized, "Acquire(ctx already ended)")

				_, err = p.TryAcquire()
				assert.ErrorIs(t, err, pool.ErrNotInitialized, "TryAcquire")

				var closeErr error
				assert.NotPanics(t, func() { closeErr = p.Close(ctx) }, "Close")
				assert.ErrorIs(t, closeErr, pool.ErrNotInitialized, "Close")

				r := panicOf(func() { p.Stats() })
				require.NotNil(t, r, "Stats panics")
				rerr, ok := r.(error)
				require.True(t, ok, "Stats panics with an error, got %#v", r)
				assert.ErrorIs(t, rerr, pool.ErrNotInitialized, "Stats")

				// A context that cannot end: the caller would wait on its
				// own for ever.
				returnsAtOnce(t, "Acquire(context.Background())", func() {
					_, err = p.Acquire(context.Background())
				})
				assert.ErrorIs(t, err, pool.ErrNotInitialized, "Acquire(context.Background())")
			})
		})
	}
}

// TestZeroHandlePanicsNamingAcquire: every method of a zero Handle panics
// with a message that says where a Handle comes from.
func TestZeroHandlePanicsNamingAcquire(t *testing.T) {
	var h pool.Handle[*conn]
	for _, tc := range []struct {
		method string
		call   func()
	}{
		{"Value", func() { h.Value() }},
		{"Release", func() { h.Release() }},
		{"Destroy", func() { h.Destroy() }},
	} {
		t.Run(tc.method, func(t *testing.T) {
			assert.PanicsWithValue(t,
				"pool: "+tc.method+" called on a zero Handle; a Handle comes from Pool.Acquire or Pool.TryAcquire",
				tc.call)
		})
	}
}

// TestZeroGuidePoolPanicsNamingNewGuidePool: the guide's pool ported to
// Go has a zero value the Python did not; it must not block on a nil
// channel.
func TestZeroGuidePoolPanicsNamingNewGuidePool(t *testing.T) {
	const msg = "pool: GuidePool used without NewGuidePool"
	for _, tc := range []struct {
		method string
		call   func(p *pool.GuidePool)
	}{
		{"GetConnection", func(p *pool.GuidePool) { p.GetConnection() }},
		{"ReleaseConnection", func(p *pool.GuidePool) { p.ReleaseConnection(map[string]string{}) }},
		{"Idle", func(p *pool.GuidePool) { p.Idle() }},
	} {
		t.Run(tc.method, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var r any
				returnsAtOnce(t, tc.method, func() {
					r = panicOf(func() { tc.call(new(pool.GuidePool)) })
				})
				assert.Equal(t, msg, r)
			})
		})
	}
}
