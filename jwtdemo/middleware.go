package jwtdemo

import (
	"context"
	"net/http"
	"strings"
)

type claimsKey struct{}

// ClaimsFromContext returns the claims that [Verifier.Middleware] stored in
// the request's context.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// Middleware returns a handler that admits a request only with a valid
// bearer token in its Authorization header (RFC 6750 §2.1) and passes the
// verified claims to next in the request's context. A request without a
// bearer token gets 401 with "WWW-Authenticate: Bearer"; one whose token
// fails verification gets 401 with `Bearer error="invalid_token"`
// (RFC 6750 §3). The response does not say why a token failed.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			http.Error(w, "missing bearer token", http.StatusUnauthorized)
			return
		}
		c, err := v.Verify(token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, &c)))
	})
}

// bearerToken extracts the token of an Authorization header of the form
// "Bearer <token>", the scheme in any casing.
func bearerToken(h string) (string, bool) {
	const scheme = "Bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimLeft(h[len(scheme):], " "), true
}

// RequireScopes returns a handler, to be placed behind
// [Verifier.Middleware], that passes a request to next only if the token's
// scope claim holds every one of scopes. Otherwise it answers 403 with
// `Bearer error="insufficient_scope"` and the scopes needed (RFC 6750
// §3.1), or 401 if the request carries no verified claims at all.
func RequireScopes(next http.Handler, scopes ...string) http.Handler {
	needed := strings.Join(scopes, " ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFromContext(r.Context())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		for _, s := range scopes {
			if !c.HasScope(s) {
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+needed+`"`)
				http.Error(w, "insufficient scope", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
