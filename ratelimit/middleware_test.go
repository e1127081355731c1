package ratelimit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })

func serve(h http.Handler, remote string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestMiddleware(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, err := ratelimit.NewGCRA(1, 400*ms, 3) // 3 at once, one more every 400ms
		require.NoError(t, err)
		k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100})
		require.NoError(t, err)
		defer k.Close()
		mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: k, Policy: "api"})
		require.NoError(t, err)
		h := mw(ok)

		for i, want := range []string{`"api";r=2;t=1`, `"api";r=1;t=1`, `"api";r=0;t=2`} {
			w := serve(h, "192.0.2.1:5000", nil)
			require.Equal(t, http.StatusOK, w.Code, "request %d", i)
			assert.Equal(t, "ok", w.Body.String())
			assert.Equal(t, `"api";q=3;w=2`, w.Header().Get("RateLimit-Policy"))
			assert.Equal(t, want, w.Header().Get("RateLimit"), "request %d", i)
			assert.Empty(t, w.Header().Get("Retry-After"))
		}
		w := serve(h, "192.0.2.1:5001", nil)
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.Equal(t, "1", w.Header().Get("Retry-After"), "400ms, rounded up")
		assert.Equal(t, `"api";r=0;t=2`, w.Header().Get("RateLimit"))
		assert.Equal(t, `"api";q=3;w=2`, w.Header().Get("RateLimit-Policy"))
		assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))

		// Another client has its own limit.
		assert.Equal(t, http.StatusOK, serve(h, "192.0.2.2:5000", nil).Code)
		// The same /64 is the same client.
		for range 3 {
			assert.Equal(t, http.StatusOK, serve(h, "[2001:db8::1]:1", nil).Code)
		}
		assert.Equal(t, http.StatusTooManyRequests, serve(h, "[2001:db8::2]:1", nil).Code)

		time.Sleep(400 * ms)
		assert.Equal(t, http.StatusOK, serve(h, "192.0.2.1:5000", nil).Code, "one more after 400ms")
	})
}

func TestMiddlewareForwardedFor(t *testing.T) {
	g, err := ratelimit.NewGCRA(1, time.Hour, 1)
	require.NoError(t, err)
	newHandler := func(hops int) http.Handler {
		k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100, SweepEvery: -1})
		require.NoError(t, err)
		mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: k, TrustedProxies: hops})
		require.NoError(t, err)
		return mw(ok)
	}
	xff := func(v ...string) http.Header { return http.Header{"X-Forwarded-For": v} }

	// Untrusted by default: a forged header changes nothing.
	h := newHandler(0)
	assert.Equal(t, http.StatusOK, serve(h, "10.0.0.1:1", xff("1.1.1.1")).Code)
	assert.Equal(t, http.StatusTooManyRequests, serve(h, "10.0.0.1:1", xff("2.2.2.2")).Code)

	// One trusted proxy: the rightmost entry is the client, whatever the
	// client wrote to the left of it.
	h = newHandler(1)
	assert.Equal(t, http.StatusOK, serve(h, "10.0.0.1:1", xff("6.6.6.6, 1.1.1.1")).Code)
	assert.Equal(t, http.StatusTooManyRequests, serve(h, "10.0.0.1:1", xff("7.7.7.7, 1.1.1.1")).Code)
	assert.Equal(t, http.StatusOK, serve(h, "10.0.0.1:1", xff("1.1.1.1, 2.2.2.2")).Code)

	// Two: the second from the right, across repeated headers.
	h = newHandler(2)
	assert.Equal(t, http.StatusOK, serve(h, "10.0.0.1:1", xff("9.9.9.9", "3.3.3.3, 10.0.0.2")).Code)
	assert.Equal(t, http.StatusTooManyRequests, serve(h, "10.0.0.1:1", xff("3.3.3.3", "10.0.0.3")).Code)
}

func TestClientIP(t *testing.T) {
	for _, c := range []struct {
		remote string
		xff    []string
		hops   int
		want   string
	}{
		{"192.0.2.1:1234", nil, 0, "192.0.2.1"},
		{"[::ffff:192.0.2.1]:1234", nil, 0, "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:80", nil, 0, "2001:db8:1:2::/64"},
		{"not an address", nil, 0, "not an address"},
		{"host.example:80", nil, 0, "host.example"},
		{"192.0.2.1:1", []string{"198.51.100.7"}, 0, "192.0.2.1"},
		{"192.0.2.1:1", []string{"198.51.100.7"}, 1, "198.51.100.7"},
		{"192.0.2.1:1", []string{"198.51.100.7:4000"}, 1, "198.51.100.7"},
		{"192.0.2.1:1", []string{"a, b, 198.51.100.7"}, 3, "a"},
		{"192.0.2.1:1", []string{"198.51.100.7"}, 3, "198.51.100.7"},
		{"192.0.2.1:1", nil, 2, "192.0.2.1"},
		{"192.0.2.1:1", []string{" , "}, 1, "192.0.2.1"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != nil {
			r.Header["X-Forwarded-For"] = c.xff
		}
		assert.Equal(t, c.want, ratelimit.ClientIP(r, c.hops), "%+v", c)
	}
}

type failing struct{ err error }

func (f failing) Decide(context.Context, string, int) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, f.err
}

