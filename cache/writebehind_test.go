package cache_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// recordingStore records every batch written; while gate is not nil each
// Write waits for a receive from it, and while fail is set each Write
// fails.
type recordingStore struct {
	*cache.MemoryStore[string]
	mu      sync.Mutex
	batches [][]cache.Item[string]
	gate    chan struct{}
	entered chan struct{}
	fail    bool
}

func newRecordingStore() *recordingStore {
	return &recordingStore{MemoryStore: cache.NewMemoryStore[string](), entered: make(chan struct{}, 100)}
}

func (s *recordingStore) Write(ctx context.Context, items []cache.Item[string]) error {
	s.mu.Lock()
	gate, fail := s.gate, s.fail
	s.batches = append(s.batches, append([]cache.Item[string](nil), items...))
	s.mu.Unlock()
	select {
	case s.entered <- struct{}{}:
	default:
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return errDown
	}
	return s.MemoryStore.Write(ctx, items)
}

func (s *recordingStore) written() [][]cache.Item[string] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]cache.Item[string](nil), s.batches...)
}

func newWriteBehind(t *testing.T, store cache.Store[string], tier cache.Tier[string], cfg cache.WriteBehindConfig[string]) *cache.WriteBehind[string] {
	t.Helper()
	wb, err := cache.NewWriteBehind(store, tier, time.Hour, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wb.Close(context.Background()) })
	return wb
}

func item(k, v string) cache.Item[string] { return cache.Item[string]{Key: k, Value: v} }

func TestWriteBehindCoalescesAndFlushesAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		wb := newWriteBehind(t, store, newLocal(t, 100), cache.WriteBehindConfig[string]{FlushDelay: time.Second})
		for i := range 100 {
			require.NoError(t, wb.Set(ctx, "k", fmt.Sprint(i)))
		}
		require.NoError(t, wb.Set(ctx, "j", "x"))
		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		assert.Empty(t, store.written(), "nothing before the delay")
		assert.Equal(t, 2, wb.Pending())
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		assert.Equal(t, [][]cache.Item[string]{{item("k", "99"), item("j", "x")}}, store.written(),
			"one batch, the last value of k only")
		s := wb.Stats()
		assert.Equal(t, uint64(101), s.Writes)
		assert.Equal(t, uint64(99), s.Coalesced)
		assert.Equal(t, uint64(2), s.Rows)
		assert.Equal(t, 0, wb.Pending())
	})
}

func TestWriteBehindFlushesFullBatchesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		wb := newWriteBehind(t, store, newLocal(t, 100), cache.WriteBehindConfig[string]{BatchSize: 10, FlushDelay: time.Minute})
		for i := range 25 {
			require.NoError(t, wb.Set(ctx, fmt.Sprint(i), "v"))
		}
		synctest.Wait()
		b := store.written()
		require.Len(t, b, 2, "two full batches without waiting for the delay")
		assert.Len(t, b[0], 10)
		assert.Len(t, b[1], 10)
		assert.Equal(t, "0", b[0][0].Key, "oldest first")
		require.NoError(t, wb.Flush(ctx))
		b = store.written()
		require.Len(t, b, 3)
		assert.Len(t, b[2], 5)
	})
}

// TestWriteBehindKeepsPerKeyOrder: a write to a key whose batch is being
// written waits for the next batch, so the store sees v1 then v2.
func TestWriteBehindKeepsPerKeyOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		store.gate = make(chan struct{})
		tier := newLocal(t, 100)
		wb := newWriteBehind(t, store, tier, cache.WriteBehindConfig[string]{BatchSize: 1})
		t.Cleanup(func() { close(store.gate) }) // before Close, even when a check fails
		require.NoError(t, wb.Set(ctx, "k", "v1"))
		<-store.entered // v1 is being written
		require.NoError(t, tier.Delete(ctx, "k"))
		v, res, err := wb.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, cache.Loaded, res)
		assert.Equal(t, "v1", v, "the write in flight, not the store's nothing")
		require.NoError(t, wb.Set(ctx, "k", "v2"))
		v, res, err = wb.Get(ctx, "k")
		require.NoError(t, err, "reads don't wait for the store")
		assert.Equal(t, "v2", v)
		assert.Equal(t, cache.Hit, res)
		store.gate <- struct{}{}
		store.gate <- struct{}{}
		require.NoError(t, wb.Flush(ctx))
		assert.Equal(t, [][]cache.Item[string]{{item("k", "v1")}, {item("k", "v2")}}, store.written())
		got, err := store.Load(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v2", got)
	})
}

