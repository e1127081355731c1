package shortener_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

func TestAliasValidate(t *testing.T) {
	a, err := shortener.NewAliases(shortener.AliasConfig{Reserved: []string{"Pricing"}})
	require.NoError(t, err)
	for _, ok := range []string{"abc", "Go-2026", "my_link", "___", "A1b2C3", strings.Repeat("z", 64), "apis", "admin-panel"} {
		assert.NoError(t, a.Validate(ok), ok)
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", shortener.ErrAliasLength},
		{"ab", shortener.ErrAliasLength},
		{strings.Repeat("z", 65), shortener.ErrAliasLength},
		{"a b", shortener.ErrAliasCharacter},
		{"a/b", shortener.ErrAliasCharacter},
		{"a.b", shortener.ErrAliasCharacter},
		{"../etc", shortener.ErrAliasCharacter},
		{"%2e%2e", shortener.ErrAliasCharacter},
		{"caf\u00e9", shortener.ErrAliasCharacter},
		{"abc\x00", shortener.ErrAliasCharacter},
		{"abc\n", shortener.ErrAliasCharacter},
		{"<script>", shortener.ErrAliasCharacter},
		{"api", shortener.ErrAliasReserved},
		{"API", shortener.ErrAliasReserved},
		{"Admin", shortener.ErrAliasReserved},
		{"healthz", shortener.ErrAliasReserved},
		{"metrics", shortener.ErrAliasReserved},
		{"static", shortener.ErrAliasReserved},
		{"pricing", shortener.ErrAliasReserved},
	} {
		err := a.Validate(tc.in)
		require.ErrorIs(t, err, tc.want, "%q", tc.in)
		assert.ErrorIs(t, err, shortener.ErrInvalidAlias)
		assertSafeText(t, err.Error())
		for _, other := range []error{shortener.ErrAliasLength, shortener.ErrAliasCharacter, shortener.ErrAliasReserved} {
			if other != tc.want {
				assert.False(t, errors.Is(err, other), "%q also matches %v", tc.in, other)
			}
		}
	}
	assert.True(t, a.IsReserved("METRICS"))
	assert.False(t, a.IsReserved(strings.Repeat("a", 100)))
	for _, bad := range []string{"", "a b", strings.Repeat("x", 65)} {
		_, err := shortener.NewAliases(shortener.AliasConfig{Reserved: []string{bad}})
		assert.ErrorIs(t, err, shortener.ErrInvalidConfig, "%q", bad)
	}
}

// FuzzValidateAlias checks no input panics, what is accepted satisfies the
// rules, and the verdict does not depend on case except for reserved
// words.
func FuzzValidateAlias(f *testing.F) {
	for _, s := range []string{"abc", "ab", "Admin", "a/b", "caf\u00e9", strings.Repeat("z", 64), strings.Repeat("z", 65)} {
		f.Add(s)
	}
	a, err := shortener.NewAliases(shortener.AliasConfig{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := a.Validate(s)
		if err != nil {
			if !errors.Is(err, shortener.ErrInvalidAlias) {
				t.Fatalf("Validate(%q) = %v, not ErrInvalidAlias", s, err)
			}
			return
		}
		if len(s) < shortener.MinAliasLen || len(s) > shortener.MaxAliasLen || a.IsReserved(s) {
			t.Fatalf("Validate(%q) accepted", s)
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				t.Fatalf("Validate(%q) accepted byte %#x", s, c)
			}
		}
		if err := a.Validate(strings.ToUpper(s)); err != nil {
			t.Fatalf("Validate(%q) ok, upper case refused: %v", s, err)
		}
	})
}
