package redislimit_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// kind builds one Redis-backed limiter of capacity limit over a long window.
type kind struct {
	name string
	new  func(rdb redis.Scripter, limit int, cfg redislimit.Config) (ratelimit.Limiter, error)
}

// year is the windows' length in tests that count admissions: long enough
// that no window or refill moves during a test (the fixed windows align to
// the Unix epoch, so a boundary falls during a run once a year at worst).
const year = 365 * 24 * time.Hour

var kinds = []kind{
	{"fixed-window", func(rdb redis.Scripter, l int, cfg redislimit.Config) (ratelimit.Limiter, error) {
		return redislimit.NewFixedWindow(rdb, l, year, cfg)
	}},
	{"sliding-log", func(rdb redis.Scripter, l int, cfg redislimit.Config) (ratelimit.Limiter, error) {
		return redislimit.NewSlidingLog(rdb, l, year, cfg)
	}},
	{"sliding-window", func(rdb redis.Scripter, l int, cfg redislimit.Config) (ratelimit.Limiter, error) {
		return redislimit.NewSlidingWindow(rdb, l, year, cfg)
	}},
	{"token-bucket", func(rdb redis.Scripter, l int, cfg redislimit.Config) (ratelimit.Limiter, error) {
		return redislimit.NewTokenBucket(rdb, l, 40*24*time.Hour, l, cfg)
	}},
	{"gcra", func(rdb redis.Scripter, l int, cfg redislimit.Config) (ratelimit.Limiter, error) {
		return redislimit.NewGCRA(rdb, l, 40*24*time.Hour, l, cfg)
	}},
	{"multi", func(rdb redis.Scripter, l int, cfg redislimit.Config) (ratelimit.Limiter, error) {
		return redislimit.NewMulti(rdb, []redislimit.Limit{
			redislimit.GCRALimit(l, 40*24*time.Hour, l),
			redislimit.SlidingLogLimit(l+1, year),
			redislimit.FixedWindowLimit(2*l, year),
		}, cfg)
	}},
}

// recorder is a go-redis hook that records every command a client sends.
type recorder struct {
	mu   sync.Mutex // protects cmds
	cmds [][]any
}

func (r *recorder) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			r.add(c)
		}
		return next(ctx, cmds)
	}
}
func (r *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.add(cmd)
		return next(ctx, cmd)
	}
}
func (r *recorder) add(c redis.Cmder) {
	r.mu.Lock()
	r.cmds = append(r.cmds, c.Args())
	r.mu.Unlock()
}

// take returns the names of the commands recorded since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, len(r.cmds))
	for i, c := range r.cmds {
		names[i] = strings.ToUpper(fmt.Sprint(c[0]))
	}
	r.cmds = nil
	return names
}

// recorded returns a client of r's server whose commands rec records.
func recorded(r *redistest.Server) (*redis.Client, *recorder) {
	c := r.NewClient()
	rec := &recorder{}
	c.AddHook(rec)
	return c, rec
}

// TestOneRoundTripPerDecision counts the commands each decision sends:
// exactly one EVALSHA, allowed or denied, once the server has the script.
func TestOneRoundTripPerDecision(t *testing.T) {
	ctx := context.Background()
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			r := redistest.New(t)
			c, rec := recorded(r)
			l, err := k.new(c, 3, redislimit.Config{Prefix: r.Prefix})
			require.NoError(t, err)
			_, err = l.Decide(ctx, "warm-up", 1) // may load the script with EVAL
			require.NoError(t, err)
			rec.take()
			allowed := 0
			for range 10 {
				d, err := l.Decide(ctx, "user:1", 1)
				require.NoError(t, err)
				if d.Allowed {
					allowed++
				}
			}
			assert.Equal(t, 3, allowed, "the decisions counted should include refusals")
			assert.Equal(t, slicesOf("EVALSHA", 10), rec.take())
		})
	}
}

