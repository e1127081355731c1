package shortener_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/shortener"
)

// TestServiceTierOutageOneCode: with the cache tier failing, 1000
// concurrent redirects of one code make one store read, not 1000.
func TestServiceTierOutageOneCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := newProbeStore(newStore(t, time.Now))
		tier := &probeTier{Tier: newLocalTier(t, 100)}
		s, err := shortener.NewService(st, shortener.ServiceConfig{Tier: tier})
		require.NoError(t, err)
		defer func() { require.NoError(t, s.Close(ctx)) }()
		l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/", Alias: "hot-link"})
		require.NoError(t, err)
		before := st.Gets(l.Code)

		tier.failGet.Store(true)
		st.gate = make(chan struct{})
		var served atomic.Int64
		var wg sync.WaitGroup
		for range 1000 {
			wg.Go(func() {
				got, err := s.Resolve(ctx, l.Code)
				if err != nil {
					t.Error(err)
					return
				}
				if got.URL == l.URL {
					served.Add(1)
				}
			})
		}
		synctest.Wait() // every caller is waiting on the one load
		close(st.gate)
		wg.Wait()
		assert.Equal(t, int64(1000), served.Load())
		assert.Equal(t, 1, st.Gets(l.Code)-before, "one store read for 1000 concurrent misses")
	})
}

// TestServiceTierOutageManyCodes: with the cache tier failing, 1000
// concurrent redirects of distinct codes send at most OutageLoads reads
// to the store at once; the rest are turned away with
// ErrCacheUnavailable instead of piling onto the database.
func TestServiceTierOutageManyCodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := newProbeStore(newStore(t, time.Now))
		tier := &probeTier{Tier: newLocalTier(t, 2000)}
		const outage = 3
		s, err := shortener.NewService(st, shortener.ServiceConfig{Tier: tier, OutageLoads: outage})
		require.NoError(t, err)
		defer func() { require.NoError(t, s.Close(ctx)) }()
		codes := make([]string, 1000)
		for i := range codes {
			l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/" + strconv.Itoa(i), Alias: "code-" + strconv.Itoa(i)})
			require.NoError(t, err)
			codes[i] = l.Code
		}

		tier.failGet.Store(true)
		st.gate = make(chan struct{})
		var served, refused atomic.Int64
		var wg sync.WaitGroup
		for _, c := range codes {
			wg.Go(func() {
				_, err := s.Resolve(ctx, c)
				switch {
				case err == nil:
					served.Add(1)
				case errors.Is(err, shortener.ErrCacheUnavailable) && errors.Is(err, cache.ErrOverloaded):
					refused.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		synctest.Wait()
		assert.Equal(t, int64(outage), st.inGet.Load(), "store reads in flight while the tier is down")
		close(st.gate)
		wg.Wait()
		assert.Equal(t, int64(outage), st.maxInGet.Load())
		assert.Equal(t, int64(outage), served.Load())
		assert.Equal(t, int64(1000-outage), refused.Load())

		tier.failGet.Store(false)
		for _, c := range codes {
			_, err := s.Resolve(ctx, c)
			require.NoError(t, err, "the tier is back")
		}
	})
}
