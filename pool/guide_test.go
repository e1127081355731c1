package pool_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/pool"
)

func newGuidePool(t *testing.T, size int) *pool.GuidePool {
	t.Helper()
	p, err := pool.NewGuidePool(size)
	require.NoError(t, err)
	return p
}

func TestNewGuidePoolRejectsASizeBelowOne(t *testing.T) {
	for _, size := range []int{0, -1} {
		p, err := pool.NewGuidePool(size)
		require.ErrorIs(t, err, pool.ErrInvalidConfig, "size %d", size)
		assert.Nil(t, p)
	}
}

func TestGuidePoolCreatesEveryConnectionUpFront(t *testing.T) {
	p := newGuidePool(t, 50)
	assert.Equal(t, 50, p.Idle(), "50 connections exist before anyone asks for one")
}

func TestGuidePoolBlocksForeverWhenEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newGuidePool(t, 1)
		c := p.GetConnection()
		got := make(chan map[string]string)
		go func() { got <- p.GetConnection() }()
		// Every goroutine in the bubble is now blocked for good: nothing
		// but a release can end the wait; there is no context or timeout.
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("GetConnection returned from an empty pool")
		default:
		}
		p.ReleaseConnection(c)
		assert.Equal(t, c, <-got)
	})
}

func TestGuidePoolHandsOutBrokenConnections(t *testing.T) {
	p := newGuidePool(t, 1)
	c := p.GetConnection()
	c["broken"] = "true" // the server hung up on it
	p.ReleaseConnection(c)
	assert.Equal(t, "true", p.GetConnection()["broken"], "never checked")
}

func TestGuidePoolDoubleReleaseSharesAConnection(t *testing.T) {
	p := newGuidePool(t, 2)
	a := p.GetConnection()
	_ = p.GetConnection()
	p.ReleaseConnection(a)
	p.ReleaseConnection(a) // accepted without a word
	first, second := p.GetConnection(), p.GetConnection()
	first["owner"] = "first"
	assert.Equal(t, "first", second["owner"], "two holders share one connection")
}

func TestGuidePoolBlocksForeverOnReleaseWhenFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newGuidePool(t, 1)
		stranger := map[string]string{"connection": "not from this pool"}
		done := make(chan struct{})
		go func() {
			p.ReleaseConnection(stranger)
			close(done)
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("release into a full pool returned")
		default:
		}
		require.Equal(t, 1, p.Idle())
		// Unblock it so the bubble can end: take one out.
		p.GetConnection()
		<-done
	})
}
