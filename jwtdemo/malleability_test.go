package jwtdemo_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestECDSASignaturesAreMalleable states what the package documentation
// says about ECDSA: (r, n−s) verifies wherever (r, s) does, so anyone can
// turn an ES256 token into a second, different token string carrying the
// same claims. What identifies a token for revocation or replay checks is
// its jti, not its bytes. Tokens this package signs carry the low s of
// the two, as some verifiers require.
func TestECDSASignaturesAreMalleable(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		alg := map[string]jwtdemo.Algorithm{"P-256": jwtdemo.ES256, "P-384": jwtdemo.ES384, "P-521": jwtdemo.ES512}[curve.Params().Name]
		priv, err := ecdsa.GenerateKey(curve, rand.Reader)
		require.NoError(t, err)
		key, err := jwtdemo.NewKey(alg, "", priv)
		require.NoError(t, err)
		s, err := jwtdemo.NewSigner(key)
		require.NoError(t, err)
		v := verifierFor(t, key.Public())
		n := curve.Params().N
		half := new(big.Int).Rsh(n, 1)
		size := (curve.Params().BitSize + 7) / 8
		for i := range 64 {
			tok, err := s.Sign(jwtdemo.Claims{ID: "token-" + itoa(int64(i)), ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
			require.NoError(t, err)
			dot := strings.LastIndexByte(tok, '.')
			sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
			require.NoError(t, err)
			sv := new(big.Int).SetBytes(sig[size:])
			require.True(t, sv.Cmp(half) <= 0, "%s token %d signed with a high s", alg, i)

			twin := append([]byte(nil), sig...)
			new(big.Int).Sub(n, sv).FillBytes(twin[size:])
			other := tok[:dot+1] + base64.RawURLEncoding.EncodeToString(twin)
			require.NotEqual(t, tok, other)
			a, err := v.VerifyAt(tok, t0)
			require.NoError(t, err)
			b, err := v.VerifyAt(other, t0)
			require.NoError(t, err, "the high-s twin verifies too")
			assert.Equal(t, a.ID, b.ID, "the same jti")
		}
	}
}
