package cache_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/cache"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// store is the method set LRU and S3FIFO share; the suite below runs
// against both.
type store interface {
	Get(key string) (int, bool)
	Set(key string, value int)
	SetWithTTL(key string, value int, ttl time.Duration)
	Delete(key string) bool
	Clear()
	Len() int
	Stats() cache.Stats
	Close()
}

var (
	_ store = (*cache.LRU[string, int])(nil)
	_ store = (*cache.S3FIFO[string, int])(nil)
)

type impl struct {
	name string
	new  func(capacity int, cfg cache.Config[string, int]) (store, error)
}

var impls = []impl{
	{"lru", func(capacity int, cfg cache.Config[string, int]) (store, error) { return cache.NewLRU(capacity, cfg) }},
	{"s3fifo", func(capacity int, cfg cache.Config[string, int]) (store, error) {
		return cache.NewS3FIFO(capacity, cfg)
	}},
}

// forEach runs test against every implementation.
func forEach(t *testing.T, test func(t *testing.T, im impl)) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) { test(t, im) })
	}
}

func mustNew(t *testing.T, im impl, capacity int, cfg cache.Config[string, int]) store {
	t.Helper()
	c, err := im.new(capacity, cfg)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// evictLog records OnEvict calls; it is safe for concurrent use.
type evictLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *evictLog) record(k string, v int, r cache.Reason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf("%s=%d %v", k, v, r))
}

// since returns the calls after the first n.
func (l *evictLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls[n:])
}

func (l *evictLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func TestNewRejectsBadConfig(t *testing.T) {
	bad := []struct {
		capacity int
		cfg      cache.Config[string, int]
	}{
		{0, cache.Config[string, int]{}},
		{-1, cache.Config[string, int]{}},
		{cache.MaxCapacity + 1, cache.Config[string, int]{}},
		{1, cache.Config[string, int]{DefaultTTL: -time.Second}},
		{1, cache.Config[string, int]{SweepInterval: -time.Second}},
		{1, cache.Config[string, int]{Shards: -1}},
	}
	forEach(t, func(t *testing.T, im impl) {
		for _, b := range bad {
			c, err := im.new(b.capacity, b.cfg)
			require.Error(t, err, "%d %+v", b.capacity, b.cfg)
			assert.True(t, errors.Is(err, cache.ErrInvalidConfig), "%v", err)
			assert.Contains(t, err.Error(), "cache: ")
			assert.Nil(t, c)
		}
	})
}

func TestMaxCapacityWorks(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		c := mustNew(t, im, cache.MaxCapacity, cache.Config[string, int]{})
		for i := range 1000 {
			c.Set(fmt.Sprint(i), i)
		}
		assert.Equal(t, 1000, c.Len())
		v, ok := c.Get("999")
		assert.True(t, ok)
		assert.Equal(t, 999, v)
	})
}

func TestGetSetDelete(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		c := mustNew(t, im, 10, cache.Config[string, int]{RecordStats: true})
		_, ok := c.Get("a")
		assert.False(t, ok)

		c.Set("a", 1)
		c.Set("b", 2)
		c.Set("a", 3) // overwrite
		v, ok := c.Get("a")
		require.True(t, ok)
		assert.Equal(t, 3, v)
		assert.Equal(t, 2, c.Len())

		assert.True(t, c.Delete("a"))
		assert.False(t, c.Delete("a"))
		_, ok = c.Get("a")
		assert.False(t, ok)
		assert.Equal(t, 1, c.Len())

		c.Clear()
		assert.Equal(t, 0, c.Len())
		_, ok = c.Get("b")
		assert.False(t, ok)

		assert.Equal(t, cache.Stats{Hits: 1, Misses: 3}, c.Stats())
		assert.InDelta(t, 0.25, c.Stats().HitRatio(), 1e-9)
		assert.Zero(t, cache.Stats{}.HitRatio())
	})
}

