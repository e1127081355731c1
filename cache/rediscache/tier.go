package rediscache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/cache"
)

// DefaultLeaseTTL is how long a fill lease lives when TierConfig.LeaseTTL
// is zero. It must outlast the loads it guards (cache.DefaultLoadTimeout
// is 10s); a lease that expires first only costs that load its fill.
const DefaultLeaseTTL = 30 * time.Second

var _ cache.Tier[int] = (*Tier[int])(nil)

// TierConfig configures a [Tier] beyond its client and prefix. Its zero
// value means the documented defaults: JSON, DefaultLeaseTTL, no tags.
type TierConfig[V any] struct {
	// Codec encodes values. Nil means JSON.
	Codec Codec[V]
	// LeaseTTL is how long a fill lease lives. Zero means
	// DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Tags, when not nil, returns the version tags of a key (say
	// "user:42" for every link of user 42). It must return the same tags
	// for a key every time. An entry records its tags' versions when its
	// load starts (at Reserve), and a read that finds a tag bumped since
	// treats the entry as missing; [Tier.BumpTag] thus invalidates every
	// entry of a tag with one INCR, without finding them.
	Tags func(key string) []string
}

// Tier is a [cache.Tier] in Redis: entries under a prefix, each with a
// time to live, filled under a lease that a Delete or Set revokes.
//
// A fill is a compare-and-set in one Lua script on the key's entry and
// its lease, which share a hash tag and so a Cluster slot: the lease is a
// random token that Reserve stores and the script compares before storing
// (in the spirit of memcache leases, Nishtala et al., NSDI 2013). Delete
// removes both; Set stores the entry and removes the lease; a later
// Reserve replaces the token, so of two loads racing, only the one that
// started last fills.
//
// Version tags live under keys of their own, generally in other slots
// than the entry: Get then reads the entry and its tags in one pipeline,
// which is one round trip but not atomic (a bump that lands between the
// reads is seen by the next Get). When the entry and all its tags share a
// slot, or on a single server, Get reads them with one MGET, which is
// atomic.
//
// A value the codec cannot decode is deleted and Get returns an error
// wrapping ErrCodec: never a zero value as if cached. Tier is safe for
// concurrent use; make one with [NewTier].
type Tier[V any] struct {
	c       redis.UniversalClient
	ks      keyspace
	codec   Codec[V]
	cfg     TierConfig[V]
	cluster bool
}

// NewTier returns a Tier storing under prefix (which must not contain
// braces) through client, a *redis.Client, *redis.ClusterClient or any
// other UniversalClient. It returns an error wrapping ErrInvalidConfig for
// a nil client, a bad prefix or a bad cfg.
func NewTier[V any](client redis.UniversalClient, prefix string, cfg TierConfig[V]) (*Tier[V], error) {
	switch {
	case client == nil:
		return nil, fmt.Errorf("%w: NewTier: client must not be nil", ErrInvalidConfig)
	case cfg.LeaseTTL < 0:
		return nil, fmt.Errorf("%w: LeaseTTL must not be negative, got %v", ErrInvalidConfig, cfg.LeaseTTL)
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	if cfg.Codec == nil {
		cfg.Codec = JSON[V]{}
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	return &Tier[V]{c: client, ks: keyspace(prefix), codec: cfg.Codec, cfg: cfg, cluster: isCluster(client)}, nil
}

func (t *Tier[V]) tags(key string) []string {
	if t.cfg.Tags == nil {
		return nil
	}
	return t.cfg.Tags(key)
}

// read returns the raw values of keys, nil for a missing one: one MGET
// when they share a slot (or on a single server), else a pipeline.
func (t *Tier[V]) read(ctx context.Context, keys []string) ([]any, error) {
	same := !t.cluster
	if !same {
		same = true
		for _, k := range keys[1:] {
			if slot(k) != slot(keys[0]) {
				same = false
				break
			}
		}
	}
	if same {
		vals, err := t.c.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, redisErr("MGET", err)
		}
		return vals, nil
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := t.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, redisErr("GET pipeline", err)
	}
	vals := make([]any, len(keys))
	for i, c := range cmds {
		if s, err := c.Result(); err == nil {
			vals[i] = s
		}
	}
	return vals, nil
}

// versions reads the current versions of tags; a tag never bumped is 0.
func (t *Tier[V]) versions(ctx context.Context, tags []string) ([]int64, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	keys := make([]string, len(tags))
	for i, tg := range tags {
		keys[i] = t.ks.tag(tg)
	}
	vals, err := t.read(ctx, keys)
	if err != nil {
		return nil, err
	}
	return parseVersions(vals)
}

func parseVersions(vals []any) ([]int64, error) {
	out := make([]int64, len(vals))
	for i, v := range vals {
		if v == nil {
			continue
		}
		s, _ := v.(string)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: tag version %q is not a number", ErrCodec, s)
		}
		out[i] = n
	}
	return out, nil
}

