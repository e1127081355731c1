package jwtdemo_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// JWKs of the shapes identity providers publish, built on the RFC 7515
// keys.
var (
	rsaJWK   = func(extra string) string { return `{"kty":"RSA",` + extra + `"n":"` + rfc7515A2N + `","e":"AQAB"}` }
	ecJWK    = strings.TrimSuffix(rfc7515A3Key, "}")
	entraSet = `{"keys":[` +
		rsaJWK(`"use":"sig","kid":"with-alg","alg":"RS256",`) + `,` +
		rsaJWK(`"use":"sig","kid":"no-alg","x5t":"abc","x5c":["MIIB"],"issuer":"https://login.example/{tenantid}/v2.0",`) + `]}`
	keycloakSet = `{"keys":[` +
		rsaJWK(`"kid":"sig-1","use":"sig","alg":"RS256",`) + `,` +
		rsaJWK(`"kid":"enc-1","use":"enc","alg":"RSA-OAEP",`) + `]}`
)

func kids(set *jwtdemo.KeySet) []string {
	var out []string
	for _, k := range set.Keys() {
		out = append(out, k.KeyID()+":"+string(k.Algorithm()))
	}
	return out
}

// TestParseJWKSetSkipsKeysItCannotUse: a set is imported with the keys it
// can verify with; the others are reported, not fatal.
func TestParseJWKSetSkipsKeysItCannotUse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     string
		cfg     jwtdemo.JWKSetConfig
		kids    []string
		skipped []string // kids of the keys reported as skipped
	}{
		{"key without alg, none given", entraSet, jwtdemo.JWKSetConfig{}, []string{"with-alg:RS256"}, []string{"no-alg"}},
		{"key without alg, RSA given", entraSet, jwtdemo.JWKSetConfig{AlgorithmByKeyType: map[string]jwtdemo.Algorithm{"RSA": jwtdemo.RS256}},
			[]string{"no-alg:RS256", "with-alg:RS256"}, nil},
		{"key without alg, only EC given", entraSet, jwtdemo.JWKSetConfig{AlgorithmByKeyType: map[string]jwtdemo.Algorithm{"EC": jwtdemo.ES256}},
			[]string{"with-alg:RS256"}, []string{"no-alg"}},
		{"encryption key beside a signing key", keycloakSet, jwtdemo.JWKSetConfig{}, []string{"sig-1:RS256"}, []string{"enc-1"}},
		{"key_ops without verify", `{"keys":[` + rsaJWK(`"kid":"a","alg":"RS256",`) + `,` + rsaJWK(`"kid":"b","alg":"RS256","key_ops":["encrypt"],`) + `]}`,
			jwtdemo.JWKSetConfig{}, []string{"a:RS256"}, []string{"b"}},
		{"unsupported algorithms", `{"keys":[` + rsaJWK(`"kid":"a","alg":"RS256",`) + `,` +
			ecJWK + `,"kid":"k1","alg":"ES256K"},` + ecJWK + `,"kid":"none","alg":"none"},{"kty":"AKP","kid":"pq","alg":"ML-DSA-44","pub":"AAAA"},` +
			`{"kty":"OKP","kid":"x","crv":"X25519","x":"` + rfc8037X + `"},{"kty":"OKP","kid":"ed448","alg":"EdDSA","crv":"Ed448","x":"AAAA"}]}`,
			jwtdemo.JWKSetConfig{AlgorithmByKeyType: map[string]jwtdemo.Algorithm{"OKP": jwtdemo.EdDSA}}, []string{"a:RS256"}, []string{"k1", "none", "pq", "x", "ed448"}},
		{"EC key without alg on another curve than given", `{"keys":[` + ecJWK + `,"kid":"p256"},` + strings.Replace(ecJWK, "P-256", "P-384", 1) + `,"kid":"p384"}]}`,
			jwtdemo.JWKSetConfig{AlgorithmByKeyType: map[string]jwtdemo.Algorithm{"EC": jwtdemo.ES256}}, []string{"p256:ES256"}, []string{"p384"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, skipped, err := jwtdemo.ParseJWKSet([]byte(tc.set), tc.cfg)
			require.NoError(t, err)
			assert.Equal(t, tc.kids, kids(set))
			var got []string
			for _, s := range skipped {
				got = append(got, s.KeyID)
				assert.ErrorIs(t, s.Reason, jwtdemo.ErrKey)
			}
			assert.Equal(t, tc.skipped, got)
		})
	}
}

// TestParseJWKSetRefuses: a set with no key to verify with is an error,
// not an empty set that fails every token later; so is a set holding a
// signature key that is broken.
func TestParseJWKSetRefuses(t *testing.T) {
	for name, set := range map[string]string{
		"empty object":    `{}`,
		"keys null":       `{"keys":null}`,
		"keys empty":      `{"keys":[]}`,
		"keys not array":  `{"keys":{}}`,
		"only enc keys":   `{"keys":[` + rsaJWK(`"use":"enc","alg":"RSA-OAEP",`) + `]}`,
		"only no-alg key": `{"keys":[` + rsaJWK(``) + `]}`,
		"not JSON":        `{"keys":[`,
		"broken sig key":  `{"keys":[` + rsaJWK(`"kid":"a","alg":"RS256",`) + `,{"kty":"RSA","kid":"b","alg":"RS256","n":"AQAB","e":"AQAB"}]}`,
		"wrong kty":       `{"keys":[` + rsaJWK(`"kid":"a","alg":"ES256",`) + `]}`,
	} {
		set, _, err := jwtdemo.ParseJWKSet([]byte(set), jwtdemo.JWKSetConfig{})
		assert.ErrorIs(t, err, jwtdemo.ErrKey, name)
		assert.Nil(t, set, name)
	}
	// Two usable keys with one kid cannot be told apart.
	_, _, err := jwtdemo.ParseJWKSet([]byte(`{"keys":[`+rsaJWK(`"kid":"a","alg":"RS256",`)+`,`+rsaJWK(`"kid":"a","alg":"PS256",`)+`]}`), jwtdemo.JWKSetConfig{})
	assert.Error(t, err)
}

func TestJWKSetConfigValidated(t *testing.T) {
	for name, m := range map[string]map[string]jwtdemo.Algorithm{
		"alg of another key type": {"RSA": jwtdemo.ES256},
		"unsupported alg":         {"RSA": "RSA-OAEP"},
		"none":                    {"oct": "none"},
		"unknown kty":             {"AKP": jwtdemo.EdDSA},
	} {
		_, _, err := jwtdemo.ParseJWKSet([]byte(entraSet), jwtdemo.JWKSetConfig{AlgorithmByKeyType: m})
		assert.True(t, errors.Is(err, jwtdemo.ErrInvalidConfig), "%s: %v", name, err)
	}
}
