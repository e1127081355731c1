package redisstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
)

// benchLinks is how many distinct links the get benchmarks read.
const benchLinks = 10_000

// BenchmarkStore measures Create (a fresh code each time: one script) and
// Get (of benchLinks links, round robin: one HMGET), beside the bare
// HMGET of the same keys through the same client, on the server of
// internal/redistest, serially and from parallel goroutines. The engine
// ends the name: miniredis figures measure its Lua interpreter, not a
// server.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	srv := redistest.New(b)
	s, err := redisstore.New(srv.Client, srv.Prefix, redisstore.Config{})
	if err != nil {
		b.Fatal(err)
	}
	created := time.Now().UTC()
	mk := func(code string) shortener.Link {
		return shortener.Link{Code: code, URL: "https://example.com/articles/" + code, CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour)}
	}
	codes := make([]string, benchLinks)
	for i := range codes {
		codes[i] = "g" + strconv.Itoa(i)
		if err := s.Create(ctx, mk(codes[i])); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	create := func() error { return s.Create(ctx, mk("c"+strconv.FormatInt(seq.Add(1), 36))) }
	var next atomic.Int64
	get := func() error {
		_, err := s.Get(ctx, codes[next.Add(1)%benchLinks])
		return err
	}
	// The baseline is the bare HMGET a Get sends for a live link: what
	// the store adds is its checks and decoding.
	keys := make([]string, benchLinks)
	for i, c := range codes {
		keys[i], _ = s.Keys(c)
	}
	var nextKey atomic.Int64
	hmget := func() error {
		return srv.Client.HMGet(ctx, keys[nextKey.Add(1)%benchLinks], "u", "c", "e").Err()
	}
	for _, op := range []struct {
		name string
		do   func() error
	}{{"create", create}, {"get", get}, {"get-baseline-hmget", hmget}} {
		b.Run("op="+op.name+"/mode=serial/"+srv.Engine(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := op.do(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("op="+op.name+"/mode=parallel/"+srv.Engine(), func(b *testing.B) {
			b.ReportAllocs()
			var failed atomic.Pointer[error]
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op.do(); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
				}
			})
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
		})
	}
}
