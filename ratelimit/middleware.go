package ratelimit

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/backendkit/backendkit/internal/problem"
)

// MiddlewareConfig configures [Middleware].
type MiddlewareConfig struct {
	// Limiter decides every request, one event each, under the key that
	// Key returns. It is required, and must be a [PerKey] limiter (a
	// [Keyed], or one of package redislimit) unless Global is set: a
	// single algorithm such as a [GCRA] keeps one state whatever the key,
	// so behind the middleware it would let one client spend every
	// client's budget.
	Limiter Limiter
	// Global asks for one limit shared by every client: each request is
	// decided under the empty key, so a single limiter (a [GCRA], say) is
	// one budget for all traffic, and a PerKey limiter is asked about one
	// key for all. Key and TrustedProxies must then be left unset.
	Global bool
	// Policy names the limit in the RateLimit and RateLimit-Policy
	// headers. It must be printable ASCII without '"' or '\'; empty
	// means "default".
	Policy string
	// Key returns the key a request is limited under. Nil means the
	// client's address, as [ClientIP] finds it with TrustedProxies.
	Key func(r *http.Request) string
	// TrustedProxies is the number of reverse proxies in front of the
	// server that append to X-Forwarded-For, for the default Key. Zero,
	// the default, ignores the header, which any client can forge.
	TrustedProxies int
	// WriteError writes the response for a request the middleware
	// refuses. The headers the refusal needs (Retry-After, RateLimit) are
	// set before it is called; status is the code to send and err says
	// why (test it with errors.Is / errors.As). Nil means an RFC 9457
	// problem response (application/problem+json) with that status.
	//
	// A request over the limit gets status 429 and an error wrapping
	// [ErrLimited], a [*LimitedError] holding the Decision; a limiter that
	// failed (a Redis-backed one whose policy is to fail closed, say) gets
	// 503 and the limiter's error.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, err error)
}

// Middleware returns HTTP middleware that asks cfg.Limiter about every
// request and either passes it on or refuses it.
//
// Every response to a request the limiter decided carries the IETF
// draft-11 headers (draft-ietf-httpapi-ratelimit-headers)
//
//	RateLimit-Policy: "<policy>";q=<Decision.Limit>;w=<Decision.Window in seconds>
//	RateLimit: "<policy>";r=<Decision.Remaining>;t=<Decision.ResetAfter in seconds>
//
// with seconds rounded up, unless the decision has no window (those of
// [Unlimited] and [Blocked]). A refused request gets those headers,
// Retry-After with Decision.RetryAfter in seconds (rounded up, at least
// 1), and cfg.WriteError with status 429 and a [*LimitedError]. A request
// the limiter refuses permanently (ErrExceedsLimit: a [Blocked] limiter,
// say) is refused the same way but without Retry-After, since retrying
// cannot help; its LimitedError also wraps the limiter's error. Any other
// limiter error goes to cfg.WriteError with status 503, without reaching
// the handler. The default WriteError writes a problem document whose
// detail is a fixed sentence per cause; nothing of the request or of the
// limiter's error reaches the client.
//
// Middleware returns an error wrapping [ErrInvalidConfig] when
// cfg.Limiter is nil, when it is not a [PerKey] limiter and cfg.Global is
// not set, when cfg.Global is set together with cfg.Key or
// cfg.TrustedProxies, when cfg.Policy is not a valid name or when
// cfg.TrustedProxies is negative.
func Middleware(cfg MiddlewareConfig) (func(http.Handler) http.Handler, error) {
	if cfg.Limiter == nil {
		return nil, fmt.Errorf("%w: Middleware needs a Limiter", ErrInvalidConfig)
	}
	if _, perKey := cfg.Limiter.(PerKey); !perKey && !cfg.Global {
		return nil, fmt.Errorf("%w: %T keeps one state for every key, so one client would spend every client's limit; "+
			"give each client its own with NewKeyed, or set Global for one limit shared by all", ErrInvalidConfig, cfg.Limiter)
	}
	if cfg.TrustedProxies < 0 {
		return nil, fmt.Errorf("%w: TrustedProxies %d is negative", ErrInvalidConfig, cfg.TrustedProxies)
	}
	if cfg.Global && (cfg.Key != nil || cfg.TrustedProxies != 0) {
		return nil, fmt.Errorf("%w: a Global limit has one key for every request, so Key and TrustedProxies must be unset", ErrInvalidConfig)
	}
	if cfg.Policy == "" {
		cfg.Policy = "default"
	}
	for _, c := range []byte(cfg.Policy) {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return nil, fmt.Errorf("%w: policy name %q must be printable ASCII without '\"' or '\\'", ErrInvalidConfig, cfg.Policy)
		}
	}
	if cfg.Global {
		cfg.Key = func(*http.Request) string { return "" }
	} else if cfg.Key == nil {
		hops := cfg.TrustedProxies
		cfg.Key = func(r *http.Request) string { return ClientIP(r, hops) }
	}
	if cfg.WriteError == nil {
		cfg.WriteError = writeProblem
	}
	quoted := `"` + cfg.Policy + `"`
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, err := cfg.Limiter.Decide(r.Context(), cfg.Key(r), 1)
			permanent := errors.Is(err, ErrExceedsLimit)
			if err != nil && !permanent {
				cfg.WriteError(w, r, http.StatusServiceUnavailable, err)
				return
			}
			h := w.Header()
			if d.Window > 0 {
				h.Set("RateLimit-Policy", quoted+";q="+strconv.Itoa(d.Limit)+";w="+seconds(d.Window, 0))
				h.Set("RateLimit", quoted+";r="+strconv.Itoa(d.Remaining)+";t="+seconds(d.ResetAfter, 0))
			}
			if d.Allowed {
				next.ServeHTTP(w, r)
				return
			}
			if !permanent {
				h.Set("Retry-After", seconds(d.RetryAfter, 1))
			}
			cfg.WriteError(w, r, http.StatusTooManyRequests, &LimitedError{Decision: d, Err: err})
		})
	}, nil
}

