package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/shortener"
)

// The errors of this package. The answers of the Store (not found, gone,
// taken, invalid, unavailable) are package shortener's sentinels.
var (
	// ErrInvalidConfig is wrapped by the error of New given a nil client,
	// a prefix with braces or a Config it cannot honour.
	ErrInvalidConfig = errors.New("redisstore: invalid configuration")
	// ErrNotInitialized is the error of a Store used without New (a zero
	// value or a nil pointer).
	ErrNotInitialized = errors.New("redisstore: Store used without New")
	// ErrCorrupt is wrapped, with the code, by the error for stored data
	// that is not a link this package wrote: a key of another type, a
	// hash with a missing or malformed field. The data is left as it is.
	ErrCorrupt = errors.New("redisstore: stored data is not a link")
)

// Defaults of Config.
const (
	// DefaultRecentSize is the length of the recent list when
	// Config.RecentSize is zero.
	DefaultRecentSize = 1000
	// DefaultGrace is how long an expired link's data stays in Redis when
	// Config.Grace is zero.
	DefaultGrace = 24 * time.Hour
	// MaxRecentSize is the longest recent list a Store keeps.
	MaxRecentSize = 1 << 20
)

// maxTTL is the longest time to live the store sets; a link expiring
// later is kept without one, as a link that never expires is.
const maxTTL = 100 * 365 * 24 * time.Hour

// Config configures a Store. Its zero value means every default.
type Config struct {
	// Now is the clock of expiry decisions. Nil means time.Now.
	Now func() time.Time
	// Timeout bounds each operation, on top of the caller's context.
	// Zero means no bound of the Store's own: the caller's context and
	// the client's timeouts (go-redis: ReadTimeout, WriteTimeout,
	// PoolTimeout) apply, as they always do. It must not be negative.
	Timeout time.Duration
	// RecentSize is how many of the latest links the recent list keeps,
	// 1 to MaxRecentSize. Zero means DefaultRecentSize.
	RecentSize int
	// Grace is how long after its expiry a link's data (its URL) stays
	// in Redis before Redis removes it; the reservation stays forever.
	// It covers clock skew between the servers that decide expiry and
	// Redis, which removes the data by its own clock. Zero means
	// DefaultGrace; it must not be negative nor above 100 years.
	Grace time.Duration
}

// Store is a [shortener.Store] in Redis: a hash per link, beside a
// reservation that never expires. Create, Update and Delete are each one
// Lua script; Get is one HMGET (and a script for a code without data);
// AddClicks is one pipeline. It works on a single server and on a Redis
// Cluster; on a Cluster the recent list is best-effort (see the package
// documentation). The client is the caller's: the Store does not close it.
// Store is safe for simultaneous use by multiple goroutines.
type Store struct {
	c          redis.UniversalClient
	prefix     string
	recent     string // the recent list's key
	cluster    bool   // keys of different codes may be on different nodes
	now        func() time.Time
	timeout    time.Duration
	recentSize int
	grace      time.Duration

	recentErrors atomic.Uint64
}

var _ shortener.Store = (*Store)(nil)

// New returns a Store whose keys start with prefix, through client: a
// *redis.Client, or a *redis.ClusterClient (or another client that spreads
// keys over nodes). The prefix must not contain braces, which would decide
// the keys' hash slot. Bad arguments return an error wrapping
// ErrInvalidConfig.
func New(client redis.UniversalClient, prefix string, cfg Config) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: client is nil", ErrInvalidConfig)
	}
	if strings.ContainsAny(prefix, "{}") {
		return nil, fmt.Errorf("%w: prefix %q holds a brace", ErrInvalidConfig, prefix)
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("%w: Timeout %v is negative", ErrInvalidConfig, cfg.Timeout)
	case cfg.RecentSize < 0 || cfg.RecentSize > MaxRecentSize:
		return nil, fmt.Errorf("%w: RecentSize %d is not in [0, %d]", ErrInvalidConfig, cfg.RecentSize, MaxRecentSize)
	case cfg.Grace < 0 || cfg.Grace > maxTTL:
		return nil, fmt.Errorf("%w: Grace %v is not in [0, %v]", ErrInvalidConfig, cfg.Grace, maxTTL)
	}
	s := &Store{
		c:          client,
		prefix:     prefix,
		recent:     prefix + "recent",
		now:        cfg.Now,
		timeout:    cfg.Timeout,
		recentSize: cfg.RecentSize,
		grace:      cfg.Grace,
	}
	_, single := client.(*redis.Client)
	s.cluster = !single
	if s.now == nil {
		s.now = time.Now
	}
	if s.recentSize == 0 {
		s.recentSize = DefaultRecentSize
	}
	if s.grace == 0 {
		s.grace = DefaultGrace
	}
	return s, nil
}