func slicesOf(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestNoScriptFallsBackToEval flushes the server's script cache: the next
// decision gets NOSCRIPT from EVALSHA, sends the script with EVAL, and the
// one after is a single EVALSHA again. It runs on miniredis, because
// flushing the cache of a server shared with other tests would disturb
// them.
func TestNoScriptFallsBackToEval(t *testing.T) {
	ctx := context.Background()
	r := redistest.NewMiniredis(t)
	c, rec := recorded(r)
	l, err := redislimit.NewGCRA(c, 10, time.Second, 10, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	_, err = l.Decide(ctx, "k", 1)
	require.NoError(t, err)
	require.NoError(t, r.Client.ScriptFlush(ctx).Err())
	rec.take()

	d, err := l.Decide(ctx, "k", 1)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, 8, d.Remaining, "the state survived the flush")
	assert.Equal(t, []string{"EVALSHA", "EVAL"}, rec.take())

	_, err = l.Decide(ctx, "k", 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"EVALSHA"}, rec.take())
}

// TestBadInputNeverReachesRedis: a key over MaxKeyLen, n < 1 and n above
// the capacity are errors before any command is sent.
func TestBadInputNeverReachesRedis(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	c, rec := recorded(r)
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			l, err := k.new(c, 3, redislimit.Config{Prefix: r.Prefix})
			require.NoError(t, err)
			rec.take()
			for _, tc := range []struct {
				key  string
				n    int
				want error
			}{
				{strings.Repeat("k", redislimit.MaxKeyLen+1), 1, redislimit.ErrKeyTooLong},
				{"k", 0, ratelimit.ErrInvalidN},
				{"k", -1, ratelimit.ErrInvalidN},
				{"k", math.MinInt, ratelimit.ErrInvalidN},
				{"k", 4, ratelimit.ErrExceedsLimit},
				{"k", math.MaxInt, ratelimit.ErrExceedsLimit},
			} {
				d, err := l.Decide(ctx, tc.key, tc.n)
				require.ErrorIs(t, err, tc.want, "len(key)=%d n=%d", len(tc.key), tc.n)
				assert.False(t, d.Allowed)
				assert.Zero(t, d.RetryAfter, "retrying cannot help")
				assert.Equal(t, 3, d.Limit)
			}
			assert.Empty(t, rec.take(), "commands sent for bad input")
			_, err = l.Decide(ctx, strings.Repeat("k", redislimit.MaxKeyLen), 3)
			require.NoError(t, err, "a key of exactly MaxKeyLen bytes")
		})
	}
}

