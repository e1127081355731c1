package shortener_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

// TestZeroValuesFailLoudly calls every method of a zero value, and of a
// nil pointer, of each type with a constructor: the methods with an error
// result return ErrNotInitialized naming the type, the one without panics
// with it. None blocks. (MemorySource's zero value is ready to use; see
// TestMemorySourceExhausted.)
func TestZeroValuesFailLoudly(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, err error, msg string) {
		t.Helper()
		require.ErrorIs(t, err, shortener.ErrNotInitialized)
		assert.EqualError(t, err, msg)
	}
	for _, tc := range []struct {
		name string
		nil_ bool
	}{{"zero", false}, {"nil", true}} {
		t.Run(tc.name, func(t *testing.T) {
			pick := func(zero, nilp any) any {
				if tc.nil_ {
					return nilp
				}
				return zero
			}
			c := pick(new(shortener.Counter), (*shortener.Counter)(nil)).(*shortener.Counter)
			_, err := c.NextID(ctx)
			check(t, err, "shortener: Counter used without NewCounter")
			_, err = c.Next(ctx)
			check(t, err, "shortener: Counter used without NewCounter")

			f := pick(new(shortener.Feistel), (*shortener.Feistel)(nil)).(*shortener.Feistel)
			_, err = f.Obfuscate(1)
			check(t, err, "shortener: Feistel used without NewFeistel")
			_, err = f.Reveal(1)
			check(t, err, "shortener: Feistel used without NewFeistel")
			_, err = f.Domain()
			check(t, err, "shortener: Feistel used without NewFeistel")

			r := pick(new(shortener.Random), (*shortener.Random)(nil)).(*shortener.Random)
			_, err = r.Next(ctx)
			check(t, err, "shortener: Random used without NewRandom")

			g := pick(new(shortener.TimeOrdered), (*shortener.TimeOrdered)(nil)).(*shortener.TimeOrdered)
			_, err = g.NextID(ctx)
			check(t, err, "shortener: TimeOrdered used without NewTimeOrdered")
			_, err = g.Next(ctx)
			check(t, err, "shortener: TimeOrdered used without NewTimeOrdered")
			_, _, _, err = g.Parts(1)
			check(t, err, "shortener: TimeOrdered used without NewTimeOrdered")

			i := pick(new(shortener.Issuer), (*shortener.Issuer)(nil)).(*shortener.Issuer)
			_, err = i.Issue(ctx)
			check(t, err, "shortener: Issuer used without NewIssuer")

			v := pick(new(shortener.URLValidator), (*shortener.URLValidator)(nil)).(*shortener.URLValidator)
			_, err = v.Validate("https://example.com/")
			check(t, err, "shortener: URLValidator used without NewURLValidator")

			a := pick(new(shortener.Aliases), (*shortener.Aliases)(nil)).(*shortener.Aliases)
			check(t, a.Validate("abc"), "shortener: Aliases used without NewAliases")
			assert.PanicsWithError(t, "shortener: Aliases used without NewAliases", func() { a.IsReserved("api") })
		})
	}
}
