package pool_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/backendkit/backendkit/pool"
)

// lineServer is a tiny TCP server on loopback: it greets each connection
// with its number, answers PING with PONG and echoes anything else.
type lineServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	n     int
	conns map[net.Conn]bool
}

func startLineServer() (*lineServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &lineServer{ln: ln, conns: map[net.Conn]bool{}}
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

func (s *lineServer) serve(c net.Conn, id int) {
	defer c.Close()
	fmt.Fprintf(c, "HELLO %d\n", id)
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if sc.Text() == "PING" {
			fmt.Fprintln(c, "PONG")
		} else {
			fmt.Fprintf(c, "%s\n", sc.Text())
		}
	}
}

// hangUp closes every connection from the server's side, as a restarting
// server would.
func (s *lineServer) hangUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
		delete(s.conns, c)
	}
}

func (s *lineServer) close() {
	s.ln.Close()
	s.hangUp()
	s.wg.Wait()
}

// lineConn is the client side of one connection.
type lineConn struct {
	id string
	c  net.Conn
	r  *bufio.Reader
}

func dialLine(ctx context.Context, addr string) (*lineConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	lc := &lineConn{c: c, r: bufio.NewReader(c)}
	hello, err := lc.roundTrip(ctx, "")
	if err != nil {
		c.Close()
		return nil, err
	}
	lc.id = strings.TrimPrefix(hello, "HELLO ")
	return lc, nil
}

// roundTrip sends line (unless empty) and reads one line back, within
// ctx's deadline or five seconds.
func (lc *lineConn) roundTrip(ctx context.Context, line string) (string, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Second)
	}
	if err := lc.c.SetDeadline(deadline); err != nil {
		return "", err
	}
	if line != "" {
		if _, err := fmt.Fprintln(lc.c, line); err != nil {
			return "", err
		}
	}
	reply, err := lc.r.ReadString('\n')
	return strings.TrimSuffix(reply, "\n"), err
}

// Example pools real TCP connections to a server on loopback. When the
// server hangs up, the caller sees the broken connection, destroys it, and
// the next acquire dials a new one.
func Example() {
	srv, err := startLineServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.close()
	addr := srv.ln.Addr().String()

	dial := func(ctx context.Context) (*lineConn, error) { return dialLine(ctx, addr) }
	p, err := pool.New(4, dial, pool.Config[*lineConn]{
		Destructor: func(lc *lineConn) { lc.c.Close() },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(context.Background())

	ctx := context.Background()
	send := func(msg string) {
		h, err := p.Acquire(ctx)
		if err != nil {
			fmt.Println("acquire:", err)
			return
		}
		lc := h.Value()
		reply, err := lc.roundTrip(ctx, msg)
		if err != nil {
			fmt.Printf("conn %s: broken, destroyed\n", lc.id)
			h.Destroy()
			return
		}
		fmt.Printf("conn %s: %s\n", lc.id, reply)
		h.Release()
	}

	send("hello")
	send("hello again") // the same connection, reused
	srv.hangUp()
	send("are you there?")
	send("hello after the restart")

	s := p.Stats()
	fmt.Printf("open %d, acquires %d (%d dialled), destroyed by caller %d\n",
		s.Total, s.Acquires, s.EmptyAcquires, s.ClosedByCaller)
	// Output:
	// conn 1: hello
	// conn 1: hello again
	// conn 1: broken, destroyed
	// conn 2: hello after the restart
	// open 1, acquires 4 (2 dialled), destroyed by caller 1
}

// Example_healthCheck lets the pool find the broken connection: a ping on
// borrow fails, the pool destroys the connection and dials another, and
// the caller never sees it.
func Example_healthCheck() {
	srv, err := startLineServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.close()
	addr := srv.ln.Addr().String()

	dial := func(ctx context.Context) (*lineConn, error) { return dialLine(ctx, addr) }
	p, err := pool.New(4, dial, pool.Config[*lineConn]{
		Destructor: func(lc *lineConn) { lc.c.Close() },
		HealthCheck: func(ctx context.Context, lc *lineConn) error {
			if reply, err := lc.roundTrip(ctx, "PING"); err != nil || reply != "PONG" {
				return fmt.Errorf("ping: %q, %v", reply, err)
			}
			return nil
		},
		HealthCheckAfter: 0, // on every borrow; a real pool would wait a second or so
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(context.Background())

	ctx := context.Background()
	for _, msg := range []string{"hello", "restart", "hello after the restart"} {
		if msg == "restart" {
			srv.hangUp()
			continue
		}
		h, err := p.Acquire(ctx)
		if err != nil {
			fmt.Println("acquire:", err)
			return
		}
		reply, err := h.Value().roundTrip(ctx, msg)
		if err != nil {
			fmt.Println("request:", err)
			h.Destroy()
			continue
		}
		fmt.Printf("conn %s: %s\n", h.Value().id, reply)
		h.Release()
	}
	fmt.Println("closed by health check:", p.Stats().ClosedHealthCheck)
	// Output:
	// conn 1: hello
	// conn 2: hello after the restart
	// closed by health check: 1
}
