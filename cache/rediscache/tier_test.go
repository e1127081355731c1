package rediscache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
)

var errCodec = errors.New("cannot decode")

// pickyCodec refuses to decode the value "poison".
type pickyCodec struct{ rediscache.JSON[string] }

func (c pickyCodec) Unmarshal(data []byte) (string, error) {
	v, err := c.JSON.Unmarshal(data)
	if err == nil && v == "poison" {
		return "", errCodec
	}
	return v, err
}

// TestCodecErrorIsAnErrorAndEvicts: a value that cannot be decoded is an
// error wrapping ErrCodec, and the entry is deleted; never a zero value
// served as a hit (gocache #222).
func TestCodecErrorIsAnErrorAndEvicts(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c, prefix, _ := e.open(t)
			tier := newTier(t, c, prefix, rediscache.TierConfig[string]{Codec: pickyCodec{}})
			require.NoError(t, tier.Set(ctx, "k", cache.Entry[string]{Value: "poison"}, time.Hour))
			_, ok, err := tier.Get(ctx, "k")
			require.ErrorIs(t, err, rediscache.ErrCodec)
			require.ErrorIs(t, err, errCodec)
			assert.False(t, ok, "no entry, not a zero one")
			_, ok, err = tier.Get(ctx, "k")
			require.NoError(t, err, "the entry was evicted")
			assert.False(t, ok)

			// The same through a read-through: an error, then a load.
			require.NoError(t, tier.Set(ctx, "r", cache.Entry[string]{Value: "poison"}, time.Hour))
			rt, err := cache.NewReadThrough[string](tier, func(context.Context, string) (string, error) { return "fresh", nil },
				time.Hour, cache.ReadThroughConfig{})
			require.NoError(t, err)
			defer func() { require.NoError(t, rt.Close(ctx)) }()
			v, res, err := rt.Get(ctx, "r")
			require.ErrorIs(t, err, rediscache.ErrCodec)
			assert.Equal(t, cache.Failed, res)
			assert.Equal(t, "", v)
			v, res, err = rt.Get(ctx, "r")
			require.NoError(t, err)
			assert.Equal(t, "fresh", v)
			assert.Equal(t, cache.Loaded, res)
		})
	}
	t.Run("garbage-bytes", func(t *testing.T) {
		r := redistest.New(t)
		tier := newTier(t, r.Client, r.Prefix, rediscache.TierConfig[string]{})
		require.NoError(t, tier.Set(ctx, "k", cache.Entry[string]{Value: "v"}, time.Hour))
		keys, err := r.Client.Keys(ctx, r.Prefix+"v*").Result()
		require.NoError(t, err)
		require.Len(t, keys, 1)
		require.NoError(t, r.Client.Set(ctx, keys[0], "not an entry", time.Hour).Err())
		_, ok, err := tier.Get(ctx, "k")
		require.ErrorIs(t, err, rediscache.ErrCodec)
		assert.False(t, ok)
		n, err := r.Client.Exists(ctx, keys[0]).Result()
		require.NoError(t, err)
		assert.Zero(t, n, "deleted")
	})
}

// TestLeasesAcrossProcesses: two processes (clients) load one key; the
// one whose load started last fills; an invalidation from a third revokes
// both.
func TestLeasesAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c, prefix, another := e.open(t)
			a := newTier(t, c, prefix, rediscache.TierConfig[string]{})
			b := newTier(t, another(), prefix, rediscache.TierConfig[string]{})
			la, err := a.Reserve(ctx, "k")
			require.NoError(t, err)
			lb, err := b.Reserve(ctx, "k")
			require.NoError(t, err)
			ok, err := a.Fill(ctx, "k", la, cache.Entry[string]{Value: "a"}, time.Hour)
			require.NoError(t, err)
			assert.False(t, ok, "the earlier load does not fill")
			ok, err = b.Fill(ctx, "k", lb, cache.Entry[string]{Value: "b"}, time.Hour)
			require.NoError(t, err)
			assert.True(t, ok)
			ok, err = b.Fill(ctx, "k", lb, cache.Entry[string]{Value: "b2"}, time.Hour)
			require.NoError(t, err)
			assert.False(t, ok, "a lease fills once")

			lb, err = b.Reserve(ctx, "k")
			require.NoError(t, err)
			require.NoError(t, a.Delete(ctx, "k"), "another process invalidates")
			ok, err = b.Fill(ctx, "k", lb, cache.Entry[string]{Value: "stale"}, time.Hour)
			require.NoError(t, err)
			assert.False(t, ok)
			_, found, err := a.Get(ctx, "k")
			require.NoError(t, err)
			assert.False(t, found)
		})
	}
}

