package rediscache_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
	"github.com/backendkit/backendkit/internal/redistest"
)

// TestZeroValuesFailLoudly: every method of a zero Tier, Store, Bus or
// TwoTier returns an error wrapping ErrNotInitialized naming the type, or
// panics with one when it has no error result.
func TestZeroValuesFailLoudly(t *testing.T) {
	ctx := context.Background()
	e := cache.Entry[string]{}
	calls := map[string][]func() error{
		"Tier": {
			func() error { _, _, err := new(rediscache.Tier[string]).Get(ctx, "k"); return err },
			func() error { _, err := new(rediscache.Tier[string]).Reserve(ctx, "k"); return err },
			func() error {
				_, err := new(rediscache.Tier[string]).Fill(ctx, "k", cache.Lease{}, e, time.Second)
				return err
			},
			func() error { return new(rediscache.Tier[string]).Set(ctx, "k", e, time.Second) },
			func() error { return new(rediscache.Tier[string]).Delete(ctx, "k") },
			func() error { return new(rediscache.Tier[string]).BumpTag(ctx, "t") },
		},
		"Store": {
			func() error { _, err := new(rediscache.Store[string]).Load(ctx, "k"); return err },
			func() error { return new(rediscache.Store[string]).Write(ctx, nil) },
		},
		"Bus": {
			func() error { new(rediscache.Bus).ID(); return nil },
			func() error { return new(rediscache.Bus).Ready(ctx) },
			func() error { new(rediscache.Bus).Subscribed(); return nil },
			func() error { return new(rediscache.Bus).Publish(ctx, "k") },
			func() error { return new(rediscache.Bus).PublishFlush(ctx) },
			func() error { return new(rediscache.Bus).Close(ctx) },
		},
		"TwoTier": {
			func() error { return new(rediscache.TwoTier[string]).Ready(ctx) },
			func() error { new(rediscache.TwoTier[string]).Remote(); return nil },
			func() error { new(rediscache.TwoTier[string]).Bus(); return nil },
			func() error { _, _, err := new(rediscache.TwoTier[string]).Get(ctx, "k"); return err },
			func() error { _, _, _, err := new(rediscache.TwoTier[string]).GetNow(ctx, "k"); return err },
			func() error { _, err := new(rediscache.TwoTier[string]).Reserve(ctx, "k"); return err },
			func() error {
				_, err := new(rediscache.TwoTier[string]).Fill(ctx, "k", cache.Lease{}, e, time.Second)
				return err
			},
			func() error { return new(rediscache.TwoTier[string]).Set(ctx, "k", e, time.Second) },
			func() error { return new(rediscache.TwoTier[string]).Delete(ctx, "k") },
			func() error { return new(rediscache.TwoTier[string]).BumpTag(ctx, "t") },
			func() error { return new(rediscache.TwoTier[string]).Close(ctx) },
		},
	}
	for typ, fs := range calls {
		for i, f := range fs {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err, _ = r.(error)
					}
				}()
				err = f()
			}()
			require.Error(t, err, "%s method %d", typ, i)
			assert.ErrorIs(t, err, rediscache.ErrNotInitialized)
			assert.Equal(t, "rediscache: "+typ+" used without New"+typ, err.Error())
		}
	}
}

type badCodec struct{}

func (badCodec) Marshal(string) ([]byte, error)   { return nil, errors.New("no") }
func (badCodec) Unmarshal([]byte) (string, error) { return "", errors.New("no") }

// TestErrorsSayThePrefixOnce: the package's errors say "rediscache:" once,
// at the start, and wrap their sentinel.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	newTierErr := func(c redis.UniversalClient, prefix string, cfg rediscache.TierConfig[string]) error {
		_, err := rediscache.NewTier(c, prefix, cfg)
		return err
	}
	_, storeErr := rediscache.NewStore[string](nil, "p", rediscache.StoreConfig[string]{})
	_, busErr := rediscache.NewBus(r.Client, "", rediscache.BusConfig{})
	_, busErr2 := rediscache.NewBus(nil, "c", rediscache.BusConfig{})
	_, ttErr := rediscache.NewTwoTier[string](r.Client, r.Prefix, 0, rediscache.TwoTierConfig[string]{})
	_, ttErr2 := rediscache.NewTwoTier[string](r.Client, r.Prefix, 10, rediscache.TwoTierConfig[string]{LocalTTL: -1})
	bad := newTier(t, r.Client, r.Prefix, rediscache.TierConfig[string]{Codec: badCodec{}})
	setErr := bad.Set(ctx, "k", cache.Entry[string]{Value: "v"}, time.Hour)
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer down.Close()
	_, _, redisErr := newTier(t, down, "p:", rediscache.TierConfig[string]{}).Get(ctx, "k")
	s, err := rediscache.NewStore[string](r.Client, r.Prefix, rediscache.StoreConfig[string]{})
	require.NoError(t, err)
	_, notFound := s.Load(ctx, "none")

	cases := []struct {
		name     string
		err      error
		sentinel error
	}{
		{"NewTier/nil", newTierErr(nil, "p", rediscache.TierConfig[string]{}), rediscache.ErrInvalidConfig},
		{"NewTier/prefix", newTierErr(r.Client, "p{x}", rediscache.TierConfig[string]{}), rediscache.ErrInvalidConfig},
		{"NewTier/LeaseTTL", newTierErr(r.Client, "p", rediscache.TierConfig[string]{LeaseTTL: -1}), rediscache.ErrInvalidConfig},
		{"NewStore/nil", storeErr, rediscache.ErrInvalidConfig},
		{"NewBus/channel", busErr, rediscache.ErrInvalidConfig},
		{"NewBus/nil", busErr2, rediscache.ErrInvalidConfig},
		{"NewTwoTier/capacity", ttErr, rediscache.ErrInvalidConfig},
		{"NewTwoTier/LocalTTL", ttErr2, rediscache.ErrInvalidConfig},
		{"Tier.Set/codec", setErr, rediscache.ErrCodec},
		{"Tier.Get/redis", redisErr, rediscache.ErrRedis},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, c.err)
			msg := c.err.Error()
			assert.True(t, strings.HasPrefix(msg, "rediscache: "), "%q", msg)
			assert.Equal(t, 1, strings.Count(msg, "rediscache:"), "%q", msg)
			assert.True(t, errors.Is(c.err, c.sentinel), "%q", msg)
		})
	}
	require.ErrorIs(t, notFound, cache.ErrNotFound)
}