// ErrLimited is wrapped by the error [Middleware] passes to WriteError for
// a request the limit refused; errors.As finds the [*LimitedError] with the
// limiter's Decision.
var ErrLimited = errors.New("ratelimit: rate limit reached")

// LimitedError is the error of a request the limit refused: it wraps
// [ErrLimited], and for a permanent refusal the limiter's error too.
type LimitedError struct {
	// Decision is the limiter's refusal: RetryAfter, Remaining and the
	// rest, as the response headers report them.
	Decision Decision
	// Err is the limiter's error when the refusal is permanent (wrapping
	// [ErrExceedsLimit]: no wait can help), and nil otherwise.
	Err error
}

// Error says that the limit was reached and when to retry.
func (e *LimitedError) Error() string {
	if e.Err != nil {
		return ErrLimited.Error() + ": the request exceeds the limit and is refused for ever"
	}
	return ErrLimited.Error() + ": retry after " + e.Decision.RetryAfter.String()
}

// Unwrap returns [ErrLimited], and Err when it is set.
func (e *LimitedError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrLimited, e.Err}
	}
	return []error{ErrLimited}
}

// writeProblem is the default WriteError: an RFC 9457 problem document
// with a fixed detail per cause.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, err error) {
	detail := "The rate limiter could not decide on this request; try again later."
	if status == http.StatusTooManyRequests {
		detail = "The rate limit has been reached; retry after the number of seconds in the Retry-After header."
		if errors.Is(err, ErrExceedsLimit) {
			detail = "The request exceeds what the rate limit ever allows at once; retrying cannot help."
		}
	}
	problem.Status(w, r, status, detail)
}

// seconds formats d in whole seconds, rounded up, and at least least.
func seconds(d time.Duration, least int64) string {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return strconv.FormatInt(max(s, least), 10)
}

// ClientIP returns the address of the client that sent r, as the default
// key of [Middleware]. With trustedProxies = 0 it is the host of
// r.RemoteAddr. With k > 0 reverse proxies in front, each appending the
// address it heard from to X-Forwarded-For, it is the kth entry from the
// right of that header (the leftmost one when there are fewer, and
// RemoteAddr when there is none): entries further left were written by
// the client and can say anything. Several X-Forwarded-For lines count as
// one list, in order (RFC 9110, section 5.3); entries are trimmed of
// spaces, and empty ones are skipped.
//
// An IPv6 address is reduced to its /64 prefix, since one client usually
// holds a whole /64 and could otherwise rotate through it.
//
// The header is read from the right and only as far as the kth entry, so a
// client that forges a long one costs time only for the entries read (all
// of them when there are fewer than k) and no allocation for any of them:
// a key costs one allocation for an IPv4 address, two for an IPv6 prefix,
// and one or two for an entry that is not an address, whatever the
// header's size.
func ClientIP(r *http.Request, trustedProxies int) string {
	addr := r.RemoteAddr
	if trustedProxies > 0 {
		if e, ok := forwardedFor(r.Header, trustedProxies); ok {
			addr = e
		}
	}
	if a, ok := parseAddr(addr); ok {
		return keyOf(a)
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
		return host
	}
	return addr
}

// parseAddr parses s as an IP address with or without a port. At most one
// of netip.ParseAddrPort and netip.ParseAddr accepts any string: with a
// port, s starts with '[' or holds exactly one colon, and without one it
// does neither. So only that parser is tried, and a well-formed address
// costs no error value.
func parseAddr(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		ap, err := netip.ParseAddrPort(s)
		return ap.Addr(), err == nil
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

func keyOf(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// forwardedFor returns the kth non-empty entry from the right of the
// X-Forwarded-For lines taken as one list, trimmed, or the leftmost one when
// there are fewer than k; ok is false when there is none. It scans from the
// right and returns a substring of the header, so it allocates nothing.
func forwardedFor(h http.Header, k int) (entry string, ok bool) {
	lines := h.Values("X-Forwarded-For")
	for i := len(lines) - 1; i >= 0; i-- {
		v := lines[i]
		for end := len(v); end >= 0; {
			start := strings.LastIndexByte(v[:end], ',') + 1
			if e := strings.TrimSpace(v[start:end]); e != "" {
				entry, ok = e, true
				if k--; k == 0 {
					return entry, true
				}
			}
			end = start - 1 // the comma before this entry; -1 past the start
		}
	}
	return entry, ok
}
