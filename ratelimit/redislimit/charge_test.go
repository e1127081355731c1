package redislimit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// holdingProxy is a TCP proxy in front of a test's Redis that, once armed,
// passes the next script call (EVALSHA or EVAL) to the server but holds
// back everything the server answers on that connection: a Redis that ran
// the script and whose reply is late, or, with cut set, lost with the
// connection, which the proxy closes when the reply arrives. A script call on any other
// connection waits until the held reply has come back from the server, so
// the held call is always the one the server ran first.
type holdingProxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu      sync.Mutex // protects the fields below
	conns   []net.Conn
	cut     bool // close the client's connection instead of holding the reply
	armed   bool
	holding bool          // a held call has been sent and not yet answered
	held    chan struct{} // closed when the server has answered the held call
	reply   []byte        // what the server answered to it
}

func newHoldingProxy(t *testing.T, target string) *holdingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &holdingProxy{ln: ln, target: target, held: make(chan struct{})}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *holdingProxy) addr() string { return p.ln.Addr().String() }

// arm makes the proxy hold the reply to the next script call, or with cut
// lose it by closing the client's connection.
func (p *holdingProxy) arm(cut bool) {
	p.mu.Lock()
	p.armed, p.cut = true, cut
	p.mu.Unlock()
}

// waitHeld waits until the server has answered the held call, which
// means it has run the script, and returns its answer.
func (p *holdingProxy) waitHeld(t *testing.T) []byte {
	t.Helper()
	select {
	case <-p.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the server never answered the held script call")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reply
}

func (p *holdingProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		var hold bool // this connection's replies are held; set before its call is sent
		var holdMu sync.Mutex
		p.wg.Go(func() { // client to server
			defer server.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := client.Read(buf)
				if err != nil {
					return
				}
				chunk := buf[:n]
				if isScriptCall(chunk) {
					p.mu.Lock()
					mine := p.armed
					p.armed = false
					wait := !mine && p.holding
					if mine {
						p.holding = true
					}
					held := p.held
					p.mu.Unlock()
					if mine {
						holdMu.Lock()
						hold = true
						holdMu.Unlock()
					}
					if wait {
						<-held
					}
				}
				if _, err := server.Write(chunk); err != nil {
					return
				}
			}
		})
		p.wg.Go(func() { // server to client
			defer client.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := server.Read(buf)
				if err != nil {
					return
				}
				holdMu.Lock()
				h := hold
				holdMu.Unlock()
				if h {
					p.mu.Lock()
					if p.holding {
						p.holding = false
						p.reply = append([]byte(nil), buf[:n]...)
						close(p.held)
					}
					cut := p.cut
					p.mu.Unlock()
					if cut {
						return // closes the client's connection
					}
					continue // dropped: the client never hears it
				}
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
		})
	}
}

func isScriptCall(chunk []byte) bool {
	c := bytes.ToLower(chunk)
	return bytes.Contains(c, []byte("\r\nevalsha\r\n")) || bytes.Contains(c, []byte("\r\neval\r\n"))
}

// chargeSetup is one test's Redis, a proxy in front of it, and a limiter
// that talks to Redis directly to read the state: a GCRA of 5 per 40 days
// with a burst of 5, which refills nothing during a test.
type chargeSetup struct {
	r      *redistest.Server
	proxy  *holdingProxy
	direct *redislimit.GCRA
}

const chargeBurst = 5

func newChargeSetup(t *testing.T) *chargeSetup {
	r := redistest.New(t)
	s := &chargeSetup{r: r, proxy: newHoldingProxy(t, r.Addr())}
	var err error
	s.direct, err = s.newLimiter(r.Client, redislimit.Config{})
	require.NoError(t, err)
	// Load the script, so that the held call runs it rather than being
	// told NOSCRIPT.
	_, err = s.direct.Decide(t.Context(), "warm-up", 1)
	require.NoError(t, err)
	return s
}

func (s *chargeSetup) newLimiter(rdb redis.Scripter, cfg redislimit.Config) (*redislimit.GCRA, error) {
	cfg.Prefix = s.r.Prefix
	return redislimit.NewGCRA(rdb, chargeBurst, 40*24*time.Hour, chargeBurst, cfg)
}

