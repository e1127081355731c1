package shortener_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

// TestCounterHammer takes ids from many goroutines over two counters
// sharing one source, with small blocks so that refills race: every id is
// handed out once, and together they are exactly the blocks fetched.
func TestCounterHammer(t *testing.T) {
	src := shortener.NewMemorySource(1000)
	const goroutines, each = 16, 2000
	counters := make([]*shortener.Counter, 2)
	for i := range counters {
		c, err := shortener.NewCounter(src, 7, shortener.CounterConfig{})
		require.NoError(t, err)
		counters[i] = c
	}
	ids := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			c := counters[g%2]
			for range each {
				id, err := c.NextID(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				ids[g] = append(ids[g], id)
			}
		})
	}
	wg.Wait()
	seen := make(map[uint64]bool, goroutines*each)
	for _, list := range ids {
		for _, id := range list {
			require.False(t, seen[id], "id %d handed out twice", id)
			require.GreaterOrEqual(t, id, uint64(1000))
			seen[id] = true
		}
	}
	require.Len(t, seen, goroutines*each)
	// Each counter leaves at most one partly used block.
	next, err := src.NextBlock(context.Background(), 1)
	require.NoError(t, err)
	assert.LessOrEqual(t, next-1000, uint64(goroutines*each+2*7))
}

// countingSource counts blocks and can be reset, as an embedded Redis
// that restarts empty is.
type countingSource struct {
	mu     sync.Mutex
	next   uint64
	blocks int
	err    error
}

func (s *countingSource) NextBlock(_ context.Context, size uint64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	s.blocks++
	first := s.next
	s.next += size
	return first, nil
}

func (s *countingSource) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = 0
}

type raisingSource struct{ *countingSource }

func (s raisingSource) Raise(_ context.Context, floor uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = max(s.next, floor)
	return nil
}

// TestCounterOneRoundTripPerBlock checks that a block serves blockSize ids
// with no further call to the source.
func TestCounterOneRoundTripPerBlock(t *testing.T) {
	src := &countingSource{}
	c, err := shortener.NewCounter(src, 100, shortener.CounterConfig{})
	require.NoError(t, err)
	for i := range 250 {
		id, err := c.NextID(context.Background())
		require.NoError(t, err)
		require.Equal(t, uint64(i), id)
	}
	assert.Equal(t, 3, src.blocks)
}

// TestCounterRefusesASourceThatRestartedEmpty resets the source under a
// running counter, and starts a new counter over an empty source with the
// store's floor: neither hands out an id below what was issued.
func TestCounterRefusesASourceThatRestartedEmpty(t *testing.T) {
	ctx := context.Background()
	src := &countingSource{}
	c, err := shortener.NewCounter(src, 10, shortener.CounterConfig{})
	require.NoError(t, err)
	for range 10 {
		_, err := c.NextID(ctx)
		require.NoError(t, err)
	}
	src.reset()
	_, err = c.NextID(ctx)
	require.ErrorIs(t, err, shortener.ErrSourceBehind, "a running counter")

	// After a restart of both: the floor comes from the store.
	src.reset()
	c, err = shortener.NewCounter(src, 10, shortener.CounterConfig{Floor: 500})
	require.NoError(t, err)
	_, err = c.NextID(ctx)
	require.ErrorIs(t, err, shortener.ErrSourceBehind, "a new counter with the store's floor")

	// A source that can be raised is raised past the floor, then checked.
	rs := raisingSource{&countingSource{}}
	c, err = shortener.NewCounter(rs, 10, shortener.CounterConfig{Floor: 500})
	require.NoError(t, err)
	id, err := c.NextID(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(500), id)
	for range 9 {
		_, err = c.NextID(ctx)
		require.NoError(t, err)
	}
	rs.reset()
	id, err = c.NextID(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(510), id, "raised to the end of the last block")

	// The in-process source is a Raiser too.
	ms := shortener.NewMemorySource(0)
	c, err = shortener.NewCounter(ms, 10, shortener.CounterConfig{Floor: 77})
	require.NoError(t, err)
	id, err = c.NextID(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(77), id)
}

func TestCounterSourceErrorsAndContext(t *testing.T) {
	boom := errors.New("source down")
	src := &countingSource{err: boom}
	c, err := shortener.NewCounter(src, 10, shortener.CounterConfig{})
	require.NoError(t, err)
	_, err = c.NextID(context.Background())
	require.ErrorIs(t, err, boom)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src.err = nil
	_, err = c.Next(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestMemorySourceExhausted(t *testing.T) {
	src := shortener.NewMemorySource(math.MaxUint64 - 5)
	_, err := src.NextBlock(context.Background(), 10)
	require.ErrorIs(t, err, shortener.ErrExhausted)
	first, err := src.NextBlock(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, uint64(math.MaxUint64-5), first)
	_, err = src.NextBlock(context.Background(), 0)
	require.ErrorIs(t, err, shortener.ErrInvalidConfig)
	var zero shortener.MemorySource
	first, err = zero.NextBlock(context.Background(), 3)
	require.NoError(t, err)
	assert.Zero(t, first, "the zero MemorySource starts at 0")
}

// TestCounterObfuscated checks that an obfuscated counter's codes are
// distinct, of at most seven characters over 62^7, and decode back to
// consecutive ids.
func TestCounterObfuscated(t *testing.T) {
	f, err := shortener.NewFeistel([]byte("0123456789abcdef"), shortener.FeistelConfig{Domain: 3_521_614_606_208})
	require.NoError(t, err)
	c, err := shortener.NewCounter(shortener.NewMemorySource(0), 1000, shortener.CounterConfig{Obfuscator: f})
	require.NoError(t, err)
	seen := map[string]bool{}
	for i := range 5000 {
		code, err := c.Next(context.Background())
		require.NoError(t, err)
		require.LessOrEqual(t, len(code), 7)
		require.False(t, seen[code])
		seen[code] = true
		y, err := shortener.Decode(code)
		require.NoError(t, err)
		x, err := f.Reveal(y)
		require.NoError(t, err)
		require.Equal(t, uint64(i), x)
	}
	// At the end of the domain the counter stops instead of wrapping.
	c, err = shortener.NewCounter(shortener.NewMemorySource(3_521_614_606_207), 10, shortener.CounterConfig{Obfuscator: f})
	require.NoError(t, err)
	_, err = c.Next(context.Background())
	require.NoError(t, err)
	_, err = c.Next(context.Background())
	require.ErrorIs(t, err, shortener.ErrExhausted)
}

func TestCounterConfig(t *testing.T) {
	_, err := shortener.NewCounter(nil, 10, shortener.CounterConfig{})
	assert.ErrorIs(t, err, shortener.ErrInvalidConfig)
	_, err = shortener.NewCounter(shortener.NewMemorySource(0), 0, shortener.CounterConfig{})
	assert.ErrorIs(t, err, shortener.ErrInvalidConfig)
	_, err = shortener.NewCounter(shortener.NewMemorySource(0), 1, shortener.CounterConfig{Obfuscator: new(shortener.Feistel)})
	assert.ErrorIs(t, err, shortener.ErrInvalidConfig)
}
