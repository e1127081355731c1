package jwtdemo

import (
	"context"
	"net/http"
	"strings"
)

type claimsKey struct{}

// verified is what a verifier's handlers put in a request's context: the
// claims, and which verifier checked them.
type verified struct {
	by     *Verifier
	claims Claims
}

// ClaimsFromContext returns the claims that [Verifier.Middleware] or
// [Verifier.RequireScopes] stored in the request's context.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	v, ok := ctx.Value(claimsKey{}).(*verified)
	if !ok {
		return nil, false
	}
	return &v.claims, true
}

// Middleware returns a handler that admits a request only with a valid
// bearer token in its Authorization header and passes the verified claims
// to next in the request's context. The header must be the Bearer scheme
// (in any casing), one or more spaces and the token (RFC 6750 §2.1).
// A request without Bearer credentials gets 401 with
// "WWW-Authenticate: Bearer"; one whose Bearer credentials are malformed
// (a tab for the space, no token, characters a token cannot hold, text
// after it) gets 400 with `Bearer error="invalid_request"`; one whose
// token fails verification gets 401 with `Bearer error="invalid_token"`
// (RFC 6750 §3.1). The response does not say why a token failed.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r, ok := v.authenticate(w, r); ok {
			next.ServeHTTP(w, r)
		}
	})
}

// authenticate verifies the request's bearer token, unless v already did
// for this request, and returns the request with the claims in its
// context; or it answers the request and returns false.
func (v *Verifier) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if done, ok := r.Context().Value(claimsKey{}).(*verified); ok && done.by == v {
		return r, true
	}
	token, status := bearerToken(r.Header.Get("Authorization"))
	switch status {
	case bearerAbsent:
		w.Header().Set("WWW-Authenticate", "Bearer")
		http.Error(w, "missing bearer token", http.StatusUnauthorized)
		return nil, false
	case bearerMalformed:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
		http.Error(w, "malformed bearer credentials", http.StatusBadRequest)
		return nil, false
	}
	c, err := v.Verify(token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return nil, false
	}
	return r.WithContext(context.WithValue(r.Context(), claimsKey{}, &verified{by: v, claims: c})), true
}

const (
	bearerOK = iota
	bearerAbsent
	bearerMalformed
)

// bearerToken extracts the token of an Authorization header of the form
// "Bearer" 1*SP b64token (RFC 6750 §2.1), the scheme in any casing. It
// reports bearerAbsent for another scheme or none, and bearerMalformed
// for the Bearer scheme followed by anything else.
func bearerToken(h string) (string, int) {
	const scheme = "Bearer"
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", bearerAbsent
	}
	rest := h[len(scheme):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", bearerAbsent // another scheme, such as "Bearertoken"
	}
	token := strings.TrimLeft(rest, " ")
	if len(token) == len(rest) || !isB64Token(token) {
		return "", bearerMalformed
	}
	return token, bearerOK
}

// isB64Token reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	end := len(s)
	for end > 0 && s[end-1] == '=' {
		end--
	}
	if end == 0 {
		return false
	}
	for i := 0; i < end; i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

// RequireScopes returns a handler that passes a request to next only with
// a valid bearer token whose scope claim holds every one of scopes, and
// with its claims in the request's context. It verifies the token as
// [Verifier.Middleware] does, unless v's own Middleware (or RequireScopes)
// already has for this request, so it works alone, behind v.Middleware or
// in front of it; claims another verifier checked are not taken as v's.
// A token without the scopes gets 403 with
// `Bearer error="insufficient_scope"` and the scopes needed (RFC 6750
// §3.1); other failures get Middleware's answers.
//
// RequireScopes panics if scopes is empty or one is not an RFC 6749 §3.3
// scope token (printable ASCII without space, '"' or '\'): that is a
// mistake in the program, not in a request, and would otherwise refuse
// or admit everyone.
func (v *Verifier) RequireScopes(next http.Handler, scopes ...string) http.Handler {
	if len(scopes) == 0 {
		panic("jwtdemo: RequireScopes without a scope")
	}
	for _, s := range scopes {
		if !isScopeToken(s) {
			panic("jwtdemo: RequireScopes: " + `"` + s + `" is not a scope token`)
		}
	}
	needed := strings.Join(scopes, " ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := v.authenticate(w, r)
		if !ok {
			return
		}
		c, _ := ClaimsFromContext(r.Context())
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
