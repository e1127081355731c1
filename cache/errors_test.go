package cache_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// TestErrorsSayThePrefixOnce: every error the package returns or panics
// with names the package once, at the start, and wraps its sentinel.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	type cfg = cache.Config[string, int]
	newLRU := func(n int, c cfg) error { _, err := cache.NewLRU(n, c); return err }
	newS3 := func(n int, c cfg) error { _, err := cache.NewS3FIFO(n, c); return err }
	panicked := func(f func()) error {
		err, _ := recovered(f).(error)
		return err
	}
	cases := []struct {
		name     string
		err      error
		sentinel error
	}{
		{"NewLRU/capacity", newLRU(0, cfg{}), cache.ErrInvalidConfig},
		{"NewLRU/capacity-too-large", newLRU(cache.MaxCapacity+1, cfg{}), cache.ErrInvalidConfig},
		{"NewLRU/DefaultTTL", newLRU(1, cfg{DefaultTTL: -time.Second}), cache.ErrInvalidConfig},
		{"NewLRU/SweepInterval", newLRU(1, cfg{SweepInterval: -time.Second}), cache.ErrInvalidConfig},
		{"NewLRU/Shards", newLRU(1, cfg{Shards: -1}), cache.ErrInvalidConfig},
		{"NewS3FIFO/capacity", newS3(-1, cfg{}), cache.ErrInvalidConfig},
		{"NewS3FIFO/DefaultTTL", newS3(1, cfg{DefaultTTL: -1}), cache.ErrInvalidConfig},
		{"NewS3FIFO/SweepInterval", newS3(1, cfg{SweepInterval: -1}), cache.ErrInvalidConfig},
		{"NewS3FIFO/Shards", newS3(1, cfg{Shards: -1}), cache.ErrInvalidConfig},
		{"zero-LRU", panicked(func() { new(cache.LRU[string, int]).Len() }), cache.ErrNotInitialized},
		{"zero-S3FIFO", panicked(func() { new(cache.S3FIFO[string, int]).Len() }), cache.ErrNotInitialized},
		{"ErrInvalidConfig", cache.ErrInvalidConfig, cache.ErrInvalidConfig},
		{"ErrNotInitialized", cache.ErrNotInitialized, cache.ErrNotInitialized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, c.err)
			msg := c.err.Error()
			assert.True(t, strings.HasPrefix(msg, "cache: "), "%q", msg)
			assert.Equal(t, 1, strings.Count(msg, "cache:"), "%q", msg)
			assert.True(t, errors.Is(c.err, c.sentinel), "%q", msg)
		})
	}
}
