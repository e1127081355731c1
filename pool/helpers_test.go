package pool_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/pool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// conn is a fake connection that polices its own use: it counts its
// holders and notices being used after it was closed.
type conn struct {
	id      int
	holders atomic.Int32
	closed  atomic.Bool
	broken  atomic.Bool
	misuse  *atomic.Int64
}

// take marks the start of a borrow; it records misuse if someone else
// holds c or c is closed.
func (c *conn) take() {
	if c.holders.Add(1) != 1 || c.closed.Load() {
		c.misuse.Add(1)
	}
}

// give marks the end of a borrow.
func (c *conn) give() { c.holders.Add(-1) }

// backend builds conns and keeps the figures a test checks: how many were
// built and destroyed, how many lived at once at most.
type backend struct {
	mu      sync.Mutex
	built   int
	live    int
	maxLive int
	destroy int
	all     []*conn
	misuse  atomic.Int64
	fail    atomic.Bool  // constructor fails while set
	calls   atomic.Int64 // constructor calls
	gate    chan struct{}
}

var errDial = errors.New("dial refused")

func (b *backend) construct(ctx context.Context) (*conn, error) {
	b.calls.Add(1)
	if b.gate != nil {
		select {
		case <-b.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if b.fail.Load() {
		return nil, errDial
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.built++
	b.live++
	b.maxLive = max(b.maxLive, b.live)
	c := &conn{id: b.built, misuse: &b.misuse}
	b.all = append(b.all, c)
	return c, nil
}

func (b *backend) destruct(c *conn) {
	if c.closed.Swap(true) {
		b.misuse.Add(1) // destroyed twice
	}
	if c.holders.Load() != 0 {
		b.misuse.Add(1) // destroyed while held
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.destroy++
	b.live--
}

// figures returns built, live and max live.
func (b *backend) figures() (built, live, maxLive int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.built, b.live, b.maxLive
}

// spec is what New takes: its two arguments and the Config.
type spec struct {
	maxSize   int
	construct func(context.Context) (*conn, error)
	pool.Config[*conn]
}

// config returns a spec on b with the given size.
func (b *backend) config(maxSize int) spec {
	return spec{maxSize, b.construct, pool.Config[*conn]{Destructor: b.destruct}}
}

func newPool(t *testing.T, s spec) *pool.Pool[*conn] {
	t.Helper()
	p, err := pool.New(s.maxSize, s.construct, s.Config)
	require.NoError(t, err)
	return p
}

func closePool(t *testing.T, p *pool.Pool[*conn]) {
	t.Helper()
	require.NoError(t, p.Close(context.Background()))
}
