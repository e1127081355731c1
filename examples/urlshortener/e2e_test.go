package main

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql's connection openers end after DB.Close returns.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
		// pgx's background health checks of a closed pool.
		goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
	)
}

// TestRunWithNoFlags is `go run ./examples/urlshortener` on a fresh clone:
// nothing but a free port, and /healthz answers, the links in
// urlshortener.db in the working directory.
func TestRunWithNoFlags(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	m := NewMain()
	m.Stderr = &syncBuffer{}
	require.NoError(t, m.ParseFlags([]string{"-addr", "127.0.0.1:0"}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })

	rep := do(t, "http://"+m.Addr(), req{path: "/healthz"})
	assert.Equal(t, http.StatusOK, rep.status)
	_, err := os.Stat(filepath.Join(dir, "urlshortener.db"))
	assert.NoError(t, err, "the default database file is in the working directory")
	assert.Contains(t, m.Stderr.(*syncBuffer).String(), "auth=\"off: write endpoints are open to anyone\"")
	assert.Contains(t, m.Stderr.(*syncBuffer).String(), "embedded miniredis")
}

// TestStartupLog: the first line says where the service listens, which
// database and Redis it uses, how codes are made and whether auth is on.
func TestStartupLog(t *testing.T) {
	in := start(t, options{env: map[string]string{EnvJWTSecret: strings.Repeat("s", 32)}}, "-codes", "counter")
	line, _, _ := strings.Cut(in.logs.String(), "\n")
	for _, want := range []string{"addr=" + in.m.Addr(), "database=\"sqlite ", "redis=\"embedded miniredis", "codes=\"counter, blocks of", "auth=\"on: "} {
		assert.Contains(t, line, want)
	}
}

func TestCreateAndRedirect(t *testing.T) {
	clk := newClock(time.Now())
	in := start(t, options{now: clk.Now})

	rep := in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url": "HTTPS://Example.COM./a?b=1", "alias": "my-link", "expires_in": "24h"}`})
	require.Equal(t, http.StatusCreated, rep.status, "%s", rep.body)
	assert.Equal(t, "/api/v1/links/my-link", rep.header.Get("Location"))
	assert.Equal(t, "application/json", rep.header.Get("Content-Type"))
	v := rep.json(t)
	assert.Equal(t, "my-link", v["code"])
	assert.Equal(t, in.m.BaseURL()+"/my-link", v["short_url"])
	assert.Equal(t, "https://example.com/a?b=1", v["url"], "the normalised URL")
	created, err := time.Parse(time.RFC3339, v["created_at"].(string))
	require.NoError(t, err)
	expires, err := time.Parse(time.RFC3339, v["expires_at"].(string))
	require.NoError(t, err)
	assert.Equal(t, 24*time.Hour, expires.Sub(created))

	// A generated code, no expiry: expires_at is null.
	rep = in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json; charset=utf-8", body: `{"url":"https://example.org/"}`})
	require.Equal(t, http.StatusCreated, rep.status, "%s", rep.body)
	v = rep.json(t)
	assert.Contains(t, v, "expires_at")
	assert.Nil(t, v["expires_at"])
	code := v["code"].(string)
	assert.Len(t, code, 7)

	for _, method := range []string{"GET", "HEAD"} {
		rep = in.do(req{method: method, path: "/my-link"})
		assert.Equal(t, http.StatusFound, rep.status, method)
		assert.Equal(t, "https://example.com/a?b=1", rep.header.Get("Location"), method)
		assert.Equal(t, "private, max-age=0", rep.header.Get("Cache-Control"), method)
		assert.NotEmpty(t, rep.header.Get("RateLimit"), method)
	}

	// Stats: the link's fields and the redirects served, exactly.
	for range 3 {
		require.Equal(t, http.StatusFound, in.get("/"+code).status)
	}
	rep = in.get("/api/v1/links/" + code)
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	v = rep.json(t)
	assert.Equal(t, float64(3), v["clicks"])
	assert.Equal(t, "https://example.org/", v["url"])
	assert.Equal(t, code, v["code"])
	assert.Equal(t, float64(2), in.get("/api/v1/links/my-link").json(t)["clicks"], "GET and HEAD")

	// Unknown → 404; past its expiry → 410, on the next redirect.
	requireProblem(t, in.get("/nosuchcode"), http.StatusNotFound)
	requireProblem(t, in.get("/api/v1/links/nosuchcode"), http.StatusNotFound)
	clk.Advance(24 * time.Hour)
	requireProblem(t, in.get("/my-link"), http.StatusGone)
	requireProblem(t, in.get("/api/v1/links/my-link"), http.StatusGone)
	assert.Equal(t, http.StatusFound, in.get("/"+code).status)
}

