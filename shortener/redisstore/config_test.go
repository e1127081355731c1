package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
)

func TestNewRefusesBadConfig(t *testing.T) {
	srv := redistest.NewMiniredis(t)
	for _, tc := range []struct {
		name   string
		client redis.UniversalClient
		prefix string
		cfg    redisstore.Config
	}{
		{"nil-client", nil, "p:", redisstore.Config{}},
		{"open-brace", srv.Client, "p{:", redisstore.Config{}},
		{"close-brace", srv.Client, "p}:", redisstore.Config{}},
		{"negative-timeout", srv.Client, "p:", redisstore.Config{Timeout: -time.Second}},
		{"negative-recent", srv.Client, "p:", redisstore.Config{RecentSize: -1}},
		{"huge-recent", srv.Client, "p:", redisstore.Config{RecentSize: redisstore.MaxRecentSize + 1}},
		{"negative-grace", srv.Client, "p:", redisstore.Config{Grace: -time.Second}},
		{"huge-grace", srv.Client, "p:", redisstore.Config{Grace: 200 * 365 * 24 * time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redisstore.New(tc.client, tc.prefix, tc.cfg)
			assert.ErrorIs(t, err, redisstore.ErrInvalidConfig)
			assert.Nil(t, s)
		})
	}
	s, err := redisstore.New(srv.Client, "", redisstore.Config{RecentSize: redisstore.MaxRecentSize, Grace: time.Second})
	require.NoError(t, err, "an empty prefix and the bounds are fine")
	assert.NotNil(t, s)
}

// TestTimeout checks that Config.Timeout bounds an operation on a server
// that does not answer, and that the caller's shorter deadline wins.
func TestTimeout(t *testing.T) {
	srv := redistest.NewMiniredis(t)
	s, err := redisstore.New(srv.Client, srv.Prefix, redisstore.Config{Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	// The server holds every command until the test ends: the store's
	// deadline must end the wait.
	release := make(chan struct{})
	srv.Client.AddHook(blockHook{release})
	t.Cleanup(func() { close(release) })
	_, err = s.Get(context.Background(), "slow")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, shortener.ErrStoreUnavailable)
}

// blockHook holds every command until its context ends or release closes.
type blockHook struct{ release chan struct{} }

func (blockHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h blockHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		select {
		case <-ctx.Done():
			cmd.SetErr(ctx.Err())
			return ctx.Err()
		case <-h.release:
			return next(ctx, cmd)
		}
	}
}
func (h blockHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestZeroStore(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]*redisstore.Store{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			l := shortener.Link{Code: "a", URL: "https://example.com/", CreatedAt: time.Now()}
			_, getErr := s.Get(ctx, "a")
			_, clicksErr := s.Clicks(ctx, "a")
			_, recentErr := s.Recent(ctx, 1)
			for op, err := range map[string]error{
				"create": s.Create(ctx, l), "get": getErr, "update": s.Update(ctx, l),
				"delete": s.Delete(ctx, "a"), "addclicks": s.AddClicks(ctx, map[string]int64{"a": 1}),
				"clicks": clicksErr, "recent": recentErr,
			} {
				assert.ErrorIs(t, err, redisstore.ErrNotInitialized, op)
				assert.EqualError(t, err, "redisstore: Store used without New", op)
			}
			assert.Zero(t, s.RecentErrors())
		})
	}
}