func (failing) IndependentKeys() {}

// refusal is one call of WriteError, recorded.
type refusal struct {
	status     int
	err        error
	retryAfter string // the header when WriteError was called
}

func recordRefusals(got *[]refusal) func(http.ResponseWriter, *http.Request, int, error) {
	return func(w http.ResponseWriter, _ *http.Request, status int, err error) {
		*got = append(*got, refusal{status, err, w.Header().Get("Retry-After")})
		w.WriteHeader(http.StatusTeapot)
	}
}

// TestMiddlewareWriteError: one hook writes every refusal, told the status
// and why: a limit (ErrLimited, as a *LimitedError with the Decision), a
// permanent refusal (also ErrExceedsLimit, no Retry-After) or a failed
// limiter (its error, 503).
func TestMiddlewareWriteError(t *testing.T) {
	g, err := ratelimit.NewGCRA(1, 10*time.Second, 1)
	require.NoError(t, err)
	k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 10, SweepEvery: -1})
	require.NoError(t, err)
	var got []refusal
	mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: k, WriteError: recordRefusals(&got)})
	require.NoError(t, err)
	h := mw(ok)
	require.Equal(t, http.StatusOK, serve(h, "192.0.2.1:1", nil).Code)
	assert.Empty(t, got, "an allowed request reaches the handler, not WriteError")
	w := serve(h, "192.0.2.1:1", nil)
	assert.Equal(t, http.StatusTeapot, w.Code, "the caller's WriteError wrote the response")
	require.Len(t, got, 1)
	assert.Equal(t, http.StatusTooManyRequests, got[0].status)
	assert.Equal(t, "10", got[0].retryAfter, "Retry-After is set before WriteError is called")
	assert.ErrorIs(t, got[0].err, ratelimit.ErrLimited)
	var le *ratelimit.LimitedError
	require.ErrorAs(t, got[0].err, &le)
	assert.False(t, le.Decision.Allowed)
	assert.Equal(t, 1, le.Decision.Limit)
	assert.Equal(t, 10*time.Second, le.Decision.RetryAfter.Round(time.Second))
	assert.NotErrorIs(t, got[0].err, ratelimit.ErrExceedsLimit)

	got = nil
	mw, err = ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: ratelimit.Blocked{}, WriteError: recordRefusals(&got)})
	require.NoError(t, err)
	w = serve(mw(ok), "192.0.2.1:1", nil)
	require.Len(t, got, 1)
	assert.Equal(t, http.StatusTooManyRequests, got[0].status)
	assert.Empty(t, got[0].retryAfter, "a permanent refusal has no Retry-After")
	assert.Empty(t, w.Header().Get("RateLimit-Policy"), "a zero rate has no window to describe")
	assert.ErrorIs(t, got[0].err, ratelimit.ErrLimited)
	assert.ErrorIs(t, got[0].err, ratelimit.ErrExceedsLimit, "a permanent refusal says so")
	require.ErrorAs(t, got[0].err, &le)
	assert.False(t, le.Decision.Allowed)

	got = nil
	down := errors.New("redis down")
	mw, err = ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: failing{down}, WriteError: recordRefusals(&got)})
	require.NoError(t, err)
	w = serve(mw(ok), "192.0.2.1:1", nil)
	require.Len(t, got, 1)
	assert.Equal(t, http.StatusServiceUnavailable, got[0].status)
	assert.ErrorIs(t, got[0].err, down)
	assert.NotErrorIs(t, got[0].err, ratelimit.ErrLimited)
	assert.Empty(t, w.Header().Get("RateLimit"))

	mw, err = ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: ratelimit.Unlimited{}, Key: func(*http.Request) string { return "all" }})
	require.NoError(t, err)
	w = serve(mw(ok), "192.0.2.1:1", nil)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Header().Get("RateLimit"), "no headers for an unlimited rate")
	assert.Empty(t, w.Header().Get("RateLimit-Policy"))
}

func TestMiddlewareConfigErrors(t *testing.T) {
	for name, cfg := range map[string]ratelimit.MiddlewareConfig{
		"no limiter":        {},
		"negative proxies":  {Limiter: ratelimit.Unlimited{}, TrustedProxies: -1},
		"quote in policy":   {Limiter: ratelimit.Unlimited{}, Policy: `a"b`},
		"newline in policy": {Limiter: ratelimit.Unlimited{}, Policy: "a\nb"},
	} {
		_, err := ratelimit.Middleware(cfg)
		assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig, name)
	}
}

