//lint:file-ignore SA1019 the test builds keys from raw coordinates and scalars, the misuse NewKey must catch

package jwtdemo_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewKeyRefusesBadECPoints: a public key with a missing coordinate
// would make Verify panic inside crypto/ecdsa, and a point off its curve
// would make MarshalJWK and MarshalPublicJWKS panic; NewKey refuses both,
// and private keys whose scalar is missing, out of range or not the
// public point's.
func TestNewKeyRefusesBadECPoints(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	x, y := priv.X, priv.Y
	one := big.NewInt(1)
	for name, key := range map[string]any{
		"nil x":                      &ecdsa.PublicKey{Curve: elliptic.P256(), Y: y},
		"nil y":                      &ecdsa.PublicKey{Curve: elliptic.P256(), X: x},
		"nil both":                   &ecdsa.PublicKey{Curve: elliptic.P256()},
		"off the curve":              &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: new(big.Int).Add(y, one)},
		"zero point":                 &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int), Y: new(big.Int)},
		"negative x":                 &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).Neg(x), Y: y},
		"x past the field":           &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).Add(x, elliptic.P256().Params().P), Y: y},
		"private, nil D":             &ecdsa.PrivateKey{PublicKey: priv.PublicKey},
		"private, zero D":            &ecdsa.PrivateKey{PublicKey: priv.PublicKey, D: new(big.Int)},
		"private, D not the point's": &ecdsa.PrivateKey{PublicKey: priv.PublicKey, D: other.D},
		"private, nil point":         &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: elliptic.P256()}, D: priv.D},
	} {
		var k *jwtdemo.Key
		var err error
		require.NotPanics(t, func() { k, err = jwtdemo.NewKey(jwtdemo.ES256, "k", key) }, name)
		if !assert.ErrorIs(t, err, jwtdemo.ErrKey, name) {
			// Show what accepting it leads to.
			assert.NotPanics(t, func() { _, _ = k.MarshalJWK() }, "%s: MarshalJWK", name)
			assert.NotPanics(t, func() { _, _ = verifierFor(t, k).VerifyAt(es256Token(t, priv), t0) }, "%s: Verify", name)
		}
	}
	k, err := jwtdemo.NewKey(jwtdemo.ES256, "k", &priv.PublicKey)
	require.NoError(t, err, "a valid point")
	_, err = verifierFor(t, k).VerifyAt(es256Token(t, priv), t0)
	require.NoError(t, err)
}

func es256Token(t *testing.T, priv *ecdsa.PrivateKey) string {
	t.Helper()
	k, err := jwtdemo.NewKey(jwtdemo.ES256, "k", priv)
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(k)
	require.NoError(t, err)
	tok, err := s.Sign(jwtdemo.Claims{ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
	require.NoError(t, err)
	return tok
}