func TestConstructorsValidate(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = rdb.Close() })
	g, err := ratelimit.NewGCRA(1, time.Second, 1)
	require.NoError(t, err)
	local, err := ratelimit.NewKeyed(g, ratelimit.KeyedConfig{MaxKeys: 10, SweepEvery: -1})
	require.NoError(t, err)
	for name, build := range map[string]func() error{
		"nil client": func() error { _, err := redislimit.NewGCRA(nil, 1, time.Second, 1, redislimit.Config{}); return err },
		"limit 0": func() error {
			_, err := redislimit.NewFixedWindow(rdb, 0, time.Second, redislimit.Config{})
			return err
		},
		"limit above MaxLimit": func() error {
			_, err := redislimit.NewFixedWindow(rdb, redislimit.MaxLimit+1, time.Second, redislimit.Config{})
			return err
		},
		"window 0": func() error { _, err := redislimit.NewSlidingWindow(rdb, 1, 0, redislimit.Config{}); return err },
		"negative window": func() error {
			_, err := redislimit.NewSlidingLog(rdb, 1, -time.Second, redislimit.Config{})
			return err
		},
		"window above MaxWindow": func() error {
			_, err := redislimit.NewFixedWindow(rdb, 1, redislimit.MaxWindow+time.Microsecond, redislimit.Config{})
			return err
		},
		"window of 1.5µs": func() error {
			_, err := redislimit.NewFixedWindow(rdb, 1, 1500*time.Nanosecond, redislimit.Config{})
			return err
		},
		"log above MaxLogLimit": func() error {
			_, err := redislimit.NewSlidingLog(rdb, redislimit.MaxLogLimit+1, time.Second, redislimit.Config{})
			return err
		},
		"sliding product > 2^52": func() error {
			_, err := redislimit.NewSlidingWindow(rdb, 100_000, 24*time.Hour, redislimit.Config{})
			return err
		},
		"burst 0": func() error {
			_, err := redislimit.NewTokenBucket(rdb, 1, time.Second, 0, redislimit.Config{})
			return err
		},
		"faster than 1/ns": func() error {
			_, err := redislimit.NewGCRA(rdb, 10, 5*time.Nanosecond, 1, redislimit.Config{})
			return err
		},
		"span above MaxBucketSpan": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, 53*24*time.Hour, 1, redislimit.Config{})
			return err
		},
		"no limits": func() error { _, err := redislimit.NewMulti(rdb, nil, redislimit.Config{}); return err },
		"zero Limit": func() error {
			_, err := redislimit.NewMulti(rdb, []redislimit.Limit{{}}, redislimit.Config{})
			return err
		},
		"repeated limit": func() error {
			_, err := redislimit.NewMulti(rdb, []redislimit.Limit{redislimit.GCRALimit(1, time.Second, 1), redislimit.GCRALimit(1, time.Second, 1)}, redislimit.Config{})
			return err
		},
		"too many limits": func() error {
			var ls []redislimit.Limit
			for i := range redislimit.MaxLimits + 1 {
				ls = append(ls, redislimit.FixedWindowLimit(i+1, time.Second))
			}
			_, err := redislimit.NewMulti(rdb, ls, redislimit.Config{})
			return err
		},
		"invalid limit in multi": func() error {
			_, err := redislimit.NewMulti(rdb, []redislimit.Limit{redislimit.TokenBucketLimit(0, time.Second, 1)}, redislimit.Config{})
			return err
		},
		"fall-back without limiter": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, time.Second, 1, redislimit.Config{Policy: redislimit.FallBack})
			return err
		},
		"unknown policy": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, time.Second, 1, redislimit.Config{Policy: 7})
			return err
		},
		"negative timeout": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, time.Second, 1, redislimit.Config{Timeout: -1})
			return err
		},
		"NaN jitter": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, time.Second, 1, redislimit.Config{Jitter: math.NaN()})
			return err
		},
		"long prefix": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, time.Second, 1, redislimit.Config{Prefix: strings.Repeat("p", redislimit.MaxKeyLen+1)})
			return err
		},
	} {
		assert.ErrorIs(t, build(), ratelimit.ErrInvalidConfig, name)
	}
	// The edges that fit.
	for name, build := range map[string]func() error{
		"MaxLimit": func() error {
			_, err := redislimit.NewFixedWindow(rdb, redislimit.MaxLimit, time.Second, redislimit.Config{})
			return err
		},
		"MaxWindow": func() error {
			_, err := redislimit.NewFixedWindow(rdb, 1, redislimit.MaxWindow, redislimit.Config{})
			return err
		},
		"MaxLogLimit": func() error {
			_, err := redislimit.NewSlidingLog(rdb, redislimit.MaxLogLimit, time.Second, redislimit.Config{})
			return err
		},
		"50,000 per day": func() error {
			_, err := redislimit.NewSlidingWindow(rdb, 50_000, 24*time.Hour, redislimit.Config{})
			return err
		},
		"1 per ns": func() error {
			_, err := redislimit.NewGCRA(rdb, 10, 10*time.Nanosecond, 1, redislimit.Config{})
			return err
		},
		"a bucket period of 1.5µs": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, 1500*time.Nanosecond, 1, redislimit.Config{})
			return err
		},
		"a token bucket period of 1.5µs": func() error {
			_, err := redislimit.NewTokenBucket(rdb, 1, 1500*time.Nanosecond, 1, redislimit.Config{})
			return err
		},
		"a refill of MaxBucketSpan": func() error {
			_, err := redislimit.NewGCRA(rdb, 2, 2*redislimit.MaxBucketSpan, 1, redislimit.Config{})
			return err
		},
		"a 3-per-second bucket": func() error {
			_, err := redislimit.NewTokenBucket(rdb, 3, time.Second, 3, redislimit.Config{})
			return err
		},
		"fall-back": func() error {
			_, err := redislimit.NewGCRA(rdb, 1, time.Second, 1, redislimit.Config{Policy: redislimit.FallBack, Fallback: local})
			return err
		},
	} {
		assert.NoError(t, build(), name)
	}
}

