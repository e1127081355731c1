package shortener_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

// TestErrorsSayThePrefixOnce calls everything in the package that returns
// an error: each error wraps the sentinel it should, and its text says
// "shortener:" once, at the start.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	ctx := context.Background()
	v := hostileValidator(t)
	aliases, err := shortener.NewAliases(shortener.AliasConfig{})
	require.NoError(t, err)
	feistel, err := shortener.NewFeistel(testKey, shortener.FeistelConfig{Domain: 10})
	require.NoError(t, err)
	never := func(context.Context, string) (bool, error) { return false, nil }
	always := func(context.Context, string) (bool, error) { return true, nil }

	cases := []struct {
		name string
		err  func() error
		is   error
	}{
		{"Decode/empty", func() error { _, err := shortener.Decode(""); return err }, shortener.ErrEmptyCode},
		{"Decode/char", func() error { _, err := shortener.Decode("a-"); return err }, shortener.ErrCodeCharacter},
		{"Decode/canonical", func() error { _, err := shortener.Decode("01"); return err }, shortener.ErrNonCanonical},
		{"Decode/overflow", func() error { _, err := shortener.Decode("zzzzzzzzzzzz"); return err }, shortener.ErrCodeOverflow},
		{"NewCounter", func() error { _, err := shortener.NewCounter(nil, 1, shortener.CounterConfig{}); return err }, shortener.ErrInvalidConfig},
		{"NewCounter/size", func() error {
			_, err := shortener.NewCounter(shortener.NewMemorySource(0), 0, shortener.CounterConfig{})
			return err
		}, shortener.ErrInvalidConfig},
		{"Counter/behind", func() error {
			c, _ := shortener.NewCounter(&countingSource{}, 1, shortener.CounterConfig{Floor: 9})
			_, err := c.NextID(ctx)
			return err
		}, shortener.ErrSourceBehind},
		{"Counter/obfuscator domain", func() error {
			c, _ := shortener.NewCounter(shortener.NewMemorySource(10), 1, shortener.CounterConfig{Obfuscator: feistel})
			_, err := c.Next(ctx)
			return err
		}, shortener.ErrExhausted},
		{"MemorySource/exhausted", func() error {
			_, err := shortener.NewMemorySource(1<<64-1).NextBlock(ctx, 2)
			return err
		}, shortener.ErrExhausted},
		{"MemorySource/size", func() error { _, err := shortener.NewMemorySource(0).NextBlock(ctx, 0); return err }, shortener.ErrInvalidConfig},
		{"NewFeistel/key", func() error { _, err := shortener.NewFeistel(nil, shortener.FeistelConfig{}); return err }, shortener.ErrInvalidConfig},
		{"NewFeistel/domain", func() error { _, err := shortener.NewFeistel(testKey, shortener.FeistelConfig{Domain: 1}); return err }, shortener.ErrInvalidConfig},
		{"Feistel/Obfuscate", func() error { _, err := feistel.Obfuscate(10); return err }, shortener.ErrOutOfDomain},
		{"Feistel/Reveal", func() error { _, err := feistel.Reveal(10); return err }, shortener.ErrOutOfDomain},
		{"NewRandom", func() error { _, err := shortener.NewRandom(1, shortener.RandomConfig{}); return err }, shortener.ErrInvalidConfig},
		{"Random/reader", func() error {
			g, _ := shortener.NewRandom(4, shortener.RandomConfig{Reader: bytes.NewReader(nil)})
			_, err := g.Next(ctx)
			return err
		}, shortener.ErrRandomSource},
		{"NewTimeOrdered", func() error { _, err := shortener.NewTimeOrdered(-1, shortener.TimeOrderedConfig{}); return err }, shortener.ErrInvalidConfig},
		{"TimeOrdered/epoch", func() error {
			g, _ := shortener.NewTimeOrdered(0, shortener.TimeOrderedConfig{Now: func() time.Time { return time.Unix(0, 0) }})
			_, err := g.NextID(ctx)
			return err
		}, shortener.ErrClockBackward},
		{"TimeOrdered/exhausted", func() error {
			g, _ := shortener.NewTimeOrdered(0, shortener.TimeOrderedConfig{Now: func() time.Time { return shortener.DefaultEpoch.AddDate(70, 0, 0) }})
			_, err := g.NextID(ctx)
			return err
		}, shortener.ErrExhausted},
		{"NewIssuer", func() error { _, err := shortener.NewIssuer(nil, never, shortener.IssuerConfig{}); return err }, shortener.ErrInvalidConfig},
		{"Issuer/no free code", func() error {
			g, _ := shortener.NewRandom(4, shortener.RandomConfig{})
			i, _ := shortener.NewIssuer(g, always, shortener.IssuerConfig{})
			_, err := i.Issue(ctx)
			return err
		}, shortener.ErrNoFreeCode},
		{"NewURLValidator", func() error {
			_, err := shortener.NewURLValidator(shortener.URLConfig{OwnHosts: []string{"a..b"}})
			return err
		}, shortener.ErrInvalidConfig},
		{"NewAliases", func() error {
			_, err := shortener.NewAliases(shortener.AliasConfig{Reserved: []string{"a b"}})
			return err
		}, shortener.ErrInvalidConfig},
		{"Aliases/length", func() error { return aliases.Validate("a") }, shortener.ErrAliasLength},
		{"Aliases/char", func() error { return aliases.Validate("a/b") }, shortener.ErrAliasCharacter},
		{"Aliases/reserved", func() error { return aliases.Validate("api") }, shortener.ErrAliasReserved},
		{"NormalizeHost", func() error { _, err := shortener.NormalizeHost("a..b"); return err }, shortener.ErrInvalidHost},
	}
	for _, h := range hostile {
		cases = append(cases, struct {
			name string
			err  func() error
			is   error
		}{"Validate/" + h.name, func() error { _, err := v.Validate(h.url); return err }, h.want})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			require.ErrorIs(t, err, tc.is)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "shortener: "), "%q", msg)
			assert.Equal(t, 1, strings.Count(msg, "shortener:"), "%q", msg)
		})
	}
}
