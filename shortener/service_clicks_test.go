package shortener_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/stretchr/testify/require"
)

// batchWriter records every batch the click recorder writes.
type batchWriter struct {
	shortener.Store
	mu      sync.Mutex
	batches []map[string]int64
}

func (w *batchWriter) AddClicks(ctx context.Context, counts map[string]int64) error {
	w.mu.Lock()
	w.batches = append(w.batches, maps.Clone(counts))
	w.mu.Unlock()
	return w.Store.AddClicks(ctx, counts)
}

// TestServiceClicksExactAcrossFlushes resolves 400 000 times from many
// goroutines, in phases that move from link to link, so that flushes
// (every 100 000 clicks) retire the counters of links gone quiet while
// other goroutines may be counting on them: after Close the store holds
// exactly the clicks served, and no flush wrote a link twice.
func TestServiceClicksExactAcrossFlushes(t *testing.T) {
	ctx := context.Background()
	w := &batchWriter{Store: newStore(t, time.Now)}
	s, err := shortener.NewService(w, shortener.ServiceConfig{})
	require.NoError(t, err)
	var codes []string
	for _, u := range []string{"https://example.com/a", "https://example.com/b", "https://example.com/c"} {
		l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: u})
		require.NoError(t, err)
		codes = append(codes, l.Code)
	}
	const goroutines, phases, perPhase = 8, 10, 5000 // 400 000 in all
	want := map[string]int64{}
	for p := range phases {
		want[codes[p%len(codes)]] += goroutines * perPhase
	}
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for p := range phases {
				for range perPhase {
					if _, err := s.Resolve(ctx, codes[p%len(codes)]); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.Close(ctx))
	for _, c := range codes {
		n, err := w.Clicks(ctx, c)
		require.NoError(t, err)
		require.Equal(t, want[c], n, "clicks of %s", c)
	}
	require.NotEmpty(t, w.batches)
	// A batch is a map, so it cannot name a link twice; check instead that
	// no batch wrote a zero count.
	for i, b := range w.batches {
		for c, n := range b {
			require.Positive(t, n, "batch %d wrote %d clicks for %s", i, n, c)
		}
	}
}
