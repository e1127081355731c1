package redisshard

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// TestClusterAsANode: a node of the Store may be a whole Redis Cluster, the
// way a deployment outgrows one server. Keys move from a single server onto
// the cluster, then part of them back out of it to a new single server;
// every key is readable throughout, lives on its ring node afterwards and
// nowhere else. A move out of a cluster must scan every master: SCAN on a
// cluster client reaches only one of them.
func TestClusterAsANode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl := redistest.NewCluster(t)
	servers := redistest.Nodes(t, 2)
	for _, s := range servers {
		s.Prefix = cl.Prefix // one prefix, cleaned up on every server
	}
	store, err := New(cl.Prefix, []Node{{Node: sharding.Node{Name: "single"}, Client: servers[0].Client}}, Config{BatchSize: 25})
	require.NoError(t, err)

	const n = 300
	key := func(i int) string { return fmt.Sprintf("k%d", i) }
	for i := range n {
		require.NoError(t, store.Set(ctx, key(i), fmt.Sprint(i), 0))
	}
	check := func(step string) {
		t.Helper()
		for i := range n {
			got, err := store.Get(ctx, key(i))
			require.NoError(t, err, "%s: %s", step, key(i))
			require.Equal(t, fmt.Sprint(i), got, "%s: %s", step, key(i))
		}
	}

	_, err = store.AddNode(ctx, Node{Node: sharding.Node{Name: "cluster"}, Client: cl.Client})
	require.NoError(t, err)
	check("after adding the cluster")
	stats, err := store.RemoveNode(ctx, "single")
	require.NoError(t, err)
	check("after moving onto the cluster")
	assert.Positive(t, stats.Moved)
	onCluster := countUnder(ctx, t, cl, cl.Prefix)
	assert.Equal(t, n, onCluster, "every key on the cluster")
	left, err := scanCount(ctx, servers[0].Client, cl.Prefix)
	require.NoError(t, err)
	assert.Zero(t, left, "nothing left behind on the removed server")
	if cl.Real() {
		var mu sync.Mutex
		masters := 0
		require.NoError(t, cl.Client.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := scanCount(ctx, c, cl.Prefix)
			if n > 0 {
				mu.Lock() // ForEachMaster's calls run at once
				masters++
				mu.Unlock()
			}
			return err
		}))
		assert.Equal(t, 3, masters, "the moved keys spread over every master")
	}

	stats, err = store.AddNode(ctx, Node{Node: sharding.Node{Name: "single-2"}, Client: servers[1].Client})
	require.NoError(t, err)
	check("after moving part out of the cluster")
	ring, err := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Node{Name: "cluster"}, sharding.Node{Name: "single-2"})
	require.NoError(t, err)
	want := 0
	for i := range n {
		home, err := ring.Lookup(key(i))
		require.NoError(t, err)
		if home == "single-2" {
			want++
			continue
		}
		exists, err := cl.Client.Exists(ctx, cl.Prefix+key(i)).Result()
		require.NoError(t, err)
		assert.Equal(t, int64(1), exists, "%s belongs on the cluster", key(i))
	}
	require.Positive(t, want)
	assert.Equal(t, want, stats.Moved, "every key the ring gives the new node was moved")
	assert.Equal(t, n-want, countUnder(ctx, t, cl, cl.Prefix), "nothing left behind on the cluster")
	left, err = scanCount(ctx, servers[1].Client, cl.Prefix)
	require.NoError(t, err)
	assert.Equal(t, want, left)
}

// countUnder counts the keys under prefix on every master of the cluster.
func countUnder(ctx context.Context, t *testing.T, cl *redistest.Cluster, prefix string) int {
	t.Helper()
	var mu sync.Mutex // ForEachMaster calls fn on every master at once
	sum := 0
	err := cl.Client.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		n, err := scanCount(ctx, c, prefix)
		mu.Lock()
		sum += n
		mu.Unlock()
		return err
	})
	require.NoError(t, err)
	return sum
}

// scanCount counts the keys under prefix on the server c talks to.
func scanCount(ctx context.Context, c *redis.Client, prefix string) (int, error) {
	total := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 500).Result()
		if err != nil {
			return total, err
		}
		total += len(keys)
		if next == 0 {
			return total, nil
		}
		cursor = next
	}
}
