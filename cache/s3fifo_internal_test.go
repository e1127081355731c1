package cache

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestUnlockedSetMeetsRemoval: a Set that replaces a cached value without
// the lock still takes effect when, between finding the entry and storing
// into it, the entry is deleted, evicted, cleared or replaced by a Set
// with a time to live. Without the check that follows the store, the value
// would go into an entry no longer in the index and the Set would be lost.
func TestUnlockedSetMeetsRemoval(t *testing.T) {
	for _, tc := range []struct {
		name string
		race func(c *S3FIFO[string, int])
	}{
		{"delete", func(c *S3FIFO[string, int]) { c.Delete("k") }},
		{"evict", func(c *S3FIFO[string, int]) {
			for i := range 4 {
				c.Set(strconv.Itoa(i), i)
			}
		}},
		{"clear", func(c *S3FIFO[string, int]) { c.Clear() }},
		{"ttl", func(c *S3FIFO[string, int]) { c.SetWithTTL("k", 2, time.Hour) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewS3FIFO(Config[string, int]{Capacity: 1})
			require.NoError(t, err)
			defer c.Close()
			c.Set("k", 1)
			raced := false
			testHookUnlockedSet = func() {
				testHookUnlockedSet = nil
				raced = true
				tc.race(c)
			}
			defer func() { testHookUnlockedSet = nil }()
			c.Set("k", 3)
			require.True(t, raced, "the Set did not take the path without the lock")
			v, ok := c.Get("k")
			require.True(t, ok, "the Set was lost")
			require.Equal(t, 3, v)
			s, h := c.shard("k")
			e := s.find(h, "k")
			require.Zero(t, e.deadline.Load(), "a Set without a ttl left the deadline of the one it raced with")
			require.Equal(t, 1, c.Len())
		})
	}
}

// TestTTLSetReplacesEntryWithoutDeadline: an entry that had no deadline is
// replaced, not changed in place, when a Set gives it one; it keeps its
// queue, its place in it, and its access count.
func TestTTLSetReplacesEntryWithoutDeadline(t *testing.T) {
	c, err := NewS3FIFO(Config[string, int]{Capacity: 8, Shards: 1})
	require.NoError(t, err)
	defer c.Close()
	for i := range 3 {
		c.Set(strconv.Itoa(i), i)
	}
	s, h := c.shard("1")
	old := s.find(h, "1")
	c.SetWithTTL("1", 10, time.Hour)
	e := s.find(h, "1")
	require.NotSame(t, old, e)
	require.NotZero(t, old.flags.Load()&gone)
	require.NotZero(t, e.deadline.Load())
	require.Equal(t, accessed, e.flags.Load())
	var order []string
	for x := s.small.back(); x != &s.small.root; x = x.prev {
		order = append(order, x.key)
	}
	require.Equal(t, []string{"0", "1", "2"}, order)
	v, ok := c.Get("1")
	require.True(t, ok)
	require.Equal(t, 10, v)
	// In place from then on: a deadline changes, or goes, on the same entry.
	c.SetWithTTL("1", 11, 2*time.Hour)
	require.Same(t, e, s.find(h, "1"))
	c.Set("1", 12)
	require.Same(t, e, s.find(h, "1"))
	require.Zero(t, e.deadline.Load())
}
