package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// EnvAddr names the environment variable holding the address of a real
// Redis server (host:port). When it is empty, tests run on miniredis.
const EnvAddr = "REDIS_ADDR"

// EnvAddrs names the environment variable holding a comma-separated list of
// real Redis servers for tests that need several nodes (see [Nodes]).
const EnvAddrs = "REDIS_ADDRS"

// Server is one Redis as seen by one test: a connected client, the unique
// key prefix the test must write under, and a way to move time forward.
type Server struct {
	// Client is connected to the server and closed when the test ends.
	Client *redis.Client
	// Prefix starts every key this test may touch; see [Server.Key].
	Prefix string

	t    testing.TB
	addr string
	mini *miniredis.Miniredis // nil on a real server
}

// New returns a Redis for t: the real server at $REDIS_ADDR when that is set,
// else a fresh miniredis. Keys under the test's prefix are deleted, clients
// closed and the embedded server stopped when the test ends. New fails the
// test if the real server does not answer PING.
func New(t testing.TB) *Server {
	t.Helper()
	if addr := os.Getenv(EnvAddr); addr != "" {
		return newReal(t, addr)
	}
	return NewMiniredis(t)
}

// NewMiniredis always returns an embedded server, for tests that need to
// set the server's clock (see [Server.Miniredis]).
func NewMiniredis(t testing.TB) *Server {
	t.Helper()
	m := miniredis.RunT(t)
	s := &Server{t: t, addr: m.Addr(), mini: m, Prefix: newPrefix()}
	s.Client = s.NewClient()
	return s
}

// Nodes returns n independent servers: the first n of $REDIS_ADDRS when it
// lists at least n addresses, else n embedded servers. All of them share one
// key prefix, so a key built with [Server.Key] names the same key on every
// node.
func Nodes(t testing.TB, n int) []*Server {
	t.Helper()
	addrs := splitAddrs(os.Getenv(EnvAddrs))
	prefix := newPrefix()
	nodes := make([]*Server, n)
	for i := range nodes {
		if len(addrs) >= n {
			nodes[i] = newReal(t, addrs[i])
		} else {
			nodes[i] = NewMiniredis(t)
		}
		nodes[i].Prefix = prefix
	}
	return nodes
}

func newReal(t testing.TB, addr string) *Server {
	t.Helper()
	s := &Server{t: t, addr: addr, Prefix: newPrefix()}
	s.Client = s.NewClient()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Client.Ping(ctx).Err(); err != nil {
		t.Fatalf("redistest: real server at %s=%s does not answer: %v", EnvAddr, addr, err)
	}
	// Registered after NewClient's Close, so it runs first: the client that
	// deletes the keys is still open.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.deletePrefix(ctx); err != nil {
			t.Errorf("redistest: deleting keys under %q: %v", s.Prefix, err)
		}
	})
	return s
}

func newPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "test:" + hex.EncodeToString(b[:]) + ":"
}

// Key returns name under this test's prefix. Every key a test writes to a
// shared server must be built with Key, or it will not be cleaned up and may
// collide with another test.
func (s *Server) Key(name string) string { return s.Prefix + name }

// Addr returns the server's host:port, for code that dials its own client.
func (s *Server) Addr() string { return s.addr }

// Real reports whether this is a real Redis server rather than miniredis.
func (s *Server) Real() bool { return s.mini == nil }

// Engine names the server for a benchmark's name, as its last
// sub-benchmark element: "engine=redis" on a real server,
// "engine=miniredis" on the embedded one, whose figures measure little but
// its Lua interpreter and are not to be quoted for a server.
func (s *Server) Engine() string {
	if s.Real() {
		return "engine=redis"
	}
	return "engine=miniredis"
}

// Miniredis returns the embedded server, or nil on a real server. Tests use
// it to set the server's clock (SetTime) for exact-instant cases; such tests
// get their server from [NewMiniredis].
func (s *Server) Miniredis() *miniredis.Miniredis { return s.mini }

// NewClient returns a further client connected to the same server, closed
// when the test ends; for tests where several processes share one Redis.
func (s *Server) NewClient() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.addr})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// FastForward makes d pass for key expiry. On miniredis the server's clock
// moves forward. On a real server, every key under the test's prefix that
// has a time to live gets it shortened by d, and is deleted when that leaves
// nothing; keys without a TTL are untouched, as they would be by time. The
// real-server form is not atomic with concurrent writers: call it while the
// test's own writers are quiet.
func (s *Server) FastForward(d time.Duration) {
	s.t.Helper()
	if s.mini != nil {
		s.mini.FastForward(d)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.scanPrefix(ctx, func(keys []string) error {
		return shortenTTLs(ctx, s.Client, keys, d)
	})
	if err != nil {
		s.t.Fatalf("redistest: fast-forwarding %v: %v", d, err)
	}
}

func (s *Server) deletePrefix(ctx context.Context) error {
	return s.scanPrefix(ctx, func(keys []string) error {
		return s.Client.Unlink(ctx, keys...).Err()
	})
}

// scanPrefix calls fn with each non-empty batch of keys under the prefix.
func (s *Server) scanPrefix(ctx context.Context, fn func([]string) error) error {
	return scan(ctx, s.Client, s.Prefix+"*", fn)
}

// scan calls fn with each non-empty batch of keys matching pattern on the
// server c is connected to.
func scan(ctx context.Context, c *redis.Client, pattern string, fn func([]string) error) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := fn(keys); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// shortenTTLs takes d off the time to live of each of keys that has one,
// deleting those it leaves with none; keys without a TTL are untouched, as
// they would be by time.
func shortenTTLs(ctx context.Context, c *redis.Client, keys []string, d time.Duration) error {
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil {
			return err
		}
		switch {
		case ttl < 0: // no TTL (-1) or already gone (-2)
		case ttl <= d:
			err = c.Del(ctx, k).Err()
		default:
			err = c.PExpire(ctx, k, ttl-d).Err()
		}
		if err != nil {
			return err
		}
	}
	return nil
}
