package rediscache_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
)

// wait receives from ch or fails the test after a generous bound; the
// bound is never what the test waits for.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// publish sends a raw message as a Bus does: on a Cluster through the
// master of the channel's slot, so that messages keep their order.
func publish(ctx context.Context, c redis.UniversalClient, channel, msg string) error {
	if cc, ok := c.(*redis.ClusterClient); ok {
		n, err := cc.MasterForKey(ctx, channel)
		if err != nil {
			return err
		}
		return n.Publish(ctx, channel, msg).Err()
	}
	return c.Publish(ctx, channel, msg).Err()
}

// observed returns TwoTier hooks that send what they see on channels.
func observed() (rediscache.TwoTierConfig[string], chan []string, chan rediscache.FlushReason) {
	inv := make(chan []string, 100)
	fl := make(chan rediscache.FlushReason, 100)
	return rediscache.TwoTierConfig[string]{
		OnInvalidate: func(keys []string) { inv <- keys },
		OnFlush:      func(r rediscache.FlushReason) { fl <- r },
	}, inv, fl
}

func value(t *testing.T, tier cache.Tier[string], key string) string {
	t.Helper()
	e, ok, err := tier.Get(context.Background(), key)
	require.NoError(t, err)
	require.True(t, ok, "key %q", key)
	return e.Value
}

// TestTwoInstancesStayCoherent: a write on one instance drops the other's
// local copy; an instance ignores its own messages.
func TestTwoInstancesStayCoherent(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c, prefix, another := e.open(t)
			cfgA, invA, _ := observed()
			cfgB, invB, _ := observed()
			a := newTwoTier(t, c, prefix, cfgA)
			b := newTwoTier(t, another(), prefix, cfgB)
			e1 := cache.Entry[string]{Value: "v1", Expires: time.Now().Add(time.Hour).UnixNano()}
			require.NoError(t, a.Set(ctx, "k", e1, time.Hour))
			assert.Equal(t, []string{"k"}, wait(t, invB, "B told of A's write"))
			assert.Equal(t, "v1", value(t, b, "k"), "B reads Redis and keeps a local copy")

			e2 := cache.Entry[string]{Value: "v2", Expires: time.Now().Add(time.Hour).UnixNano()}
			require.NoError(t, a.Set(ctx, "k", e2, time.Hour))
			assert.Equal(t, []string{"k"}, wait(t, invB, "B told of A's second write"))
			assert.Equal(t, "v2", value(t, b, "k"), "B's fresh local copy was dropped")

			require.NoError(t, b.Delete(ctx, "k"))
			assert.Equal(t, []string{"k"}, wait(t, invA, "A told of B's delete"))
			_, ok, err := a.Get(ctx, "k")
			require.NoError(t, err)
			assert.False(t, ok)
			select {
			case keys := <-invB:
				t.Fatalf("B was told of its own delete: %v", keys)
			default:
			}
		})
	}
}

// TestDroppedConnectionFlushes: while one instance is cut off, another's
// invalidation is lost to it (pub/sub keeps nothing), and its fresh local
// copy is stale; when go-redis reconnects and resubscribes, the Bus
// flushes the local layer (go-redis/cache #96: there the copy stayed).
func TestDroppedConnectionFlushes(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	p := newProxy(t, r.Addr())
	cut := redis.NewClient(&redis.Options{Addr: p.Addr()})
	t.Cleanup(func() { _ = cut.Close() })
	cfgB, invB, flB := observed()
	a := newTwoTier(t, r.Client, r.Prefix, rediscache.TwoTierConfig[string]{})
	b := newTwoTier(t, cut, r.Prefix, cfgB)

	e1 := cache.Entry[string]{Value: "v1", Expires: time.Now().Add(time.Hour).UnixNano()}
	require.NoError(t, a.Set(ctx, "k", e1, time.Hour))
	wait(t, invB, "B told of the first write")
	require.Equal(t, "v1", value(t, b, "k"))

	p.SetDown(true)
	e2 := cache.Entry[string]{Value: "v2", Expires: time.Now().Add(time.Hour).UnixNano()}
	require.NoError(t, a.Set(ctx, "k", e2, time.Hour))
	assert.Equal(t, "v1", value(t, b, "k"), "cut off, B serves its stale local copy")
	p.SetDown(false)

	assert.Equal(t, rediscache.Resubscribed, wait(t, flB, "B flushed on resubscribing"))
	assert.Equal(t, "v2", value(t, b, "k"), "after the flush, B reads Redis again")
	select {
	case keys := <-invB:
		t.Fatalf("the lost message arrived after all: %v", keys)
	default:
	}
}

