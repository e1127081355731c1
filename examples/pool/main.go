// Command pool runs backendkit's connection pool twice.
//
// First against a small TCP server it starts on loopback: many workers
// share a few connections, the server hangs up on all of them and the
// pool's health check replaces them, a worker finds its connection broken
// and destroys it, and the pool closes cleanly. It prints the pool's
// statistics after each step.
//
// Then the sizing experiment: a simulated server whose every request takes
// the same time, and a fixed number of workers sending requests through
// pools of growing MaxSize. It prints the throughput and the waits of each
// size beside what Little's law predicts.
//
//	go run ./examples/pool
//	go run ./examples/pool -workers 32 -requests 50 -size 4 -latency 2ms
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/backendkit/backendkit/pool"
)

// config is what the flags set.
type config struct {
	// Workers is the number of concurrent workers in both parts.
	Workers int
	// Requests is the number of requests per worker in the first part.
	Requests int
	// Size is the pool's MaxSize in the first part.
	Size int
	// Latency is how long the simulated server takes per request in the
	// sizing experiment.
	Latency time.Duration
	// Step is how long the sizing experiment runs each MaxSize.
	Step time.Duration
}

func main() {
	var cfg config
	flag.IntVar(&cfg.Workers, "workers", 32, "concurrent workers (1..1000)")
	flag.IntVar(&cfg.Requests, "requests", 50, "requests per worker in the first part (1..10000)")
	flag.IntVar(&cfg.Size, "size", 4, "pool MaxSize in the first part (1..100)")
	flag.DurationVar(&cfg.Latency, "latency", 2*time.Millisecond, "time the simulated server takes per request (100µs..100ms)")
	flag.DurationVar(&cfg.Step, "step", 250*time.Millisecond, "how long each MaxSize of the sizing experiment runs (50ms..10s)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		os.Exit(1)
	}
}

// run validates cfg, runs both parts and narrates them on w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if _, err := demo(ctx, w, cfg); err != nil {
		return err
	}
	sz, err := sizing(ctx, cfg)
	if err != nil {
		return err
	}
	sz.print(w)
	return nil
}

func (c config) validate() error {
	switch {
	case c.Workers < 1 || c.Workers > 1000:
		return fmt.Errorf("-workers must be between 1 and 1000, not %d", c.Workers)
	case c.Requests < 1 || c.Requests > 10000:
		return fmt.Errorf("-requests must be between 1 and 10000, not %d", c.Requests)
	case c.Size < 1 || c.Size > 100:
		return fmt.Errorf("-size must be between 1 and 100, not %d", c.Size)
	case c.Latency < 100*time.Microsecond || c.Latency > 100*time.Millisecond:
		return fmt.Errorf("-latency must be between 100µs and 100ms, not %v", c.Latency)
	case c.Step < 50*time.Millisecond || c.Step > 10*time.Second:
		return fmt.Errorf("-step must be between 50ms and 10s, not %v", c.Step)
	}
	return nil
}

// demoResult is the pool's statistics after each step of the first part.
type demoResult struct {
	afterLoad, afterHangUp, afterDestroy, afterClose pool.Stats
	brokeInUse                                       bool  // the QUIT connection failed its next request
	acquireAfterClose                                error // what Acquire said after Close
}

