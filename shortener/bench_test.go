package shortener_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/backendkit/backendkit/shortener"
)

// benchValues are ids over the whole range of a deployment's life: small
// counters, ids of 7-character codes, obfuscated 64-bit ids.
var benchValues = func() []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	v := make([]uint64, 1024)
	for i := range v {
		switch i % 4 {
		case 0:
			v[i] = r.Uint64N(1 << 20)
		case 1:
			v[i] = r.Uint64N(3_521_614_606_208) // 62^7
		default:
			v[i] = r.Uint64()
		}
	}
	return v
}()

var sinkString string

func BenchmarkEncode(b *testing.B) {
	b.Run("base62", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			sinkString = shortener.Encode(benchValues[i%len(benchValues)])
			i++
		}
	})
	b.Run("strconv-format-uint-36", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			sinkString = strconv.FormatUint(benchValues[i%len(benchValues)], 36)
			i++
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.Run("base62", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			dst = shortener.Append(dst[:0], benchValues[i%len(benchValues)])
			i++
		}
	})
	b.Run("strconv-append-uint-36", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			dst = strconv.AppendUint(dst[:0], benchValues[i%len(benchValues)], 36)
			i++
		}
	})
}

var sinkUint uint64

func BenchmarkDecode(b *testing.B) {
	codes62 := make([]string, len(benchValues))
	codes36 := make([]string, len(benchValues))
	for i, v := range benchValues {
		codes62[i] = shortener.Encode(v)
		codes36[i] = strconv.FormatUint(v, 36)
	}
	b.Run("base62", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v, err := shortener.Decode(codes62[i%len(codes62)])
			if err != nil {
				b.Fatal(err)
			}
			sinkUint += v
			i++
		}
	})
	b.Run("strconv-parse-uint-36", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v, err := strconv.ParseUint(codes36[i%len(codes36)], 36, 64)
			if err != nil {
				b.Fatal(err)
			}
			sinkUint += v
			i++
		}
	})
}

// idBenchmarks are the numeric generators, each made fresh per benchmark.
var idBenchmarks = []struct {
	name string
	make func(b *testing.B) func(ctx context.Context) (uint64, error)
}{
	{"counter", func(b *testing.B) func(context.Context) (uint64, error) {
		c, err := shortener.NewCounter(shortener.NewMemorySource(0), 1<<16, shortener.CounterConfig{})
		if err != nil {
			b.Fatal(err)
		}
		return c.NextID
	}},
	{"time-ordered", func(b *testing.B) func(context.Context) (uint64, error) {
		g, err := shortener.NewTimeOrdered(1, shortener.TimeOrderedConfig{})
		if err != nil {
			b.Fatal(err)
		}
		return g.NextID
	}},
}

// BenchmarkNextID measures raw ids, before encoding; ids/s is the rate.
func BenchmarkNextID(b *testing.B) {
	ctx := context.Background()
	for _, bm := range idBenchmarks {
		b.Run(bm.name+"/serial", func(b *testing.B) {
			next := bm.make(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := next(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ids/s")
		})
		b.Run(bm.name+"/parallel", func(b *testing.B) {
			next := bm.make(b)
			b.ReportAllocs()
			var failed atomic.Bool
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := next(ctx); err != nil {
						failed.Store(true)
					}
				}
			})
			if failed.Load() {
				b.Fatal("NextID failed")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ids/s")
		})
	}
}

// BenchmarkNextCode measures codes as a link gets them: generated and
// base62-encoded (and obfuscated, or drawn from crypto/rand).
func BenchmarkNextCode(b *testing.B) {
	ctx := context.Background()
	feistel, err := shortener.NewFeistel([]byte("benchmark key of 16+ bytes"), shortener.FeistelConfig{Domain: 3_521_614_606_208})
	if err != nil {
		b.Fatal(err)
	}
	gens := []struct {
		name string
		make func() (shortener.Generator, error)
	}{
		{"counter", func() (shortener.Generator, error) {
			return shortener.NewCounter(shortener.NewMemorySource(1e9), 1<<16, shortener.CounterConfig{})
		}},
		{"counter-obfuscated", func() (shortener.Generator, error) {
			return shortener.NewCounter(shortener.NewMemorySource(0), 1<<16, shortener.CounterConfig{Obfuscator: feistel})
		}},
		{"random/len=7", func() (shortener.Generator, error) { return shortener.NewRandom(7, shortener.RandomConfig{}) }},
		{"time-ordered", func() (shortener.Generator, error) { return shortener.NewTimeOrdered(1, shortener.TimeOrderedConfig{}) }},
	}
	for _, g := range gens {
		b.Run(g.name+"/serial", func(b *testing.B) {
			gen, err := g.make()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if sinkString, err = gen.Next(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(g.name+"/parallel", func(b *testing.B) {
			gen, err := g.make()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var failed atomic.Bool
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := gen.Next(ctx); err != nil {
						failed.Store(true)
					}
				}
			})
			if failed.Load() {
				b.Fatal("Next failed")
			}
		})
	}
}

// BenchmarkFeistel measures the obfuscation alone, on the 7-character
// domain.
func BenchmarkFeistel(b *testing.B) {
	f, err := shortener.NewFeistel([]byte("benchmark key of 16+ bytes"), shortener.FeistelConfig{Domain: 3_521_614_606_208})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var x uint64
	for b.Loop() {
		y, _ := f.Obfuscate(x)
		sinkUint += y
		x++
	}
}

// urlMix is what a shortener is asked to shorten: mostly plain https
// links with paths and tracking queries, some with ports, IDN hosts,
// upper case, and a few refusals.
var urlMix = []string{
	"https://www.example.com/articles/2026/11/how-to-design-a-url-shortener?utm_source=newsletter&utm_medium=email",
	"https://github.com/backendkit/backendkit/blob/main/shortener/doc.go#L10",
	"https://en.wikipedia.org/wiki/Base62",
	"https://docs.example.org:8443/v2/reference/index.html",
	"http://Example.COM/Path/To/Page?id=12345",
	"https://news.example.co.uk/world/2026/12/02/story-title-goes-here-1234567",
	"https://b\u00fccher.example/katalog?suche=caf\u00e9",
	"https://shop.example.com/p/widget-3000?color=blue&size=m&ref=abc123#reviews",
	"javascript:alert(1)",
	"http://169.254.169.254/latest/meta-data/",
}

// BenchmarkValidateURL measures validation per URL: typical is one plain
// https link, mix cycles through urlMix.
func BenchmarkValidateURL(b *testing.B) {
	v, err := shortener.NewURLValidator(shortener.URLConfig{OwnHosts: []string{"sho.rt"}, DenyHosts: []string{"bit.ly", "tinyurl.com"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("typical", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkString, _ = v.Validate(urlMix[0])
		}
	})
	b.Run("mix", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			sinkString, _ = v.Validate(urlMix[i%len(urlMix)])
			i++
		}
	})
	b.Run("mix/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				_, _ = v.Validate(urlMix[i%len(urlMix)])
				i++
			}
		})
	})
}
