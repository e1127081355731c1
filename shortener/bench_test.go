package shortener_test

import (
	"math/rand/v2"
	"strconv"
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