// TestReadThroughOnRedisInvalidationDuringLoadWins: the same race as in
// package cache, with the lease in Redis and the invalidation from another
// process.
func TestReadThroughOnRedisInvalidationDuringLoadWins(t *testing.T) {
	ctx := context.Background()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c, prefix, another := e.open(t)
			tier := newTier(t, c, prefix, rediscache.TierConfig[string]{})
			other := newTier(t, another(), prefix, rediscache.TierConfig[string]{})
			started, release := make(chan struct{}), make(chan struct{})
			rt, err := cache.NewReadThrough[string](tier, func(context.Context, string) (string, error) {
				close(started)
				<-release
				return "old", nil
			}, time.Hour, cache.ReadThroughConfig{})
			require.NoError(t, err)
			defer func() { require.NoError(t, rt.Close(ctx)) }()
			got := make(chan string)
			go func() { v, _, _ := rt.Get(ctx, "k"); got <- v }()
			<-started
			require.NoError(t, other.Delete(ctx, "k"))
			close(release)
			assert.Equal(t, "old", <-got)
			_, ok, err := tier.Get(ctx, "k")
			require.NoError(t, err)
			assert.False(t, ok, "the invalidation won")
			assert.Equal(t, uint64(1), rt.Stats().DroppedFills)
		})
	}
}

// TestVersionTags: bumping a tag invalidates every entry recorded with an
// older version, with one INCR; an entry records its tags' versions when
// its load starts, so a bump during the load wins too.
func TestVersionTags(t *testing.T) {
	ctx := context.Background()
	owner := map[string]string{"a": "user:1", "b": "user:1", "c": "user:2"}
	for _, e := range engines {
		for _, same := range []bool{false, true} {
			name := e.name + "/tags-in-other-slots"
			tags := func(k string) []string { return []string{owner[k]} }
			if same {
				// A tag named like the key shares its hash tag, so its slot:
				// the read is one atomic MGET even on a Cluster.
				name = e.name + "/tags-in-the-entry-slot"
				tags = func(k string) []string { return []string{k} }
			}
			t.Run(name, func(t *testing.T) {
				c, prefix, _ := e.open(t)
				tier := newTier(t, c, prefix, rediscache.TierConfig[string]{Tags: tags})
				for k := range owner {
					require.NoError(t, tier.Set(ctx, k, cache.Entry[string]{Value: k}, time.Hour))
				}
				bump := owner["a"]
				if same {
					bump = "a"
				}
				require.NoError(t, tier.BumpTag(ctx, bump))
				for k := range owner {
					_, ok, err := tier.Get(ctx, k)
					require.NoError(t, err)
					want := tags(k)[0] != bump
					assert.Equal(t, want, ok, "key %s", k)
				}
				// A bump between Reserve and Fill: the entry is stored with
				// the versions its load started with, and reads as missing.
				l, err := tier.Reserve(ctx, "c")
				require.NoError(t, err)
				require.NoError(t, tier.BumpTag(ctx, tags("c")[0]))
				ok, err := tier.Fill(ctx, "c", l, cache.Entry[string]{Value: "loaded-before-the-bump"}, time.Hour)
				require.NoError(t, err)
				require.True(t, ok)
				_, ok, err = tier.Get(ctx, "c")
				require.NoError(t, err)
				assert.False(t, ok, "the bump during the load wins")
			})
		}
	}
}

// TestSlotsOfOneKey: every key a script touches shares a slot (the entry
// and its lease), whatever the key; on the emulation the client refuses a
// cross-slot script as a real node does, and CI runs this on a real
// Cluster.
func TestSlotsOfOneKey(t *testing.T) {
	c := redistest.NewCluster(t)
	tier := newTier(t, c.Client, c.Prefix, rediscache.TierConfig[string]{})
	ctx := context.Background()
	for _, k := range []string{"plain", "", "a}b", "{x}y", "z{"} {
		l, err := tier.Reserve(ctx, k)
		require.NoError(t, err)
		ok, err := tier.Fill(ctx, k, l, cache.Entry[string]{Value: "v"}, time.Hour)
		require.NoError(t, err, "key %q: the fill script's keys share a slot", k)
		assert.True(t, ok)
		require.NoError(t, tier.Set(ctx, k, cache.Entry[string]{Value: "v"}, time.Hour), "key %q", k)
		require.NoError(t, tier.Delete(ctx, k), "key %q", k)
	}
}