// RecentErrors returns how many writes to the recent list failed after
// their link was written. It stays 0 off a Cluster, where the list is
// written in the same script as the link.
func (s *Store) RecentErrors() uint64 {
	if s == nil {
		return 0
	}
	return s.recentErrors.Load()
}

// key names kind's key of code: prefix{code}:kind, whose hash tag is the
// code. A code holding '}' (which would end the tag early, or leave it
// empty) is tagged by its hash instead: prefix{#hash}code:kind. The names
// of distinct codes never meet.
func (s *Store) key(code string, kind byte) string {
	var b strings.Builder
	b.Grow(len(s.prefix) + len(code) + 22)
	b.WriteString(s.prefix)
	b.WriteByte('{')
	if strings.IndexByte(code, '}') >= 0 {
		h := fnv.New64a()
		h.Write([]byte(code))
		b.WriteByte('#')
		b.WriteString(hex.EncodeToString(h.Sum(nil)))
		b.WriteByte('}')
		b.WriteString(code)
	} else {
		b.WriteString(code)
		b.WriteByte('}')
	}
	b.WriteByte(':')
	b.WriteByte(kind)
	return b.String()
}

func (s *Store) usable() error {
	if s == nil || s.c == nil {
		return ErrNotInitialized
	}
	return nil
}

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout == 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// Create stores l if its code was never used, in one script.
func (s *Store) Create(ctx context.Context, l shortener.Link) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := checkLink(l); err != nil {
		return err
	}
	ttl := s.ttl(l.ExpiresAt)
	created := micros(l.CreatedAt)
	keys := []string{s.key(l.Code, 'l'), s.key(l.Code, 'r')}
	if !s.cluster {
		keys = append(keys, s.recent)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := createScript.Run(ctx, s.c, keys, l.URL, created, expires(l.ExpiresAt), ttl, l.Code, s.recentSize).Int64()
	if err != nil {
		return s.engineErr("create", l.Code, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: code %q", shortener.ErrCodeTaken, l.Code)
	}
	if s.cluster && ttl >= 0 {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, s.recent, redis.Z{Score: float64(l.CreatedAt.UnixMicro()), Member: l.Code})
			p.ZRemRangeByRank(ctx, s.recent, 0, -int64(s.recentSize)-1)
			return nil
		})
		if err != nil {
			// The link is stored: failing the Create would have its
			// caller retry a code it already holds.
			s.recentErrors.Add(1)
		}
	}
	return nil
}

// Get returns the live link for code. A link past its ExpiresAt by the
// Store's clock is ErrGone, whether or not Redis has removed its data.
func (s *Store) Get(ctx context.Context, code string) (shortener.Link, error) {
	if err := s.usable(); err != nil {
		return shortener.Link{}, err
	}
	if err := shortener.CheckCode(code); err != nil {
		return shortener.Link{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	lk := s.key(code, 'l')
	vals, err := s.c.HMGet(ctx, lk, "u", "c", "e").Result()
	if err != nil {
		return shortener.Link{}, s.engineErr("get", code, err)
	}
	if len(vals) == 3 && vals[0] == nil && vals[1] == nil && vals[2] == nil {
		// No data: never used, deleted, past its grace, or created since
		// the HMGET. One script reads both keys at one instant.
		res, err := getScript.Run(ctx, s.c, []string{lk, s.key(code, 'r')}).Result()
		if err != nil {
			return shortener.Link{}, s.engineErr("get", code, err)
		}
		if n, ok := res.(int64); ok && n == 0 {
			return shortener.Link{}, fmt.Errorf("%w: code %q", shortener.ErrNotFound, code)
		}
		var ok bool
		if vals, ok = res.([]any); !ok {
			return shortener.Link{}, fmt.Errorf("%w: code %q: the get script answered %T", ErrCorrupt, code, res)
		}
	}
	return s.liveLink(code, vals)
}

// liveLink decodes the HMGET answer vals of code and checks its expiry.
func (s *Store) liveLink(code string, vals []any) (shortener.Link, error) {
	l, ok, err := decode(code, vals)
	switch {
	case err != nil:
		return shortener.Link{}, err
	case !ok || l.Expired(s.now()):
		return shortener.Link{}, fmt.Errorf("%w: code %q", shortener.ErrGone, code)
	}
	return l, nil
}

// Update replaces the URL and ExpiresAt of the live link l.Code, keeping
// its stored CreatedAt, in one script. An ExpiresAt that is not after the
// stored CreatedAt is refused with ErrInvalidLink.
func (s *Store) Update(ctx context.Context, l shortener.Link) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := checkLink(l); err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	keys := []string{s.key(l.Code, 'l'), s.key(l.Code, 'r')}
	n, err := updateScript.Run(ctx, s.c, keys, micros(s.now()), l.URL, expires(l.ExpiresAt), s.ttl(l.ExpiresAt)).Int64()
	if err != nil {
		return s.engineErr("update", l.Code, err)
	}
	return result(n, l.Code)
}

// Delete deletes the live link for code, keeping its reservation (and
// clicks), in one script.
func (s *Store) Delete(ctx context.Context, code string) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := shortener.CheckCode(code); err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	keys := []string{s.key(code, 'l'), s.key(code, 'r')}
	if !s.cluster {
		keys = append(keys, s.recent)
	}
	n, err := deleteScript.Run(ctx, s.c, keys, micros(s.now()), code).Int64()
	if err != nil {
		return s.engineErr("delete", code, err)
	}
	if err := result(n, code); err != nil {
		return err
	}
	if s.cluster {
		if err := s.c.ZRem(ctx, s.recent, code).Err(); err != nil {
			s.recentErrors.Add(1) // Recent filters the dead link out anyway
		}
	}
	return nil
}

