package cache_test

import (
	"testing"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/internal/conformance"
)

func TestConformance(t *testing.T) {
	t.Run("local-s3fifo", func(t *testing.T) {
		conformance.RunTier(t, func(t *testing.T) cache.Tier[string] { return newLocal(t, 1000) })
	})
	t.Run("local-lru", func(t *testing.T) {
		conformance.RunTier(t, func(t *testing.T) cache.Tier[string] {
			m, err := cache.NewLRU[string, cache.Entry[string]](1000, cache.Config[string, cache.Entry[string]]{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(m.Close)
			l, err := cache.NewLocal[string](m)
			if err != nil {
				t.Fatal(err)
			}
			return l
		})
	})
	t.Run("memory-store", func(t *testing.T) {
		conformance.RunStore(t, func(*testing.T) cache.Store[string] { return cache.NewMemoryStore[string]() })
	})
}
