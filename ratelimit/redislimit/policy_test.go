package redislimit_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// unreachable returns a client of an address nothing listens on: every
// command fails at once with a connection error.
func unreachable(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// silent is a server that accepts connections and reads everything but
// never answers: a Redis that hangs.
type silent struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex // protects conns
	conns []net.Conn
}

func newSilent(t *testing.T) *silent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &silent{ln: ln}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Go(func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// client returns a client of the silent server; contextTimeouts sets
// ContextTimeoutEnabled, which decides whether the client itself lets a
// deadline cut a read short.
func (s *silent) client(t *testing.T, contextTimeouts bool) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr: s.ln.Addr().String(), MaxRetries: -1, Protocol: 2,
		ReadTimeout: 30 * time.Second, ContextTimeoutEnabled: contextTimeouts,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestFailurePolicies: with Redis unreachable, each policy decides as it
// says, every failure is counted and reported, and only FailOpen and
// FallBack allow.
func TestFailurePolicies(t *testing.T) {
	ctx := context.Background()
	type report struct {
		key string
		err error
	}
	for _, tc := range []struct {
		policy      string
		cfg         func() redislimit.Config
		wantAllowed []bool // for three requests in a row
		wantErr     bool
	}{
		{"default is fail-closed", func() redislimit.Config { return redislimit.Config{} }, []bool{false, false, false}, true},
		{"fail-closed", func() redislimit.Config { return redislimit.Config{Policy: redislimit.FailClosed} }, []bool{false, false, false}, true},
		{"fail-open", func() redislimit.Config { return redislimit.Config{Policy: redislimit.FailOpen} }, []bool{true, true, true}, false},
		{"fall-back", func() redislimit.Config {
			local, err := ratelimit.NewFixedWindow(2, time.Hour) // a smaller local share of the limit
			require.NoError(t, err)
			perKey, err := ratelimit.NewKeyed(local, ratelimit.KeyedConfig{MaxKeys: 100, SweepEvery: -1})
			require.NoError(t, err)
			return redislimit.Config{Policy: redislimit.FallBack, Fallback: perKey}
		}, []bool{true, true, false}, false},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			var reports []report
			cfg := tc.cfg()
			cfg.OnFailure = func(key string, err error) {
				reports = append(reports, report{key, err})
			}
			l, err := redislimit.NewGCRA(unreachable(t), 10, time.Second, 10, cfg)
			require.NoError(t, err)
			for i, want := range tc.wantAllowed {
				d, err := l.Decide(ctx, "user:1", 1)
				assert.Equal(t, want, d.Allowed, "request %d", i)
				if tc.wantErr {
					require.ErrorIs(t, err, redislimit.ErrRedis)
					var op *net.OpError
					assert.ErrorAs(t, err, &op, "the cause is kept")
				} else {
					require.NoError(t, err)
				}
			}
			// Allow follows the policy too; the fallback here has no
			// allowance left.
			assert.Equal(t, tc.wantAllowed[2], l.Allow(ctx, "user:1"), "Allow")
			assert.Equal(t, uint64(4), l.Failures())
			require.Len(t, reports, 4)
			assert.Equal(t, "user:1", reports[0].key)
			assert.ErrorIs(t, reports[0].err, redislimit.ErrRedis)
		})
	}
}

// TestTimeout: a Redis that never answers costs a decision its timeout and
// no more, whether or not the client lets deadlines reach its socket.
func TestTimeout(t *testing.T) {
	ctx := context.Background()
	s := newSilent(t)
	for _, contextTimeouts := range []bool{true, false} {
		c := s.client(t, contextTimeouts)
		l, err := redislimit.NewFixedWindow(c, 10, time.Second, redislimit.Config{Timeout: 50 * time.Millisecond})
		require.NoError(t, err)
		start := time.Now()
		d, err := l.Decide(ctx, "k", 1)
		took := time.Since(start)
		require.ErrorIs(t, err, redislimit.ErrRedis, "ContextTimeoutEnabled=%v", contextTimeouts)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.False(t, d.Allowed)
		assert.GreaterOrEqual(t, took, 50*time.Millisecond)
		assert.Less(t, took, 5*time.Second, "ContextTimeoutEnabled=%v: the client's 30s ReadTimeout decided", contextTimeouts)
		assert.Equal(t, uint64(1), l.Failures())
	}
}

// TestCallerGivingUpIsNoFailure: when the caller's own context ends, the
// decision returns its error without counting a Redis failure or applying
// the policy: there is nobody left to allow.
func TestCallerGivingUpIsNoFailure(t *testing.T) {
	s := newSilent(t)
	l, err := redislimit.NewFixedWindow(s.client(t, false), 10, time.Second, redislimit.Config{Policy: redislimit.FailOpen})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	d, err := l.Decide(ctx, "k", 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, redislimit.ErrRedis))
	assert.False(t, d.Allowed)
	assert.Zero(t, l.Failures())
}

func TestPolicyString(t *testing.T) {
	assert.Equal(t, "fail-closed", redislimit.FailClosed.String())
	assert.Equal(t, "fail-open", redislimit.FailOpen.String())
	assert.Equal(t, "fall-back", redislimit.FallBack.String())
	assert.Equal(t, "Policy(9)", redislimit.Policy(9).String())
}
