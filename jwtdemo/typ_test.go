package jwtdemo_test

import (
	"errors"
	"testing"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypeRequired: a verifier of access tokens that requires typ at+jwt
// (RFC 9068 §4) refuses an ID token of the same issuer, signed with the
// same key, and a token without typ. typ is compared as RFC 7515 §4.1.9
// says: case-insensitively, with "application/" implied when it has no
// slash.
func TestTypeRequired(t *testing.T) {
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) { c.Types = []string{"at+jwt"} })
	for typ, want := range map[string]error{
		`"at+jwt"`:             nil,
		`"AT+JWT"`:             nil,
		`"application/at+jwt"`: nil,
		`"Application/At+JWT"`: nil,
		`"at+jwt\u0000"`:       jwtdemo.ErrType,
		`"JWT"`:                jwtdemo.ErrType,
		`"application/jwt"`:    jwtdemo.ErrType,
		`"text/at+jwt"`:        jwtdemo.ErrType,
		`"at+jwt "`:            jwtdemo.ErrType,
		`"at+jw\u212a"`:        jwtdemo.ErrType, // no Unicode folding: media types fold in ASCII
		`"\u017fecevent+jwt"`:  jwtdemo.ErrType,
		`"application/"`:       jwtdemo.ErrType,
		`""`:                   jwtdemo.ErrType,
		``:                     jwtdemo.ErrType,
	} {
		h := `{"alg":"HS256","typ":` + typ + `}`
		if typ == "" {
			h = `{"alg":"HS256"}`
		}
		tok := forge(secret, h, validPayload)
		_, err := v.VerifyAt(tok, t0)
		if want == nil {
			assert.NoError(t, err, h)
		} else {
			assert.ErrorIs(t, err, want, h)
			_, _, err = v.VerifyJWS(tok)
			assert.ErrorIs(t, err, want, "VerifyJWS: %s", h)
		}
	}
	// The same header twice: the remembered header is checked as well.
	tok := forge(secret, `{"alg":"HS256","typ":"JWT"}`, validPayload)
	for range 2 {
		_, err := v.VerifyAt(tok, t0)
		assert.ErrorIs(t, err, jwtdemo.ErrType)
	}
	// Without Types, typ is not looked at.
	_, err := claimsVerifier(t, nil).VerifyAt(tok, t0)
	assert.NoError(t, err)
	// typ is a header check, made before the key and the signature are,
	// as alg is.
	bad := forge([]byte("not the verifier's secret, 32 b."), `{"alg":"HS256","typ":"JWT"}`, validPayload)
	_, err = v.VerifyAt(bad, t0)
	assert.True(t, errors.Is(err, jwtdemo.ErrType))
}

func TestTypesConfig(t *testing.T) {
	set, err := jwtdemo.NewKeySet()
	require.NoError(t, err)
	for _, types := range [][]string{{""}, {"at+jwt", ""}, {"at jwt"}, {"at+jwt\n"}, {"application/"}} {
		_, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}, Types: types})
		assert.ErrorIs(t, err, jwtdemo.ErrInvalidConfig, "%q", types)
	}
}
