package cachestrategy

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	rediscachepeer "github.com/go-redis/cache/v9"
	"github.com/maypok86/otter/v2"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/cache/workload"
	"github.com/backendkit/backendkit/internal/redistest"
)

const (
	keys     = 16_384
	capacity = 32_768
	ttl      = time.Hour
)

func trace(b *testing.B) []string {
	b.Helper()
	ids, err := workload.ZipfKeys(keys, 0.99, 1<<16, 2)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "key:" + strconv.FormatUint(id, 10)
	}
	return out
}

// approach is one cache's Get on a warmed cache; calls counts its loads.
type approach struct {
	name string
	get  func(b *testing.B, calls *atomic.Int64) func(key string)
}

func loader(calls *atomic.Int64) func(context.Context, string) (string, error) {
	return func(_ context.Context, k string) (string, error) {
		calls.Add(1)
		return k, nil
	}
}

func warm(b *testing.B, get func(string)) {
	for i := range keys {
		get("key:" + strconv.Itoa(i))
	}
}

func approaches(b *testing.B) []approach {
	ctx := context.Background()
	r := redistest.New(b)
	return []approach{
		{"backendkit-read-through", func(b *testing.B, calls *atomic.Int64) func(string) {
			m, err := cache.NewS3FIFO[string, cache.Entry[string]](capacity, cache.Config[string, cache.Entry[string]]{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(m.Close)
			tier, err := cache.NewLocal[string](m)
			if err != nil {
				b.Fatal(err)
			}
			rt, err := cache.NewReadThrough[string](tier, loader(calls), ttl, cache.ReadThroughConfig{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = rt.Close(ctx) })
			return func(k string) {
				if _, _, err := rt.Get(ctx, k); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"backendkit-s3fifo", func(b *testing.B, calls *atomic.Int64) func(string) {
			c, err := cache.NewS3FIFO[string, string](capacity, cache.Config[string, string]{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(c.Close)
			return func(k string) {
				if _, ok := c.Get(k); !ok {
					calls.Add(1)
					c.SetWithTTL(k, k, ttl)
				}
			}
		}},
		{"otter", func(b *testing.B, calls *atomic.Int64) func(string) {
			c := otter.Must(&otter.Options[string, string]{
				MaximumSize:      capacity,
				ExpiryCalculator: otter.ExpiryWriting[string, string](ttl),
			})
			l := otter.LoaderFunc[string, string](loader(calls))
			return func(k string) {
				if _, err := c.Get(ctx, k, l); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"backendkit-two-tier/" + r.Engine(), func(b *testing.B, calls *atomic.Int64) func(string) {
			tt, err := rediscache.NewTwoTier[string](r.Client, r.Key("bk:"), capacity, rediscache.TwoTierConfig[string]{LocalTTL: ttl})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = tt.Close(ctx) })
			if err := tt.Ready(ctx); err != nil {
				b.Fatal(err)
			}
			rt, err := cache.NewReadThrough[string](tt, loader(calls), ttl, cache.ReadThroughConfig{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = rt.Close(ctx) })
			return func(k string) {
				if _, _, err := rt.Get(ctx, k); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"go-redis-cache/" + r.Engine(), func(b *testing.B, calls *atomic.Int64) func(string) {
			c := rediscachepeer.New(&rediscachepeer.Options{
				Redis:      r.Client,
				LocalCache: rediscachepeer.NewTinyLFU(capacity, ttl),
			})
			return func(k string) {
				var v string
				err := c.Once(&rediscachepeer.Item{
					Ctx: ctx, Key: r.Key("gr:" + k), Value: &v, TTL: ttl,
					Do: func(*rediscachepeer.Item) (any, error) { return loader(calls)(ctx, k) },
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}},
	}
}

// BenchmarkHit measures a hit: each cache is warmed with every key first.
func BenchmarkHit(b *testing.B) {
	tr := trace(b)
	for _, a := range approaches(b) {
		b.Run(a.name, func(b *testing.B) {
			var calls atomic.Int64
			get := a.get(b, &calls)
			warm(b, get)
			calls.Store(0)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				get(tr[i&(len(tr)-1)])
				i++
			}
			b.ReportMetric(float64(calls.Load())/float64(b.N), "loader-calls/op")
		})
	}
}

// BenchmarkHitParallel is BenchmarkHit from GOMAXPROCS goroutines.
func BenchmarkHitParallel(b *testing.B) {
	tr := trace(b)
	for _, a := range approaches(b) {
		b.Run(a.name, func(b *testing.B) {
			var calls atomic.Int64
			get := a.get(b, &calls)
			warm(b, get)
			calls.Store(0)
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := next.Add(1) * 7919
				for pb.Next() {
					get(tr[i&uint64(len(tr)-1)])
					i++
				}
			})
			b.ReportMetric(float64(calls.Load())/float64(b.N), "loader-calls/op")
		})
	}
}