func TestRecent(t *testing.T) {
	in := start(t, options{})
	a := in.create(`{"url":"https://example.com/1"}`)
	b := in.create(`{"url":"https://example.com/2"}`)
	v := in.get("/api/v1/links?limit=2").json(t)
	links := v["links"].([]any)
	require.Len(t, links, 2)
	got := []string{links[0].(map[string]any)["code"].(string), links[1].(map[string]any)["code"].(string)}
	assert.ElementsMatch(t, []string{a, b}, got)
	requireProblem(t, in.get("/api/v1/links?limit=0"), http.StatusBadRequest)
	requireProblem(t, in.get("/api/v1/links?limit=x"), http.StatusBadRequest)
}

// TestCreateRefusals: every 4xx of POST /api/v1/links, including the
// hostile URLs and aliases, each an RFC 9457 problem.
func TestCreateRefusals(t *testing.T) {
	in := start(t, options{}, "-create-rate", "0", "-base-url", "https://sho.rt")
	in.create(`{"url":"https://example.com/","alias":"taken"}`)

	long := "https://example.com/" + strings.Repeat("a", 2100)
	cases := []struct {
		name, ctype, body string
		status            int
	}{
		{"malformed JSON", "application/json", `{"url":`, 400},
		{"not JSON", "application/json", `url=https://example.com`, 400},
		{"empty body", "application/json", ``, 400},
		{"array", "application/json", `["https://example.com"]`, 400},
		{"two values", "application/json", `{"url":"https://example.com"} {}`, 400},
		{"missing url", "application/json", `{"alias":"abc"}`, 400},
		{"null url", "application/json", `{"url":null}`, 400},
		{"url a number", "application/json", `{"url":42}`, 400},
		{"alias a number", "application/json", `{"url":"https://example.com","alias":7}`, 400},
		{"unknown field", "application/json", `{"url":"https://example.com","owner":"x"}`, 400},
		{"expires_in zero", "application/json", `{"url":"https://example.com","expires_in":"0s"}`, 400},
		{"expires_in negative", "application/json", `{"url":"https://example.com","expires_in":"-1h"}`, 400},
		{"expires_in not a duration", "application/json", `{"url":"https://example.com","expires_in":"tomorrow"}`, 400},
		{"expires_in a number", "application/json", `{"url":"https://example.com","expires_in":3600}`, 400},
		{"alias taken", "application/json", `{"url":"https://example.org/","alias":"taken"}`, 409},
		{"body over 8 KiB", "application/json", `{"url":"https://example.com/` + strings.Repeat("a", 9000) + `"}`, 413},
		{"form body", "application/x-www-form-urlencoded", `url=https://example.com`, 415},
		{"no content type", "", `{"url":"https://example.com"}`, 415},
		{"merge patch type", "application/merge-patch+json", `{"url":"https://example.com"}`, 415},
		// hostile URLs
		{"javascript:", "application/json", `{"url":"javascript:alert(1)"}`, 400},
		{"data:", "application/json", `{"url":"data:text/html,<script>alert(1)</script>"}`, 400},
		{"file:", "application/json", `{"url":"file:///etc/passwd"}`, 400},
		{"no scheme", "application/json", `{"url":"example.com"}`, 400},
		{"userinfo", "application/json", `{"url":"https://paypal.com@evil.example/"}`, 400},
		{"user only", "application/json", `{"url":"https://user@example.com/"}`, 400},
		{"private 10/8", "application/json", `{"url":"http://10.0.0.1/"}`, 400},
		{"private 192.168", "application/json", `{"url":"http://192.168.1.1/admin"}`, 400},
		{"loopback", "application/json", `{"url":"http://127.0.0.1:8080/"}`, 400},
		{"loopback hex 0x7f.1", "application/json", `{"url":"http://0x7f.1/"}`, 400},
		{"loopback decimal", "application/json", `{"url":"http://2130706433/"}`, 400},
		{"IPv6 loopback", "application/json", `{"url":"http://[::1]/"}`, 400},
		{"metadata", "application/json", `{"url":"http://169.254.169.254/latest/meta-data/"}`, 400},
		{"metadata IPv4-mapped", "application/json", `{"url":"http://[::ffff:169.254.169.254]/"}`, 400},
		{"localhost", "application/json", `{"url":"http://localhost/"}`, 400},
		{"own host", "application/json", `{"url":"https://sho.rt/abc"}`, 400},
		{"own host subdomain", "application/json", `{"url":"https://www.sho.rt/abc"}`, 400},
		{"too long", "application/json", `{"url":"` + long + `"}`, 400},
		{"control character", "application/json", `{"url":"https://example.com/\u0001"}`, 400},
		{"NUL", "application/json", `{"url":"https://example.com/\u0000"}`, 400},
		{"space in host", "application/json", `{"url":"https://exa mple.com/"}`, 400},
		{"mixed script host", "application/json", `{"url":"https://pаypal.com/"}`, 400},
		// hostile aliases
		{"reserved api", "application/json", `{"url":"https://example.com","alias":"api"}`, 400},
		{"reserved healthz", "application/json", `{"url":"https://example.com","alias":"healthz"}`, 400},
		{"reserved readyz", "application/json", `{"url":"https://example.com","alias":"readyz"}`, 400},
		{"reserved metrics", "application/json", `{"url":"https://example.com","alias":"metrics"}`, 400},
		{"reserved any casing", "application/json", `{"url":"https://example.com","alias":"Metrics"}`, 400},
		{"reserved links", "application/json", `{"url":"https://example.com","alias":"LINKS"}`, 400},
		{"reserved static", "application/json", `{"url":"https://example.com","alias":"static"}`, 400},
		{"alias with /", "application/json", `{"url":"https://example.com","alias":"a/b/c"}`, 400},
		{"alias with %2F", "application/json", `{"url":"https://example.com","alias":"a%2Fbc"}`, 400},
		{"alias with ..", "application/json", `{"url":"https://example.com","alias":".."}`, 400},
		{"unicode alias", "application/json", `{"url":"https://example.com","alias":"ünïcode"}`, 400},
		{"alias with NUL", "application/json", `{"url":"https://example.com","alias":"abc\u0000"}`, 400},
		{"alias with space", "application/json", `{"url":"https://example.com","alias":"a b c"}`, 400},
		{"alias too short", "application/json", `{"url":"https://example.com","alias":"ab"}`, 400},
		{"alias too long", "application/json", `{"url":"https://example.com","alias":"` + strings.Repeat("a", 65) + `"}`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := in.do(req{method: "POST", path: "/api/v1/links", ctype: c.ctype, body: c.body})
			p := requireProblem(t, rep, c.status)
			assert.Equal(t, "/api/v1/links", p["instance"])
			if c.status == http.StatusUnsupportedMediaType {
				assert.Equal(t, "application/json", rep.header.Get("Accept-Post"))
			}
			// A refusal never repeats the refused input.
			if len(c.body) > 20 {
				assert.NotContains(t, string(rep.body), c.body[8:len(c.body)-2])
			}
		})
	}
	// Private hosts pass with -allow-private-hosts; loopback and metadata
	// never do.
	intranet := start(t, options{}, "-allow-private-hosts")
	intranet.create(`{"url":"http://10.0.0.1/wiki"}`)
	intranet.create(`{"url":"http://wiki.corp/page"}`)
	requireProblem(t, intranet.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"http://169.254.169.254/"}`}), 400)
	requireProblem(t, intranet.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"http://[::1]:` + strings.Split(intranet.m.Addr(), ":")[1] + `/"}`}), 400)
}

