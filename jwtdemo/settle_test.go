package jwtdemo_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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

// TestRequireScopesVerifiesItself: RequireScopes is the verifier's, and
// checks the bearer token itself when its Middleware has not, so it
// cannot be placed where it refuses everyone; behind another verifier's
// Middleware it does not take that verifier's word.
func TestRequireScopesVerifiesItself(t *testing.T) {
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret)
	require.NoError(t, err)
	set, err := jwtdemo.NewKeySet(key)
	require.NoError(t, err)
	newV := func(aud string) *jwtdemo.Verifier {
		v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}, Audience: aud, Now: func() time.Time { return t0 }})
		require.NoError(t, err)
		return v
	}
	orders, billing := newV("orders"), newV("billing")
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	tok, err := s.Sign(jwtdemo.Claims{Subject: "u", Audience: jwtdemo.Audience{"orders"}, Scope: "read", ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
	require.NoError(t, err)
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := jwtdemo.ClaimsFromContext(r.Context())
		require.True(t, ok)
		w.Write([]byte("hello " + c.Subject))
	})
	for name, tc := range map[string]struct {
		h      http.Handler
		status int
	}{
		"alone":                      {orders.RequireScopes(hello, "read"), 200},
		"behind its Middleware":      {orders.Middleware(orders.RequireScopes(hello, "read")), 200},
		"in front of its Middleware": {orders.RequireScopes(orders.Middleware(hello), "read"), 200},
		"scope missing":              {orders.RequireScopes(hello, "write"), 403},
		"another verifier's":         {billing.RequireScopes(hello, "read"), 401},
		"behind another verifier's":  {orders.Middleware(billing.RequireScopes(hello, "read")), 401},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, req)
		assert.Equal(t, tc.status, rec.Code, name)
	}
	assert.Panics(t, func() { orders.RequireScopes(hello) }, "no scope")
	assert.Panics(t, func() { orders.RequireScopes(hello, "a b") }, "two scopes in one")
	assert.Panics(t, func() { orders.RequireScopes(hello, "") }, "empty scope")
}

// TestBearerSyntax: the credentials are "Bearer", one or more spaces and
// the token (RFC 6750 §2.1). A Bearer header that is otherwise malformed
// (a tab for the space, no token, characters a token cannot hold) is a
// bad request, 400 invalid_request (RFC 6750 §3.1), not a missing token.
func TestBearerSyntax(t *testing.T) {
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) { c.Now = func() time.Time { return t0 } })
	tok := forge(secret, `{"alg":"HS256"}`, validPayload)
	h := v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for header, want := range map[string]struct {
		status    int
		challenge string
	}{
		"Bearer " + tok:             {200, ""},
		"bEARER " + tok:             {200, ""},
		"Bearer   " + tok:           {200, ""},
		"Bearer\t" + tok:            {400, `Bearer error="invalid_request"`},
		"Bearer \t" + tok:           {400, `Bearer error="invalid_request"`},
		"Bearer " + tok + "\t":      {400, `Bearer error="invalid_request"`},
		"Bearer " + tok + " x":      {400, `Bearer error="invalid_request"`},
		"Bearer":                    {400, `Bearer error="invalid_request"`},
		"Bearer a,b":                {400, `Bearer error="invalid_request"`},
		"Bearer " + tok[:10] + "==": {401, `Bearer error="invalid_token"`},
		"Bearertoken":               {401, "Bearer"},
		"Basic dXNlcjpwYXNz":        {401, "Bearer"},
		"":                          {401, "Bearer"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			req.Header["Authorization"] = []string{header}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want.status, rec.Code, "%q", header)
		assert.Equal(t, want.challenge, rec.Header().Get("WWW-Authenticate"), "%q", header)
	}
}