func TestCapacityIsNeverExceeded(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		for _, capacity := range []int{1, 2, 7, 100, 1000} {
			var log evictLog
			c := mustNew(t, im, capacity, cache.Config[string, int]{OnEvict: log.record})
			const inserts = 2000
			for i := range inserts {
				c.Set(fmt.Sprint(i), i)
				require.LessOrEqual(t, c.Len(), capacity)
			}
			// A sharded cache may evict before it is full, never after.
			assert.Greater(t, c.Len(), 0)
			evicted := inserts - c.Len()
			assert.Equal(t, uint64(evicted), c.Stats().Evictions)
			calls := log.get()
			assert.Len(t, calls, evicted)
			for _, call := range calls {
				assert.Contains(t, call, " evicted")
			}
		}
	})
}

// TestEvictionOrder pins each policy's choice on a sequence where they
// differ.
func TestEvictionOrder(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		var log evictLog
		c := mustNew(t, im, 3, cache.Config[string, int]{Shards: 1, OnEvict: log.record})
		c.Set("a", 1)
		c.Set("b", 2)
		c.Set("c", 3)
		c.Get("a")
		c.Get("b")
		c.Get("b")
		c.Set("d", 4)
		c.Set("e", 5)
		want := map[string][]string{
			// Recency before d: b, a, c. Then d, b, a.
			"lru": {"c=3 evicted", "a=1 evicted"},
			// S3-FIFO moves every key read while in the small queue (a
			// and b) to the main queue and evicts the new keys never
			// read: c, then d.
			"s3fifo": {"c=3 evicted", "d=4 evicted"},
		}
		assert.Equal(t, want[im.name], log.get())
		_, ok := c.Get("b")
		assert.True(t, ok)
	})
}

func TestDeleteAndClearReportDeleted(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		var log evictLog
		c := mustNew(t, im, 10, cache.Config[string, int]{OnEvict: log.record})
		c.Set("a", 1)
		c.Set("b", 2)
		c.Set("c", 3)
		c.Delete("a")
		c.Clear()
		got := log.get()
		require.Len(t, got, 3)
		assert.Equal(t, "a=1 deleted", got[0])
		assert.ElementsMatch(t, []string{"b=2 deleted", "c=3 deleted"}, got[1:])
		assert.Equal(t, cache.Stats{}, c.Stats())
	})
}

func TestReasonString(t *testing.T) {
	assert.Equal(t, "evicted", cache.Evicted.String())
	assert.Equal(t, "expired", cache.Expired.String())
	assert.Equal(t, "deleted", cache.Deleted.String())
	assert.Equal(t, "Reason(9)", cache.Reason(9).String())
}

// TestOnEvictMayCallTheCache checks that OnEvict runs after the cache has
// released its locks: a callback that reads, writes and deletes in the same
// cache must not deadlock. A deadlock makes the work below never finish,
// which the select reports.
func TestOnEvictMayCallTheCache(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		var c store
		calls := 0
		var err error
		c, err = im.new(2, cache.Config[string, int]{
			Shards: 1,
			OnEvict: func(k string, v int, r cache.Reason) {
				calls++
				c.Get(k)
				c.Get("other")
				c.Delete("nothing")
				c.Len()
				c.Stats()
				if r == cache.Evicted && !strings.HasPrefix(k, "re-") {
					c.Set("re-"+k, v) // may evict again, recursively
				}
			},
		})
		require.NoError(t, err)
		defer c.Close()

		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range 20 {
				c.Set(fmt.Sprint(i), i)
			}
			c.Delete("19")
			c.SetWithTTL("x", 1, -1)
			c.Clear()
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("OnEvict calling the cache deadlocked")
		}
		assert.Greater(t, calls, 20)
		assert.Equal(t, 0, c.Len())
	})
}

func TestTTLExpiresLazilyOnRead(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			var log evictLog
			c := mustNew(t, im, 10, cache.Config[string, int]{OnEvict: log.record, SweepInterval: time.Hour})
			c.SetWithTTL("a", 1, time.Minute)
			c.SetWithTTL("b", 2, 2*time.Minute)
			c.Set("forever", 3)

			time.Sleep(time.Minute - time.Nanosecond)
			v, ok := c.Get("a")
			require.True(t, ok, "one nanosecond before its deadline")
			assert.Equal(t, 1, v)

			time.Sleep(time.Nanosecond)
			_, ok = c.Get("a")
			assert.False(t, ok, "at its deadline")
			assert.Equal(t, []string{"a=1 expired"}, log.get())
			assert.Equal(t, 2, c.Len())

			// Overwriting resets the deadline.
			c.SetWithTTL("b", 20, 2*time.Minute)
			time.Sleep(90 * time.Second)
			v, ok = c.Get("b")
			require.True(t, ok)
			assert.Equal(t, 20, v)

			time.Sleep(1000 * time.Hour)
			_, ok = c.Get("forever")
			assert.True(t, ok, "a TTL of zero never expires")

			synctest.Wait()
			// a was removed on read, b by the hourly sweep.
			assert.Equal(t, uint64(2), c.Stats().Expirations)
			assert.Equal(t, []string{"a=1 expired", "b=20 expired"}, log.get())
			c.Close()
		})
	})
}

