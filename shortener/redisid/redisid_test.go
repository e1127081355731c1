package redisid_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisid"
)

type engine struct {
	name   string
	client redis.Cmdable
	key    func(string) string
	// restart makes the key vanish, as a Redis without persistence
	// restarting does.
	restart func(t *testing.T, key string)
}

func engines(t *testing.T) []engine {
	s := redistest.New(t)
	c := redistest.NewCluster(t)
	del := func(client redis.Cmdable) func(t *testing.T, key string) {
		return func(t *testing.T, key string) {
			require.NoError(t, client.Del(context.Background(), key).Err())
		}
	}
	return []engine{
		{"server", s.Client, s.Key, del(s.Client)},
		{"cluster", c.Client, c.Key, del(c.Client)},
	}
}

// TestSourceBlocksNeverOverlap runs counters of several nodes on one key:
// every id is handed out once.
func TestSourceBlocksNeverOverlap(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			key := e.key("ids")
			var mu sync.Mutex
			seen := map[uint64]bool{}
			var wg sync.WaitGroup
			for range 4 {
				src, err := redisid.NewSource(e.client, key)
				require.NoError(t, err)
				c, err := shortener.NewCounter(src, 25, shortener.CounterConfig{})
				require.NoError(t, err)
				for range 2 {
					wg.Go(func() {
						for range 300 {
							id, err := c.NextID(context.Background())
							if err != nil {
								t.Error(err)
								return
							}
							mu.Lock()
							if seen[id] {
								t.Errorf("id %d twice", id)
							}
							seen[id] = true
							mu.Unlock()
						}
					})
				}
			}
			wg.Wait()
			assert.Len(t, seen, 4*2*300)
		})
	}
}

// TestSourceRestartedEmptyIsNotTheAuthority empties the key under a
// running counter, and starts a new counter on an empty key with the
// store's floor: ids continue above what was issued.
func TestSourceRestartedEmptyIsNotTheAuthority(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			key := e.key("ids")
			src, err := redisid.NewSource(e.client, key)
			require.NoError(t, err)
			c, err := shortener.NewCounter(src, 10, shortener.CounterConfig{})
			require.NoError(t, err)
			var last uint64
			for range 15 {
				last, err = c.NextID(ctx)
				require.NoError(t, err)
			}
			e.restart(t, key)
			for range 10 {
				id, err := c.NextID(ctx)
				require.NoError(t, err)
				require.Greater(t, id, last, "an id handed out again after the restart")
				last = id
			}

			e.restart(t, key)
			c, err = shortener.NewCounter(src, 10, shortener.CounterConfig{Floor: 1_000_000})
			require.NoError(t, err)
			id, err := c.NextID(ctx)
			require.NoError(t, err)
			assert.Equal(t, uint64(1_000_000), id)
		})
	}
}

func TestSourceRaise(t *testing.T) {
	ctx := context.Background()
	s := redistest.New(t)
	key := s.Key("ids")
	src, err := redisid.NewSource(s.Client, key)
	require.NoError(t, err)
	first, err := src.NextBlock(ctx, 100)
	require.NoError(t, err)
	assert.Zero(t, first)
	require.NoError(t, src.Raise(ctx, 50), "below: no change")
	first, err = src.NextBlock(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, uint64(100), first)
	// Exact beyond 2^53, where Lua's numbers would round.
	// 2^60 and 2^60+1 are one double: raising from the first to the
	// second must still move the key.
	big := uint64(1)<<60 + 1
	require.NoError(t, src.Raise(ctx, big-1))
	require.NoError(t, src.Raise(ctx, big))
	require.NoError(t, src.Raise(ctx, big-1))
	first, err = src.NextBlock(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, big, first)
	require.NoError(t, s.Client.Set(ctx, key, "-50", 0).Err())
	require.NoError(t, src.Raise(ctx, 7))
	first, err = src.NextBlock(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, uint64(7), first)
	require.ErrorIs(t, src.Raise(ctx, math.MaxUint64), redisid.ErrRange)
	_, err = src.NextBlock(ctx, math.MaxUint64)
	require.ErrorIs(t, err, redisid.ErrRange)
	require.NoError(t, s.Client.Set(ctx, key, "not a number", 0).Err())
	_, err = src.NextBlock(ctx, 1)
	require.ErrorIs(t, err, redisid.ErrRedis)
}

func TestErrorsAndZeroValues(t *testing.T) {
	ctx := context.Background()
	s := redistest.New(t)
	for _, tc := range []struct {
		name string
		err  error
		is   error
	}{
		{"nil client", func() error { _, err := redisid.NewSource(nil, "k"); return err }(), redisid.ErrInvalidConfig},
		{"empty key", func() error { _, err := redisid.NewSource(s.Client, ""); return err }(), redisid.ErrInvalidConfig},
		{"zero NextBlock", func() error { _, err := new(redisid.Source).NextBlock(ctx, 1); return err }(), redisid.ErrNotInitialized},
		{"nil NextBlock", func() error { _, err := (*redisid.Source)(nil).NextBlock(ctx, 1); return err }(), redisid.ErrNotInitialized},
		{"zero Raise", new(redisid.Source).Raise(ctx, 1), redisid.ErrNotInitialized},
		{"nil Raise", (*redisid.Source)(nil).Raise(ctx, 1), redisid.ErrNotInitialized},
		{"block size 0", func() error {
			src, _ := redisid.NewSource(s.Client, s.Key("k"))
			_, err := src.NextBlock(ctx, 0)
			return err
		}(), redisid.ErrInvalidConfig},
		{"range", func() error {
			src, _ := redisid.NewSource(s.Client, s.Key("k"))
			return src.Raise(ctx, math.MaxUint64)
		}(), redisid.ErrRange},
		{"redis", func() error {
			require.NoError(t, s.Client.Set(ctx, s.Key("bad"), "x", 0).Err())
			src, _ := redisid.NewSource(s.Client, s.Key("bad"))
			_, err := src.NextBlock(ctx, 1)
			return err
		}(), redisid.ErrRedis},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, tc.is)
			msg := tc.err.Error()
			assert.True(t, strings.HasPrefix(msg, "redisid: "), msg)
			assert.Equal(t, 1, strings.Count(msg, "redisid:"), msg)
		})
	}
}