// result turns a script's res* answer into the Store's error.
func result(n int64, code string) error {
	switch n {
	case resOK:
		return nil
	case resNotFound:
		return fmt.Errorf("%w: code %q", shortener.ErrNotFound, code)
	case resGone:
		return fmt.Errorf("%w: code %q", shortener.ErrGone, code)
	case resInvalid:
		return fmt.Errorf("%w: code %q: ExpiresAt is not after the stored CreatedAt", shortener.ErrInvalidLink, code)
	default:
		return fmt.Errorf("%w: code %q", ErrCorrupt, code)
	}
}

// Recent returns up to n live links, most recently created first, from the
// recent list: at most RecentSize links, so a store whose latest links are
// dead returns fewer than n. n below 1 returns none.
func (s *Store) Recent(ctx context.Context, n int) ([]shortener.Link, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if n < 1 {
		return []shortener.Link{}, nil
	}
	n = min(n, s.recentSize)
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	links := make([]shortener.Link, 0, n)
	seen := make(map[string]struct{}, n)
	now := s.now()
	// The first page is twice n; if dead links leave it short, the
	// second is the rest of the list. Entries that moved between the
	// pages are skipped by seen.
	start, stop := int64(0), int64(min(2*n, s.recentSize))-1
	for start < int64(s.recentSize) {
		codes, err := s.c.ZRevRange(ctx, s.recent, start, stop).Result()
		if err != nil {
			return nil, s.engineErr("recent", "", err)
		}
		// A member that is no code (written by something else) is skipped
		// without a lookup.
		codes = slices.DeleteFunc(codes, func(c string) bool { return shortener.CheckCode(c) != nil })
		cmds := make([]*redis.SliceCmd, len(codes))
		_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, code := range codes {
				cmds[i] = p.HMGet(ctx, s.key(code, 'l'), "u", "c", "e")
			}
			return nil
		})
		if err != nil {
			return nil, s.engineErr("recent", "", err)
		}
		for i, code := range codes {
			if _, dup := seen[code]; dup || len(links) == n {
				continue
			}
			seen[code] = struct{}{}
			l, ok, err := decode(code, cmds[i].Val())
			if err != nil {
				return nil, err
			}
			if ok && !l.Expired(now) {
				links = append(links, l)
			}
		}
		if len(links) == n || int64(len(codes)) < stop-start+1 {
			break
		}
		start, stop = stop+1, int64(s.recentSize)-1
	}
	return links, nil
}

// AddClicks adds each count to its code's clicks in one pipeline of
// scripts, skipping codes without a live link. Every code is checked
// before anything is sent; a negative count is refused with
// ErrInvalidLink, a zero one skipped. A code whose stored data is not a
// link gets no clicks, and the error wraps ErrCorrupt; the other codes
// get theirs.
func (s *Store) AddClicks(ctx context.Context, counts map[string]int64) error {
	if err := s.usable(); err != nil {
		return err
	}
	for code, n := range counts {
		if err := shortener.CheckCode(code); err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("%w: code %q: negative click count %d", shortener.ErrInvalidLink, code, n)
		}
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	now := micros(s.now())
	type add struct {
		code string
		n    int64
		cmd  *redis.Cmd
	}
	adds := make([]add, 0, len(counts))
	for code, n := range counts {
		if n > 0 {
			adds = append(adds, add{code: code, n: n})
		}
	}
	if len(adds) == 0 {
		return nil
	}
	run := func(eval func(p redis.Pipeliner, keys []string, args ...any) *redis.Cmd, todo []*add) error {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, a := range todo {
				a.cmd = eval(p, []string{s.key(a.code, 'l'), s.key(a.code, 'r')}, now, a.n)
			}
			return nil
		})
		return err
	}
	todo := make([]*add, len(adds))
	for i := range adds {
		todo[i] = &adds[i]
	}
	err := run(func(p redis.Pipeliner, keys []string, args ...any) *redis.Cmd {
		return clickScript.EvalSha(ctx, p, keys, args...)
	}, todo)
	if err != nil && !redis.HasErrorPrefix(err, "NOSCRIPT") {
		return s.engineErr("add clicks", "", err)
	}
	if err != nil {
		// A server that has not seen the script yet (or restarted):
		// NOSCRIPT means not run, so send those again with the body.
		todo = todo[:0]
		for i := range adds {
			if redis.HasErrorPrefix(adds[i].cmd.Err(), "NOSCRIPT") {
				todo = append(todo, &adds[i])
			} else if err := adds[i].cmd.Err(); err != nil {
				return s.engineErr("add clicks", adds[i].code, err)
			}
		}
		err = run(func(p redis.Pipeliner, keys []string, args ...any) *redis.Cmd {
			return clickScript.Eval(ctx, p, keys, args...)
		}, todo)
		if err != nil {
			return s.engineErr("add clicks", "", err)
		}
	}
	var bad []error
	for _, a := range adds {
		if r, _ := a.cmd.Int64(); r == resCorrupt {
			bad = append(bad, fmt.Errorf("%w: code %q", ErrCorrupt, a.code))
		}
	}
	return errors.Join(bad...)
}