// TestWriteBehindReadersSeePendingWrites: with the tier's copy gone and
// the store not yet written, a read gets the queued value, not the
// store's old one.
func TestWriteBehindReadersSeePendingWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		require.NoError(t, store.MemoryStore.Write(ctx, []cache.Item[string]{item("k", "old")}))
		tier := newLocal(t, 100)
		wb := newWriteBehind(t, store, tier, cache.WriteBehindConfig[string]{FlushDelay: time.Minute})
		require.NoError(t, wb.Set(ctx, "k", "new"))
		require.NoError(t, wb.Delete(ctx, "gone"))
		require.NoError(t, tier.Delete(ctx, "k")) // evicted, say
		v, res, err := wb.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "new", v)
		assert.Equal(t, cache.Loaded, res)
		_, res, err = wb.Get(ctx, "gone")
		require.ErrorIs(t, err, cache.ErrNotFound)
		assert.Equal(t, cache.Negative, res)
		assert.Equal(t, uint64(0), store.Stats().Loads, "the store was not read")
	})
}

func TestWriteBehindQueueFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		store.gate = make(chan struct{})
		wb := newWriteBehind(t, store, newLocal(t, 100), cache.WriteBehindConfig[string]{MaxPending: 2, BatchSize: 2, FlushDelay: time.Minute})
		require.NoError(t, wb.Set(ctx, "a", "1"))
		require.NoError(t, wb.Set(ctx, "b", "1"))
		<-store.entered // a and b are being written: the queue is empty again
		require.NoError(t, wb.Set(ctx, "c", "1"))
		require.NoError(t, wb.TrySet(ctx, "d", "1"))
		err := wb.TrySet(ctx, "e", "1")
		require.ErrorIs(t, err, cache.ErrQueueFull)
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		require.ErrorIs(t, wb.Set(short, "e", "1"), context.DeadlineExceeded)

		done := make(chan error)
		go func() { done <- wb.Set(ctx, "e", "1") }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Set returned with the queue full: %v", err)
		default:
		}
		store.gate <- struct{}{} // a, b written; c, d taken: room
		require.NoError(t, <-done)
		close(store.gate)
		require.NoError(t, wb.Flush(ctx))
		assert.Equal(t, 5, store.Len())
	})
}

func TestWriteBehindRetriesThenDeadLetters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		store.fail = true
		tier := newLocal(t, 100)
		var dead [][]cache.Item[string]
		var deadErr error
		wb := newWriteBehind(t, store, tier, cache.WriteBehindConfig[string]{
			FlushDelay: time.Second, MaxAttempts: 3, RetryBase: time.Second, RetryMax: time.Minute,
			DeadLetter: func(items []cache.Item[string], err error) { dead = append(dead, items); deadErr = err },
		})
		require.NoError(t, wb.Set(ctx, "k", "v"))
		start := time.Now()
		err := wb.Flush(ctx)
		require.ErrorIs(t, err, cache.ErrDeadLetter)
		elapsed := time.Since(start)
		assert.Len(t, store.written(), 3, "three attempts")
		assert.Less(t, elapsed, 3*time.Second, "full jitter: below 1s + 2s of ceilings")
		require.Equal(t, [][]cache.Item[string]{{item("k", "v")}}, dead)
		require.ErrorIs(t, deadErr, cache.ErrStore)
		require.ErrorIs(t, deadErr, errDown)
		s := wb.Stats()
		assert.Equal(t, uint64(2), s.Retries)
		assert.Equal(t, uint64(1), s.DeadLettered)
		_, ok, _ := tier.Get(ctx, "k")
		assert.False(t, ok, "the tier does not keep a value the store never got")
	})
}

