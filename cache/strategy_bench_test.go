package cache_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/workload"
)

// zipfKeys returns count Zipf(0.99) keys over n distinct ones, as strings.
func zipfKeys(tb testing.TB, n, count int, seed uint64) []string {
	tb.Helper()
	ids, err := workload.ZipfKeys(n, 0.99, count, seed)
	if err != nil {
		tb.Fatal(err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = "key:" + strconv.FormatUint(id, 10)
	}
	return keys
}

func newS3Tier(tb testing.TB, capacity int) *cache.Local[string] {
	tb.Helper()
	m, err := cache.NewS3FIFO[string, cache.Entry[string]](capacity, cache.Config[string, cache.Entry[string]]{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Close)
	l, err := cache.NewLocal[string](m)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// BenchmarkReadThroughStampede: 64 goroutines read Zipf(0.99) keys over
// 1,000 keys, all of which fit in the cache, whose entries live 10 ms
// (plus jitter), with a loader that takes 1 ms: hot keys expire while
// dozens of goroutines read them. read-through joins the misses of a key
// into one load; cache-aside, the same steps in the caller with no
// joining, loads once per caller that misses. loader-calls/op and
// loader-calls/s (the load on the source of truth) are the figures to
// compare; run it for a fixed time (-benchtime 2s), since the loads per op
// depend on how many ops fit in a TTL.
func BenchmarkReadThroughStampede(b *testing.B) {
	const keys, capacity, ttl = 1_000, 2_000, 10 * time.Millisecond
	trace := zipfKeys(b, keys, 1<<16, 1)
	ctx := context.Background()
	run := func(b *testing.B, get func(key string) error, calls *atomic.Int64) {
		var next atomic.Uint64
		b.SetParallelism(32) // 64 goroutines on 2 cores
		b.ReportAllocs()
		calls.Store(0)
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := next.Add(1) * 7919
			for pb.Next() {
				i++
				if err := get(trace[i%uint64(len(trace))]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(calls.Load())/float64(b.N), "loader-calls/op")
		b.ReportMetric(float64(calls.Load())/time.Since(start).Seconds(), "loader-calls/s")
	}
	load := func(calls *atomic.Int64) cache.Loader[string] {
		return func(_ context.Context, k string) (string, error) {
			calls.Add(1)
			time.Sleep(time.Millisecond)
			return k, nil
		}
	}
	b.Run("read-through", func(b *testing.B) {
		var calls atomic.Int64
		rt, err := cache.NewReadThrough(newS3Tier(b, capacity), load(&calls), ttl, cache.ReadThroughConfig{})
		if err != nil {
			b.Fatal(err)
		}
		defer rt.Close(ctx)
		run(b, func(k string) error { _, _, err := rt.Get(ctx, k); return err }, &calls)
	})
	b.Run("cache-aside", func(b *testing.B) {
		var calls atomic.Int64
		a, err := cache.NewAside(newS3Tier(b, capacity), ttl, cache.AsideConfig{})
		if err != nil {
			b.Fatal(err)
		}
		l := load(&calls)
		run(b, func(k string) error {
			_, ok, lease, err := a.Get(ctx, k)
			if ok || err != nil {
				return err
			}
			v, err := l(ctx, k)
			if err != nil {
				return err
			}
			_, err = a.Fill(ctx, k, lease, v)
			return err
		}, &calls)
	})
}

// hitKeys is the hit benchmarks' workload: Zipf(0.99) over 16,384 keys,
// every one of them cached (capacity 32,768) with a one-hour TTL.
const hitKeys, hitCapacity, hitTTL = 16_384, 32_768, time.Hour

// link has the shape of the URL shortener's Link, the value its redirects
// read through the cache on every request: two strings and two instants.
type link struct {
	Code, URL            string
	CreatedAt, ExpiresAt time.Time
}

func newLink(k string) link {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return link{Code: k, URL: "https://example.com/" + k, CreatedAt: t, ExpiresAt: t.Add(365 * 24 * time.Hour)}
}

// hitCase is a hit benchmark's approach over one value type: get reports
// whether it hit.
type hitCase struct {
	name string
	make func(b *testing.B) (get func(key string) bool)
}

// hitCases returns the approaches of the hit benchmarks for values of
// type V made by mk: a read-through Get and a bare S3FIFO Get holding the
// same entries with the same TTL.
func hitCases[V any](value string, mk func(string) V) []hitCase {
	ctx := context.Background()
	return []hitCase{
		{"read-through/value=" + value, func(b *testing.B) func(string) bool {
			rt := warmReadThrough(b, mk)
			return func(k string) bool { _, res, _ := rt.Get(ctx, k); return res == cache.Hit }
		}},
		{"s3fifo/value=" + value, func(b *testing.B) func(string) bool {
			c := warmS3FIFO(b, mk)
			return func(k string) bool { _, ok := c.Get(k); return ok }
		}},
	}
}

func allHitCases() []hitCase {
	return append(hitCases("string", func(k string) string { return k }), hitCases("link", newLink)...)
}

// BenchmarkHit compares a read-through Get that hits with a bare S3FIFO
// Get of the same entries, each with the same TTL, for a string value and
// for a struct the shape of the shortener's Link.
func BenchmarkHit(b *testing.B) {
	trace := zipfKeys(b, hitKeys, 1<<16, 2)
	for _, hc := range allHitCases() {
		b.Run(hc.name, func(b *testing.B) {
			get := hc.make(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if !get(trace[i&(len(trace)-1)]) {
					b.Fatal("miss")
				}
				i++
			}
		})
	}
}

// BenchmarkHitParallel is BenchmarkHit from GOMAXPROCS goroutines.
func BenchmarkHitParallel(b *testing.B) {
	trace := zipfKeys(b, hitKeys, 1<<16, 2)
	for _, hc := range allHitCases() {
		b.Run(hc.name, func(b *testing.B) {
			get := hc.make(b)
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := next.Add(1) * 7919
				for pb.Next() {
					i++
					if !get(trace[i&uint64(len(trace)-1)]) {
						b.Error("miss")
						return
					}
				}
			})
		})
	}
}

func warmReadThrough[V any](b *testing.B, mk func(string) V) *cache.ReadThrough[V] {
	b.Helper()
	m, err := cache.NewS3FIFO[string, cache.Entry[V]](hitCapacity, cache.Config[string, cache.Entry[V]]{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	tier, err := cache.NewLocal[V](m)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := cache.NewReadThrough(tier,
		func(_ context.Context, k string) (V, error) { return mk(k), nil }, hitTTL, cache.ReadThroughConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close(context.Background()) })
	for i := range hitKeys {
		if _, _, err := rt.Get(context.Background(), "key:"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
	return rt
}

func warmS3FIFO[V any](b *testing.B, mk func(string) V) *cache.S3FIFO[string, V] {
	b.Helper()
	c, err := cache.NewS3FIFO[string, V](hitCapacity, cache.Config[string, V]{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	for i := range hitKeys {
		k := "key:" + strconv.Itoa(i)
		c.SetWithTTL(k, mk(k), hitTTL)
	}
	return c
}

// slowWrites is a MemoryStore whose writes take about as long as a
// database round trip.
type slowWrites struct {
	*cache.MemoryStore[string]
	delay time.Duration
}

func (s slowWrites) Write(ctx context.Context, items []cache.Item[string]) error {
	time.Sleep(s.delay)
	return s.MemoryStore.Write(ctx, items)
}

// BenchmarkWrite compares write-through with write-behind on Zipf(0.99)
// writes over 10,000 keys, to a store whose every write call takes
// 200 µs. Write-behind flushes 100 ms after the oldest queued write (or at
// 10,000 queued keys, which this key space never reaches); rows/op is
// rows written to the store per write, the figure write-behind's
// coalescing brings down, and store-calls/op the Store.Write calls per
// write.
func BenchmarkWrite(b *testing.B) {
	trace := zipfKeys(b, 10_000, 1<<16, 3)
	ctx := context.Background()
	report := func(b *testing.B, s *cache.MemoryStore[string]) {
		st := s.Stats()
		b.ReportMetric(float64(st.Rows)/float64(b.N), "rows/op")
		b.ReportMetric(float64(st.Writes)/float64(b.N), "store-calls/op")
	}
	const delay = 200 * time.Microsecond
	b.Run("write-through", func(b *testing.B) {
		store := cache.NewMemoryStore[string]()
		w, err := cache.NewWriteThrough[string](slowWrites{store, delay}, newS3Tier(b, 10_000), time.Hour, cache.ReadThroughConfig{})
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close(ctx)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := w.Set(ctx, trace[i&(len(trace)-1)], "v"); err != nil {
				b.Fatal(err)
			}
			i++
		}
		report(b, store)
	})
	b.Run("write-behind", func(b *testing.B) {
		store := cache.NewMemoryStore[string]()
		wb, err := cache.NewWriteBehind[string](slowWrites{store, delay}, newS3Tier(b, 10_000), time.Hour, cache.WriteBehindConfig[string]{
			FlushDelay: 100 * time.Millisecond, BatchSize: 10_000,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := wb.Set(ctx, trace[i&(len(trace)-1)], "v"); err != nil && !errors.Is(err, cache.ErrQueueFull) {
				b.Fatal(err)
			}
			i++
		}
		b.StopTimer()
		if err := wb.Close(ctx); err != nil {
			b.Fatal(err)
		}
		report(b, store)
	})
}