// TestOwnAddressRefused: a link to the address the service listens on is
// refused (a loop), even where private hosts are allowed.
func TestOwnAddressRefused(t *testing.T) {
	in := start(t, options{}, "-allow-private-hosts", "-base-url", "http://10.1.2.3:8080")
	requireProblem(t, in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"http://10.1.2.3:8080/abc"}`}), 400)
	in.create(`{"url":"http://10.1.2.4/abc"}`)
}

// TestHostileCodes: paths that are not codes answer 404 problems, never a
// 5xx or a redirect.
func TestHostileCodes(t *testing.T) {
	in := start(t, options{})
	for _, p := range []string{"/%00", "/a%2Fb", "/%E2%80%AE", "/" + strings.Repeat("x", 70), "/ünï", "/..%2F..%2Fetc", "/%ff%fe"} {
		rep := in.get(p)
		assert.Contains(t, []int{404, 400}, rep.status, "%s: %s", p, rep.body)
		assert.Equal(t, "application/problem+json", rep.header.Get("Content-Type"), p)
	}
	assert.Equal(t, "text/html; charset=utf-8", in.get("/").header.Get("Content-Type"), "/ is the web page")
	rep := in.do(req{method: "DELETE", path: "/healthz"})
	requireProblem(t, rep, http.StatusMethodNotAllowed)
	assert.Equal(t, "GET, HEAD", rep.header.Get("Allow"))
}

// TestReplacePatchDelete is the PUT-versus-PATCH answer in running code.
func TestReplacePatchDelete(t *testing.T) {
	in := start(t, options{}, "-create-rate", "0")
	in.create(`{"url":"https://example.com/old","alias":"edit-me","expires_in":"1h"}`)
	put := func(code, ctype, body string) reply {
		return in.do(req{method: "PUT", path: "/api/v1/links/" + code, ctype: ctype, body: body})
	}
	patch := func(code, ctype, body string) reply {
		return in.do(req{method: "PATCH", path: "/api/v1/links/" + code, ctype: ctype, body: body})
	}

	// PATCH changes only what it sends.
	rep := patch("edit-me", "application/merge-patch+json", `{"url":"https://example.com/new"}`)
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	v := rep.json(t)
	assert.Equal(t, "https://example.com/new", v["url"])
	assert.NotNil(t, v["expires_at"], "expiry kept")
	assert.Equal(t, "https://example.com/new", in.get("/edit-me").header.Get("Location"))

	// "expires_in": null removes the expiry.
	rep = patch("edit-me", "application/merge-patch+json", `{"expires_in":null}`)
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	assert.Nil(t, rep.json(t)["expires_at"])
	rep = patch("edit-me", "application/merge-patch+json", `{"expires_in":"2h"}`)
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	assert.NotNil(t, rep.json(t)["expires_at"])
	rep = patch("edit-me", "application/merge-patch+json", `{}`)
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	assert.Equal(t, "https://example.com/new", rep.json(t)["url"])

	// PUT replaces every field: a missing expires_in means never.
	rep = put("edit-me", "application/json", `{"url":"https://example.com/put"}`)
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	v = rep.json(t)
	assert.Equal(t, "https://example.com/put", v["url"])
	assert.Nil(t, v["expires_at"], "PUT without expires_in resets it")
	assert.Equal(t, "https://example.com/put", in.get("/edit-me").header.Get("Location"))

	// Refusals.
	rep = patch("edit-me", "application/json", `{"url":"https://example.com/x"}`)
	requireProblem(t, rep, http.StatusUnsupportedMediaType)
	assert.Equal(t, "application/merge-patch+json", rep.header.Get("Accept-Patch"))
	requireProblem(t, put("edit-me", "application/merge-patch+json", `{"url":"https://example.com/x"}`), 415)
	requireProblem(t, patch("edit-me", "application/merge-patch+json", `{"url":null}`), 400)
	requireProblem(t, patch("edit-me", "application/merge-patch+json", `{"url":"javascript:alert(1)"}`), 400)
	requireProblem(t, patch("edit-me", "application/merge-patch+json", `{"expires_in":"-5m"}`), 400)
	requireProblem(t, patch("edit-me", "application/merge-patch+json", `{"code":"other"}`), 400)
	requireProblem(t, patch("edit-me", "application/merge-patch+json", `["url"]`), 400)
	requireProblem(t, patch("edit-me", "application/merge-patch+json", `null`), 400)
	requireProblem(t, put("edit-me", "application/json", `{"expires_in":"1h"}`), 400)
	requireProblem(t, put("edit-me", "application/json", `{"url":"https://example.com","alias":"x"}`), 400)
	requireProblem(t, put("nosuchcode", "application/json", `{"url":"https://example.com/"}`), 404)
	requireProblem(t, patch("nosuchcode", "application/merge-patch+json", `{"url":"https://example.com/"}`), 404)
	requireProblem(t, in.do(req{method: "DELETE", path: "/api/v1/links/nosuchcode"}), 404)
	requireProblem(t, put("edit-me", "application/json", `{"url":"https://example.com/`+strings.Repeat("a", 9000)+`"}`), 413)

	// DELETE → 204, then the code is gone for good.
	rep = in.do(req{method: "DELETE", path: "/api/v1/links/edit-me"})
	assert.Equal(t, http.StatusNoContent, rep.status)
	assert.Empty(t, rep.body)
	requireProblem(t, in.get("/edit-me"), http.StatusGone)
	requireProblem(t, in.do(req{method: "DELETE", path: "/api/v1/links/edit-me"}), http.StatusGone)
	requireProblem(t, put("edit-me", "application/json", `{"url":"https://example.com/"}`), http.StatusGone)
	requireProblem(t, in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"https://example.com/","alias":"edit-me"}`}), http.StatusConflict)
}

