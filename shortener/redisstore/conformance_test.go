package redisstore_test

import (
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
	"github.com/backendkit/backendkit/shortener/storetest"
)

// TestConformanceServer runs the Store conformance suite on one server:
// miniredis, or the real one at REDIS_ADDR.
func TestConformanceServer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
		return newStore(t, server(t), redisstore.Config{Now: now})
	})
}

// TestConformanceCluster runs it on the Redis Cluster at
// REDIS_CLUSTER_ADDRS (a miniredis with the cluster's slot rules without).
func TestConformanceCluster(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
		return newStore(t, cluster(t), redisstore.Config{Now: now})
	})
}