// state reads what a key holds, whatever its type.
func state(t *testing.T, rdb *redis.Client, key string) string {
	t.Helper()
	ctx := context.Background()
	typ, err := rdb.Type(ctx, key).Result()
	require.NoError(t, err)
	var v any
	switch typ {
	case "string":
		v, err = rdb.Get(ctx, key).Result()
	case "hash":
		v, err = rdb.HGetAll(ctx, key).Result()
	case "zset":
		v, err = rdb.ZRangeWithScores(ctx, key, 0, -1).Result()
	default:
		t.Fatalf("key %s has type %s", key, typ)
	}
	require.NoError(t, err)
	return fmt.Sprint(v)
}

func keysUnder(t *testing.T, r *redistest.Server) []string {
	t.Helper()
	keys, err := r.Client.Keys(context.Background(), r.Prefix+"*").Result()
	require.NoError(t, err)
	return keys
}

// TestDeniedRequestsAreNotRecorded floods each limiter far past its limit
// at one instant: the state in Redis is what the allowed requests left,
// byte for byte, so a flooding client is let in again as soon as the
// allowed ones age out.
func TestDeniedRequestsAreNotRecorded(t *testing.T) {
	ctx := context.Background()
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			r := redistest.NewMiniredis(t)
			r.Miniredis().SetTime(t0)
			l, err := k.new(r.Client, 3, redislimit.Config{Prefix: r.Prefix})
			require.NoError(t, err)
			for range 3 {
				d, err := l.Decide(ctx, "flood", 1)
				require.NoError(t, err)
				require.True(t, d.Allowed)
			}
			keys := keysUnder(t, r)
			require.NotEmpty(t, keys)
			before := map[string]string{}
			for _, key := range keys {
				before[key] = state(t, r.Client, key)
			}
			for range 200 {
				d, err := l.Decide(ctx, "flood", 1)
				require.NoError(t, err)
				require.False(t, d.Allowed)
			}
			for _, key := range keysUnder(t, r) {
				assert.Equal(t, before[key], state(t, r.Client, key), "key %s", key)
			}
			r.Miniredis().SetTime(t0.Add(2 * year))
			d, err := l.Decide(ctx, "flood", 3)
			require.NoError(t, err)
			assert.True(t, d.Allowed, "locked out after the flood")
		})
	}
}