// TestBusSequenceGapFlushes: a skipped sequence number from a sender
// means a lost message: the Bus asks for a flush; its own echo it
// ignores.
func TestBusSequenceGapFlushes(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c, prefix, _ := e.open(t)
			var mu sync.Mutex
			var events []string
			got := make(chan struct{}, 100)
			note := func(s string) {
				mu.Lock()
				events = append(events, s)
				mu.Unlock()
				got <- struct{}{}
			}
			ch := prefix + "bus"
			bus, err := rediscache.NewBus(c, ch, rediscache.BusConfig{
				OnInvalidate: func(keys []string) { note("invalidate " + keys[0]) },
				OnFlush:      func(r rediscache.FlushReason) { note("flush " + r.String()) },
				OnError:      func(err error) { note("error") },
			})
			require.NoError(t, err)
			defer func() { require.NoError(t, bus.Close(ctx)) }()
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			require.NoError(t, bus.Ready(rctx))

			require.NoError(t, bus.Publish(ctx, "mine")) // ignored: our echo
			for _, m := range []string{
				`{"i":"other","s":1,"k":["a"]}`,
				`{"i":"other","s":2,"k":["b"]}`,
				`{"i":"other","s":4,"k":["lost-one-before-me"]}`,
				`{"i":"other","s":5,"f":true}`,
				`not json`,
			} {
				require.NoError(t, publish(ctx, c, ch, m))
			}
			for range 5 {
				wait(t, got, "bus events")
			}
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"invalidate a", "invalidate b", "flush gap", "flush requested", "error"}, events)
		})
	}
}

// TestAfterClose: a closed TwoTier and Bus fail with ErrClosed or serve
// from Redis; nothing panics, and Close is idempotent.
func TestAfterClose(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	tt, err := rediscache.NewTwoTier[string](r.Client, r.Prefix, 100, rediscache.TwoTierConfig[string]{})
	require.NoError(t, err)
	require.NoError(t, tt.Ready(ctx))
	e := cache.Entry[string]{Value: "v", Expires: time.Now().Add(time.Hour).UnixNano()}
	require.NoError(t, tt.Set(ctx, "k", e, time.Hour))
	require.NoError(t, tt.Close(ctx))
	require.NoError(t, tt.Close(ctx), "idempotent")
	assert.ErrorIs(t, tt.Ready(ctx), rediscache.ErrClosed)
	assert.ErrorIs(t, tt.Set(ctx, "k", e, time.Hour), rediscache.ErrClosed, "the write reached Redis but could not be published")
	assert.ErrorIs(t, tt.Delete(ctx, "k"), rediscache.ErrClosed)
	_, ok, err := tt.Get(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.False(t, tt.Bus().Subscribed())
	assert.ErrorIs(t, tt.Bus().Publish(ctx, "k"), rediscache.ErrClosed)
}

// TestBusKeepsOrder: many messages from one sender arrive in order and
// with no gap, so no flush, on every engine: on a Cluster, PUBLISH would
// go to any node and messages published on different nodes could be
// reordered, which the receiver would take for lost messages.
func TestBusKeepsOrder(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c, prefix, another := e.open(t)
			got := make(chan string, 1000)
			flushes := make(chan rediscache.FlushReason, 1000)
			ch := prefix + "order"
			recv, err := rediscache.NewBus(another(), ch, rediscache.BusConfig{
				OnInvalidate: func(keys []string) { got <- keys[0] },
				OnFlush:      func(r rediscache.FlushReason) { flushes <- r },
			})
			require.NoError(t, err)
			defer func() { require.NoError(t, recv.Close(ctx)) }()
			send, err := rediscache.NewBus(c, ch, rediscache.BusConfig{})
			require.NoError(t, err)
			defer func() { require.NoError(t, send.Close(ctx)) }()
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			require.NoError(t, recv.Ready(rctx))
			const n = 300
			for i := range n {
				require.NoError(t, send.Publish(ctx, strconv.Itoa(i)))
			}
			for i := range n {
				require.Equal(t, strconv.Itoa(i), wait(t, got, "message "+strconv.Itoa(i)))
			}
			select {
			case r := <-flushes:
				t.Fatalf("flushed (%v) with nothing lost", r)
			default:
			}
		})
	}
}