// demo runs the first part: the pool against a TCP server on loopback.
func demo(ctx context.Context, w io.Writer, cfg config) (demoResult, error) {
	var r demoResult
	workers, requests, size := cfg.Workers, cfg.Requests, cfg.Size
	fmt.Fprintf(w, "Part 1: a pool of %d connections shared by %d workers\n\n", size, workers)
	srv, err := startServer()
	if err != nil {
		return r, err
	}
	defer srv.close()
	addr := srv.ln.Addr().String()
	fmt.Fprintln(w, "server listening on", addr)

	dialAddr := func(ctx context.Context) (*conn, error) { return dial(ctx, addr) }
	p, err := pool.New(size, dialAddr, pool.Config[*conn]{
		Destructor: func(c *conn) { c.nc.Close() },
		// A ping on borrow; a production pool would set HealthCheckAfter
		// to a second or so, so that busy connections are not pinged.
		HealthCheck: func(ctx context.Context, c *conn) error {
			reply, err := c.roundTrip(ctx, "PING")
			if err == nil && reply != "PONG" {
				err = fmt.Errorf("ping answered %q", reply)
			}
			return err
		},
		MaxLifetime: time.Hour,
		MaxIdleTime: 5 * time.Minute,
	})
	if err != nil {
		return r, err
	}
	defer p.Close(context.WithoutCancel(ctx))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	// 1. Many workers share a few connections.
	fmt.Fprintf(w, "%d workers send %d requests each through the pool\n", workers, requests)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for wk := range workers {
		wg.Go(func() {
			for rq := range requests {
				if err := request(ctx, p, fmt.Sprintf("worker %d request %d", wk, rq)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		return r, err
	}
	r.afterLoad = p.Stats()
	show(w, "after the load", r.afterLoad)

	// 2. The server restarts: every pooled connection is now dead. Each
	// borrow's ping finds out, and the pool dials a fresh one.
	fmt.Fprintln(w, "the server hangs up on every connection")
	srv.hangUp()
	for i := range size {
		if err := request(ctx, p, fmt.Sprintf("after restart %d", i)); err != nil {
			return r, err
		}
	}
	r.afterHangUp = p.Stats()
	show(w, "after the server hung up", r.afterHangUp)

	// 3. A connection breaks while in use: the worker destroys it.
	h, err := p.Acquire(ctx)
	if err != nil {
		return r, err
	}
	if _, err := h.Value().roundTrip(ctx, "QUIT"); err != nil {
		h.Destroy()
		return r, err
	}
	if _, err := h.Value().roundTrip(ctx, "still there?"); err != nil {
		fmt.Fprintf(w, "connection %s broke in use (%v): destroyed\n", h.Value().id, err)
		r.brokeInUse = true
		h.Destroy()
	} else {
		h.Release()
	}
	r.afterDestroy = p.Stats()
	show(w, "after destroying a broken connection", r.afterDestroy)

	// 4. Close: idle connections are closed at once, and Close waits for
	// the rest (none are in use here).
	if err := p.Close(ctx); err != nil {
		return r, err
	}
	if _, err := p.Acquire(ctx); errors.Is(err, pool.ErrClosed) {
		r.acquireAfterClose = err
		fmt.Fprintln(w, "acquire after close:", err)
	} else {
		return r, fmt.Errorf("acquire after close returned %v", err)
	}
	r.afterClose = p.Stats()
	show(w, "after close", r.afterClose)
	fmt.Fprintf(w, "\n%s\n\n", wrap("What to notice: "+r.conclusion(size), 80))
	return r, nil
}

func (r demoResult) conclusion(size int) string {
	s := fmt.Sprintf("%d acquires were served by at most %d connections (%d open after the load)", r.afterLoad.Acquires, size, r.afterLoad.Total)
	if r.afterLoad.Waits > 0 {
		s += fmt.Sprintf(", %d of them after queueing", r.afterLoad.Waits)
	}
	s += fmt.Sprintf(". When the server hung up, the health check on borrow caught %d dead connections and the pool dialled new ones, so no request failed", r.afterHangUp.ClosedHealthCheck-r.afterLoad.ClosedHealthCheck)
	if r.brokeInUse {
		s += fmt.Sprintf("; the connection that broke in use was destroyed by its worker (%d by caller)", r.afterDestroy.ClosedByCaller)
	}
	return s + fmt.Sprintf(", and after Close the pool holds %d connections and refuses to hand out more.", r.afterClose.Total)
}

// request borrows a connection, sends msg and checks the echo.
func request(ctx context.Context, p *pool.Pool[*conn], msg string) error {
	h, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	reply, err := h.Value().roundTrip(ctx, msg)
	if err != nil {
		h.Destroy()
		return err
	}
	h.Release()
	if reply != msg {
		return fmt.Errorf("sent %q, got %q", msg, reply)
	}
	return nil
}

func show(w io.Writer, when string, s pool.Stats) {
	fmt.Fprintf(w, "%s: open %d (idle %d), acquires %d, waits %d (p50 %v, p99 %v), closed by health check %d, by caller %d\n",
		when, s.Total, s.Idle, s.Acquires, s.Waits, s.WaitP50, s.WaitP99, s.ClosedHealthCheck, s.ClosedByCaller)
}

// server is a line server on loopback: it greets each connection with its
// number, answers PING with PONG, hangs up on QUIT, and echoes the rest.
type server struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	n     int
	conns map[net.Conn]bool
}

func startServer() (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.n++
			id := s.n
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(c, id) })
		}
	})
	return s, nil
}

func (s *server) serve(c net.Conn, id int) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	fmt.Fprintf(c, "HELLO %d\n", id)
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		switch sc.Text() {
		case "PING":
			fmt.Fprintln(c, "PONG")
		case "QUIT":
			fmt.Fprintln(c, "BYE")
			return
		default:
			fmt.Fprintln(c, sc.Text())
		}
	}
}

// hangUp closes every connection from the server's side.
func (s *server) hangUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *server) close() {
	s.ln.Close()
	s.hangUp()
	s.wg.Wait()
}

// conn is the client side of one connection.
type conn struct {
	id string
	nc net.Conn
	r  *bufio.Reader
}

func dial(ctx context.Context, addr string) (*conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &conn{nc: nc, r: bufio.NewReader(nc)}
	hello, err := c.roundTrip(ctx, "")
	if err != nil {
		nc.Close()
		return nil, err
	}
	c.id = strings.TrimPrefix(hello, "HELLO ")
	return c, nil
}

// roundTrip sends line (unless empty) and reads one line back, within
// ctx's deadline or five seconds.
func (c *conn) roundTrip(ctx context.Context, line string) (string, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Second)
	}
	if err := c.nc.SetDeadline(deadline); err != nil {
		return "", err
	}
	if line != "" {
		if _, err := fmt.Fprintln(c.nc, line); err != nil {
			return "", err
		}
	}
	reply, err := c.r.ReadString('\n')
	return strings.TrimSuffix(reply, "\n"), err
}

// wrap breaks s into lines of at most width columns, at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(s) {
		n := utf8.RuneCountInString(word)
		if col > 0 && col+1+n > width {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String()
}
