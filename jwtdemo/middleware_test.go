package jwtdemo_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// middleware returns jwtdemo.Middleware(cfg), failing the test if cfg is
// refused.
func middleware(t *testing.T, cfg jwtdemo.MiddlewareConfig) func(http.Handler) http.Handler {
	t.Helper()
	mw, err := jwtdemo.Middleware(cfg)
	require.NoError(t, err)
	return mw
}

// middlewareFixture is a verifier at t0, its signer, and a handler that
// answers "hello <sub>" from the claims in the request's context.
type middlewareFixture struct {
	v     *jwtdemo.Verifier
	sign  func(jwtdemo.Claims) string
	hello http.Handler
}

func newMiddlewareFixture(t *testing.T) middlewareFixture {
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret)
	require.NoError(t, err)
	set, err := jwtdemo.NewKeySet(key)
	require.NoError(t, err)
	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256},
		Now: func() time.Time { return t0 },
	})
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	return middlewareFixture{
		v: v,
		sign: func(c jwtdemo.Claims) string {
			tok, err := s.Sign(c)
			require.NoError(t, err)
			return tok
		},
		hello: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := jwtdemo.ClaimsFromContext(r.Context())
			require.True(t, ok)
			fmt.Fprint(w, "hello "+c.Subject)
		}),
	}
}

func serve(h http.Handler, authorization string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/orders", nil)
	if authorization != "" {
		req.Header["Authorization"] = []string{authorization}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMiddleware(t *testing.T) {
	f := newMiddlewareFixture(t)
	exp := jwtdemo.NewNumericDate(t0.Add(time.Hour))
	reader := f.sign(jwtdemo.Claims{Subject: "u-1", ExpiresAt: exp, Scope: "orders:read"})
	writer := f.sign(jwtdemo.Claims{Subject: "u-2", ExpiresAt: exp, Scope: "orders:read orders:write"})
	expired := f.sign(jwtdemo.Claims{Subject: "u-3", ExpiresAt: jwtdemo.NewNumericDate(t0)})

	authenticated := middleware(t, jwtdemo.MiddlewareConfig{Verifier: f.v})
	read := authenticated(middleware(t, jwtdemo.MiddlewareConfig{Verifier: f.v, Scopes: []string{"orders:read"}})(f.hello))
	write := middleware(t, jwtdemo.MiddlewareConfig{Verifier: f.v, Scopes: []string{"orders:read", "orders:write"}})(f.hello)

	cases := []struct {
		name          string
		handler       http.Handler
		authorization string
		status        int
		challenge     string
		body          string
	}{
		{"no header", read, "", 401, `Bearer`, ""},
		{"basic auth", read, "Basic dXNlcjpwYXNz", 401, `Bearer`, ""},
		{"bearer without token", read, "Bearer ", 400, `Bearer error="invalid_request"`, ""},
		{"garbage token", read, "Bearer abc.def.ghi", 401, `Bearer error="invalid_token"`, ""},
		{"expired", read, "Bearer " + expired, 401, `Bearer error="invalid_token"`, ""},
		{"valid", read, "Bearer " + reader, 200, "", "hello u-1"},
		{"scheme in lower case", read, "bearer " + reader, 200, "", "hello u-1"},
		{"scope missing", write, "Bearer " + reader, 403, `Bearer error="insufficient_scope", scope="orders:read orders:write"`, ""},
		{"scopes present", write, "Bearer " + writer, 200, "", "hello u-2"},
		{"no scopes asked", authenticated(f.hello), "Bearer " + reader, 200, "", "hello u-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(tc.handler, tc.authorization)
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.challenge, rec.Header().Get("WWW-Authenticate"))
			if tc.body != "" {
				assert.Equal(t, tc.body, rec.Body.String())
			}
		})
	}
}