func TestWriteBehindClose(t *testing.T) {
	t.Run("writes-everything", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			store := newRecordingStore()
			wb, err := cache.NewWriteBehind[string](store, newLocal(t, 100), time.Hour, cache.WriteBehindConfig[string]{FlushDelay: time.Hour})
			require.NoError(t, err)
			for i := range 250 {
				require.NoError(t, wb.Set(ctx, fmt.Sprint(i), "v"))
			}
			require.NoError(t, wb.Close(ctx))
			assert.Equal(t, 250, store.Len())
			require.NoError(t, wb.Close(ctx), "idempotent")
			require.ErrorIs(t, wb.Set(ctx, "x", "v"), cache.ErrClosed)
			require.ErrorIs(t, wb.Flush(ctx), nil)
		})
	})
	t.Run("context-ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			store := newRecordingStore()
			store.gate = make(chan struct{}) // never opened: the store hangs
			var dead []cache.Item[string]
			wb, err := cache.NewWriteBehind[string](store, newLocal(t, 100), time.Hour, cache.WriteBehindConfig[string]{
				BatchSize: 2, DeadLetter: func(items []cache.Item[string], _ error) { dead = append(dead, items...) },
			})
			require.NoError(t, err)
			for i := range 5 {
				require.NoError(t, wb.Set(ctx, fmt.Sprint(i), "v"))
			}
			short, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			require.ErrorIs(t, wb.Close(short), context.DeadlineExceeded)
			assert.Len(t, dead, 5, "every write not stored went to DeadLetter")
			assert.Equal(t, 0, wb.Pending())
		})
	})
	t.Run("blocked-set-fails", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			store := newRecordingStore()
			store.gate = make(chan struct{})
			wb, err := cache.NewWriteBehind[string](store, newLocal(t, 100), time.Hour, cache.WriteBehindConfig[string]{MaxPending: 1, BatchSize: 1})
			require.NoError(t, err)
			require.NoError(t, wb.Set(ctx, "a", "v"))
			<-store.entered
			require.NoError(t, wb.Set(ctx, "b", "v"))
			blocked := make(chan error)
			go func() { blocked <- wb.Set(ctx, "c", "v") }()
			synctest.Wait()
			closed := make(chan error)
			go func() { closed <- wb.Close(ctx) }()
			require.ErrorIs(t, <-blocked, cache.ErrClosed)
			close(store.gate)
			require.NoError(t, <-closed)
			assert.Equal(t, 2, store.Len())
		})
	})
}

// TestWriteBehindHammer: many goroutines, each writing its own keys in
// order; after Close the store holds each key's last value.
func TestWriteBehindHammer(t *testing.T) {
	ctx := context.Background()
	store := cache.NewMemoryStore[string]()
	wb, err := cache.NewWriteBehind[string](store, newLocal(t, 1000), time.Hour,
		cache.WriteBehindConfig[string]{MaxPending: 64, BatchSize: 16, FlushDelay: time.Millisecond})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := fmt.Sprintf("g%d:k%d", g, i%20)
				assert.NoError(t, wb.Set(ctx, k, fmt.Sprint(i)))
				if i%7 == 0 {
					v, _, err := wb.Get(ctx, k)
					assert.NoError(t, err)
					assert.Equal(t, fmt.Sprint(i), v, "a reader sees its own write")
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, wb.Close(ctx))
	for g := range 8 {
		for k := range 20 {
			v, err := store.Load(ctx, fmt.Sprintf("g%d:k%d", g, k))
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprint(480+k), v)
		}
	}
}

// A read while a batch is being dead-lettered (here, from DeadLetter
// itself, which runs after the tier entry was deleted) must not load the
// dead value from the batch and cache it: the store never got it.
func TestWriteBehindReadDuringDeadLetterDoesNotCacheTheDeadValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newRecordingStore()
		store.fail = true
		tier := newLocal(t, 100)
		var during []string
		var wb *cache.WriteBehind[string]
		wb = newWriteBehind(t, store, tier, cache.WriteBehindConfig[string]{
			MaxAttempts: 1,
			DeadLetter: func([]cache.Item[string], error) {
				v, res, err := wb.Get(ctx, "k")
				during = append(during, fmt.Sprintf("%q %v %v", v, res, err))
			},
		})
		require.NoError(t, wb.Set(ctx, "k", "v"))
		require.ErrorIs(t, wb.Flush(ctx), cache.ErrDeadLetter)
		require.Len(t, during, 1)
		assert.NotContains(t, during[0], `"v"`, "a read during the dead-lettering got the dead value")
		e, ok, _ := tier.Get(ctx, "k")
		assert.True(t, !ok || e.NotFound, "the tier keeps %q, a value the store never got", e.Value)
		_, res, err := wb.Get(ctx, "k")
		require.ErrorIs(t, err, cache.ErrNotFound)
		assert.Equal(t, cache.Negative, res)
	})
}