// TestEveryKeyExpires: every key a decision writes carries a TTL no longer
// than what its state needs, so idle keys cost nothing.
func TestEveryKeyExpires(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	limiters := map[string]func() (ratelimit.Limiter, error){
		"fixed-window": func() (ratelimit.Limiter, error) {
			return redislimit.NewFixedWindow(r.Client, 5, time.Minute, redislimit.Config{Prefix: r.Prefix})
		},
		"sliding-log": func() (ratelimit.Limiter, error) {
			return redislimit.NewSlidingLog(r.Client, 5, time.Minute, redislimit.Config{Prefix: r.Prefix})
		},
		"sliding-window": func() (ratelimit.Limiter, error) {
			return redislimit.NewSlidingWindow(r.Client, 5, time.Minute, redislimit.Config{Prefix: r.Prefix})
		},
		"token-bucket": func() (ratelimit.Limiter, error) {
			return redislimit.NewTokenBucket(r.Client, 5, time.Minute, 5, redislimit.Config{Prefix: r.Prefix})
		},
		"gcra": func() (ratelimit.Limiter, error) {
			return redislimit.NewGCRA(r.Client, 5, time.Minute, 5, redislimit.Config{Prefix: r.Prefix})
		},
	}
	// The longest each may need: a sliding window's previous count matters
	// until the end of the next window.
	longest := map[string]time.Duration{"sliding-window": 2 * time.Minute}
	for name, build := range limiters {
		l, err := build()
		require.NoError(t, err)
		_, err = l.Decide(ctx, name, 2)
		require.NoError(t, err)
	}
	keys := keysUnder(t, r)
	require.Len(t, keys, len(limiters))
	for _, key := range keys {
		ttl, err := r.Client.PTTL(ctx, key).Result()
		require.NoError(t, err)
		name := key[strings.Index(key, "{:")+2 : strings.Index(key, "}")]
		assert.Greater(t, ttl, time.Duration(0), "%s has no TTL", key)
		assert.LessOrEqual(t, ttl, cmp(longest[name], time.Minute), key)
	}
}

