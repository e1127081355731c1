package jwtdemo_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequiredNeedsAValue: Required "aud" or "scope" is not satisfied by
// a member that holds no value: "aud": [] names no recipient at all.
func TestRequiredNeedsAValue(t *testing.T) {
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) { c.Required = []string{"aud", "scope"} })
	exp := `"exp":` + sec(time.Hour)
	for payload, want := range map[string]error{
		`{` + exp + `,"aud":"a","scope":"s"}`:     nil,
		`{` + exp + `,"aud":["a"],"scope":["s"]}`: nil,
		`{` + exp + `,"aud":[],"scope":"s"}`:      jwtdemo.ErrMissingClaim,
		`{` + exp + `,"aud":"a","scope":[]}`:      jwtdemo.ErrMissingClaim,
		`{` + exp + `,"aud":"a","scope":""}`:      jwtdemo.ErrMissingClaim,
		`{` + exp + `,"aud":"a"}`:                 jwtdemo.ErrMissingClaim,
		`{` + exp + `,"aud":"","scope":"s"}`:      nil, // one value, empty
	} {
		_, err := v.VerifyAt(forge(secret, `{"alg":"HS256"}`, payload), t0)
		if want == nil {
			assert.NoError(t, err, payload)
		} else {
			assert.ErrorIs(t, err, want, payload)
		}
	}
}

// TestScopeArray: some issuers write scope as an array of scope tokens.
// It reads as the space-separated string RFC 8693 §4.2 defines, here and
// in encoding/json alike; an element that is not one scope token is
// refused, as it would read as several.
func TestScopeArray(t *testing.T) {
	v := claimsVerifier(t, nil)
	exp := `"exp":` + sec(time.Hour)
	tok := forge(secret, `{"alg":"HS256"}`, `{`+exp+`,"scope":["orders:read","orders:write"]}`)
	got, c, err := jwtdemo.VerifyAs[appClaims](v, tok, t0)
	require.NoError(t, err)
	assert.Equal(t, jwtdemo.Scope("orders:read orders:write"), c.Scope)
	assert.True(t, c.HasScope("orders:write"))
	assert.Equal(t, c.Scope, got.Scope)
	for _, bad := range []string{`["a b"]`, `[""]`, `["a",1]`, `["a",null]`, `[["a"]]`, `{}`, `1`, `null`, `["a\tb"]`} {
		_, err := v.VerifyAt(forge(secret, `{"alg":"HS256"}`, `{`+exp+`,"scope":`+bad+`}`), t0)
		assert.ErrorIs(t, err, jwtdemo.ErrInvalidClaim, bad)
		var s jwtdemo.Scope
		assert.Error(t, json.Unmarshal([]byte(bad), &s), bad)
	}
	b, err := json.Marshal(jwtdemo.Claims{Scope: "a b"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"scope":"a b"}`, string(b), "scope is written as a string")
}
