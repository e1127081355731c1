package shortener_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/shortener"
)

// benchCodes is the number of distinct links every Resolve benchmark reads.
const benchCodes = 10_000

// benchLinks stores benchCodes links through s and returns their codes.
func benchLinks(b *testing.B, s *shortener.Service) []string {
	b.Helper()
	codes := make([]string, benchCodes)
	for i := range codes {
		l, err := s.Shorten(context.Background(), shortener.ShortenRequest{
			URL: "https://example.com/page/" + strconv.Itoa(i), Alias: "bench-" + strconv.Itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
		codes[i] = l.Code
	}
	return codes
}

func benchService(b *testing.B, tier cache.Tier[shortener.Link], clicks shortener.ClickRecorder) *shortener.Service {
	b.Helper()
	s, err := shortener.NewService(newBenchStore(b), shortener.ServiceConfig{Tier: tier, CacheCapacity: 2 * benchCodes, Clicks: clicks})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// runResolve runs Resolve over codes serially and in parallel, after one
// pass that fills the cache.
func runResolve(b *testing.B, s *shortener.Service, codes []string) {
	ctx := context.Background()
	for _, c := range codes {
		if _, err := s.Resolve(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("mode=serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Resolve(ctx, codes[i%len(codes)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("mode=parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(time.Now().UnixNano())
			for pb.Next() {
				if _, err := s.Resolve(ctx, codes[uint(i)%uint(len(codes))]); err != nil {
					panic(err) // b.Fatal must not run on this goroutine
				}
				i++
			}
		})
	})
}

// noTier caches nothing: every Resolve reads the store.
type noTier struct{}

func (noTier) Get(context.Context, string) (cache.Entry[shortener.Link], bool, error) {
	return cache.Entry[shortener.Link]{}, false, nil
}
func (noTier) Reserve(context.Context, string) (cache.Lease, error) { return cache.Lease{}, nil }
func (noTier) Fill(context.Context, string, cache.Lease, cache.Entry[shortener.Link], time.Duration) (bool, error) {
	return false, nil
}
func (noTier) Set(context.Context, string, cache.Entry[shortener.Link], time.Duration) error {
	return nil
}
func (noTier) Delete(context.Context, ...string) error { return nil }

func BenchmarkResolve(b *testing.B) {
	b.Run("baseline=s3fifo-get", func(b *testing.B) {
		// The same entries the Service's local tier holds, read with a
		// bare Get: the cost the target compares with.
		m, err := cache.NewS3FIFO[string, cache.Entry[shortener.Link]](2*benchCodes, cache.Config[string, cache.Entry[shortener.Link]]{})
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		codes := make([]string, benchCodes)
		now := time.Now()
		for i := range codes {
			codes[i] = "bench-" + strconv.Itoa(i)
			l := shortener.Link{Code: codes[i], URL: "https://example.com/page/" + strconv.Itoa(i), CreatedAt: now}
			m.SetWithTTL(codes[i], cache.Entry[shortener.Link]{Value: l, Expires: now.Add(time.Hour).UnixNano()}, time.Hour)
		}
		b.Run("mode=serial", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := m.Get(codes[i%len(codes)]); !ok {
					b.Fatal("miss")
				}
				i++
			}
		})
		b.Run("mode=parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(time.Now().UnixNano())
				for pb.Next() {
					if _, ok := m.Get(codes[uint(i)%uint(len(codes))]); !ok {
						panic("miss")
					}
					i++
				}
			})
		})
	})
	b.Run("path=local-hit", func(b *testing.B) {
		// clicks=default is the Service as deployed; clicks=discard
		// leaves out the click counting, to show what it costs.
		b.Run("clicks=default", func(b *testing.B) {
			s := benchService(b, nil, nil)
			runResolve(b, s, benchLinks(b, s))
		})
		b.Run("clicks=discard", func(b *testing.B) {
			s := benchService(b, nil, discardClicks{})
			runResolve(b, s, benchLinks(b, s))
		})
	})
	b.Run("path=redis-hit", func(b *testing.B) {
		r := redistest.New(b)
		// A Redis tier with no local layer: every Resolve is a round trip.
		tier, err := rediscache.NewTier[shortener.Link](r.Client, r.Prefix, rediscache.TierConfig[shortener.Link]{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(r.Engine(), func(b *testing.B) {
			s := benchService(b, tier, nil)
			runResolve(b, s, benchLinks(b, s))
		})
	})
	b.Run("path=store", func(b *testing.B) {
		s := benchService(b, noTier{}, nil)
		runResolve(b, s, benchLinks(b, s))
	})
}

// discardClicks counts nothing.
type discardClicks struct{}

func (discardClicks) Record(string)        {}
func (discardClicks) Pending(string) int64 { return 0 }