func TestQRCode(t *testing.T) {
	in := start(t, options{})
	code := in.create(`{"url":"https://example.com/qr"}`)
	rep := in.get("/api/v1/links/" + code + "/qr")
	require.Equal(t, http.StatusOK, rep.status)
	assert.Equal(t, "image/png", rep.header.Get("Content-Type"))
	img, err := png.Decode(bytes.NewReader(rep.body))
	require.NoError(t, err)
	assert.Equal(t, qrSize, img.Bounds().Dx())
	requireProblem(t, in.get("/api/v1/links/nosuchcode/qr"), http.StatusNotFound)
	assert.Equal(t, float64(0), in.get("/api/v1/links/" + code).json(t)["clicks"], "a QR code is not a click")
}

// TestPermanent: 301 with a max-age that never outlasts the link.
func TestPermanent(t *testing.T) {
	clk := newClock(time.Now().Truncate(time.Second))
	in := start(t, options{now: clk.Now}, "-permanent", "-permanent-max-age", "1h")
	in.create(`{"url":"https://example.com/p","alias":"forever"}`)
	in.create(`{"url":"https://example.com/p","alias":"soon","expires_in":"90s"}`)
	rep := in.get("/forever")
	assert.Equal(t, http.StatusMovedPermanently, rep.status)
	assert.Equal(t, "max-age=3600", rep.header.Get("Cache-Control"))
	rep = in.get("/soon")
	assert.Equal(t, http.StatusMovedPermanently, rep.status)
	assert.Equal(t, "max-age=90", rep.header.Get("Cache-Control"))
	clk.Advance(89*time.Second + 500*time.Millisecond)
	assert.Equal(t, "max-age=0", in.get("/soon").header.Get("Cache-Control"), "rounded down, never past the expiry")
	clk.Advance(time.Second)
	requireProblem(t, in.get("/soon"), http.StatusGone)
}

