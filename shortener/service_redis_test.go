package shortener_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/shortener"
)

// instance is one API server: a Service over the shared store, with a
// two-tier cache on the shared Redis, and the invalidations its Bus
// delivered.
type instance struct {
	svc         *shortener.Service
	invalidated chan []string
}

func newInstance(t *testing.T, r *redistest.Server, st shortener.Store) *instance {
	t.Helper()
	in := &instance{invalidated: make(chan []string, 64)}
	tier, err := rediscache.NewTwoTier[shortener.Link](r.NewClient(), r.Prefix+"links:", 1000, rediscache.TwoTierConfig[shortener.Link]{
		OnInvalidate: func(keys []string) { in.invalidated <- keys },
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, tier.Ready(ctx))
	in.svc, err = shortener.NewService(st, shortener.ServiceConfig{Tier: tier})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, in.svc.Close(context.Background()))
		require.NoError(t, tier.Close(context.Background()))
	})
	return in
}

// heard waits until another instance's invalidation of code reached in's
// local layer.
func (in *instance) heard(t *testing.T, code string) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case keys := <-in.invalidated:
			if slices.Contains(keys, code) {
				return
			}
		case <-timeout.C:
			t.Fatalf("no invalidation of %q arrived", code)
		}
	}
}

// TestServicesShareRedis: two instances over one store and one Redis see
// each other's writes at their next Resolve after the invalidation
// arrives, including a create that follows a cached "unknown".
func TestServicesShareRedis(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	st := newProbeStore(newStore(t, time.Now))
	a, b := newInstance(t, r, st), newInstance(t, r, st)

	// B caches "unknown" for the code, locally and in Redis.
	for range 3 {
		_, err := b.svc.Resolve(ctx, "launch")
		require.ErrorIs(t, err, shortener.ErrNotFound)
	}
	require.Equal(t, 1, st.Gets("launch"), "B answers from its negative entry")

	l, err := a.svc.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/v1", Alias: "launch"})
	require.NoError(t, err)
	b.heard(t, l.Code)
	got, err := b.svc.Resolve(ctx, l.Code)
	require.NoError(t, err, "the create on A dropped B's negative entry")
	assert.Equal(t, "https://example.com/v1", got.URL)
	got, err = a.svc.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/v1", got.URL)
	gets := st.Gets(l.Code)
	for range 5 {
		_, err = b.svc.Resolve(ctx, l.Code)
		require.NoError(t, err)
	}
	assert.Equal(t, gets, st.Gets(l.Code), "B serves the link from its cache")

	// A link created on A resolves on B.
	other, err := a.svc.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/other"})
	require.NoError(t, err)
	got, err = b.svc.Resolve(ctx, other.Code)
	require.NoError(t, err)
	assert.Equal(t, other.URL, got.URL)

	v2 := "https://example.com/v2"
	_, err = a.svc.Patch(ctx, l.Code, shortener.Patch{URL: &v2})
	require.NoError(t, err)
	b.heard(t, l.Code)
	got, err = b.svc.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, v2, got.URL, "the patch on A reached B's cache")

	require.NoError(t, a.svc.Delete(ctx, l.Code))
	b.heard(t, l.Code)
	_, err = b.svc.Resolve(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrGone, "the delete on A reached B's cache")
	_, err = a.svc.Resolve(ctx, l.Code)
	require.ErrorIs(t, err, shortener.ErrGone)
}
