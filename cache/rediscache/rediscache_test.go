package rediscache_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/internal/conformance"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// engine is one Redis the suites run on: miniredis always; the server at
// REDIS_ADDR (miniredis again when it is unset); a Cluster (the real one at
// REDIS_CLUSTER_ADDRS, else the emulation). So CI, which sets both, runs
// every suite on the embedded engine and on the real ones.
type engine struct {
	name string
	// open returns a client, a prefix unique to the test, and a way to
	// make a further client to the same Redis (another process).
	open func(t *testing.T) (redis.UniversalClient, string, func() redis.UniversalClient)
}

var engines = []engine{
	{"miniredis", func(t *testing.T) (redis.UniversalClient, string, func() redis.UniversalClient) {
		r := redistest.NewMiniredis(t)
		return r.Client, r.Prefix, func() redis.UniversalClient { return r.NewClient() }
	}},
	{"server", func(t *testing.T) (redis.UniversalClient, string, func() redis.UniversalClient) {
		r := redistest.New(t)
		return r.Client, r.Prefix, func() redis.UniversalClient { return r.NewClient() }
	}},
	{"cluster", func(t *testing.T) (redis.UniversalClient, string, func() redis.UniversalClient) {
		c := redistest.NewCluster(t)
		return c.Client, c.Prefix, func() redis.UniversalClient { return c.NewClient() }
	}},
}

func newTier(t *testing.T, c redis.UniversalClient, prefix string, cfg rediscache.TierConfig[string]) *rediscache.Tier[string] {
	t.Helper()
	tier, err := rediscache.NewTier(c, prefix, cfg)
	require.NoError(t, err)
	return tier
}

func newTwoTier(t *testing.T, c redis.UniversalClient, prefix string, cfg rediscache.TwoTierConfig[string]) *rediscache.TwoTier[string] {
	t.Helper()
	tt, err := rediscache.NewTwoTier(c, prefix, 1000, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tt.Close(context.Background())) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, tt.Ready(ctx))
	return tt
}

func TestConformance(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Run("tier", func(t *testing.T) {
				conformance.RunTier(t, func(t *testing.T) cache.Tier[string] {
					c, prefix, _ := e.open(t)
					return newTier(t, c, prefix, rediscache.TierConfig[string]{})
				})
			})
			t.Run("tier-with-tags", func(t *testing.T) {
				conformance.RunTier(t, func(t *testing.T) cache.Tier[string] {
					c, prefix, _ := e.open(t)
					return newTier(t, c, prefix, rediscache.TierConfig[string]{
						Tags: func(key string) []string { return []string{"all", key} },
					})
				})
			})
			t.Run("two-tier", func(t *testing.T) {
				conformance.RunTier(t, func(t *testing.T) cache.Tier[string] {
					c, prefix, _ := e.open(t)
					return newTwoTier(t, c, prefix, rediscache.TwoTierConfig[string]{})
				})
			})
			t.Run("store", func(t *testing.T) {
				conformance.RunStore(t, func(t *testing.T) cache.Store[string] {
					c, prefix, _ := e.open(t)
					s, err := rediscache.NewStore[string](c, prefix, rediscache.StoreConfig[string]{})
					require.NoError(t, err)
					return s
				})
			})
		})
	}
}
