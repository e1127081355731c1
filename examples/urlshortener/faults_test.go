package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/pgtest"
)

// statusLog counts the statuses of every response of a fault test.
type statusLog struct {
	mu sync.Mutex
	// protected by mu
	counts map[int]int
}

func (s *statusLog) add(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = make(map[int]int)
	}
	s.counts[status]++
}

// requireNo5xxBut503 checks that no response was a 5xx other than 503.
func (s *statusLog) requireNo5xxBut503(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for status, n := range s.counts {
		if status >= 500 && status != http.StatusServiceUnavailable {
			t.Errorf("%d responses with status %d", n, status)
		}
	}
}

// load redirects to code from a few goroutines until stop is called, and
// returns the statuses they got.
func load(t *testing.T, in *instance, code string) (stop func() map[int]int) {
	t.Helper()
	var wg sync.WaitGroup
	quit := make(chan struct{})
	var got statusLog
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-quit:
					return
				default:
				}
				resp, err := client.Get(in.base + "/" + code)
				if err != nil {
					got.add(-1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				got.add(resp.StatusCode)
			}
		})
	}
	return func() map[int]int {
		close(quit)
		wg.Wait()
		return got.counts
	}
}

// faultArgs keep the limits on, far above what the tests send, so that
// their fallback during an outage is exercised too.
var faultArgs = []string{"-create-rate", "100000", "-create-burst", "100000",
	"-redirect-rate", "100000", "-redirect-burst", "100000"}

// TestRedisOutage: a private Redis stops under load. Cached links keep
// redirecting from the local tier, creates answer 503 problems, /readyz
// 503, no other 5xx; when Redis is back on the same port everything works
// again without a restart.
func TestRedisOutage(t *testing.T) {
	mr := miniredis.NewMiniRedis()
	require.NoError(t, mr.StartAddr("127.0.0.1:0"))
	t.Cleanup(mr.Close)
	in := start(t, options{}, append([]string{"-redis", mr.Addr()}, faultArgs...)...)
	var seen statusLog
	get := func(path string) reply { r := in.get(path); seen.add(r.status); return r }
	post := func(body string) reply {
		r := in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json", body: body})
		seen.add(r.status)
		return r
	}

	cached := in.create(`{"url":"https://example.com/cached"}`)
	other := in.create(`{"url":"https://example.com/other"}`)
	require.Equal(t, http.StatusFound, get("/"+cached).status)
	require.Equal(t, http.StatusOK, get("/readyz").status)

	stop := load(t, in, cached)
	mr.Close()
	for range 20 {
		rep := get("/" + cached)
		require.Equal(t, http.StatusFound, rep.status, "a cached link during the outage: %s", rep.body)
		assert.Equal(t, "https://example.com/cached", rep.header.Get("Location"))
	}
	p := requireProblem(t, post(`{"url":"https://example.com/during"}`), http.StatusServiceUnavailable)
	assert.Contains(t, p["detail"], "Redis")
	requireProblem(t, get("/readyz"), http.StatusServiceUnavailable)
	assert.Contains(t, []int{http.StatusFound, http.StatusServiceUnavailable}, get("/"+other).status, "an uncached link: from the database, or turned away")
	assert.Contains(t, []int{http.StatusNotFound, http.StatusServiceUnavailable}, get("/nosuchcode").status)
	assert.Equal(t, http.StatusOK, get("/healthz").status, "the process is up")
	during := stop()
	assert.Positive(t, during[http.StatusFound])
	for status, n := range during {
		assert.Equal(t, http.StatusFound, status, "%d redirects of the cached link answered %d", n, status)
	}

	require.NoError(t, mr.Restart())
	in.recovered()
	rep := post(`{"url":"https://example.com/after"}`)
	require.Equal(t, http.StatusCreated, rep.status, "%s", rep.body)
	assert.Equal(t, http.StatusFound, get("/"+rep.json(t)["code"].(string)).status)
	assert.Equal(t, http.StatusFound, get("/"+cached).status)
	assert.Equal(t, http.StatusFound, get("/"+other).status)
	seen.requireNo5xxBut503(t)
}

// TestDatabaseOutage: the PostgreSQL connection is cut by a proxy of the
// test's own (the shared server stays up for everyone else). Cached links
// keep redirecting, creates and /readyz answer 503, no other 5xx; when the
// proxy lets connections through again everything recovers.
func TestDatabaseOutage(t *testing.T) {
	if !pgAvailable() {
		t.Skip("no POSTGRES_DSN: the database outage is cut between the service and a PostgreSQL server")
	}
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	px := newProxy(t, u.Host)
	u.Host = px.addr()
	in := start(t, options{}, append([]string{"-db", u.String()}, faultArgs...)...)
	var seen statusLog
	get := func(path string) reply { r := in.get(path); seen.add(r.status); return r }
	post := func(body string) reply {
		r := in.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json", body: body})
		seen.add(r.status)
		return r
	}

	cached := in.create(`{"url":"https://example.com/cached"}`)
	require.Equal(t, http.StatusFound, get("/"+cached).status)

	stop := load(t, in, cached)
	px.cut()
	for range 20 {
		require.Equal(t, http.StatusFound, get("/"+cached).status, "a cached link during the outage")
	}
	p := requireProblem(t, post(`{"url":"https://example.com/during"}`), http.StatusServiceUnavailable)
	assert.Contains(t, p["detail"], "database")
	requireProblem(t, get("/readyz"), http.StatusServiceUnavailable)
	requireProblem(t, get("/nosuchcode"), http.StatusServiceUnavailable)
	requireProblem(t, in.do(req{method: "DELETE", path: "/api/v1/links/" + cached}), http.StatusServiceUnavailable)
	during := stop()
	assert.Positive(t, during[http.StatusFound])
	for status, n := range during {
		assert.Equal(t, http.StatusFound, status, "%d redirects of the cached link answered %d", n, status)
	}

	px.restore()
	assert.Equal(t, http.StatusOK, get("/readyz").status)
	rep := post(`{"url":"https://example.com/after"}`)
	require.Equal(t, http.StatusCreated, rep.status, "%s", rep.body)
	assert.Equal(t, http.StatusFound, get("/"+rep.json(t)["code"].(string)).status)
	seen.requireNo5xxBut503(t)
	assert.Contains(t, string(in.get("/metrics").body), "urlshortener_store_errors_total")
}

// proxy forwards TCP connections to a target until cut, which closes every
// connection and refuses new ones until restore.
type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu sync.Mutex
	// protected by mu
	conns map[net.Conn]struct{}
	down  bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, up) {
			continue
		}
		p.wg.Go(func() { pipe(c, up) })
		p.wg.Go(func() { pipe(up, c) })
	}
}

// track records a pair of connections, or closes them if the proxy went
// down meanwhile.
func (p *proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
