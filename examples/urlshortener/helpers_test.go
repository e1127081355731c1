package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache/rediscache"
)

// instance is one running service under test.
type instance struct {
	t    *testing.T
	m    *Main
	base string
	logs *syncBuffer
	// invalidated receives the codes other instances invalidated, once
	// this instance's local copy is gone.
	invalidated chan []string
	// flushed receives the reasons of the local layer's flushes.
	flushed chan rediscache.FlushReason
	// dialed receives a value for each Redis dial that succeeded.
	dialed chan struct{}
}

// options are what a test sets on a Main beyond its flags.
type options struct {
	env   map[string]string
	now   func() time.Time
	inner func(http.Handler) http.Handler
	// shutdown is called when the graceful shutdown begins.
	shutdown func()
	// stderr receives the logs instead of the instance's buffer.
	stderr io.Writer
}

// start runs the service with args after "-addr 127.0.0.1:0" and, unless
// args name one, an SQLite file of the test's own; Close runs at cleanup.
func start(t *testing.T, o options, args ...string) *instance {
	t.Helper()
	in := tryStart(t, o, args...)
	require.NoError(t, in.err)
	return in.instance
}

type started struct {
	*instance
	err error
}

func tryStart(t *testing.T, o options, args ...string) started {
	t.Helper()
	all := []string{"-addr", "127.0.0.1:0"}
	if !slices.Contains(args, "-db") {
		all = append(all, "-db", filepath.Join(t.TempDir(), "links.db"))
	}
	all = append(all, args...)
	m := NewMain()
	logs := &syncBuffer{}
	m.Stderr = logs
	if o.stderr != nil {
		m.Stderr = o.stderr
	}
	m.Getenv = func(k string) string { return o.env[k] }
	m.Now = o.now
	m.inner = o.inner
	m.onShutdown = o.shutdown
	in := &instance{t: t, m: m, logs: logs, invalidated: make(chan []string, 1024),
		flushed: make(chan rediscache.FlushReason, 64), dialed: make(chan struct{}, 1)}
	m.onRedisDial = func(err error) {
		if err != nil {
			return
		}
		select {
		case in.dialed <- struct{}{}:
		default:
		}
	}
	m.onFlush = func(r rediscache.FlushReason) {
		select {
		case in.flushed <- r:
		default:
		}
	}
	m.onInvalidate = func(keys []string) {
		select {
		case in.invalidated <- keys:
		default:
		}
	}
	require.NoError(t, m.ParseFlags(all))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := m.Run(ctx)
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err != nil {
		return started{in, err}
	}
	in.base = "http://" + m.Addr()
	return started{in, nil}
}

// heard waits until another instance's invalidation of code has reached
// in's local layer.
func (in *instance) heard(code string) {
	in.t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case keys := <-in.invalidated:
			if slices.Contains(keys, code) {
				return
			}
		case <-timeout.C:
			in.t.Fatalf("no invalidation of %q arrived", code)
		}
	}
}

// recovered waits, after Redis came back, until the invalidation bus has
// subscribed again and /readyz answers 200. go-redis stops dialing after
// a run of failed dials and probes once a second in the background, so
// readiness is asked again after each dial that succeeded, never on a
// timer.
func (in *instance) recovered() {
	in.t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for resubscribed := false; !resubscribed; {
		select {
		case r := <-in.flushed:
			resubscribed = r == rediscache.Resubscribed
		case <-timeout.C:
			in.t.Fatal("the invalidation bus did not subscribe again")
		}
	}
	for in.get("/readyz").status != http.StatusOK {
		select {
		case <-in.dialed:
		case <-timeout.C:
			in.t.Fatal("/readyz did not answer 200 after Redis came back")
		}
	}
}

// client does not follow redirects: the tests look at them.
var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// reply is a response, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(r.body, &v), "body %s", r.body)
	return v
}

// req describes a request; zero fields mean none.
type req struct {
	method, path, ctype, body string
	header                    map[string]string
}

func (in *instance) do(r req) reply {
	in.t.Helper()
	return do(in.t, in.base, r)
}

func do(t *testing.T, base string, r req) reply {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	hr, err := http.NewRequest(method, base+r.path, body)
	require.NoError(t, err)
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := client.Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (in *instance) get(path string) reply {
	in.t.Helper()
	return in.do(req{path: path})
}

// create posts body as JSON and requires a 201; it returns the code.
func (in *instance) create(body string, header ...map[string]string) string {
	in.t.Helper()
	r := req{method: http.MethodPost, path: "/api/v1/links", ctype: "application/json", body: body}
	if len(header) > 0 {
		r.header = header[0]
	}
	rep := in.do(r)
	require.Equal(in.t, http.StatusCreated, rep.status, "body %s", rep.body)
	code, _ := rep.json(in.t)["code"].(string)
	require.NotEmpty(in.t, code)
	return code
}

// requireProblem checks that rep is an RFC 9457 problem of status.
func requireProblem(t *testing.T, rep reply, status int) map[string]any {
	t.Helper()
	require.Equal(t, status, rep.status, "body %s", rep.body)
	require.Equal(t, "application/problem+json", rep.header.Get("Content-Type"))
	p := rep.json(t)
	require.Equal(t, float64(status), p["status"])
	require.NotEmpty(t, p["type"])
	require.NotEmpty(t, p["title"])
	require.NotEmpty(t, p["detail"])
	return p
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wait receives from ch, failing the test if nothing comes within ten
// seconds.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	select {
	case v := <-ch:
		return v
	case <-timeout.C:
		t.Fatalf("waited ten seconds for %s", what)
		var zero T
		return zero
	}
}

// clock is a fake clock the tests move.
type clock struct{ ns atomic.Int64 }

func newClock(t0 time.Time) *clock {
	c := &clock{}
	c.ns.Store(t0.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
