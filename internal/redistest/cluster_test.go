package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
)

// The slots of these keys are given by the Redis Cluster specification
// (its example "123456789" has the CRC16 0x31C3) and by CLUSTER KEYSLOT on
// redis-server 7.
func TestSlot(t *testing.T) {
	for key, want := range map[string]int{
		"123456789":        0x31C3 % 16384,
		"foo":              12182,
		"{user1000}.a":     redistest.Slot("user1000"),
		"{user1000}.b":     redistest.Slot("user1000"),
		"foo{{bar}}zap":    redistest.Slot("{bar"),
		"foo{bar}{zap}":    redistest.Slot("bar"),
		"prefix:{:client}": redistest.Slot(":client"),
	} {
		assert.Equal(t, want, redistest.Slot(key), "Slot(%q)", key)
	}
	assert.NotEqual(t, redistest.Slot("foo{}{bar}"), redistest.Slot("bar"))
}

// The real cluster's CLUSTER KEYSLOT agrees with Slot.
func TestClusterSlotMatchesServer(t *testing.T) {
	c := redistest.NewCluster(t)
	if !c.Real() {
		t.Skip("miniredis answers CLUSTER KEYSLOT with 163 for every key; needs " + redistest.EnvClusterAddrs)
	}
	ctx := context.Background()
	for i := range 200 {
		key := fmt.Sprintf("k%d{t%d}x", i, i%7)
		got, err := c.Client.ClusterKeySlot(ctx, key).Result()
		require.NoError(t, err)
		assert.Equal(t, int(got), redistest.Slot(key), "key %q", key)
	}
}

// A script that touches keys of two slots is refused on the real cluster
// (CROSSSLOT) and by the emulation, so the hash-tag discipline is checked
// on both engines; keys that share a tag go through.
func TestClusterRefusesCrossSlotScript(t *testing.T) {
	c := redistest.NewCluster(t)
	ctx := context.Background()
	script := redis.NewScript(`redis.call("SET", KEYS[1], ARGV[1]); redis.call("SET", KEYS[2], ARGV[1]); return 1`)

	a, b := c.Key("a"), c.Key("b")
	require.NotEqual(t, redistest.Slot(a), redistest.Slot(b), "pick keys of two slots")
	err := script.Run(ctx, c.Client, []string{a, b}, "v").Err()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CROSSSLOT")

	ta, tb := c.Key("{same}:a"), c.Key("{same}:b")
	require.NoError(t, script.Run(ctx, c.Client, []string{ta, tb}, "v").Err())
	got, err := c.Client.Get(ctx, tb).Result()
	require.NoError(t, err)
	assert.Equal(t, "v", got)

	_, err = c.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, a, "1", 0)
		p.Set(ctx, b, "1", 0)
		return nil
	})
	assert.ErrorIs(t, err, redis.ErrCrossSlot, "go-redis refuses a transaction across slots itself")
}

func TestClusterKeysDeletedFromEveryMaster(t *testing.T) {
	ctx := context.Background()
	var addrs []string
	var keys []string
	var isReal bool
	t.Run("writer", func(t *testing.T) {
		c := redistest.NewCluster(t)
		addrs, isReal = c.Addrs(), c.Real()
		masters := map[string]bool{}
		for i := range 64 {
			k := c.Key(fmt.Sprintf("k%d", i))
			require.NoError(t, c.Client.Set(ctx, k, "v", 0).Err())
			keys = append(keys, k)
			n, err := c.Client.MasterForKey(ctx, k)
			require.NoError(t, err)
			masters[n.Options().Addr] = true
		}
		if c.Real() {
			assert.GreaterOrEqual(t, len(masters), 2, "64 keys should spread over several masters")
		}
	})
	if !isReal {
		return // the embedded server went away with its test
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cc.Close()
	for _, k := range keys {
		n, err := cc.Exists(ctx, k).Result()
		require.NoError(t, err)
		assert.Zero(t, n, "key %q outlived the test", k)
	}
}

func TestClusterFastForward(t *testing.T) {
	ctx := context.Background()
	c := redistest.NewCluster(t)
	var short, forever []string
	for i := range 16 {
		s, f := c.Key(fmt.Sprintf("short%d", i)), c.Key(fmt.Sprintf("forever%d", i))
		require.NoError(t, c.Client.Set(ctx, s, "1", 10*time.Second).Err())
		require.NoError(t, c.Client.Set(ctx, f, "1", 0).Err())
		short, forever = append(short, s), append(forever, f)
	}
	c.FastForward(11 * time.Second)
	for i := range short {
		n, err := c.Client.Exists(ctx, short[i]).Result()
		require.NoError(t, err)
		assert.Zero(t, n, "%s survived its TTL", short[i])
		n, err = c.Client.Exists(ctx, forever[i]).Result()
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "%s has no TTL and must stay", forever[i])
	}
}

func TestClusterRequiredInCI(t *testing.T) {
	if strings.TrimSpace(os.Getenv(redistest.EnvClusterAddrs)) != "" {
		t.Log("a real cluster is configured; NewCluster uses it")
		return
	}
	ft := &fatalRecorder{TB: t}
	t.Setenv("CI", "true")
	func() {
		defer func() { _ = recover() }()
		redistest.NewCluster(ft)
	}()
	assert.True(t, ft.failed, "NewCluster under CI=true without a cluster must fail the test")
}

// fatalRecorder records a Fatalf instead of ending the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.failed = true
	panic(errors.New("fatal"))
}

func (f *fatalRecorder) Helper() {}
