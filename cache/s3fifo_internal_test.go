package cache

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
			c, err := NewS3FIFO(1, Config[string, int]{})
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
	c, err := NewS3FIFO(8, Config[string, int]{Shards: 1})
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

// slotOrder returns the keys of s's index in slot order, the order in
// which Clear removes them.
func slotOrder[K comparable, V any](s *s3shard[K, V]) []K {
	var keys []K
	t := s.index.Load()
	for i := range t.slots {
		if e := t.slots[i].e.Load(); e != nil && e != s.tomb {
			keys = append(keys, e.key)
		}
	}
	return keys
}

// reportLog records OnEvict calls by key; it is safe for concurrent use.
type reportLog struct {
	mu    sync.Mutex
	byKey map[string][]int
}

func (l *reportLog) record(k string, v int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byKey == nil {
		l.byKey = make(map[string][]int)
	}
	l.byKey[k] = append(l.byKey[k], v)
}

func (l *reportLog) of(k string) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.byKey[k])
}

// TestClearRacingUnlockedSetReportsRemovedValue: Clear marks key k removed
// while a Set without the lock is about to store 3 into it, and Clear's
// OnEvict for an earlier key holds Clear up until that Set has returned.
// Whichever way the race is decided, OnEvict must report every value that
// left the cache exactly once, with that value, and never a value that is
// still cached: either 1 left with Clear and the Set's 3 stayed, or the
// Set came first, overwrote 1, and 3 left with Clear.
func TestClearRacingUnlockedSetReportsRemovedValue(t *testing.T) {
	var log reportLog
	var block atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	c, err := NewS3FIFO(8, Config[string, int]{Shards: 1,
		OnEvict: func(k string, v int, _ Reason) {
			if block.CompareAndSwap(true, false) {
				close(entered)
				<-release
			}
			log.record(k, v)
		}})
	require.NoError(t, err)
	defer c.Close()
	// Key k and another key that Clear reaches first, so that the other
	// key's OnEvict, blocked, holds Clear between marking k removed and
	// reporting it. A key in the index's first slot has none before it.
	k, other := "", ""
	for i := 0; other == "" && i < 1000; i++ {
		if k == "" {
			k = "k" + strconv.Itoa(i)
			c.Set(k, 1)
			if t := c.shards[0].index.Load(); t.slots[0].e.Load() != nil {
				c.Delete(k)
				k = ""
			}
			continue
		}
		name := "o" + strconv.Itoa(i)
		c.Set(name, 100)
		if slotOrder(&c.shards[0])[0] == name {
			other = name
		} else {
			c.Delete(name)
		}
	}
	require.NotEmpty(t, other, "no key that Clear reaches before another")
	log = reportLog{} // forget the setup's Deletes

	cleared := make(chan struct{})
	testHookUnlockedSet = func() {
		testHookUnlockedSet = nil
		block.Store(true)
		go func() {
			defer close(cleared)
			c.Clear()
		}()
		<-entered // Clear has marked every entry and reports the first
	}
	defer func() { testHookUnlockedSet = nil }()
	c.Set(k, 3)
	close(release)
	<-cleared

	v, cached := c.Get(k)
	if cached {
		require.Equal(t, 3, v)
		require.Equal(t, []int{1}, log.of(k), "Clear must report the value it removed, and only that")
	} else {
		require.Equal(t, []int{3}, log.of(k), "Clear must report the value it removed, and only that")
	}
	require.Equal(t, []int{100}, log.of(other))
	// The value still cached is reported, once, when it leaves.
	c.Clear()
	if cached {
		require.Equal(t, []int{1, 3}, log.of(k))
	} else {
		require.Equal(t, []int{3}, log.of(k))
	}
}

// TestRemovalWaitsForRegisteredSet: a Set without the lock has registered
// to store 3 into "k" when "k" is deleted, evicted or cleared. The Set came
// first, so it returns without starting again, 1 is overwritten, and the
// removal must report 3: it waits for the store it cannot see yet.
func TestRemovalWaitsForRegisteredSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		race func(c *S3FIFO[string, int])
	}{
		{"delete", func(c *S3FIFO[string, int]) { c.Delete("k") }},
		{"evict", func(c *S3FIFO[string, int]) { c.Set("x", 9) }},
		{"clear", func(c *S3FIFO[string, int]) { c.Clear() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log reportLog
			c, err := NewS3FIFO(1, Config[string, int]{Shards: 1,
				OnEvict: func(k string, v int, _ Reason) { log.record(k, v) }})
			require.NoError(t, err)
			defer c.Close()
			c.Set("k", 1)
			waiting, removed := make(chan struct{}), make(chan struct{})
			var once sync.Once
			testHookLeftValue = func() { once.Do(func() { close(waiting) }) }
			testHookUnlockedStore = func() {
				testHookUnlockedStore = nil
				go func() {
					defer close(removed)
					tc.race(c)
				}()
				// Until the removal waits for this store, or is
				// done without waiting for it.
				select {
				case <-waiting:
				case <-removed:
				}
			}
			defer func() { testHookUnlockedStore, testHookLeftValue = nil, nil }()
			c.Set("k", 3)
			<-removed
			require.Equal(t, []int{3}, log.of("k"), "the removal must report the value last stored")
			_, ok := c.Get("k")
			require.False(t, ok, "the Set took effect before the removal")
			select {
			case <-waiting:
			default:
				t.Fatal("the removal did not wait for the registered store")
			}
		})
	}
}
