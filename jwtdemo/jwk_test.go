package jwtdemo_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJWKRoundTrip(t *testing.T) {
	for _, k := range testKeys(t) {
		t.Run(string(k.Algorithm()), func(t *testing.T) {
			j, err := k.MarshalJWK()
			require.NoError(t, err)
			var m map[string]any
			require.NoError(t, json.Unmarshal(j, &m))
			assert.Equal(t, string(k.Algorithm()), m["alg"])
			assert.Equal(t, k.KeyID(), m["kid"])
			assert.Equal(t, "sig", m["use"])
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				assert.NotContains(t, m, private, "private members are never exported")
			}
			back, err := jwtdemo.ParseJWK(j, "")
			require.NoError(t, err)
			again, err := back.MarshalJWK()
			require.NoError(t, err)
			assert.JSONEq(t, string(j), string(again))

			// The imported key verifies what the original signs.
			s, err := jwtdemo.NewSigner(k)
			require.NoError(t, err)
			tok, err := s.SignPayload([]byte("payload"))
			require.NoError(t, err)
			_, payload, err := verifierFor(t, back).VerifyJWS(tok)
			require.NoError(t, err)
			assert.Equal(t, "payload", string(payload))
		})
	}
}

func TestJWKSet(t *testing.T) {
	keys := testKeys(t)
	set, err := jwtdemo.NewKeySet(keys...)
	require.NoError(t, err)
	b, err := set.MarshalPublicJWKS()
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"kty":"oct"`, "HMAC secrets are not public")
	back, skipped, err := jwtdemo.ParseJWKSet(b, jwtdemo.JWKSetConfig{})
	require.NoError(t, err)
	assert.Len(t, back.Keys(), len(keys)-3)
	assert.Empty(t, skipped)
	for _, k := range back.Keys() {
		assert.False(t, k.CanSign())
	}
	_, _, err = jwtdemo.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","k":"`+strings.Repeat("A", 43)+`"}]}`), jwtdemo.JWKSetConfig{})
	assert.ErrorIs(t, err, jwtdemo.ErrKey, "a key without alg cannot be bound")
}

func TestParseJWKRefuses(t *testing.T) {
	k32 := strings.Repeat("A", 43)
	for name, tc := range map[string]struct {
		jwk string
		alg jwtdemo.Algorithm
	}{
		"not JSON":            {`{`, jwtdemo.HS256},
		"no alg anywhere":     {`{"kty":"oct","k":"` + k32 + `"}`, ""},
		"alg disagrees":       {`{"kty":"oct","alg":"HS384","k":"` + k32 + `"}`, jwtdemo.HS256},
		"alg none":            {`{"kty":"oct","alg":"none","k":"` + k32 + `"}`, ""},
		"use enc":             {`{"kty":"oct","use":"enc","k":"` + k32 + `"}`, jwtdemo.HS256},
		"key_ops encrypt":     {`{"kty":"oct","key_ops":["encrypt"],"k":"` + k32 + `"}`, jwtdemo.HS256},
		"kty for another alg": {`{"kty":"RSA","n":"AQAB","e":"AQAB"}`, jwtdemo.HS256},
		"k padded":            {`{"kty":"oct","k":"` + k32 + `="}`, jwtdemo.HS256},
		"k standard alphabet": {`{"kty":"oct","k":"+` + k32[1:] + `"}`, jwtdemo.HS256},
		"k missing":           {`{"kty":"oct"}`, jwtdemo.HS256},
		"EC wrong curve":      {rfc7515A3Key, jwtdemo.ES384},
		"EC point off curve":  {strings.Replace(rfc7515A3Key, `"x":"f`, `"x":"g`, 1), jwtdemo.ES256},
		"EC short x":          {`{"kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB"}`, jwtdemo.ES256},
		"RSA small modulus":   {`{"kty":"RSA","n":"` + strings.Repeat("B", 170) + `","e":"AQAB"}`, jwtdemo.RS256},
		"RSA leading zero e":  {`{"kty":"RSA","n":"` + rfc7515A2N + `","e":"AAEAAQ"}`, jwtdemo.RS256},
		"OKP wrong curve":     {`{"kty":"OKP","crv":"X25519","x":"` + rfc8037X + `"}`, jwtdemo.EdDSA},
		"OKP short x":         {`{"kty":"OKP","crv":"Ed25519","x":"AQAB"}`, jwtdemo.EdDSA},
	} {
		_, err := jwtdemo.ParseJWK([]byte(tc.jwk), tc.alg)
		assert.ErrorIs(t, err, jwtdemo.ErrKey, name)
	}
}