func TestHealthReadyMetrics(t *testing.T) {
	in := start(t, options{}, "-redirect-rate", "1", "-redirect-burst", "2")
	code := in.create(`{"url":"https://example.com/m"}`)
	in.get("/" + code)
	in.get("/" + code)
	// Never limited: far more than the burst of 2.
	for range 5 {
		assert.Equal(t, http.StatusOK, in.get("/healthz").status)
		assert.Equal(t, http.StatusOK, in.get("/readyz").status)
		assert.Equal(t, http.StatusOK, in.get("/metrics").status)
	}
	assert.Equal(t, http.StatusTooManyRequests, in.get("/"+code).status)
	body := string(in.get("/metrics").body)
	for _, want := range []string{
		`urlshortener_http_requests_total{code="302",method="GET",route="GET /{code}"} 2`,
		`urlshortener_http_requests_total{code="201",method="POST",route="POST /api/v1/links"} 1`,
		`urlshortener_http_request_duration_seconds_bucket{route="GET /healthz"`,
		`urlshortener_ratelimit_refusals_total{code="429",policy="redirect"} 1`,
		`urlshortener_cache_lookups_total 2`,
		`urlshortener_cache_misses_total 1`,
		`urlshortener_cache_hits_total 1`,
		`urlshortener_cache_results_total{result="loaded"} 1`,
		`urlshortener_cache_results_total{result="negative"} 0`,
		`urlshortener_cache_results_total{result="stale"} 0`,
		`urlshortener_store_errors_total 0`,
		`go_sql_max_open_connections{db_name="db"}`,
	} {
		assert.True(t, strings.Contains(body, want), "no %s in /metrics", want)
	}
}

