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

// TestServiceDefaultClicksFlush: the default click recorder writes to the
// store every second, and at once when 100 000 clicks are pending, without
// waiting for Close, in one AddClicks per flush.
func TestServiceDefaultClicksFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := &countingWriter{Store: newStore(t, time.Now)}
		s, err := shortener.NewService(st, shortener.ServiceConfig{})
		require.NoError(t, err)
		defer func() { require.NoError(t, s.Close(ctx)) }()
		a, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/a"})
		require.NoError(t, err)
		b, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/b"})
		require.NoError(t, err)
		for range 3 {
			_, err = s.Resolve(ctx, a.Code)
			require.NoError(t, err)
		}
		_, err = s.Resolve(ctx, b.Code)
		require.NoError(t, err)
		synctest.Wait()
		n, _ := st.Clicks(ctx, a.Code)
		require.Zero(t, n, "nothing written before the interval")
		stats, err := s.Stats(ctx, a.Code)
		require.NoError(t, err)
		assert.Equal(t, int64(3), stats.Clicks, "pending clicks count")

		time.Sleep(time.Second) // the bubble's clock: the flush interval passes
		synctest.Wait()
		n, _ = st.Clicks(ctx, a.Code)
		assert.Equal(t, int64(3), n)
		n, _ = st.Clicks(ctx, b.Code)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, int64(1), st.calls.Load(), "one AddClicks for both codes")
		stats, err = s.Stats(ctx, a.Code)
		require.NoError(t, err)
		assert.Equal(t, int64(3), stats.Clicks, "written clicks leave the pending count")

		for range 100_000 {
			_, err = s.Resolve(ctx, a.Code)
			require.NoError(t, err)
		}
		synctest.Wait() // no time passes: the pending limit flushed
		n, _ = st.Clicks(ctx, a.Code)
		assert.Equal(t, int64(100_003), n)
		assert.Equal(t, int64(2), st.calls.Load())
	})
}

// countingWriter counts AddClicks calls, and fails them while fail is set.
type countingWriter struct {
	shortener.Store
	calls atomic.Int64
	fail  atomic.Bool
}

func (c *countingWriter) AddClicks(ctx context.Context, counts map[string]int64) error {
	c.calls.Add(1)
	if c.fail.Load() {
		return errRefused
	}
	return c.Store.AddClicks(ctx, counts)
}

// TestServiceDefaultClicksSurviveAFailedFlush: clicks whose write failed
// stay pending and go out with the next flush.
func TestServiceDefaultClicksSurviveAFailedFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := &countingWriter{Store: newStore(t, time.Now)}
		s, err := shortener.NewService(st, shortener.ServiceConfig{})
		require.NoError(t, err)
		l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/a"})
		require.NoError(t, err)
		for range 5 {
			_, err = s.Resolve(ctx, l.Code)
			require.NoError(t, err)
		}
		st.fail.Store(true)
		time.Sleep(time.Second) // the bubble's clock: a flush that fails
		synctest.Wait()
		require.Equal(t, int64(1), st.calls.Load())
		stats, err := s.Stats(ctx, l.Code)
		require.NoError(t, err)
		assert.Equal(t, int64(5), stats.Clicks, "the failed batch is still pending")
		st.fail.Store(false)
		require.NoError(t, s.Close(ctx))
		n, err := st.Clicks(ctx, l.Code)
		require.NoError(t, err)
		assert.Equal(t, int64(5), n)
	})
}
