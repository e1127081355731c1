package shortener_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

func TestEncodeDecodeKnownValues(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		code string
	}{
		{0, "0"},
		{1, "1"},
		{9, "9"},
		{10, "A"},
		{35, "Z"},
		{36, "a"},
		{61, "z"},
		{62, "10"},
		{3843, "zz"},
		{3844, "100"},
		{238327, "zzz"},
		{238328, "1000"},
		{1<<63 - 1, "AzL8n0Y58m7"},
		{math.MaxUint64, "LygHa16AHYF"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			assert.Equal(t, tc.code, shortener.Encode(tc.v))
			assert.Equal(t, "x"+tc.code, string(shortener.Append([]byte("x"), tc.v)))
			got, err := shortener.Decode(tc.code)
			require.NoError(t, err)
			assert.Equal(t, tc.v, got)
		})
	}
	assert.Len(t, shortener.Encode(math.MaxUint64), shortener.MaxEncodedLen)
}

// TestEncodeMatchesReference checks Encode against a plain digit-by-digit
// conversion at every power-of-62 boundary, where the two-digit fast path
// changes shape.
func TestEncodeMatchesReference(t *testing.T) {
	ref := func(v uint64) string {
		if v == 0 {
			return "0"
		}
		var b []byte
		for ; v > 0; v /= 62 {
			b = append([]byte{shortener.Alphabet[v%62]}, b...)
		}
		return string(b)
	}
	p := uint64(1)
	for range shortener.MaxEncodedLen {
		for _, v := range []uint64{p - 1, p, p + 1, 2*p - 1, 61 * p} {
			require.Equal(t, ref(v), shortener.Encode(v), "v=%d", v)
		}
		if p > math.MaxUint64/62 {
			break
		}
		p *= 62
	}
}

func TestDecodeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"empty", "", shortener.ErrEmptyCode},
		{"space", " ", shortener.ErrCodeCharacter},
		{"dash", "ab-c", shortener.ErrCodeCharacter},
		{"plus", "+1", shortener.ErrCodeCharacter},
		{"non-ascii", "abç", shortener.ErrCodeCharacter},
		{"nul", "a\x00", shortener.ErrCodeCharacter},
		{"bad char in long", "LygHa16AHYF_", shortener.ErrCodeCharacter},
		{"leading zero", "01", shortener.ErrNonCanonical},
		{"double zero", "00", shortener.ErrNonCanonical},
		{"leading zero long", "0LygHa16AHYF", shortener.ErrNonCanonical},
		{"max+1", "LygHa16AHYG", shortener.ErrCodeOverflow},
		{"eleven z", "zzzzzzzzzzz", shortener.ErrCodeOverflow},
		{"twelve digits", "100000000000", shortener.ErrCodeOverflow},
		{"very long", strings.Repeat("z", 4096), shortener.ErrCodeOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := shortener.Decode(tc.in)
			require.ErrorIs(t, err, tc.want)
			assert.ErrorIs(t, err, shortener.ErrInvalidCode)
			assert.Zero(t, v)
			for _, other := range []error{shortener.ErrEmptyCode, shortener.ErrCodeCharacter, shortener.ErrNonCanonical, shortener.ErrCodeOverflow} {
				if other != tc.want {
					assert.False(t, errors.Is(err, other), "also matches %v", other)
				}
			}
		})
	}
}

func TestBase62AllocatesOnlyTheResult(t *testing.T) {
	dst := make([]byte, 0, 64)
	assert.Zero(t, testing.AllocsPerRun(100, func() { dst = shortener.Append(dst[:0], math.MaxUint64) }), "Append")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = shortener.Decode("LygHa16AHYF") }), "Decode")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = shortener.Decode("0x") }), "Decode refusal")
	var sink string
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { sink = shortener.Encode(math.MaxUint64) }), 1.0, "Encode")
	assert.Equal(t, "LygHa16AHYF", sink)
}

// FuzzBase62 checks both directions of the round trip: decode(encode(x)) =
// x for every x, and encode(decode(s)) = s for every s Decode accepts.
func FuzzBase62(f *testing.F) {
	for _, s := range []string{"0", "z", "10", "00", "LygHa16AHYF", "LygHa16AHYG", "", "-1", strconv.Itoa(math.MaxInt)} {
		f.Add(uint64(len(s))*1e15+7, s)
	}
	f.Add(uint64(math.MaxUint64), "zzzzzzzzzzzz")
	f.Fuzz(func(t *testing.T, x uint64, s string) {
		code := shortener.Encode(x)
		got, err := shortener.Decode(code)
		if err != nil || got != x {
			t.Fatalf("Decode(Encode(%d) = %q) = %d, %v", x, code, got, err)
		}
		if a := string(shortener.Append(nil, x)); a != code {
			t.Fatalf("Append(%d) = %q, Encode = %q", x, a, code)
		}
		v, err := shortener.Decode(s)
		if err != nil {
			if !errors.Is(err, shortener.ErrInvalidCode) {
				t.Fatalf("Decode(%q) error %v is not ErrInvalidCode", s, err)
			}
			return
		}
		if back := shortener.Encode(v); back != s {
			t.Fatalf("Encode(Decode(%q) = %d) = %q", s, v, back)
		}
	})
}
