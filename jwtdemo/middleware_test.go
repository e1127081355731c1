package jwtdemo_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMiddleware(t *testing.T) {
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
	sign := func(c jwtdemo.Claims) string {
		tok, err := s.Sign(c)
		require.NoError(t, err)
		return tok
	}
	exp := jwtdemo.NewNumericDate(t0.Add(time.Hour))
	reader := sign(jwtdemo.Claims{Subject: "u-1", ExpiresAt: exp, Scope: "orders:read"})
	writer := sign(jwtdemo.Claims{Subject: "u-2", ExpiresAt: exp, Scope: "orders:read orders:write"})
	expired := sign(jwtdemo.Claims{Subject: "u-3", ExpiresAt: jwtdemo.NewNumericDate(t0)})

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := jwtdemo.ClaimsFromContext(r.Context())
		require.True(t, ok)
		fmt.Fprint(w, "hello "+c.Subject)
	})
	read := v.Middleware(v.RequireScopes(hello, "orders:read"))
	write := v.RequireScopes(hello, "orders:read", "orders:write")

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
		{"scopes without middleware", v.RequireScopes(hello, "orders:write"), "Bearer " + writer, 200, "", "hello u-2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/orders", nil)
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			rec := httptest.NewRecorder()
			tc.handler.ServeHTTP(rec, req)
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.challenge, rec.Header().Get("WWW-Authenticate"))
			if tc.body != "" {
				assert.Equal(t, tc.body, rec.Body.String())
			}
		})
	}
}
