package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// BenchmarkStore measures create and get on each engine, over distinct
// codes: the SQL half of the guide's SQL-versus-NoSQL question (the Redis
// half is shortener/redisstore's BenchmarkStore).
func BenchmarkStore(b *testing.B) {
	for _, e := range engines {
		b.Run("op=create/engine="+e.name, func(b *testing.B) {
			s := benchStore(b, e)
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			var n atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l := shortener.Link{Code: fmt.Sprintf("b%d", n.Add(1)), URL: "https://example.com/a/page", CreatedAt: now}
					if err := s.Create(ctx, l); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("op=get/engine="+e.name, func(b *testing.B) {
			s := benchStore(b, e)
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			const keys = 10_000
			codes := make([]string, keys)
			for i := range codes {
				codes[i] = fmt.Sprintf("g%d", i)
				if err := s.Create(ctx, shortener.Link{Code: codes[i], URL: "https://example.com/a/page", CreatedAt: now}); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Get(ctx, codes[n.Add(1)%keys]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func benchStore(b *testing.B, e engine) *Store {
	s, err := Open(context.Background(), e.open(b), e.dialect, Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
