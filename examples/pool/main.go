// Command pool runs backendkit's connection pool against a small TCP
// server it starts on loopback: many workers share a few connections, the
// server hangs up on all of them and the pool's health check replaces them,
// a worker finds its connection broken and destroys it, and the pool
// closes cleanly. It prints the pool's statistics after each step.
//
//	go run ./examples/pool -workers 32 -requests 50 -size 4
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/backendkit/backendkit/pool"
)

func main() {
	workers := flag.Int("workers", 32, "concurrent workers (1..1000)")
	requests := flag.Int("requests", 50, "requests per worker (1..10000)")
	size := flag.Int("size", 4, "pool MaxSize (1..100)")
	flag.Parse()
	if *workers < 1 || *workers > 1000 || *requests < 1 || *requests > 10000 || *size < 1 || *size > 100 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*workers, *requests, *size); err != nil {
		log.Fatal(err)
	}
}

func run(workers, requests, size int) error {
	srv, err := startServer()
	if err != nil {
		return err
	}
	defer srv.close()
	addr := srv.ln.Addr().String()
	fmt.Println("server listening on", addr)

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
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 1. Many workers share a few connections.
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for r := range requests {
				if err := request(ctx, p, fmt.Sprintf("worker %d request %d", w, r)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		return err
	}
	show("after the load", p.Stats())

	// 2. The server restarts: every pooled connection is now dead. Each
	// borrow's ping finds out, and the pool dials a fresh one.
	srv.hangUp()
	for i := range size {
		if err := request(ctx, p, fmt.Sprintf("after restart %d", i)); err != nil {
			return err
		}
	}
	show("after the server hung up", p.Stats())

	// 3. A connection breaks while in use: the worker destroys it.
	h, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	if _, err := h.Value().roundTrip(ctx, "QUIT"); err != nil {
		return err
	}
	if _, err := h.Value().roundTrip(ctx, "still there?"); err != nil {
		fmt.Printf("connection %s broke in use (%v): destroyed\n", h.Value().id, err)
		h.Destroy()
	} else {
		h.Release()
	}
	show("after destroying a broken connection", p.Stats())

	// 4. Close: idle connections are closed at once, and Close waits for
	// the rest (none are in use here).
	if err := p.Close(ctx); err != nil {
		return err
	}
	if _, err := p.Acquire(ctx); errors.Is(err, pool.ErrClosed) {
		fmt.Println("acquire after close:", err)
	}
	show("after close", p.Stats())
	return nil
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

func show(when string, s pool.Stats) {
	fmt.Printf("%s: open %d (idle %d), acquires %d, waits %d (p50 %v, p99 %v), closed by health check %d, by caller %d\n",
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
