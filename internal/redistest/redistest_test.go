package redistest_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
)

func TestFastForwardExpiresKeys(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	short, long, forever := r.Key("short"), r.Key("long"), r.Key("forever")
	require.NoError(t, r.Client.Set(ctx, short, "1", 10*time.Second).Err())
	require.NoError(t, r.Client.Set(ctx, long, "2", time.Hour).Err())
	require.NoError(t, r.Client.Set(ctx, forever, "3", 0).Err())

	r.FastForward(11 * time.Second)

	n, err := r.Client.Exists(ctx, short).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "key with a 10s TTL survived 11s")

	ttl, err := r.Client.PTTL(ctx, long).Result()
	require.NoError(t, err)
	assert.LessOrEqual(t, ttl, time.Hour-11*time.Second, "TTL not shortened")
	assert.Greater(t, ttl, time.Hour-time.Minute)

	v, err := r.Client.Get(ctx, forever).Result()
	require.NoError(t, err)
	assert.Equal(t, "3", v)
}

func TestPrefixesAreUnique(t *testing.T) {
	a, b := redistest.New(t), redistest.New(t)
	assert.NotEqual(t, a.Prefix, b.Prefix)
	assert.Equal(t, a.Prefix+"x", a.Key("x"))
}

func TestKeysDeletedWhenTestEnds(t *testing.T) {
	ctx := context.Background()
	var addr, key string
	var isReal bool
	t.Run("writer", func(t *testing.T) {
		r := redistest.New(t)
		addr, key, isReal = r.Addr(), r.Key("k"), r.Real()
		require.NoError(t, r.Client.Set(ctx, key, "v", 0).Err())
	})
	if !isReal {
		// The embedded server goes away with its test, keys and all.
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		assert.Error(t, err, "embedded server still listening after its test ended")
		return
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	n, err := c.Exists(ctx, key).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "key under the test's prefix outlived the test")
}

func TestNewClientSharesServer(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	other := r.NewClient()
	require.NoError(t, r.Client.Set(ctx, r.Key("shared"), "v", 0).Err())
	v, err := other.Get(ctx, r.Key("shared")).Result()
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

func TestMiniredisClockIsSettable(t *testing.T) {
	ctx := context.Background()
	r := redistest.NewMiniredis(t)
	require.False(t, r.Real())
	t0 := time.Unix(1_700_000_000, 0)
	r.Miniredis().SetTime(t0)
	got, err := r.Client.Time(ctx).Result()
	require.NoError(t, err)
	assert.True(t, got.Equal(t0), "server TIME %v, want %v", got, t0)
}

func TestNodesAreIndependent(t *testing.T) {
	ctx := context.Background()
	nodes := redistest.Nodes(t, 3)
	require.Len(t, nodes, 3)
	key := nodes[0].Key("only-on-0")
	require.NoError(t, nodes[0].Client.Set(ctx, key, "v", 0).Err())
	for i, n := range nodes[1:] {
		assert.Equal(t, nodes[0].Prefix, n.Prefix, "node %d prefix", i+1)
		c, err := n.Client.Exists(ctx, key).Result()
		require.NoError(t, err)
		assert.Zero(t, c, "node %d sees a key written to node 0", i+1)
	}
}

func TestEngineNamesTheServer(t *testing.T) {
	assert.Equal(t, "engine=miniredis", redistest.NewMiniredis(t).Engine())
	r := redistest.New(t)
	want := map[bool]string{true: "engine=redis", false: "engine=miniredis"}[r.Real()]
	assert.Equal(t, want, r.Engine())
}
