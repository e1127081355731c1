package shortener_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

var testKey = []byte("a key of at least sixteen bytes")

// TestFeistelIsABijection walks whole small domains, including ones that
// are not a power of four (cycle walking): every output is in the domain,
// none repeats, and Reveal inverts Obfuscate.
func TestFeistelIsABijection(t *testing.T) {
	for _, domain := range []uint64{2, 3, 4, 61, 62, 1000, 1 << 16, 62 * 62 * 62} {
		f, err := shortener.NewFeistel(testKey, shortener.FeistelConfig{Domain: domain})
		require.NoError(t, err)
		seen := make([]bool, domain)
		for x := range domain {
			y, err := f.Obfuscate(x)
			require.NoError(t, err)
			require.Less(t, y, domain)
			require.False(t, seen[y], "domain %d: %d hit twice", domain, y)
			seen[y] = true
			back, err := f.Reveal(y)
			require.NoError(t, err)
			require.Equal(t, x, back)
		}
		_, err = f.Obfuscate(domain)
		assert.ErrorIs(t, err, shortener.ErrOutOfDomain)
		_, err = f.Reveal(domain)
		assert.ErrorIs(t, err, shortener.ErrOutOfDomain)
	}
}

// TestFeistelHidesOrder checks that consecutive ids do not give codes in
// order or near each other: of 10 000 consecutive ids, about half are
// followed by a smaller image, and neighbours are far apart.
func TestFeistelHidesOrder(t *testing.T) {
	f, err := shortener.NewFeistel(testKey, shortener.FeistelConfig{})
	require.NoError(t, err)
	down, near := 0, 0
	prev, _ := f.Obfuscate(0)
	for x := uint64(1); x <= 10000; x++ {
		y, err := f.Obfuscate(x)
		require.NoError(t, err)
		if y < prev {
			down++
		}
		if d := int64(y - prev); d > -1<<40 && d < 1<<40 {
			near++
		}
		prev = y
	}
	assert.InDelta(t, 5000, down, 300)
	assert.Less(t, near, 5)
	other, err := shortener.NewFeistel([]byte("another key of sixteen bytes"), shortener.FeistelConfig{})
	require.NoError(t, err)
	a, _ := f.Obfuscate(42)
	b, _ := other.Obfuscate(42)
	assert.NotEqual(t, a, b, "the key chooses the permutation")
	y, err := f.Obfuscate(math.MaxUint64)
	require.NoError(t, err)
	x, err := f.Reveal(y)
	require.NoError(t, err)
	assert.Equal(t, uint64(math.MaxUint64), x)
}

func TestFeistelConfig(t *testing.T) {
	_, err := shortener.NewFeistel([]byte("short"), shortener.FeistelConfig{})
	assert.ErrorIs(t, err, shortener.ErrInvalidConfig)
	_, err = shortener.NewFeistel(testKey, shortener.FeistelConfig{Domain: 1})
	assert.ErrorIs(t, err, shortener.ErrInvalidConfig)
	f, err := shortener.NewFeistel(testKey, shortener.FeistelConfig{Domain: 99})
	require.NoError(t, err)
	d, err := f.Domain()
	require.NoError(t, err)
	assert.Equal(t, uint64(99), d)
}

// FuzzFeistel checks Reveal(Obfuscate(x)) = x on random domains.
func FuzzFeistel(f *testing.F) {
	f.Add(uint64(0), uint64(0))
	f.Add(uint64(3_521_614_606_208), uint64(3_521_614_606_207))
	f.Add(uint64(2), uint64(1))
	f.Fuzz(func(t *testing.T, domain, x uint64) {
		if domain == 1 {
			return
		}
		p, err := shortener.NewFeistel(testKey, shortener.FeistelConfig{Domain: domain})
		if err != nil {
			t.Fatal(err)
		}
		if domain != 0 {
			x %= domain
		}
		y, err := p.Obfuscate(x)
		if err != nil || (domain != 0 && y >= domain) {
			t.Fatalf("Obfuscate(%d) in %d = %d, %v", x, domain, y, err)
		}
		back, err := p.Reveal(y)
		if err != nil || back != x {
			t.Fatalf("Reveal(Obfuscate(%d)) = %d, %v", x, back, err)
		}
	})
}
