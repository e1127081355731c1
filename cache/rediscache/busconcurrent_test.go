package rediscache_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
)

// TestBusConcurrentPublishesKeepOrder: two Publish calls of one Bus at
// once. The first has taken sequence number 1 and is held before it
// sends; the second must not overtake it, or every receiver reads the
// overtaking as a lost message and flushes its local tier: under
// concurrent writes, a flush storm.
func TestBusConcurrentPublishesKeepOrder(t *testing.T) {
	ctx := context.Background()
	r := redistest.NewMiniredis(t)
	got := make(chan string, 10)
	flushes := make(chan rediscache.FlushReason, 10)
	ch := r.Prefix + "concurrent"
	recv, err := rediscache.NewBus(r.NewClient(), ch, rediscache.BusConfig{
		OnInvalidate: func(keys []string) { got <- keys[0] },
		OnFlush:      func(fr rediscache.FlushReason) { flushes <- fr },
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, recv.Close(ctx)) }()
	send, err := rediscache.NewBus(r.Client, ch, rediscache.BusConfig{})
	require.NoError(t, err)
	defer func() { require.NoError(t, send.Close(ctx)) }()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, recv.Ready(rctx))

	held, release := make(chan struct{}), make(chan struct{})
	second := make(chan struct{}, 1)
	defer rediscache.SetTestHookPublish(func(seq uint64) {
		switch seq {
		case 1:
			close(held)
			<-release
		case 2:
			second <- struct{}{}
		}
	})()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); assert.NoError(t, send.Publish(ctx, "first")) }()
	<-held
	go func() { defer wg.Done(); assert.NoError(t, send.Publish(ctx, "second")) }()
	// The second Publish must wait for the first; if it does not, it
	// takes number 2 and reaches the hook at once. The bound only limits
	// how long the test looks for that.
	select {
	case <-second:
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	assert.Equal(t, "first", wait(t, got, "the first message"))
	assert.Equal(t, "second", wait(t, got, "the second message"))
	select {
	case fr := <-flushes:
		t.Fatalf("flushed (%v) with nothing lost", fr)
	default:
	}
}