func TestTTLZeroAndNegative(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			var log evictLog
			c := mustNew(t, im, 10, cache.Config[string, int]{OnEvict: log.record, DefaultTTL: time.Minute})

			// Set uses DefaultTTL.
			c.Set("d", 1)
			// Zero means no expiry, also over a DefaultTTL.
			c.SetWithTTL("z", 2, 0)
			// Negative stores nothing ...
			c.SetWithTTL("n", 3, -time.Second)
			_, ok := c.Get("n")
			assert.False(t, ok)
			// ... and removes what was there, as an expiry.
			c.SetWithTTL("z", 4, -1)
			_, ok = c.Get("z")
			assert.False(t, ok)
			assert.Equal(t, []string{"z=2 expired"}, log.get())
			c.SetWithTTL("z", 2, 0)

			time.Sleep(time.Minute)
			_, ok = c.Get("d")
			assert.False(t, ok, "Set applies DefaultTTL")
			_, ok = c.Get("z")
			assert.True(t, ok)
			assert.Equal(t, uint64(2), c.Stats().Expirations)
			c.Close()
		})
	})
}

// TestSweepRemovesExpiredEntries checks that expired entries nobody reads
// are removed by the background sweep, which starts with the first TTL and
// stops on Close.
func TestSweepRemovesExpiredEntries(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			var log evictLog
			c := mustNew(t, im, 5000, cache.Config[string, int]{OnEvict: log.record, SweepInterval: 10 * time.Second})
			c.Set("forever", 0)
			const n = 3000 // more than one sweep batch and shard limit
			for i := range n {
				c.SetWithTTL(fmt.Sprint(i), i, time.Duration(1+i%60)*time.Second)
			}
			time.Sleep(10 * time.Second)
			synctest.Wait()
			// Deadlines of 1s to 10s have passed at the first sweep.
			assert.Equal(t, n-n/6, c.Len()-1)

			time.Sleep(60 * time.Second)
			synctest.Wait()
			assert.Equal(t, 1, c.Len())
			assert.Len(t, log.get(), n)
			assert.Equal(t, uint64(n), c.Stats().Expirations)
			assert.Zero(t, c.Stats().Misses, "the sweep is not a read")

			c.Close()
			c.Close() // idempotent
			// After Close no sweep runs, and reads still expire lazily.
			c.SetWithTTL("late", 1, time.Second)
			time.Sleep(time.Minute)
			synctest.Wait()
			assert.Equal(t, 2, c.Len())
			_, ok := c.Get("late")
			assert.False(t, ok)
		})
	})
}

// TestNoSweepWithoutTTL checks that the background goroutine exists only
// once a TTL is used, and that Close stops it.
func TestNoSweepWithoutTTL(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		c, err := im.new(10, cache.Config[string, int]{})
		require.NoError(t, err)
		c.Set("a", 1)
		c.SetWithTTL("b", 1, 0)
		c.SetWithTTL("c", 1, -1)
		require.NoError(t, goleak.Find(), "no goroutine without TTLs")

		c.SetWithTTL("d", 1, time.Hour)
		require.Error(t, goleak.Find(), "a TTL starts the sweep")
		c.Close()
		require.NoError(t, goleak.Find(), "Close stops the sweep")
	})
}