// TestMiddlewareVerifiesItself: a Middleware checks the bearer token
// itself unless a Middleware of the same verifier already has for this
// request; behind another verifier's it does not take that verifier's
// word.
func TestMiddlewareVerifiesItself(t *testing.T) {
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
	mw := func(v *jwtdemo.Verifier, scopes ...string) func(http.Handler) http.Handler {
		return middleware(t, jwtdemo.MiddlewareConfig{Verifier: v, Scopes: scopes})
	}
	for name, tc := range map[string]struct {
		h      http.Handler
		status int
	}{
		"alone":                     {mw(orders, "read")(hello), 200},
		"behind its Middleware":     {mw(orders)(mw(orders, "read")(hello)), 200},
		"scope missing":             {mw(orders, "write")(hello), 403},
		"scope missing behind":      {mw(orders)(mw(orders, "write")(hello)), 403},
		"another verifier's":        {mw(billing, "read")(hello), 401},
		"behind another verifier's": {mw(orders)(mw(billing, "read")(hello)), 401},
	} {
		rec := serve(tc.h, "Bearer "+tok)
		assert.Equal(t, tc.status, rec.Code, name)
	}
}

// TestMiddlewareValidatesConfig: a middleware that would refuse or admit
// everyone is a configuration error, not a handler.
func TestMiddlewareValidatesConfig(t *testing.T) {
	f := newMiddlewareFixture(t)
	for name, cfg := range map[string]jwtdemo.MiddlewareConfig{
		"no verifier":       {},
		"zero verifier":     {Verifier: &jwtdemo.Verifier{}},
		"two scopes in one": {Verifier: f.v, Scopes: []string{"a b"}},
		"empty scope":       {Verifier: f.v, Scopes: []string{"read", ""}},
		"quote in a scope":  {Verifier: f.v, Scopes: []string{`a"b`}},
	} {
		mw, err := jwtdemo.Middleware(cfg)
		assert.ErrorIs(t, err, jwtdemo.ErrInvalidConfig, name)
		assert.Nil(t, mw, name)
	}
	scopes := []string{"read"}
	h := middleware(t, jwtdemo.MiddlewareConfig{Verifier: f.v, Scopes: scopes})(f.hello)
	scopes[0] = "write"
	tok := f.sign(jwtdemo.Claims{Subject: "u", Scope: "read", ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
	assert.Equal(t, 200, serve(h, "Bearer "+tok).Code, "the scopes are copied")
}

// TestBearerSyntax: the credentials are "Bearer", one or more spaces and
// the token (RFC 6750 §2.1). A Bearer header that is otherwise malformed
// (a tab for the space, no token, characters a token cannot hold) is a
// bad request, 400 invalid_request (RFC 6750 §3.1), not a missing token.
func TestBearerSyntax(t *testing.T) {
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) { c.Now = func() time.Time { return t0 } })
	tok := forge(secret, `{"alg":"HS256"}`, validPayload)
	h := middleware(t, jwtdemo.MiddlewareConfig{Verifier: v})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
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
		rec := serve(h, header)
		assert.Equal(t, want.status, rec.Code, "%q", header)
		assert.Equal(t, want.challenge, rec.Header().Get("WWW-Authenticate"), "%q", header)
	}
}

// refusals are the requests a middleware asking for orders:write refuses,
// one per cause, with the status, challenge and sentinel of each.
func refusals(f middlewareFixture) []struct {
	name, authorization string
	status              int
	challenge           string
	sentinel            error
	also                error
} {
	exp := jwtdemo.NewNumericDate(t0.Add(time.Hour))
	reader := f.sign(jwtdemo.Claims{Subject: "u-1", ExpiresAt: exp, Scope: "orders:read"})
	expired := f.sign(jwtdemo.Claims{Subject: "u-3", ExpiresAt: jwtdemo.NewNumericDate(t0)})
	return []struct {
		name, authorization string
		status              int
		challenge           string
		sentinel            error
		also                error
	}{
		{"no credentials", "", 401, `Bearer`, jwtdemo.ErrMissingCredentials, nil},
		{"another scheme", "Basic dXNlcjpwYXNz", 401, `Bearer`, jwtdemo.ErrMissingCredentials, nil},
		{"malformed credentials", "Bearer a,b", 400, `Bearer error="invalid_request"`, jwtdemo.ErrMalformedCredentials, nil},
		{"bad signature", "Bearer " + reader[:len(reader)-2] + "AA", 401, `Bearer error="invalid_token"`, jwtdemo.ErrInvalidToken, jwtdemo.ErrSignature},
		{"expired", "Bearer " + expired, 401, `Bearer error="invalid_token"`, jwtdemo.ErrInvalidToken, jwtdemo.ErrExpired},
		{"insufficient scope", "Bearer " + reader, 403, `Bearer error="insufficient_scope", scope="orders:write"`, jwtdemo.ErrInsufficientScope, nil},
	}
}

