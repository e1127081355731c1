package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
)

// TestServiceOverTheStore runs shortener.Service on this store: shorten,
// resolve, expire, and clicks counted through the Service's own click
// counter and written here on Close.
func TestServiceOverTheStore(t *testing.T) {
	ctx := context.Background()
	clk := newClock(t0)
	store := newStore(t, server(t), redisstore.Config{Now: clk.Now})
	svc, err := shortener.NewService(store, shortener.ServiceConfig{Now: clk.Now})
	require.NoError(t, err)

	l, err := svc.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/a", Alias: "svc-alias", ExpiresIn: time.Hour})
	require.NoError(t, err)
	gen, err := svc.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/b"})
	require.NoError(t, err)
	_, err = svc.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/c", Alias: "svc-alias"})
	assert.ErrorIs(t, err, shortener.ErrCodeTaken)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				_, err := svc.Resolve(ctx, gen.Code)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	got, err := svc.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/a", got.URL)

	clk.Advance(time.Hour)
	_, err = svc.Resolve(ctx, l.Code)
	assert.ErrorIs(t, err, shortener.ErrGone, "expired")
	_, err = svc.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/c", Alias: "svc-alias"})
	assert.ErrorIs(t, err, shortener.ErrCodeTaken, "an expired alias is not reissued")

	require.NoError(t, svc.Close(ctx))
	n, err := store.Clicks(ctx, gen.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(200), n, "every redirect counted, written on Close")

	// Clicks written before a delete stay on the tombstone.
	require.NoError(t, store.Delete(ctx, gen.Code))
	n, err = store.Clicks(ctx, gen.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(200), n)
}