// TestRateLimits: the write limit per client, with its headers; the client
// from X-Forwarded-For only with -trusted-proxies.
func TestRateLimits(t *testing.T) {
	in := start(t, options{}, "-create-rate", "1", "-create-burst", "2")
	post := func(xff string) reply {
		return in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
			body: `{"url":"https://example.com/"}`, header: map[string]string{"X-Forwarded-For": xff}})
	}
	for range 2 {
		rep := post("203.0.113.1")
		require.Equal(t, http.StatusCreated, rep.status)
		assert.Equal(t, `"create";q=2;w=120`, rep.header.Get("RateLimit-Policy"))
	}
	rep := post("203.0.113.2") // a forged header changes nothing
	p := requireProblem(t, rep, http.StatusTooManyRequests)
	assert.Contains(t, p["detail"], "too many requests")
	retry, err := strconv.Atoi(rep.header.Get("Retry-After"))
	require.NoError(t, err)
	assert.Positive(t, retry)
	assert.Contains(t, rep.header.Get("RateLimit"), `"create";r=0;t=`)
	assert.NotEmpty(t, rep.header.Get("RateLimit-Policy"))
	// PUT, PATCH and DELETE share the write limit.
	requireProblem(t, in.do(req{method: "DELETE", path: "/api/v1/links/whatever"}), http.StatusTooManyRequests)

	proxied := start(t, options{}, "-create-rate", "1", "-create-burst", "1", "-trusted-proxies", "1")
	post = func(xff string) reply {
		return proxied.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
			body: `{"url":"https://example.com/"}`, header: map[string]string{"X-Forwarded-For": xff}})
	}
	assert.Equal(t, http.StatusCreated, post("198.51.100.7, 203.0.113.1").status)
	assert.Equal(t, http.StatusTooManyRequests, post("198.51.100.8, 203.0.113.1").status, "only the trusted hop counts")
	assert.Equal(t, http.StatusCreated, post("203.0.113.2").status, "another client")
}

// TestAuth: with a secret, the write endpoints need a bearer token with
// exp and scope links:write (RFC 6750); reads stay open.
func TestAuth(t *testing.T) {
	secret := strings.Repeat("k", 32)
	env := map[string]string{EnvJWTSecret: secret}
	in := start(t, options{env: env}, "-create-rate", "0")
	now := time.Now()
	token := func(ttl time.Duration, scope string) string {
		tok, err := signToken([]byte(secret), now, ttl, scope)
		require.NoError(t, err)
		return tok
	}
	post := func(auth string) reply {
		r := req{method: "POST", path: "/api/v1/links", ctype: "application/json", body: `{"url":"https://example.com/"}`}
		if auth != "" {
			r.header = map[string]string{"Authorization": auth}
		}
		return in.do(r)
	}

	rep := post("")
	requireProblem(t, rep, http.StatusUnauthorized)
	assert.Equal(t, "Bearer", rep.header.Get("WWW-Authenticate"))

	other, err := signToken([]byte(strings.Repeat("o", 32)), now, time.Hour, writeScope)
	require.NoError(t, err)
	for name, auth := range map[string]string{
		"wrong key": "Bearer " + other,
		"expired":   "Bearer " + token(-time.Hour, writeScope),
		"garbage":   "Bearer abc.def.ghi",
	} {
		rep = post(auth)
		requireProblem(t, rep, http.StatusUnauthorized)
		assert.Contains(t, rep.header.Get("WWW-Authenticate"), `error="invalid_token"`, name)
	}
	rep = post("Bearer " + token(time.Hour, "links:read"))
	requireProblem(t, rep, http.StatusForbidden)
	assert.Contains(t, rep.header.Get("WWW-Authenticate"), `error="insufficient_scope"`)

	rep = post("Bearer " + token(time.Hour, "links:read links:write"))
	require.Equal(t, http.StatusCreated, rep.status, "%s", rep.body)
	code := rep.json(t)["code"].(string)
	assert.Equal(t, http.StatusFound, in.get("/"+code).status, "redirects need no token")
	assert.Equal(t, http.StatusOK, in.get("/api/v1/links/"+code).status)
	requireProblem(t, in.do(req{method: "DELETE", path: "/api/v1/links/" + code}), http.StatusUnauthorized)

	// -print-token prints a one-hour token the service accepts.
	pm := NewMain()
	pm.Getenv = func(k string) string { return env[k] }
	require.NoError(t, pm.ParseFlags([]string{"-print-token"}))
	var out bytes.Buffer
	require.NoError(t, pm.PrintToken(&out))
	rep = in.do(req{method: "DELETE", path: "/api/v1/links/" + code,
		header: map[string]string{"Authorization": "Bearer " + strings.TrimSpace(out.String())}})
	assert.Equal(t, http.StatusNoContent, rep.status, "%s", rep.body)

	// The secret from a file; a short one is refused at start.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret"), []byte(secret+"\n"), 0o600))
	start(t, options{}, "-jwt-secret-file", filepath.Join(dir, "secret"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "short"), []byte("short"), 0o600))
	assert.ErrorContains(t, tryStart(t, options{}, "-jwt-secret-file", filepath.Join(dir, "short")).err, "at least 32")
}