// TestMiddlewareWriteError: a custom WriteError gets every refusal, with
// the status to send, an err that errors.Is its sentinel (and the
// verification's own, for an invalid token), and the challenge already
// set; the handler is not called.
func TestMiddlewareWriteError(t *testing.T) {
	f := newMiddlewareFixture(t)
	var got struct {
		calls     int
		status    int
		err       error
		challenge string
	}
	h := middleware(t, jwtdemo.MiddlewareConfig{
		Verifier: f.v,
		Scopes:   []string{"orders:write"},
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			got.calls++
			got.status, got.err, got.challenge = status, err, w.Header().Get("WWW-Authenticate")
			w.WriteHeader(599)
		},
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called for a refused request") }))
	for _, tc := range refusals(f) {
		got.calls = 0
		rec := serve(h, tc.authorization)
		require.Equal(t, 1, got.calls, tc.name)
		assert.Equal(t, 599, rec.Code, "%s: WriteError writes the response", tc.name)
		assert.Equal(t, tc.status, got.status, tc.name)
		assert.Equal(t, tc.challenge, got.challenge, "%s: challenge set before WriteError", tc.name)
		assert.ErrorIs(t, got.err, tc.sentinel, tc.name)
		if tc.also != nil {
			assert.ErrorIs(t, got.err, tc.also, tc.name)
		}
		assert.Equal(t, 1, strings.Count(got.err.Error(), "jwtdemo:"), "%s: %q", tc.name, got.err)
		for _, other := range []error{jwtdemo.ErrMissingCredentials, jwtdemo.ErrMalformedCredentials, jwtdemo.ErrInvalidToken, jwtdemo.ErrInsufficientScope} {
			if other != tc.sentinel {
				assert.False(t, errors.Is(got.err, other), "%s: %v is also %v", tc.name, got.err, other)
			}
		}
	}
}

// TestMiddlewareProblemResponse: without WriteError a refusal is an
// RFC 9457 problem document with the status, a fixed detail per cause
// that says nothing of the token, and the challenge header.
func TestMiddlewareProblemResponse(t *testing.T) {
	f := newMiddlewareFixture(t)
	h := middleware(t, jwtdemo.MiddlewareConfig{Verifier: f.v, Scopes: []string{"orders:write"}})(f.hello)
	details := map[string]bool{}
	for _, tc := range refusals(f) {
		rec := serve(h, tc.authorization)
		assert.Equal(t, tc.status, rec.Code, tc.name)
		assert.Equal(t, tc.challenge, rec.Header().Get("WWW-Authenticate"), tc.name)
		assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), tc.name)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), tc.name)
		detail, _ := body["detail"].(string)
		assert.NotEmpty(t, detail, tc.name)
		details[detail] = true
		assert.Equal(t, map[string]any{
			"type":     "about:blank",
			"title":    http.StatusText(tc.status),
			"status":   float64(tc.status),
			"detail":   detail,
			"instance": "/orders",
		}, body, tc.name)
		if tok, ok := strings.CutPrefix(tc.authorization, "Bearer "); ok {
			assert.NotContains(t, rec.Body.String(), tok, "%s: the body quotes the token", tc.name)
		}
		assert.NotContains(t, detail, "jwtdemo", "%s: the detail is for the client, not the log", tc.name)
	}
	assert.Len(t, details, 4, "one detail per cause: %q", details)
}