// Get returns key's entry. An entry whose tags were bumped since its load
// started is reported missing. A value the codec cannot decode is deleted
// and reported with an error wrapping ErrCodec.
func (t *Tier[V]) Get(ctx context.Context, key string) (cache.Entry[V], bool, error) {
	var zero cache.Entry[V]
	if t == nil || t.c == nil {
		return zero, false, errTierZero
	}
	vk := t.ks.value(key)
	tags := t.tags(key)
	var raw []byte
	var current []int64
	if len(tags) == 0 {
		b, err := t.c.Get(ctx, vk).Bytes()
		if errors.Is(err, redis.Nil) {
			return zero, false, nil
		}
		if err != nil {
			return zero, false, redisErr("GET", err)
		}
		raw = b
	} else {
		keys := make([]string, 1+len(tags))
		keys[0] = vk
		for i, tg := range tags {
			keys[1+i] = t.ks.tag(tg)
		}
		vals, err := t.read(ctx, keys)
		if err != nil {
			return zero, false, err
		}
		if vals[0] == nil {
			return zero, false, nil
		}
		s, _ := vals[0].(string)
		raw = []byte(s)
		if current, err = parseVersions(vals[1:]); err != nil {
			return zero, false, err
		}
	}
	e, recorded, err := decode(t.codec, raw)
	if err != nil {
		if derr := t.c.Del(ctx, vk).Err(); derr != nil {
			err = errors.Join(err, redisErr("DEL undecodable entry", derr))
		}
		return zero, false, fmt.Errorf("%w (key %q, entry deleted)", err, key)
	}
	if len(tags) > 0 {
		if len(recorded) != len(current) {
			return zero, false, nil
		}
		for i := range current {
			if recorded[i] != current[i] {
				return zero, false, nil
			}
		}
	}
	return e, true, nil
}

// Reserve stores a new random fill token for key, replacing any other,
// and reads the versions of key's tags, in one round trip.
func (t *Tier[V]) Reserve(ctx context.Context, key string) (cache.Lease, error) {
	if t == nil || t.c == nil {
		return cache.Lease{}, errTierZero
	}
	token := rand.Uint64() | 1
	tags := t.tags(key)
	var set *redis.StatusCmd
	gets := make([]*redis.StringCmd, len(tags))
	_, err := t.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.Set(ctx, t.ks.lease(key), strconv.FormatUint(token, 10), t.cfg.LeaseTTL)
		for i, tg := range tags {
			gets[i] = p.Get(ctx, t.ks.tag(tg))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return cache.Lease{}, redisErr("reserve", err)
	}
	if err := set.Err(); err != nil {
		return cache.Lease{}, redisErr("SET lease", err)
	}
	vals := make([]any, len(gets))
	for i, g := range gets {
		if s, err := g.Result(); err == nil {
			vals[i] = s
		}
	}
	versions, err := parseVersions(vals)
	if err != nil {
		return cache.Lease{}, err
	}
	return cache.Lease{Token: token, Versions: versions}, nil
}

// fillScript stores the entry only while the lease still holds the
// caller's token: KEYS = entry, lease; ARGV = token, entry bytes, ttl ms.
var fillScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`)

// setScript stores the entry and revokes the lease: KEYS = entry, lease;
// ARGV = entry bytes, ttl ms.
var setScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1`)

// Fill stores e for key, to be kept for ttl, if key's lease still holds
// lease's token; one script.
func (t *Tier[V]) Fill(ctx context.Context, key string, lease cache.Lease, e cache.Entry[V], ttl time.Duration) (bool, error) {
	if t == nil || t.c == nil {
		return false, errTierZero
	}
	b, err := encode(t.codec, e, lease.Versions)
	if err != nil {
		return false, err
	}
	n, err := fillScript.Run(ctx, t.c, []string{t.ks.value(key), t.ks.lease(key)},
		strconv.FormatUint(lease.Token, 10), b, ms(ttl)).Int()
	if err != nil {
		return false, redisErr("fill script", err)
	}
	return n == 1, nil
}

// Set stores e for key, to be kept for ttl, with the current versions of
// its tags, and revokes its lease.
func (t *Tier[V]) Set(ctx context.Context, key string, e cache.Entry[V], ttl time.Duration) error {
	if t == nil || t.c == nil {
		return errTierZero
	}
	versions, err := t.versions(ctx, t.tags(key))
	if err != nil {
		return err
	}
	b, err := encode(t.codec, e, versions)
	if err != nil {
		return err
	}
	if err := setScript.Run(ctx, t.c, []string{t.ks.value(key), t.ks.lease(key)}, b, ms(ttl)).Err(); err != nil {
		return redisErr("set script", err)
	}
	return nil
}

// Delete removes keys' entries and leases: one DEL per key (entry and
// lease share a slot), pipelined.
func (t *Tier[V]) Delete(ctx context.Context, keys ...string) error {
	if t == nil || t.c == nil {
		return errTierZero
	}
	switch len(keys) {
	case 0:
		return nil
	case 1:
		if err := t.c.Del(ctx, t.ks.value(keys[0]), t.ks.lease(keys[0])).Err(); err != nil {
			return redisErr("DEL", err)
		}
		return nil
	}
	_, err := t.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, t.ks.value(k), t.ks.lease(k))
		}
		return nil
	})
	if err != nil {
		return redisErr("DEL pipeline", err)
	}
	return nil
}

// BumpTag raises the version of each tag (INCR): every entry recorded
// with an older version reads as missing from then on. The cost is O(1)
// per tag, whatever the number of entries; the entries themselves age out
// by their TTL.
func (t *Tier[V]) BumpTag(ctx context.Context, tags ...string) error {
	if t == nil || t.c == nil {
		return errTierZero
	}
	if len(tags) == 0 {
		return nil
	}
	_, err := t.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, tg := range tags {
			p.Incr(ctx, t.ks.tag(tg))
		}
		return nil
	})
	if err != nil {
		return redisErr("INCR tags", err)
	}
	return nil
}
