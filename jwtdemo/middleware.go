package jwtdemo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/backendkit/backendkit/internal/problem"
)

// Errors a [Middleware] passes to MiddlewareConfig.WriteError, one for
// each kind of refusal.
var (
	// ErrMissingCredentials: the request has no Authorization header with
	// the Bearer scheme (401, "WWW-Authenticate: Bearer").
	ErrMissingCredentials = errors.New("jwtdemo: no bearer token")
	// ErrMalformedCredentials: the Authorization header is the Bearer
	// scheme but not followed by exactly one token (400,
	// `Bearer error="invalid_request"`).
	ErrMalformedCredentials = errors.New("jwtdemo: malformed bearer credentials")
	// ErrInvalidToken: the token failed verification (401,
	// `Bearer error="invalid_token"`). The error also wraps the
	// verifier's, so errors.Is tells ErrExpired from ErrSignature.
	ErrInvalidToken = errors.New("jwtdemo: invalid token")
	// ErrInsufficientScope: the token is valid but lacks one of the
	// scopes required (403, `Bearer error="insufficient_scope"` with
	// scope="…", the scopes required).
	ErrInsufficientScope = errors.New("jwtdemo: insufficient scope")
)

type claimsKey struct{}

// verified is what a middleware puts in a request's context: the claims,
// and which verifier checked them.
type verified struct {
	by     *Verifier
	claims Claims
}

// ClaimsFromContext returns the claims that a [Middleware] verified and
// stored in the request's context.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	v, ok := ctx.Value(claimsKey{}).(*verified)
	if !ok {
		return nil, false
	}
	return &v.claims, true
}

// MiddlewareConfig configures [Middleware].
type MiddlewareConfig struct {
	// Verifier verifies the bearer token of every request. Required, and
	// made by NewVerifier.
	Verifier *Verifier
	// Scopes lists the scopes a token must all hold in its scope claim,
	// each an RFC 6749 §3.3 scope token (printable ASCII without space,
	// '"' or '\'). Nil means any valid token is admitted.
	Scopes []string
	// WriteError writes the response for a request the middleware refuses. The
	// headers the refusal needs (WWW-Authenticate, with its RFC 6750 challenge) are
	// set before it is called; status is the code to send and err says why
	// (test it with errors.Is / errors.As). Nil means an RFC 9457 problem
	// response (application/problem+json) with that status.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, err error)
}

// Middleware returns HTTP middleware that admits a request only with a
// valid bearer token in its Authorization header that holds every one of
// cfg.Scopes, and passes the verified claims to the next handler in the
// request's context ([ClaimsFromContext]).
//
// The header must be the Bearer scheme (in any casing), one or more
// spaces and the token (RFC 6750 §2.1). The refusals, with the
// challenges of RFC 6750 §3 and the error cfg.WriteError receives:
//
//   - no Bearer credentials: 401, "WWW-Authenticate: Bearer",
//     [ErrMissingCredentials];
//   - Bearer credentials that are malformed (a tab for the space, no
//     token, characters a token cannot hold, text after it): 400,
//     `Bearer error="invalid_request"`, [ErrMalformedCredentials];
//   - a token that fails verification: 401,
//     `Bearer error="invalid_token"`, [ErrInvalidToken] wrapping the
//     verifier's error;
//   - a valid token without every scope: 403,
//     `Bearer error="insufficient_scope", scope="<cfg.Scopes>"`,
//     [ErrInsufficientScope].
//
// The default response says which of these it is in a fixed sentence,
// never why a token failed.
//
// A request that a Middleware of the same Verifier has already admitted
// (one Middleware for authentication wrapping another with Scopes, say)
// is not verified again; its scopes are checked. Claims another verifier
// checked are not taken as this one's.
//
// Middleware returns an error wrapping [ErrInvalidConfig] when
// cfg.Verifier is nil or not made by NewVerifier, or a scope is not a
// scope token.
func Middleware(cfg MiddlewareConfig) (func(http.Handler) http.Handler, error) {
	v := cfg.Verifier
	switch {
	case v == nil:
		return nil, fmt.Errorf("%w: Middleware needs a Verifier", ErrInvalidConfig)
	case v.keys == nil:
		return nil, fmt.Errorf("%w: the Verifier was not made by NewVerifier", ErrInvalidConfig)
	}
	for _, s := range cfg.Scopes {
		if !isScopeToken(s) {
			return nil, fmt.Errorf("%w: %q is not a scope token", ErrInvalidConfig, truncate(s))
		}
	}
	scopes := append([]string(nil), cfg.Scopes...)
	needed := strings.Join(scopes, " ")
	challenge := `Bearer error="insufficient_scope", scope="` + needed + `"`
	errScope := fmt.Errorf("%w: %s required", ErrInsufficientScope, needed)
	writeError := cfg.WriteError
	if writeError == nil {
		writeError = writeProblem
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var c *Claims
			if done, ok := r.Context().Value(claimsKey{}).(*verified); ok && done.by == v {
				c = &done.claims
			} else {
				token, status := bearerToken(r.Header.Get("Authorization"))
				switch status {
				case bearerAbsent:
					w.Header().Set("WWW-Authenticate", "Bearer")
					writeError(w, r, http.StatusUnauthorized, ErrMissingCredentials)
					return
				case bearerMalformed:
					w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
					writeError(w, r, http.StatusBadRequest, ErrMalformedCredentials)
					return
				}
				claims, err := v.Verify(token)
				if err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
					writeError(w, r, http.StatusUnauthorized, wrap(ErrInvalidToken, "", err))
					return
				}
				done := &verified{by: v, claims: claims}
				r = r.WithContext(context.WithValue(r.Context(), claimsKey{}, done))
				c = &done.claims
			}
			for _, s := range scopes {
				if !c.HasScope(s) {
					w.Header().Set("WWW-Authenticate", challenge)
					writeError(w, r, http.StatusForbidden, errScope)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// writeProblem is the default WriteError: an RFC 9457 problem document
// whose detail is a fixed sentence per refusal, never text the request
// chose.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, err error) {
	var detail string
	switch {
	case errors.Is(err, ErrMissingCredentials):
		detail = "The request carries no bearer token."
	case errors.Is(err, ErrMalformedCredentials):
		detail = "The Authorization header is not the Bearer scheme followed by one token."
	case errors.Is(err, ErrInvalidToken):
		detail = "The bearer token is not valid."
	case errors.Is(err, ErrInsufficientScope):
		detail = "The bearer token does not grant every scope this resource requires."
	}
	problem.Status(w, r, status, detail)
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
