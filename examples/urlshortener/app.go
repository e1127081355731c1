package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/backendkit/backendkit/shortener"
)

// The server's limits. Bodies are small JSON objects; anything longer is
// refused with 413 before it is decoded.
const (
	maxBodyBytes      = 8 << 10
	maxHeaderBytes    = 16 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 60 * time.Second
	startTimeout      = 10 * time.Second
)

// Main is the program: ParseFlags, then Run, then Close. The end-to-end
// tests build one the same way main does and call Run on 127.0.0.1:0.
type Main struct {
	// Config is what ParseFlags read.
	Config Config
	// Stderr receives the logs and the flags' usage; nil means os.Stderr.
	Stderr io.Writer
	// Getenv reads the secrets' environment variables; nil means
	// os.Getenv.
	Getenv func(string) string
	// Now is the service's clock; nil means time.Now.
	Now func() time.Time

	// onInvalidate is told of every invalidation another instance sent,
	// after the local copy was dropped (tests wait on it).
	onInvalidate func(keys []string)
	// onFlush is told of each flush of the local cache layer (tests wait
	// for the resubscription after an outage).
	onFlush func(reason rediscache.FlushReason)
	// onRedisDial is told of every Redis dial's outcome.
	onRedisDial func(err error)
	// inner, when set, wraps the routes inside the panic recovery (tests
	// watch requests arrive, or make one panic).
	inner func(http.Handler) http.Handler
	// onShutdown is called when the graceful shutdown begins.
	onShutdown func()

	log     *slog.Logger
	app     *app
	srv     *http.Server
	addr    string
	baseURL string
	failed  chan error

	mu sync.Mutex
	// protected by mu
	closers []closer
	closed  bool
}

// closer is one thing Close releases, in the reverse order of creation.
type closer struct {
	name string
	fn   func(ctx context.Context) error
}

// NewMain returns a Main with the flags' defaults.
func NewMain() *Main {
	c, err := parseFlags(nil, io.Discard)
	if err != nil { // the defaults are valid
		panic(err)
	}
	return &Main{Config: c, failed: make(chan error, 1)}
}

// ParseFlags reads the command line (without the program name) into
// m.Config. It returns flag.ErrHelp after -h.
func (m *Main) ParseFlags(args []string) error {
	c, err := parseFlags(args, m.stderr())
	if err != nil {
		return err
	}
	m.Config = c
	return nil
}

// Addr returns the address the server listens on, once Run has returned.
func (m *Main) Addr() string { return m.addr }

// BaseURL returns what every short_url starts with, once Run has returned.
func (m *Main) BaseURL() string { return m.baseURL }

// Failed delivers the server's error if it stops serving on its own.
func (m *Main) Failed() <-chan error { return m.failed }

func (m *Main) stderr() io.Writer {
	if m.Stderr == nil {
		return os.Stderr
	}
	return m.Stderr
}

func (m *Main) getenv(k string) string {
	if m.Getenv == nil {
		return os.Getenv(k)
	}
	return m.Getenv(k)
}

func (m *Main) now() func() time.Time {
	if m.Now == nil {
		return time.Now
	}
	return m.Now
}

func (m *Main) onClose(name string, fn func(ctx context.Context) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closers = append(m.closers, closer{name, fn})
}

// PrintToken writes a token valid for one hour with the scope the write
// endpoints require, signed with the configured secret.
func (m *Main) PrintToken(w io.Writer) error {
	secret, err := m.secret()
	if err != nil {
		return err
	}
	if secret == nil {
		return fmt.Errorf("urlshortener: -print-token needs -jwt-secret-file or $%s", EnvJWTSecret)
	}
	tok, err := signToken(secret, m.now()(), time.Hour, writeScope)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, tok)
	return err
}