// Clicks returns the clicks recorded for code, live or not.
func (s *Store) Clicks(ctx context.Context, code string) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	if err := shortener.CheckCode(code); err != nil {
		return 0, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	v, err := s.c.HGet(ctx, s.key(code, 'r'), "n").Result()
	switch {
	case errors.Is(err, redis.Nil):
		return 0, fmt.Errorf("%w: code %q", shortener.ErrNotFound, code)
	case err != nil:
		return 0, s.engineErr("clicks", code, err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: code %q: click count %q", ErrCorrupt, code, v)
	}
	return n, nil
}

// engineErr wraps an error of the client: a key of another type is
// ErrCorrupt, anything else (the connection, a timeout, a server that is
// loading or out of memory) ErrStoreUnavailable.
func (s *Store) engineErr(op, code string, err error) error {
	what := op
	if code != "" {
		what = fmt.Sprintf("%s %q", op, code)
	}
	if redis.HasErrorPrefix(err, "WRONGTYPE") || strings.Contains(err.Error(), "WRONGTYPE") {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, what, err)
	}
	return fmt.Errorf("%w: redisstore: %s: %w", shortener.ErrStoreUnavailable, what, err)
}

// decode turns the HMGET of u, c and e into a Link: ok is false when
// there is no data at all.
func decode(code string, vals []any) (l shortener.Link, ok bool, err error) {
	if len(vals) != 3 {
		return l, false, fmt.Errorf("%w: code %q: %d fields", ErrCorrupt, code, len(vals))
	}
	if vals[0] == nil && vals[1] == nil && vals[2] == nil {
		return l, false, nil
	}
	u, uok := vals[0].(string)
	c, cok := vals[1].(string)
	if !uok || !cok {
		return l, false, fmt.Errorf("%w: code %q: URL or creation time missing", ErrCorrupt, code)
	}
	l.Code, l.URL = code, u
	us, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return l, false, fmt.Errorf("%w: code %q: creation time %q", ErrCorrupt, code, c)
	}
	l.CreatedAt = time.UnixMicro(us).UTC()
	if vals[2] != nil {
		e, _ := vals[2].(string)
		us, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return l, false, fmt.Errorf("%w: code %q: expiry %q", ErrCorrupt, code, e)
		}
		l.ExpiresAt = time.UnixMicro(us).UTC()
	}
	if err := l.Check(); err != nil {
		// %v: the fault is the stored data's, not the caller's.
		return shortener.Link{}, false, fmt.Errorf("%w: code %q: %v", ErrCorrupt, code, err)
	}
	return l, true, nil
}

// Times outside these are beyond int64 microseconds.
var (
	minTime = time.UnixMicro(math.MinInt64)
	maxTime = time.UnixMicro(math.MaxInt64)
)

// checkLink is Link.Check, and refuses times the store cannot hold.
func checkLink(l shortener.Link) error {
	if err := l.Check(); err != nil {
		return err
	}
	for _, t := range []time.Time{l.CreatedAt, l.ExpiresAt} {
		if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
			return fmt.Errorf("%w: time %s is beyond int64 microseconds", shortener.ErrInvalidLink, t)
		}
	}
	return nil
}

func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// expires is the stored form of an expiry: "" for never.
func expires(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return micros(t)
}

// ttl is the data's time to live in ms for a link expiring at exp: 0 for
// none, negative when the data would already be past its grace.
func (s *Store) ttl(exp time.Time) int64 {
	if exp.IsZero() {
		return 0
	}
	d := exp.Sub(s.now()) // saturates at ±292 years
	if d > maxTTL {
		return 0
	}
	d += s.grace
	if d <= 0 {
		return -1
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}
