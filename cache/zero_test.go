package cache_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// methods calls every method of a cache, one per entry.
var methods = []struct {
	name string
	call func(c store)
}{
	{"Get", func(c store) { c.Get("a") }},
	{"Set", func(c store) { c.Set("a", 1) }},
	{"SetWithTTL", func(c store) { c.SetWithTTL("a", 1, time.Minute) }},
	{"SetWithTTL/no-ttl", func(c store) { c.SetWithTTL("a", 1, 0) }},
	{"SetWithTTL/negative", func(c store) { c.SetWithTTL("a", 1, -1) }},
	{"Delete", func(c store) { c.Delete("a") }},
	{"Clear", func(c store) { c.Clear() }},
	{"Len", func(c store) { c.Len() }},
	{"Stats", func(c store) { c.Stats() }},
	{"Close", func(c store) { c.Close() }},
}

// recovered runs f and returns what it panicked with, or nil.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestZeroValuePanicsClearly: every method of a cache made without its
// constructor panics with an error that wraps ErrNotInitialized and names
// the constructor, never with an index out of range or a nil dereference,
// and never works on silently.
func TestZeroValuePanicsClearly(t *testing.T) {
	zeros := []struct {
		name string
		new  func() store
		msg  string
	}{
		{"lru", func() store { return new(cache.LRU[string, int]) }, "cache: LRU used without NewLRU"},
		{"s3fifo", func() store { return new(cache.S3FIFO[string, int]) }, "cache: S3FIFO used without NewS3FIFO"},
	}
	for _, z := range zeros {
		for _, m := range methods {
			t.Run(z.name+"/"+m.name, func(t *testing.T) {
				c := z.new()
				v := recovered(func() { m.call(c) })
				require.NotNil(t, v, "a zero %s's %s did not panic", z.name, m.name)
				err, ok := v.(error)
				require.True(t, ok, "panicked with %T %v, not an error", v, v)
				assert.True(t, errors.Is(err, cache.ErrNotInitialized), "panicked with %q", err)
				assert.Equal(t, z.msg, err.Error())
			})
		}
	}
}