// Run starts the service and returns once it listens: it opens the
// databases and Redis, builds the Service, and serves until Close. When it
// fails, what it opened stays for Close to release.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	if err := c.validate(); err != nil {
		return err
	}
	if m.failed == nil { // a Main not made by NewMain
		m.failed = make(chan error, 1)
	}
	m.log = slog.New(slog.NewTextHandler(m.stderr(), &slog.HandlerOptions{}))
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	secret, err := m.secret()
	if err != nil {
		return err
	}
	var verifier *jwtdemo.Verifier
	if secret != nil {
		if verifier, err = newVerifier(secret, m.Now); err != nil {
			return err
		}
	}

	be, err := openBackend(ctx, c.DBs, m.now())
	if err != nil {
		return err
	}
	m.onClose("databases", func(context.Context) error { return be.close() })

	rd, err := openRedis(ctx, c, m.onRedisDial)
	if err != nil {
		return err
	}
	m.onClose("redis", func(context.Context) error { return rd.close() })

	tier, err := rediscache.NewTwoTier[shortener.Link](rd.client, c.RedisPrefix+"links:", c.CacheCapacity,
		rediscache.TwoTierConfig[shortener.Link]{
			OnInvalidate: m.onInvalidate,
			OnFlush:      m.onFlush,
			OnError:      func(err error) { m.log.Warn("invalidation bus", "err", err) },
		})
	if err != nil {
		return fmt.Errorf("urlshortener: cache tier: %w", err)
	}
	m.onClose("cache tier", tier.Close)
	if err := tier.Ready(ctx); err != nil {
		return fmt.Errorf("urlshortener: subscribing to the invalidation bus: %w", err)
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("urlshortener: %w", err)
	}
	m.addr = ln.Addr().String()
	m.baseURL = c.BaseURL
	if m.baseURL == "" {
		m.baseURL = "http://" + advertised(m.addr)
	}

	codes, codesDesc, err := m.codes(ctx, be)
	if err != nil {
		ln.Close()
		return err
	}
	svc, err := newService(be.store, tier, codes, m.ownHosts(), c, m.Now)
	if err != nil {
		ln.Close()
		return err
	}
	m.onClose("service", svc.Close)

	a, err := newApp(appConfig{
		cfg: c, log: m.log, svc: svc, backend: be, redis: rd, baseURL: m.baseURL,
		verifier: verifier, now: m.now(), inner: m.inner,
	})
	if err != nil {
		ln.Close()
		return err
	}
	m.app = a
	m.onClose("limiters", func(context.Context) error { return a.close() })

	m.srv = &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	if m.onShutdown != nil {
		m.srv.RegisterOnShutdown(m.onShutdown)
	}
	go func() {
		if err := m.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.failed <- fmt.Errorf("urlshortener: serving: %w", err)
		}
	}()
	auth := "off: write endpoints are open to anyone"
	if verifier != nil {
		auth = "on: write endpoints need a bearer token with scope " + writeScope
	}
	m.log.Info("urlshortener listening",
		"addr", m.addr, "base_url", m.baseURL, "database", be.describe, "redis", rd.describe,
		"codes", codesDesc, "auth", auth, "permanent", c.Permanent)
	return nil
}

// Close shuts the server down gracefully, letting requests in flight
// finish, then writes the pending clicks and releases the databases and
// Redis, within Config.ShutdownTimeout. It is idempotent.
func (m *Main) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	closers := m.closers
	m.closers = nil
	m.mu.Unlock()

	timeout := m.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if m.srv != nil {
		if err := m.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("urlshortener: shutting the server down: %w", err))
		}
	}
	for i := len(closers) - 1; i >= 0; i-- {
		if err := closers[i].fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("urlshortener: closing the %s: %w", closers[i].name, err))
		}
	}
	if m.log != nil {
		m.log.Info("urlshortener stopped")
	}
	return errors.Join(errs...)
}

// secret returns the JWT secret, nil when none is configured.
func (m *Main) secret() ([]byte, error) {
	var secret []byte
	switch {
	case m.Config.JWTSecretFile != "":
		b, err := os.ReadFile(m.Config.JWTSecretFile)
		if err != nil {
			return nil, fmt.Errorf("urlshortener: reading -jwt-secret-file: %w", err)
		}
		secret = []byte(strings.TrimRight(string(b), "\r\n"))
	case m.getenv(EnvJWTSecret) != "":
		secret = []byte(m.getenv(EnvJWTSecret))
	default:
		return nil, nil
	}
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("urlshortener: the JWT secret has %d bytes; HS256 needs at least %d", len(secret), minSecretLen)
	}
	return secret, nil
}

// ownHosts are the hosts a link must not point at: the listening
// address's and the base URL's.
func (m *Main) ownHosts() []string {
	var hosts []string
	add := func(hostport string) {
		h := hostport
		if hh, _, err := net.SplitHostPort(hostport); err == nil {
			h = hh
		}
		if ip := net.ParseIP(h); h == "" || (ip != nil && ip.IsUnspecified()) {
			return
		}
		hosts = append(hosts, h)
	}
	add(m.Config.Addr)
	add(m.addr)
	if u, err := url.Parse(m.baseURL); err == nil {
		add(u.Host)
	}
	return hosts
}

// advertised is the host:port a client reaches a listener on: the
// unspecified address becomes localhost.
func advertised(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
