package shortener_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

var t0 = shortener.DefaultEpoch.Add(1000 * time.Hour)

// clock is a settable clock; the bubble's time.Now moves it forward as
// timers fire, so a wait for the clock to catch up ends.
type clock struct {
	mu     sync.Mutex
	offset time.Duration // added to the bubble's time
	base   time.Time     // the bubble's time at start
}

func newClock() *clock { return &clock{base: time.Now()} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return t0.Add(time.Since(c.base) + c.offset)
}

func (c *clock) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func TestTimeOrderedIdsIncrease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClock()
		g, err := shortener.NewTimeOrdered(5, shortener.TimeOrderedConfig{Now: c.now})
		require.NoError(t, err)
		var prev uint64
		for i := range 10000 { // more than 4096: crosses milliseconds
			id, err := g.NextID(context.Background())
			require.NoError(t, err)
			require.Greater(t, id, prev, "id %d", i)
			prev = id
		}
		at, node, seq, err := g.Parts(prev)
		require.NoError(t, err)
		assert.Equal(t, 5, node)
		assert.Equal(t, (10000-1)%4096, seq)
		assert.Equal(t, t0.Add(2*time.Millisecond), at, "4096 per millisecond: the third")
	})
}

// TestTimeOrderedClockBackward steps the clock back: within MaxBackward
// the generator waits for it to catch up and then continues above the last
// id; further back it fails with ErrClockBackward. No id repeats.
func TestTimeOrderedClockBackward(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClock()
		g, err := shortener.NewTimeOrdered(1, shortener.TimeOrderedConfig{Now: c.now, MaxBackward: 50 * time.Millisecond})
		require.NoError(t, err)
		ctx := context.Background()
		before, err := g.NextID(ctx)
		require.NoError(t, err)

		c.step(-30 * time.Millisecond)
		start := time.Now()
		after, err := g.NextID(ctx)
		require.NoError(t, err)
		assert.Greater(t, after, before)
		assert.Equal(t, 30*time.Millisecond, time.Since(start), "waited for the clock to catch up")

		c.step(-time.Second)
		_, err = g.NextID(ctx)
		require.ErrorIs(t, err, shortener.ErrClockBackward)

		// A context that ends during the wait.
		c.step(time.Second - 40*time.Millisecond)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		_, err = g.NextID(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)

		// Never waiting: any step back is an error.
		g, err = shortener.NewTimeOrdered(1, shortener.TimeOrderedConfig{Now: c.now, MaxBackward: -1})
		require.NoError(t, err)
		_, err = g.NextID(context.Background())
		require.NoError(t, err)
		c.step(-time.Millisecond)
		_, err = g.NextID(context.Background())
		require.ErrorIs(t, err, shortener.ErrClockBackward)
	})
}

func TestTimeOrderedLimits(t *testing.T) {
	for _, n := range []int{-1, shortener.MaxNode + 1} {
		_, err := shortener.NewTimeOrdered(n, shortener.TimeOrderedConfig{})
		assert.ErrorIs(t, err, shortener.ErrInvalidConfig, "node %d", n)
	}
	g, err := shortener.NewTimeOrdered(shortener.MaxNode, shortener.TimeOrderedConfig{Now: func() time.Time { return shortener.DefaultEpoch.Add(-time.Second) }})
	require.NoError(t, err)
	_, err = g.NextID(context.Background())
	require.ErrorIs(t, err, shortener.ErrClockBackward, "before the epoch")
	g, err = shortener.NewTimeOrdered(0, shortener.TimeOrderedConfig{Now: func() time.Time {
		return shortener.DefaultEpoch.Add(time.Duration(1<<shortener.TimestampBits) * time.Millisecond)
	}})
	require.NoError(t, err)
	_, err = g.NextID(context.Background())
	require.ErrorIs(t, err, shortener.ErrExhausted, "past 41 bits of milliseconds")
}

// TestTimeOrderedHammer takes ids from many goroutines of two nodes:
// none repeats.
func TestTimeOrderedHammer(t *testing.T) {
	gens := make([]*shortener.TimeOrdered, 2)
	for i := range gens {
		g, err := shortener.NewTimeOrdered(i, shortener.TimeOrderedConfig{})
		require.NoError(t, err)
		gens[i] = g
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			local := make([]string, 0, 3000)
			for range 3000 {
				code, err := gens[w%2].Next(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				local = append(local, code)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range local {
				if seen[c] {
					t.Errorf("code %s issued twice", c)
				}
				seen[c] = true
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, 8*3000)
}