// TestPanicIsLogged500: a panic in a handler is a logged 500 and the
// process serves on.
func TestPanicIsLogged500(t *testing.T) {
	in := start(t, options{inner: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/boom" {
				panic("boom")
			}
			next.ServeHTTP(w, r)
		})
	}})
	requireProblem(t, in.get("/boom"), http.StatusInternalServerError)
	assert.Contains(t, in.logs.String(), `msg="panic in handler"`)
	assert.Contains(t, in.logs.String(), `panic=boom`)
	assert.Equal(t, http.StatusOK, in.get("/healthz").status)
}

// TestRequestLog: one line per request with method, route, status,
// duration and client.
func TestRequestLog(t *testing.T) {
	in := start(t, options{})
	in.get("/api/v1/links/abcdefg")
	assert.Regexp(t, `msg=request method=GET route="GET /api/v1/links/\{code\}" status=404 duration=\S+ client=127\.0\.0\.1`, in.logs.String())
}

// TestGracefulShutdown: a request in flight when the shutdown begins is
// answered, the pending clicks are written, and Close returns nil.
func TestGracefulShutdown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "links.db")
	arrived := make(chan struct{}, 1)
	shutdown := make(chan struct{})
	in := start(t, options{
		shutdown: func() { close(shutdown) },
		inner: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					arrived <- struct{}{}
				}
				next.ServeHTTP(w, r)
			})
		},
	}, "-db", db)
	code := in.create(`{"url":"https://example.com/g"}`)
	wait(t, arrived, "the create")
	for range 7 {
		require.Equal(t, http.StatusFound, in.get("/"+code).status)
	}

	// A create whose body is still arriving when Close begins.
	pr, pw := io.Pipe()
	hr, err := http.NewRequest("POST", in.base+"/api/v1/links", pr)
	require.NoError(t, err)
	hr.Header.Set("Content-Type", "application/json")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := client.Do(hr)
		if err != nil {
			done <- nil
			return
		}
		done <- resp
	}()
	_, err = pw.Write([]byte(`{"url":`))
	require.NoError(t, err)
	wait(t, arrived, "the request whose body is still arriving")
	closed := make(chan error, 1)
	go func() { closed <- in.m.Close() }()
	wait(t, shutdown, "the graceful shutdown")
	_, err = pw.Write([]byte(`"https://example.com/late"}`))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	resp := wait(t, done, "the response")
	require.NotNil(t, resp, "the request in flight got no response")
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	require.NoError(t, wait(t, closed, "Close"))

	// The clicks reached the database: a new process over it sees them.
	again := start(t, options{}, "-db", db)
	assert.Equal(t, float64(7), again.get("/api/v1/links/" + code).json(t)["clicks"])
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-codes", "sequential"},
		{"-redis", "127.0.0.1:1", "-redis-cluster", "127.0.0.1:2"},
		{"-create-rate", "-1"},
		{"-redirect-burst", "0"},
		{"-trusted-proxies", "-1"},
		{"-base-url", "ftp://example.com"},
		{"-base-url", "https://user@example.com"},
		{"-redis-prefix", "{x}"},
		{"extra"},
	} {
		m := NewMain()
		m.Stderr = io.Discard
		assert.Error(t, m.ParseFlags(args), "%q", args)
	}
	m := NewMain()
	require.NoError(t, m.ParseFlags([]string{"-db", "postgres://u:secret@h1:5432,h2:5432/db", "-db", "b.db"}))
	assert.Equal(t, []string{"postgres://u:secret@h1:5432,h2:5432/db", "b.db"}, m.Config.DBs, "a DSN with commas stays whole")
	assert.NotContains(t, redactDSN(m.Config.DBs[0]), "secret")
}
