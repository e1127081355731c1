package shortener_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

func TestRandomCodes(t *testing.T) {
	g, err := shortener.NewRandom(7, shortener.RandomConfig{})
	require.NoError(t, err)
	seen := map[string]bool{}
	var counts [256]int
	for range 20000 {
		code, err := g.Next(context.Background())
		require.NoError(t, err)
		require.Len(t, code, 7)
		require.False(t, seen[code], "a collision in 20 000 draws of 62^7 has odds 6e-5")
		seen[code] = true
		for i := 0; i < len(code); i++ {
			require.True(t, strings.IndexByte(shortener.Alphabet, code[i]) >= 0, "code %q", code)
			counts[code[i]]++
		}
	}
	// 140 000 characters over 62 digits: about 2258 each.
	for i := 0; i < len(shortener.Alphabet); i++ {
		assert.InDelta(t, 140000/62, counts[shortener.Alphabet[i]], 300, "digit %c", shortener.Alphabet[i])
	}
}

// TestRandomSkipsBiasedBytes feeds bytes of 248 and above, which must be
// thrown away, then digits: the code holds only the digits.
func TestRandomSkipsBiasedBytes(t *testing.T) {
	in := append(bytes.Repeat([]byte{255, 250, 248}, 5), 0, 61, 62, 247, 200, 1, 2, 3, 4, 5)
	g, err := shortener.NewRandom(4, shortener.RandomConfig{Reader: bytes.NewReader(in)})
	require.NoError(t, err)
	code, err := g.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "0z0z", code) // 0, 61, 62%62=0, 247%62=61
}

func TestRandomReaderFails(t *testing.T) {
	g, err := shortener.NewRandom(6, shortener.RandomConfig{Reader: bytes.NewReader([]byte{1, 2})})
	require.NoError(t, err)
	_, err = g.Next(context.Background())
	require.ErrorIs(t, err, shortener.ErrRandomSource)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = g.Next(ctx)
	require.ErrorIs(t, err, context.Canceled)
	for _, n := range []int{-1, 0, 3, 33} {
		_, err := shortener.NewRandom(n, shortener.RandomConfig{})
		assert.ErrorIs(t, err, shortener.ErrInvalidConfig, "length %d", n)
	}
}

// script is a Generator that replays codes.
type script struct{ codes []string }

func (s *script) Next(context.Context) (string, error) {
	if len(s.codes) == 0 {
		return "", errors.New("script ran out")
	}
	c := s.codes[0]
	s.codes = s.codes[1:]
	return c, nil
}

// TestIssuerSkipsTakenAndReserved checks that a code that is taken (an
// alias, a retired link) or reserved is skipped, and that Issue gives up
// with ErrNoFreeCode after MaxAttempts.
func TestIssuerSkipsTakenAndReserved(t *testing.T) {
	taken := map[string]bool{"abc": true, "retired": true}
	isTaken := func(_ context.Context, code string) (bool, error) { return taken[code], nil }
	gen := &script{codes: []string{"abc", "Admin", "retired", "metrics", "fresh", "x1", "x2", "x3"}}
	iss, err := shortener.NewIssuer(gen, isTaken, shortener.IssuerConfig{MaxAttempts: 5})
	require.NoError(t, err)
	code, err := iss.Issue(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "fresh", code)

	for _, c := range []string{"x1", "x2", "x3", "x4", "x5"} {
		taken[c] = true
	}
	gen.codes = append(gen.codes, "x4", "x5", "free")
	_, err = iss.Issue(context.Background())
	require.ErrorIs(t, err, shortener.ErrNoFreeCode)

	// Reserved words come from the Aliases given.
	a, err := shortener.NewAliases(shortener.AliasConfig{Reserved: []string{"Brand"}})
	require.NoError(t, err)
	iss, err = shortener.NewIssuer(&script{codes: []string{"bRAND", "ok1"}}, isTaken, shortener.IssuerConfig{Aliases: a})
	require.NoError(t, err)
	code, err = iss.Issue(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "ok1", code)

	boom := errors.New("store down")
	iss, err = shortener.NewIssuer(&script{codes: []string{"q"}}, func(context.Context, string) (bool, error) { return false, boom }, shortener.IssuerConfig{})
	require.NoError(t, err)
	_, err = iss.Issue(context.Background())
	require.ErrorIs(t, err, boom)
}

// TestIssuerRandomCollisions draws random codes from a reader that repeats
// one code: every retry collides, and Issue stops after MaxAttempts draws.
func TestIssuerRandomCollisions(t *testing.T) {
	g, err := shortener.NewRandom(4, shortener.RandomConfig{Reader: bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 100))})
	require.NoError(t, err)
	calls := 0
	iss, err := shortener.NewIssuer(g, func(_ context.Context, code string) (bool, error) {
		calls++
		return code == "1234", nil
	}, shortener.IssuerConfig{MaxAttempts: 3})
	require.NoError(t, err)
	_, err = iss.Issue(context.Background())
	require.ErrorIs(t, err, shortener.ErrNoFreeCode)
	assert.Equal(t, 3, calls)
}

func TestIssuerConfig(t *testing.T) {
	never := func(context.Context, string) (bool, error) { return false, nil }
	g := &script{}
	for _, tc := range []struct {
		gen   shortener.Generator
		taken shortener.TakenFunc
		cfg   shortener.IssuerConfig
	}{
		{nil, never, shortener.IssuerConfig{}},
		{g, nil, shortener.IssuerConfig{}},
		{g, never, shortener.IssuerConfig{MaxAttempts: -1}},
		{g, never, shortener.IssuerConfig{Aliases: new(shortener.Aliases)}},
	} {
		_, err := shortener.NewIssuer(tc.gen, tc.taken, tc.cfg)
		assert.ErrorIs(t, err, shortener.ErrInvalidConfig)
	}
}
