package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// firstLoadBlocks is a store whose first Load reads the value and then
// blocks until release is closed; later loads answer at once.
type firstLoadBlocks struct {
	*cache.MemoryStore[string]
	calls   atomic.Int64
	started chan struct{}
	release chan struct{}
}

func newFirstLoadBlocks() *firstLoadBlocks {
	return &firstLoadBlocks{MemoryStore: cache.NewMemoryStore[string](), started: make(chan struct{}), release: make(chan struct{})}
}

func (s *firstLoadBlocks) Load(ctx context.Context, key string) (string, error) {
	v, err := s.MemoryStore.Load(ctx, key)
	if s.calls.Add(1) == 1 {
		close(s.started)
		<-s.release
	}
	return v, err
}

// getAfter starts get on its own goroutine and reports whether it has
// returned once every goroutine of the bubble is blocked, and with what.
func getAfter(t *testing.T, get func() (string, cache.Result, error)) (string, cache.Result, error, bool) {
	t.Helper()
	type res struct {
		v   string
		r   cache.Result
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, r, err := get()
		ch <- res{v, r, err}
	}()
	synctest.Wait()
	select {
	case o := <-ch:
		return o.v, o.r, o.err, true
	default:
		return "", 0, nil, false
	}
}

// A Get that starts after an invalidation returned must not join a load
// that began before it: that load read the source of truth before the
// write, and its value, though not stored, would be returned.
func TestGetAfterInvalidationDoesNotJoinOlderLoad(t *testing.T) {
	ctx := context.Background()
	t.Run("read-through-invalidate", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := newFirstLoadBlocks()
			require.NoError(t, store.MemoryStore.Write(ctx, []cache.Item[string]{{Key: "k", Value: "old"}}))
			rt := newReadThrough(t, newLocal(t, 10), store.Load, time.Minute, cache.ReadThroughConfig{})
			first := make(chan string, 1)
			go func() { v, _, _ := rt.Get(ctx, "k"); first <- v }()
			<-store.started
			require.NoError(t, store.MemoryStore.Write(ctx, []cache.Item[string]{{Key: "k", Value: "new"}}))
			require.NoError(t, rt.Invalidate(ctx, "k"))
			v, res, err, done := getAfter(t, func() (string, cache.Result, error) { return rt.Get(ctx, "k") })
			close(store.release)
			require.True(t, done, "the Get after Invalidate waited for the load that started before it")
			require.NoError(t, err)
			assert.Equal(t, "new", v)
			assert.Equal(t, cache.Loaded, res)
			assert.Equal(t, "old", <-first)
		})
	})
	t.Run("write-through-delete", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := newFirstLoadBlocks()
			require.NoError(t, store.MemoryStore.Write(ctx, []cache.Item[string]{{Key: "k", Value: "old"}}))
			w, err := cache.NewWriteThrough[string](store, newLocal(t, 10), time.Minute, cache.ReadThroughConfig{})
			require.NoError(t, err)
			defer func() { require.NoError(t, w.Close(ctx)) }()
			first := make(chan string, 1)
			go func() { v, _, _ := w.Get(ctx, "k"); first <- v }()
			<-store.started
			require.NoError(t, w.Delete(ctx, "k"))
			v, res, err, done := getAfter(t, func() (string, cache.Result, error) { return w.Get(ctx, "k") })
			close(store.release)
			require.True(t, done, "the Get after Delete waited for the load that started before it")
			require.ErrorIs(t, err, cache.ErrNotFound)
			assert.Equal(t, cache.Negative, res)
			assert.Empty(t, v)
			assert.Equal(t, "old", <-first)
		})
	})
	t.Run("write-behind-delete", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := newFirstLoadBlocks()
			require.NoError(t, store.MemoryStore.Write(ctx, []cache.Item[string]{{Key: "k", Value: "old"}}))
			w, err := cache.NewWriteBehind[string](store, newLocal(t, 10), time.Minute, cache.WriteBehindConfig[string]{})
			require.NoError(t, err)
			defer func() { require.NoError(t, w.Close(ctx)) }()
			first := make(chan string, 1)
			go func() { v, _, _ := w.Get(ctx, "k"); first <- v }()
			<-store.started
			require.NoError(t, w.Delete(ctx, "k"))
			v, res, err, done := getAfter(t, func() (string, cache.Result, error) { return w.Get(ctx, "k") })
			close(store.release)
			require.True(t, done, "the Get after Delete waited for the load that started before it")
			require.ErrorIs(t, err, cache.ErrNotFound)
			assert.Equal(t, cache.Negative, res)
			assert.Empty(t, v)
			assert.Equal(t, "old", <-first)
		})
	})
}