func cmp(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// TestScriptErrorsAreWrapped puts a value of the wrong type where a
// limiter keeps its state: the WRONGTYPE error comes back wrapping
// ErrRedis, naming the algorithm and the key, and the default policy
// refuses.
func TestScriptErrorsAreWrapped(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	var failed []string
	l, err := redislimit.NewSlidingLog(r.Client, 5, time.Minute, redislimit.Config{Prefix: r.Prefix, OnFailure: func(key string, err error) { failed = append(failed, key) }})
	require.NoError(t, err)
	_, err = l.Decide(ctx, "user:7", 1)
	require.NoError(t, err)
	keys := keysUnder(t, r)
	require.Len(t, keys, 1)
	require.NoError(t, r.Client.Del(ctx, keys[0]).Err())
	require.NoError(t, r.Client.Set(ctx, keys[0], "not a sorted set", time.Minute).Err())

	d, err := l.Decide(ctx, "user:7", 1)
	require.ErrorIs(t, err, redislimit.ErrRedis)
	assert.False(t, d.Allowed)
	assert.Contains(t, err.Error(), "sliding log")
	assert.Contains(t, err.Error(), `"user:7"`)
	assert.Contains(t, err.Error(), "WRONGTYPE")
	assert.Equal(t, uint64(1), l.Failures())
	assert.Equal(t, []string{"user:7"}, failed)
}

// TestMultiKeysShareASlot records the keys of Multi decisions for keys
// that tempt a naive hash tag (empty, braces): all of one decision's keys
// must hash to one cluster slot, or Redis Cluster refuses the script.
func TestMultiKeysShareASlot(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	c, rec := recorded(r)
	l, err := redislimit.NewMulti(c, []redislimit.Limit{
		redislimit.FixedWindowLimit(10, time.Second),
		redislimit.SlidingLogLimit(100, time.Minute),
		redislimit.GCRALimit(1000, time.Hour, 50),
	}, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	slots := map[int]bool{}
	for _, key := range []string{"", "}", "}{", "{}", "user:1", "{user:1}", "a{b}c", "{", "é"} {
		_, err := l.Decide(ctx, key, 1)
		require.NoError(t, err)
		_, err = l.Decide(ctx, key, 1)
		require.NoError(t, err)
		rec.mu.Lock()
		args := rec.cmds[len(rec.cmds)-1] // EVALSHA sha numkeys key...
		rec.mu.Unlock()
		require.EqualValues(t, 3, args[2])
		slot := redistest.Slot(args[3].(string))
		for _, k := range args[4:6] {
			assert.Equal(t, slot, redistest.Slot(k.(string)), "key %q: %v", key, args[3:6])
		}
		slots[slot] = true
	}
	assert.Greater(t, len(slots), 3, "different keys should spread over slots")
}

// TestEveryClientKind runs every limiter through a *redis.Client and a
// *redis.Ring of two nodes: the same code, the same admissions. The
// *redis.ClusterClient runs the same in cluster_test.go, on a real cluster
// in CI.
func TestEveryClientKind(t *testing.T) {
	ctx := context.Background()
	nodes := redistest.Nodes(t, 2)
	clients := map[string]redis.Scripter{
		"client": nodes[0].NewClient(),
		"ring": redis.NewRing(&redis.RingOptions{Addrs: map[string]string{
			"a": nodes[0].Addr(), "b": nodes[1].Addr(),
		}}),
	}
	for name, c := range clients {
		if cl, ok := c.(interface{ Close() error }); ok {
			t.Cleanup(func() { _ = cl.Close() })
		}
		for _, k := range kinds {
			t.Run(name+"/"+k.name, func(t *testing.T) {
				l, err := k.new(c, 3, redislimit.Config{Prefix: nodes[0].Prefix + name + ":" + k.name + ":"})
				require.NoError(t, err)
				for _, key := range []string{"alice", "bob", "carol"} {
					allowed := 0
					for range 5 {
						d, err := l.Decide(ctx, key, 1)
						require.NoError(t, err)
						if d.Allowed {
							allowed++
						}
					}
					assert.Equal(t, 3, allowed, key)
				}
			})
		}
	}
}

// TestExactlyLimitAcrossClients: 1000 goroutines over 3 separate clients
// (as 3 servers would hold), each asking once, share one limit of L; every
// algorithm admits exactly L. On the real server (CI) it runs every
// algorithm. miniredis runs scripts one at a time under one lock and
// compiles each one afresh on every call, so there it runs GCRA alone,
// whose script is the shortest, to keep the suite fast.
func TestExactlyLimitAcrossClients(t *testing.T) {
	const goroutines, L = 1000, 100
	ctx := context.Background()
	r := redistest.New(t)
	var clients [3]*redis.Client
	for i := range clients {
		clients[i] = redis.NewClient(&redis.Options{Addr: r.Addr(), PoolTimeout: time.Minute})
		t.Cleanup(func() { _ = clients[i].Close() })
	}
	for _, via := range vias {
		for _, k := range kinds {
			if !r.Real() && k.name != "gcra" {
				continue
			}
			t.Run(via.name+"/"+k.name, func(t *testing.T) {
				var limiters [3]ratelimit.Limiter
				for i, c := range clients {
					l, err := k.new(via.over(t, c), L, redislimit.Config{Prefix: r.Prefix + via.name + ":" + k.name + ":"})
					require.NoError(t, err)
					limiters[i] = l
				}
				var admitted [3]int
				errs := make(chan error, goroutines)
				var wg sync.WaitGroup
				var mu sync.Mutex // protects admitted
				for g := range goroutines {
					wg.Go(func() {
						d, err := limiters[g%3].Decide(ctx, "shared", 1)
						if err != nil {
							errs <- err
							return
						}
						if d.Allowed {
							mu.Lock()
							admitted[g%3]++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				assert.Equal(t, L, admitted[0]+admitted[1]+admitted[2], "admitted per client %v", admitted)
			})
		}
	}
}

// TestSlidingLogLargeRequests asks a sliding log for more events at once
// than Lua can unpack onto its stack: all of them are logged, and the log
// then holds exactly the limit.
func TestSlidingLogLargeRequests(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	l, err := redislimit.NewSlidingLog(r.Client, 12_000, time.Hour, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	for _, s := range []struct {
		n       int
		allowed bool
		left    int
	}{{9_000, true, 3_000}, {3_001, false, 3_000}, {3_000, true, 0}} {
		d, err := l.Decide(ctx, "bulk", s.n)
		require.NoError(t, err)
		assert.Equal(t, s.allowed, d.Allowed, "n=%d", s.n)
		assert.Equal(t, s.left, d.Remaining, "n=%d", s.n)
	}
	keys := keysUnder(t, r)
	require.Len(t, keys, 1)
	card, err := r.Client.ZCard(ctx, keys[0]).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(12_000), card)
}