// FuzzClientIP feeds arbitrary addresses and headers to ClientIP, which
// must never panic and never return an empty key for a non-empty address.
func FuzzClientIP(f *testing.F) {
	f.Add("192.0.2.1:80", "198.51.100.1, 203.0.113.9", 1)
	f.Add("[2001:db8::1]:443", "", 0)
	f.Add("garbage", ",,, ,", 3)
	f.Add("[fe80::1%eth0]:1", "[::1]:2", 1)
	f.Add(":80", "", 0)
	f.Fuzz(func(t *testing.T, remote, xff string, hops int) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		got := ratelimit.ClientIP(r, hops%8)
		if remote != "" && got == "" && xff == "" {
			t.Errorf("ClientIP(%q, %q, %d) is empty", remote, xff, hops)
		}
	})
}

// TestMiddlewareRefusesASharedLimiterWithoutGlobal: a single limiter keeps
// one state whatever the key, so behind the middleware one client's
// requests would spend every client's budget. The constructor refuses one
// unless the configuration asks for a global limit by name.
func TestMiddlewareRefusesASharedLimiterWithoutGlobal(t *testing.T) {
	g, err := ratelimit.NewGCRA(2, time.Hour, 2)
	require.NoError(t, err)
	_, err = ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: g})
	require.ErrorIs(t, err, ratelimit.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "*ratelimit.GCRA")
}

// TestMiddlewareKeyedClientsAreIndependent: 192.0.2.1 spending its whole
// limit does not refuse 192.0.2.2.
func TestMiddlewareKeyedClientsAreIndependent(t *testing.T) {
	g, err := ratelimit.NewGCRA(2, time.Hour, 2)
	require.NoError(t, err)
	k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100, SweepEvery: -1})
	require.NoError(t, err)
	mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: k})
	require.NoError(t, err)
	h := mw(ok)
	for i := range 2 {
		require.Equal(t, http.StatusOK, serve(h, "192.0.2.1:1000", nil).Code, "request %d", i)
	}
	require.Equal(t, http.StatusTooManyRequests, serve(h, "192.0.2.1:1000", nil).Code)
	for i := range 2 {
		assert.Equal(t, http.StatusOK, serve(h, "192.0.2.2:1000", nil).Code, "another client, request %d", i)
	}
}

// TestMiddlewareGlobal: with Global set, one limiter is one limit shared by
// every client, and a per-key limiter is asked under one key for all.
func TestMiddlewareGlobal(t *testing.T) {
	g, err := ratelimit.NewGCRA(2, time.Hour, 2)
	require.NoError(t, err)
	k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 100, SweepEvery: -1})
	require.NoError(t, err)
	for name, l := range map[string]ratelimit.Limiter{"single": g, "keyed": k} {
		mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: l, Global: true})
		require.NoError(t, err, name)
		h := mw(ok)
		assert.Equal(t, http.StatusOK, serve(h, "192.0.2.1:1000", nil).Code, name)
		assert.Equal(t, http.StatusOK, serve(h, "192.0.2.2:1000", nil).Code, name)
		assert.Equal(t, http.StatusTooManyRequests, serve(h, "192.0.2.3:1000", nil).Code, "%s: the third client finds the shared limit spent", name)
	}
	_, err = ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: g, Global: true, Key: func(*http.Request) string { return "" }})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig, "Global and Key contradict each other")
	_, err = ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: g, Global: true, TrustedProxies: 1})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidConfig, "Global has no client address to find")
}

// TestMiddlewareDefaultResponsesAreProblems: without WriteError, a refusal
// is an RFC 9457 problem document: 429 for the limit, 503 for a limiter
// that failed, with a fixed detail that echoes nothing of the request.
func TestMiddlewareDefaultResponsesAreProblems(t *testing.T) {
	g, err := ratelimit.NewGCRA(1, time.Hour, 1)
	require.NoError(t, err)
	k, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 10, SweepEvery: -1})
	require.NoError(t, err)
	for _, c := range []struct {
		name    string
		limiter ratelimit.Limiter
		status  int
	}{
		{"limited", k, http.StatusTooManyRequests},
		{"refused for ever", ratelimit.Blocked{}, http.StatusTooManyRequests},
		{"limiter failed", failing{errors.New("redis down <script>")}, http.StatusServiceUnavailable},
	} {
		mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{Limiter: c.limiter})
		require.NoError(t, err, c.name)
		h := mw(ok)
		w := serve(h, "192.0.2.1:1", nil)
		if c.limiter == k {
			require.Equal(t, http.StatusOK, w.Code)
			w = serve(h, "192.0.2.1:1", nil)
		}
		require.Equal(t, c.status, w.Code, c.name)
		assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), c.name)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc), c.name)
		assert.Equal(t, float64(c.status), doc["status"], c.name)
		assert.Equal(t, http.StatusText(c.status), doc["title"], c.name)
		assert.NotEmpty(t, doc["detail"], c.name)
		assert.NotContains(t, w.Body.String(), "redis down", "%s: the limiter's error stays on the server", c.name)
	}
}
