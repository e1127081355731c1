package redisshard

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// TestGoRedisRingUsesOurRing writes through a go-redis Ring configured
// with ConsistentHash and finds every key on the node our ring names.
func TestGoRedisRingUsesOurRing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nodes := redistest.Nodes(t, 3)
	addrs := map[string]string{}
	byName := map[string]*redistest.Server{}
	for i, n := range nodes {
		name := fmt.Sprintf("shard-%d", i)
		addrs[name] = n.Addr()
		byName[name] = n
	}
	newHash, err := ConsistentHash(sharding.DefaultVirtualNodes)
	require.NoError(t, err)
	rdb := redis.NewRing(&redis.RingOptions{
		Addrs:             addrs,
		NewConsistentHash: newHash,
	})
	t.Cleanup(func() { _ = rdb.Close() })

	ours, err := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Named("shard-0", "shard-1", "shard-2")...)
	require.NoError(t, err)
	perNode := map[string]int{}
	for i := range 300 {
		key := nodes[0].Key(fmt.Sprintf("ring:%d", i))
		require.NoError(t, rdb.Set(ctx, key, i, 0).Err())
		want, err := ours.Lookup(key)
		require.NoError(t, err)
		perNode[want]++
		for name, n := range byName {
			got, err := n.Client.Exists(ctx, key).Result()
			require.NoError(t, err)
			if name == want {
				require.EqualValuesf(t, 1, got, "key %q missing on %s, where our ring places it", key, name)
			} else {
				require.EqualValuesf(t, 0, got, "key %q found on %s, our ring places it on %s", key, name, want)
			}
		}
	}
	assert.Len(t, perNode, 3, "every shard gets keys")
}

func TestConsistentHashEdgeCases(t *testing.T) {
	for _, vnodes := range []int{0, -1, 1 << 30} {
		_, err := ConsistentHash(vnodes)
		assert.ErrorIsf(t, err, ErrInvalidConfig, "%d virtual nodes", vnodes)
		assert.ErrorIsf(t, err, sharding.ErrInvalidConfig, "%d virtual nodes", vnodes)
	}
	newHash, err := ConsistentHash(10)
	require.NoError(t, err)
	assert.Empty(t, newHash(nil).Get("k"), "no shards")
	assert.Empty(t, newHash([]string{"a", ""}).Get("k"), "unusable names")
	h := newHash([]string{"b", "a"})
	ring, err := sharding.NewRing(10, sharding.Named("a", "b")...)
	require.NoError(t, err)
	for _, k := range []string{"x", "y", "z", "user:1"} {
		want, err := ring.Lookup(k)
		require.NoError(t, err)
		assert.Equal(t, want, h.Get(k))
	}
}
