package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
)

// TestGarbage writes data this package never writes straight into Redis
// and checks that every method answers an error wrapping ErrCorrupt, never
// a panic, a zero Link or a misleading answer, and leaves the data as it
// was.
func TestGarbage(t *testing.T) {
	for name, engine := range map[string]func(*testing.T) backend{"server": server, "cluster": cluster} {
		t.Run(name, func(t *testing.T) { garbage(t, engine) })
	}
}

func garbage(t *testing.T, engine func(*testing.T) backend) {
	ctx := context.Background()
	clk := newClock(t0)
	cases := []struct {
		name string
		// write spoils the keys of a link created at t0 that expires in
		// an hour and has one click.
		write func(t *testing.T, b backend, lk, rk string)
	}{
		{"link-is-a-string", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.Set(ctx, lk, "not a hash", 0).Err())
		}},
		{"link-is-a-list", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.Del(ctx, lk).Err())
			require.NoError(t, b.client.RPush(ctx, lk, "x").Err())
		}},
		{"created-not-a-number", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HSet(ctx, lk, "c", "yesterday").Err())
		}},
		{"expiry-not-a-number", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HSet(ctx, lk, "e", "soon").Err())
		}},
		{"expiry-a-float", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HSet(ctx, lk, "e", "1e99").Err())
		}},
		{"url-missing", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HDel(ctx, lk, "u").Err())
		}},
		{"created-missing", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HDel(ctx, lk, "c").Err())
		}},
		{"url-empty", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HSet(ctx, lk, "u", "").Err())
		}},
		{"expiry-before-creation", func(t *testing.T, b backend, lk, _ string) {
			require.NoError(t, b.client.HSet(ctx, lk, "e", "5").Err())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := engine(t)
			s := newStore(t, b, redisstore.Config{Now: clk.Now})
			require.NoError(t, s.Create(ctx, link("bad", t0, time.Hour)))
			require.NoError(t, s.AddClicks(ctx, map[string]int64{"bad": 1}))
			lk, rk := s.Keys("bad")
			tc.write(t, b, lk, rk)
			before := snapshot(t, b, lk)

			l, err := s.Get(ctx, "bad")
			assert.ErrorIs(t, err, redisstore.ErrCorrupt, "Get")
			assert.Zero(t, l, "Get")
			assert.NotErrorIs(t, err, shortener.ErrInvalidLink, "the caller's input was fine")
			assert.NotErrorIs(t, err, shortener.ErrStoreUnavailable, "retrying will not help")
			assert.ErrorContains(t, err, `"bad"`)
			assert.ErrorIs(t, s.Update(ctx, link("bad", t0, 2*time.Hour)), redisstore.ErrCorrupt, "Update")
			assert.ErrorIs(t, s.Delete(ctx, "bad"), redisstore.ErrCorrupt, "Delete")
			assert.ErrorIs(t, s.Create(ctx, link("bad", t0, 0)), shortener.ErrCodeTaken, "Create")
			err = s.AddClicks(ctx, map[string]int64{"bad": 1})
			assert.ErrorIs(t, err, redisstore.ErrCorrupt, "AddClicks")
			_, err = s.Recent(ctx, 10)
			assert.ErrorIs(t, err, redisstore.ErrCorrupt, "Recent")
			n, err := s.Clicks(ctx, "bad")
			require.NoError(t, err, "the reservation is intact")
			assert.Equal(t, int64(1), n, "no clicks added to a corrupt link")

			assert.Equal(t, before, snapshot(t, b, lk), "the data is left as it was")
		})
	}

	t.Run("clicks-not-a-number", func(t *testing.T) {
		b := engine(t)
		s := newStore(t, b, redisstore.Config{Now: clk.Now})
		require.NoError(t, s.Create(ctx, link("bad", t0, 0)))
		require.NoError(t, s.Create(ctx, link("good", t0, 0)))
		_, rk := s.Keys("bad")
		require.NoError(t, b.client.HSet(ctx, rk, "n", "many").Err())
		_, err := s.Clicks(ctx, "bad")
		assert.ErrorIs(t, err, redisstore.ErrCorrupt)
		err = s.AddClicks(ctx, map[string]int64{"bad": 1, "good": 2})
		assert.ErrorIs(t, err, redisstore.ErrCorrupt)
		n, err := s.Clicks(ctx, "good")
		require.NoError(t, err)
		assert.Equal(t, int64(2), n, "the other codes get their clicks")
		_, err = s.Get(ctx, "bad")
		assert.NoError(t, err, "the link itself is fine")
	})

	t.Run("reservation-is-a-string", func(t *testing.T) {
		b := engine(t)
		s := newStore(t, b, redisstore.Config{Now: clk.Now})
		_, rk := s.Keys("bad")
		require.NoError(t, b.client.Set(ctx, rk, "x", 0).Err())
		_, err := s.Clicks(ctx, "bad")
		assert.ErrorIs(t, err, redisstore.ErrCorrupt)
		_, err = s.Get(ctx, "bad")
		assert.ErrorIs(t, err, shortener.ErrGone, "a reservation without data")
		assert.ErrorIs(t, s.Create(ctx, link("bad", t0, 0)), shortener.ErrCodeTaken)
	})

	t.Run("recent-list-is-a-string", func(t *testing.T) {
		b := engine(t)
		s := newStore(t, b, redisstore.Config{Now: clk.Now})
		require.NoError(t, b.client.Set(ctx, s.RecentKey(), "x", 0).Err())
		_, err := s.Recent(ctx, 5)
		assert.ErrorIs(t, err, redisstore.ErrCorrupt)
		err = s.Create(ctx, link("c", t0, 0))
		if b.cluster {
			assert.NoError(t, err, "the recent list is best-effort on a Cluster")
			assert.Equal(t, uint64(1), s.RecentErrors())
		} else {
			assert.ErrorIs(t, err, redisstore.ErrCorrupt, "the script fails whole: nothing written")
			_, err = s.Get(ctx, "c")
			assert.ErrorIs(t, err, shortener.ErrNotFound)
		}
	})

	t.Run("recent-lists-a-bad-code", func(t *testing.T) {
		b := engine(t)
		s := newStore(t, b, redisstore.Config{Now: clk.Now})
		require.NoError(t, s.Create(ctx, link("ok", t0, 0)))
		// A member that is not a valid code: its keys hold nothing.
		require.NoError(t, b.client.ZAdd(ctx, s.RecentKey(), redisZ(t0.Add(time.Hour), "\xff\x00")).Err())
		links, err := s.Recent(ctx, 5)
		require.NoError(t, err)
		assert.Equal(t, []string{"ok"}, codes(links))
	})
}

// snapshot returns key's type and contents (DUMP, which would do, is not
// in miniredis for every type).
func snapshot(t *testing.T, b backend, key string) []any {
	ctx := context.Background()
	typ, err := b.client.Type(ctx, key).Result()
	require.NoError(t, err)
	var v any
	switch typ {
	case "hash":
		v, err = b.client.HGetAll(ctx, key).Result()
	case "string":
		v, err = b.client.Get(ctx, key).Result()
	case "list":
		v, err = b.client.LRange(ctx, key, 0, -1).Result()
	}
	require.NoError(t, err)
	return []any{typ, v}
}

func redisZ(t time.Time, member string) redis.Z {
	return redis.Z{Score: float64(t.UnixMicro()), Member: member}
}
