//go:build !race

// The race detector makes sync.Pool drop items at random and changes
// escape analysis, so allocation counts are only meaningful without it.

package jwtdemo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t1 = time.Unix(1_700_000_000, 0)

// TestAllocations pins the allocation budget of the hot paths.
func TestAllocations(t *testing.T) {
	key, err := NewKey(HS256, "k", []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	s, err := NewSigner(key)
	require.NoError(t, err)
	set, err := NewKeySet(key)
	require.NoError(t, err)
	v, err := NewVerifier(VerifierConfig{Keys: set, Algorithms: []Algorithm{HS256}, Issuer: "iss", Audience: "aud"})
	require.NoError(t, err)
	c := Claims{Issuer: "iss", Subject: "sub", Audience: Audience{"aud"}, ExpiresAt: NewNumericDate(t1.Add(time.Hour)), ID: "id"}
	tok, err := s.Sign(c)
	require.NoError(t, err)
	_, err = v.VerifyAt(tok, t1)
	require.NoError(t, err)
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _ = s.Sign(c) }), 1.0, "sign")
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _ = v.VerifyAt(tok, t1) }), 1.0, "verify")
}

// TestAllocationsByCase pins the allocation counts the package
// documentation states, token by token: one for HMAC and EdDSA with a
// single-valued aud, however many of up to four distinct headers
// alternate (as during a key rotation); three more for a header not
// remembered (six kids in turn: every header is one), the entry and its
// copies of the segment and the kid, as the header is decoded on the
// stack; one more for an aud array; the public-key arithmetic of
// crypto/rsa and crypto/ecdsa costs more.
func TestAllocationsByCase(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	hmacKeys := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, []byte(fmt.Sprintf("%032d", i)))
		}
		return out
	}
	one := Claims{Issuer: "iss", Subject: "sub", Audience: Audience{"aud"}, ExpiresAt: NewNumericDate(t1.Add(time.Hour)), ID: "id"}
	array := one
	array.Audience = Audience{"aud", "other"}
	for _, tc := range []struct {
		name     string
		alg      Algorithm
		material []any
		claims   Claims
		most     float64
	}{
		{"hs256", HS256, hmacKeys(1), one, 1},
		{"hs256/kids=2", HS256, hmacKeys(2), one, 1},
		{"hs256/kids=4", HS256, hmacKeys(4), one, 1},
		{"hs256/kids=6", HS256, hmacKeys(6), one, 4},
		{"hs256/aud-array", HS256, hmacKeys(1), array, 2},
		{"eddsa", EdDSA, []any{edKey}, one, 1},
		{"rs256", RS256, []any{rsaKey}, one, 14},
		{"es256", ES256, []any{ecKey}, one, 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tokens []string
			set, err := NewKeySet()
			require.NoError(t, err)
			for i, m := range tc.material {
				k, err := NewKey(tc.alg, fmt.Sprint("kid-", i), m)
				require.NoError(t, err)
				require.NoError(t, set.Add(k.Public()))
				s, err := NewSigner(k)
				require.NoError(t, err)
				tok, err := s.Sign(tc.claims)
				require.NoError(t, err)
				tokens = append(tokens, tok)
			}
			v, err := NewVerifier(VerifierConfig{Keys: set, Algorithms: []Algorithm{tc.alg}, Issuer: "iss", Audience: "aud"})
			require.NoError(t, err)
			i := 0
			allocs := testing.AllocsPerRun(100, func() {
				_, err := v.VerifyAt(tokens[i%len(tokens)], t1)
				require.NoError(t, err)
				i++
			})
			assert.LessOrEqual(t, allocs, tc.most)
		})
	}
}
