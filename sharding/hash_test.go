package sharding

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHash64Vectors checks XXH64 against values of other implementations:
// the seed-0 ones are test vectors of github.com/cespare/xxhash/v2, the
// seeded ones were computed with its NewWithSeed. Together they cover every
// code path: tails of 1, 4 and 8 bytes and the 32-byte stripes.
func TestHash64Vectors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		seed uint64
		want uint64
	}{
		{"", 0, 0xef46db3751d8e999},
		{"a", 0, 0xd24ec4f1a98c6e5b},
		{"abc", 0, 0x44bc2cf5ad770999},
		{"xxhash", 0, 0x32dd38952c4bc720},
		{"Nobody inspects the spammish repetition", 0, 0xfbcea83c8a378bf1},
		{"", 1, 0xd5afba1336a3be4b},
		{"abc", 1, 0xbea9ca8199328908},
		{"Nobody inspects the spammish repetition", 1, 0x43f425448d954db6},
	} {
		assert.Equalf(t, tc.want, HashSeed(tc.in, tc.seed), "HashSeed(%q, %d)", tc.in, tc.seed)
		if tc.seed == 0 {
			assert.Equalf(t, tc.want, Hash64(tc.in), "Hash64(%q)", tc.in)
		}
	}
}

func TestHash64AllLengthsDiffer(t *testing.T) {
	// Every prefix of a 200-byte string takes a different path through the
	// stripes and tails; a slip in any of them makes two prefixes collide
	// or a prefix hash like another's.
	s := strings.Repeat("0123456789abcdef", 13)[:200]
	seen := make(map[uint64]int)
	for n := 0; n <= len(s); n++ {
		h := Hash64(s[:n])
		if prev, ok := seen[h]; ok {
			t.Fatalf("prefixes of length %d and %d collide", prev, n)
		}
		seen[h] = n
	}
}

func TestHash64DoesNotAllocate(t *testing.T) {
	key := strings.Repeat("k", 100)
	allocs := testing.AllocsPerRun(100, func() { sinkHash = Hash64(key) })
	assert.Zero(t, allocs)
}

var sinkHash uint64
