package cache

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sweptCache is what the sweep tests need of either cache.
type sweptCache interface {
	Get(key string) (int, bool)
	SetWithTTL(key string, value int, ttl time.Duration)
	Len() int
	Close()
}

var sweptCaches = []struct {
	name string
	new  func(int, Config[string, int]) (sweptCache, error)
}{
	{"lru", func(n int, cfg Config[string, int]) (sweptCache, error) { return NewLRU(n, cfg) }},
	{"s3fifo", func(n int, cfg Config[string, int]) (sweptCache, error) { return NewS3FIFO(n, cfg) }},
}

// TestCloseFromOnEvictOnTheSweep: an OnEvict that closes the cache while
// the sweep reports an expiry must not wait for the goroutine it runs on.
// The sweep finishes reporting the batch it removed, then stops; expired
// entries it had not reached are left for reads to remove.
func TestCloseFromOnEvictOnTheSweep(t *testing.T) {
	for _, sc := range sweptCaches {
		t.Run(sc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var c sweptCache
				var reported, closedBySweep atomic.Int64
				var err error
				c, err = sc.new(1000, Config[string, int]{Shards: 1, SweepInterval: time.Second,
					OnEvict: func(string, int, Reason) {
						if reported.Add(1) == 1 {
							c.Close()
							closedBySweep.Add(1)
						}
					}})
				require.NoError(t, err)
				const n = 3 * sweepBatch
				for i := range n {
					c.SetWithTTL(strconv.Itoa(i), i, time.Second)
				}
				time.Sleep(time.Second)
				synctest.Wait()
				require.Equal(t, int64(1), closedBySweep.Load(), "Close called by OnEvict on the sweep returned")
				assert.Equal(t, int64(sweepBatch), reported.Load(), "the sweep reports the batch it removed, then stops")
				assert.Equal(t, n-sweepBatch, c.Len())

				time.Sleep(time.Hour)
				synctest.Wait()
				assert.Equal(t, int64(sweepBatch), reported.Load(), "no sweep after Close")
				c.Close() // returns: the sweep has exited
				for i := range n {
					_, ok := c.Get(strconv.Itoa(i))
					require.False(t, ok)
				}
				assert.Equal(t, int64(n), reported.Load())
				assert.Zero(t, c.Len())
			})
		})
	}
}

// TestCloseWaitsForTheSweep: Close called by other goroutines while the
// sweep runs OnEvict waits until the sweep has returned, every Close, not
// only the first.
func TestCloseWaitsForTheSweep(t *testing.T) {
	for _, sc := range sweptCaches {
		t.Run(sc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				var once sync.Once
				c, err := sc.new(10, Config[string, int]{SweepInterval: time.Second,
					OnEvict: func(string, int, Reason) { once.Do(func() { <-release }) }})
				require.NoError(t, err)
				c.SetWithTTL("a", 1, time.Second)
				time.Sleep(time.Second)
				synctest.Wait() // the sweep is blocked in OnEvict
				var closed atomic.Int64
				var wg sync.WaitGroup
				for range 2 {
					wg.Go(func() {
						c.Close()
						closed.Add(1)
					})
				}
				synctest.Wait()
				assert.Zero(t, closed.Load(), "a Close returned while the sweep was running")
				close(release)
				wg.Wait()
				assert.Equal(t, int64(2), closed.Load())
			})
		})
	}
}

// TestCloseWaitsForOneBatchAtMost: a Close from another goroutine while
// the sweep is reporting waits for the rest of that batch's OnEvict calls,
// and no more, however many expired entries are left.
func TestCloseWaitsForOneBatchAtMost(t *testing.T) {
	for _, sc := range sweptCaches {
		t.Run(sc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				var reported atomic.Int64
				c, err := sc.new(1000, Config[string, int]{Shards: 1, SweepInterval: time.Second,
					OnEvict: func(string, int, Reason) {
						if reported.Add(1) == 1 {
							<-release
						}
					}})
				require.NoError(t, err)
				const n = 3 * sweepBatch
				for i := range n {
					c.SetWithTTL(strconv.Itoa(i), i, time.Second)
				}
				time.Sleep(time.Second)
				synctest.Wait() // the sweep is blocked in its first OnEvict
				closed := make(chan struct{})
				go func() {
					c.Close()
					close(closed)
				}()
				synctest.Wait()
				select {
				case <-closed:
					t.Fatal("Close returned while the sweep was in OnEvict")
				default:
				}
				close(release)
				<-closed
				assert.Equal(t, int64(sweepBatch), reported.Load(), "Close waited for the batch in progress only")
				assert.Equal(t, n-sweepBatch, c.Len())
			})
		})
	}
}

func TestGoroutineID(t *testing.T) {
	id := goroutineID()
	require.NotZero(t, id)
	assert.Equal(t, id, goroutineID(), "the same goroutine")
	other := make(chan uint64)
	go func() { other <- goroutineID() }()
	o := <-other
	assert.NotZero(t, o)
	assert.NotEqual(t, id, o, "another goroutine")
}