// proxied returns a client that reaches Redis through the proxy.
func (s *chargeSetup) proxied(t *testing.T, o redis.Options) *redis.Client {
	o.Addr = s.proxy.addr()
	c := redis.NewClient(&o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// charged returns how many events key has been charged, read with a
// decision for one more event through the direct client.
func (s *chargeSetup) charged(t *testing.T, key string) int {
	t.Helper()
	d, err := s.direct.Decide(t.Context(), key, 1)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	return chargeBurst - d.Remaining - 1
}

// TestTimedOutDecisionIsCharged: a decision whose timeout passes while the
// server runs the script is refused under FailClosed and allowed under
// FailOpen, and in both cases Redis has charged its events; with
// ContextTimeoutEnabled or without, since the script runs whatever the
// client does after sending it.
func TestTimedOutDecisionIsCharged(t *testing.T) {
	for _, contextTimeouts := range []bool{true, false} {
		for _, policy := range []redislimit.Policy{redislimit.FailClosed, redislimit.FailOpen} {
			t.Run(policy.String()+map[bool]string{true: "/context-timeouts", false: "/no-context-timeouts"}[contextTimeouts], func(t *testing.T) {
				s := newChargeSetup(t)
				c := s.proxied(t, redis.Options{ContextTimeoutEnabled: contextTimeouts, ReadTimeout: 30 * time.Second})
				l, err := s.newLimiter(c, redislimit.Config{Timeout: 100 * time.Millisecond, Policy: policy})
				require.NoError(t, err)

				s.proxy.arm(false)
				d, err := l.Decide(t.Context(), "user", 2)
				if policy == redislimit.FailClosed {
					require.ErrorIs(t, err, redislimit.ErrRedis)
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.False(t, d.Allowed, "refused for the timeout")
				} else {
					require.NoError(t, err)
					assert.True(t, d.Allowed, "allowed by the policy")
				}
				assert.Equal(t, uint64(1), l.Failures())

				reply := s.proxy.waitHeld(t)
				require.NotEqual(t, byte('-'), reply[0], "the held call ran the script: %q", reply)
				assert.Equal(t, 2, s.charged(t, "user"), "the timed-out decision was charged in Redis all the same")
			})
		}
	}
}

// TestClientRetriesChargeAgain: a client left with go-redis's default
// MaxRetries (3) sends the script again when a read times out at its
// ReadTimeout or the connection breaks after the command was written, so a
// decision whose first reply is late or lost is charged twice, though it
// is allowed once. With MaxRetries -1 it is sent once, refused for the
// failure, and charged once.
func TestClientRetriesChargeAgain(t *testing.T) {
	for _, c := range []struct {
		name        string
		maxRetries  int
		cut         bool
		wantCharged int
	}{
		{"read-timeout/default-retries", 0, false, 4},
		{"read-timeout/no-retries", -1, false, 2},
		{"connection-lost/default-retries", 0, true, 4},
		{"connection-lost/no-retries", -1, true, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newChargeSetup(t)
			client := s.proxied(t, redis.Options{MaxRetries: c.maxRetries, ReadTimeout: 200 * time.Millisecond})
			l, err := s.newLimiter(client, redislimit.Config{})
			require.NoError(t, err)

			s.proxy.arm(c.cut)
			d, err := l.Decide(t.Context(), "user", 2)
			if c.maxRetries < 0 {
				require.ErrorIs(t, err, redislimit.ErrRedis)
				if c.cut {
					require.ErrorIs(t, err, io.EOF)
				} else {
					var ne net.Error
					require.True(t, errors.As(err, &ne) && ne.Timeout(), "a read timeout: %v", err)
				}
				assert.False(t, d.Allowed)
			} else {
				require.NoError(t, err, "the retry was answered")
				assert.True(t, d.Allowed)
				assert.Equal(t, chargeBurst-4, d.Remaining, "the retry found the first try's charge")
			}
			s.proxy.waitHeld(t)
			assert.Equal(t, c.wantCharged, s.charged(t, "user"))
		})
	}
}
