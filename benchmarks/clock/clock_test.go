package clock

import (
	"testing"
	"time"
)

var sinkTime time.Time
var sinkInt int64

// BenchmarkNow compares ways of reading the current instant.
func BenchmarkNow(b *testing.B) {
	b.Run("time-now", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTime = time.Now()
		}
	})
	b.Run("time-now-unixnano", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = time.Now().UnixNano()
		}
	})
	b.Run("time-since-base", func(b *testing.B) {
		base := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = int64(time.Since(base))
		}
	})
}

// TestSinceIsMonotonic pins what the cheaper reading relies on: elapsed time
// from a base instant never goes backwards.
func TestSinceIsMonotonic(t *testing.T) {
	base := time.Now()
	prev := time.Since(base)
	for range 10000 {
		d := time.Since(base)
		if d < prev {
			t.Fatalf("time.Since went backwards: %v after %v", d, prev)
		}
		prev = d
	}
}