func TestStatsCount(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			c := mustNew(t, im, 2, cache.Config[string, int]{Shards: 1, RecordStats: true})
			c.Set("a", 1)
			c.Get("a")
			c.Get("b")
			c.Set("b", 2)
			c.Set("c", 3) // evicts one
			c.SetWithTTL("c", 3, time.Second)
			time.Sleep(time.Second)
			c.Get("c") // expired: miss and expiration
			want := cache.Stats{Hits: 1, Misses: 2, Evictions: 1, Expirations: 1}
			assert.Equal(t, want, c.Stats())
			c.Close()
		})
	})
}

// TestStatsOffByDefault: without RecordStats, Gets are not counted, while
// evictions and expirations still are.
func TestStatsOffByDefault(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		c := mustNew(t, im, 1, cache.Config[string, int]{Shards: 1})
		c.Set("a", 1)
		c.Get("a")
		c.Get("b")
		c.Set("b", 2) // evicts a
		c.SetWithTTL("b", 2, -1)
		assert.Equal(t, cache.Stats{Evictions: 1, Expirations: 1}, c.Stats())
	})
}

// TestScanResistance fills a cache with keys read many times, then reads a
// long scan of keys once each. LRU loses every frequently read key to the
// scan; S3-FIFO keeps them in its main queue.
func TestScanResistance(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		const capacity = 1000
		c := mustNew(t, im, capacity, cache.Config[string, int]{})
		hot := capacity / 2
		for range 4 {
			for i := range hot {
				if _, ok := c.Get(fmt.Sprint("hot", i)); !ok {
					c.Set(fmt.Sprint("hot", i), i)
				}
			}
		}
		for i := range 10 * capacity {
			c.Set(fmt.Sprint("scan", i), i)
		}
		kept := 0
		for i := range hot {
			if _, ok := c.Get(fmt.Sprint("hot", i)); ok {
				kept++
			}
		}
		if im.name == "lru" {
			assert.Zero(t, kept)
		} else {
			assert.Equal(t, hot, kept)
		}
	})
}

// TestHugeTTLMeansForever: a time to live too large to add to the clock,
// up to math.MaxInt64, saturates instead of wrapping round to a deadline
// in the past, from SetWithTTL and from DefaultTTL, whenever it is set.
// The smallest one still expires on time.
func TestHugeTTLMeansForever(t *testing.T) {
	forEach(t, func(t *testing.T, im impl) {
		// On the real clock, some time has passed since the cache was made.
		c := mustNew(t, im, 10, cache.Config[string, int]{})
		c.SetWithTTL("max", 1, math.MaxInt64)
		_, ok := c.Get("max")
		assert.True(t, ok, "math.MaxInt64 on the real clock")
		c.Close()

		synctest.Test(t, func(t *testing.T) {
			var log evictLog
			c := mustNew(t, im, 10, cache.Config[string, int]{OnEvict: log.record, SweepInterval: time.Hour})
			d := mustNew(t, im, 10, cache.Config[string, int]{DefaultTTL: math.MaxInt64, SweepInterval: time.Hour})
			c.SetWithTTL("max", 1, math.MaxInt64)
			c.SetWithTTL("max-1", 2, math.MaxInt64-1)
			c.SetWithTTL("1ns", 3, time.Nanosecond)
			d.Set("default", 4)
			for _, k := range []string{"max", "max-1"} {
				_, ok := c.Get(k)
				assert.True(t, ok, "%s just after it was set", k)
			}
			_, ok := d.Get("default")
			assert.True(t, ok, "DefaultTTL math.MaxInt64 just after Set")

			time.Sleep(1000 * time.Hour)
			// Now + ttl is past math.MaxInt64 for these, set later.
			c.SetWithTTL("late", 5, math.MaxInt64-time.Hour)
			d.Set("default-late", 6)
			time.Sleep(1000 * time.Hour)
			for _, k := range []string{"max", "max-1", "late"} {
				_, ok := c.Get(k)
				assert.True(t, ok, "%s 2000 hours on", k)
			}
			for _, k := range []string{"default", "default-late"} {
				_, ok := d.Get(k)
				assert.True(t, ok, "%s 2000 hours on", k)
			}
			synctest.Wait() // let the sweep run
			assert.Equal(t, []string{"1ns=3 expired"}, log.get())
			assert.Equal(t, 3, c.Len())
			assert.Equal(t, 2, d.Len())
			c.Close()
			d.Close()
		})
	})
}
