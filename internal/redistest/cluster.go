package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/internal/redisslot"
)

// EnvClusterAddrs names the environment variable holding a comma-separated
// list of nodes of a real Redis Cluster (any of its masters will do; the
// client discovers the rest). When it is empty, [NewCluster] emulates a
// cluster with miniredis.
const EnvClusterAddrs = "REDIS_CLUSTER_ADDRS"

// ErrCrossSlot is the error the emulated cluster returns for a command whose
// keys hash to more than one slot, as a real cluster answers CROSSSLOT.
var ErrCrossSlot = errors.New("CROSSSLOT Keys in request don't hash to the same slot (emulated by redistest)")

// Cluster is a Redis Cluster as seen by one test: a cluster client, the
// test's key prefix, and a way to move time forward. Keys under the prefix
// are deleted from every master when the test ends.
type Cluster struct {
	// Client is connected to the cluster and closed when the test ends.
	Client *redis.ClusterClient
	// Prefix starts every key this test may touch; see [Cluster.Key]. It
	// holds no braces, so it does not decide the slot of a key.
	Prefix string

	t     testing.TB
	addrs []string
	mini  *miniredis.Miniredis // nil on a real cluster
}

// NewCluster returns a Redis Cluster for t: the real cluster at
// $REDIS_CLUSTER_ADDRS when that is set, else miniredis's emulation of a
// one-node cluster holding every slot. Under CI=true a missing cluster fails
// the test, so a CI run cannot pass without the real engine.
//
// The emulation answers CLUSTER SLOTS but does not check slots itself, so
// the client NewCluster returns there refuses, as a real cluster would, any
// script, function or multi-key command whose keys hash to more than one
// slot (see [ErrCrossSlot]). A test that passes on the emulation therefore
// keeps the hash-tag discipline that a real cluster enforces.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	addrs := splitAddrs(os.Getenv(EnvClusterAddrs))
	if len(addrs) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: CI=true but %s is empty: CI must run the cluster suites on a real Redis Cluster", EnvClusterAddrs)
		}
		m := miniredis.RunT(t)
		c := &Cluster{t: t, addrs: []string{m.Addr()}, mini: m, Prefix: newPrefix()}
		c.Client = c.NewClient()
		return c
	}
	c := &Cluster{t: t, addrs: addrs, Prefix: newPrefix()}
	c.Client = c.NewClient()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.Client.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		info, err := n.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("node %s: cluster_state is not ok", n.Options().Addr)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("redistest: real cluster at %s=%s is not usable: %v", EnvClusterAddrs, strings.Join(addrs, ","), err)
	}
	// Registered after NewClient's Close, so it runs first.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.scanPrefix(ctx, func(n *redis.Client, keys []string) error {
			return unlinkEach(ctx, n, keys)
		}); err != nil {
			t.Errorf("redistest: deleting keys under %q: %v", c.Prefix, err)
		}
	})
	return c
}

// Key returns name under this test's prefix. A script or transaction may
// touch several keys only when they share a slot, that is, when their names
// carry the same hash tag, the first "{…}" in the key: Key("{user:42}:a")
// and Key("{user:42}:b") may go into one script; Key("a") and Key("b")
// generally may not.
func (c *Cluster) Key(name string) string { return c.Prefix + name }

// Addrs returns the cluster's seed addresses, for code that dials its own
// client.
func (c *Cluster) Addrs() []string { return append([]string(nil), c.addrs...) }

// Real reports whether this is a real Redis Cluster rather than the
// emulation.
func (c *Cluster) Real() bool { return c.mini == nil }

// NewClient returns a further cluster client on the same cluster, closed
// when the test ends; for tests where several processes share one cluster.
// On the emulation it refuses cross-slot commands as [NewCluster] describes.
func (c *Cluster) NewClient() *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs})
	if c.mini != nil {
		cc.AddHook(crossSlotHook{})
	}
	c.t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// FastForward makes d pass for key expiry, as [Server.FastForward] does, on
// every master of the cluster.
func (c *Cluster) FastForward(d time.Duration) {
	c.t.Helper()
	if c.mini != nil {
		c.mini.FastForward(d)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// ForEachMaster calls fn on every master at once; each call touches
	// only its own master.
	err := c.scanPrefix(ctx, func(n *redis.Client, keys []string) error {
		return shortenTTLs(ctx, n, keys, d)
	})
	if err != nil {
		c.t.Fatalf("redistest: fast-forwarding %v: %v", d, err)
	}
}

// scanPrefix calls fn with each non-empty batch of keys under the prefix on
// each master, with the client of that master.
func (c *Cluster) scanPrefix(ctx context.Context, fn func(*redis.Client, []string) error) error {
	return c.Client.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		return scan(ctx, n, c.Prefix+"*", func(keys []string) error { return fn(n, keys) })
	})
}

// unlinkEach deletes keys one command each: a batch from one node spans
// many slots, and a multi-key UNLINK across slots is refused.
func unlinkEach(ctx context.Context, n *redis.Client, keys []string) error {
	_, err := n.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Unlink(ctx, k)
		}
		return nil
	})
	return err
}

func splitAddrs(s string) []string {
	var addrs []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// Slot returns the Redis Cluster hash slot of key: CRC16 (XMODEM) of its
// hash tag, the text between the first '{' and the next '}' when that is not
// empty, else of the whole key, modulo 16384.
func Slot(key string) int { return int(redisslot.Of(key)) }

// crossSlotHook refuses, before it is sent, a command whose keys hash to
// more than one slot: what a real cluster node answers with CROSSSLOT and
// miniredis does not check. It knows the key positions of the scripting
// commands and of the common multi-key commands; other commands have one key
// and pass.
type crossSlotHook struct{}

func (crossSlotHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (crossSlotHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := checkSlots(cmd.Args()); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (crossSlotHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if err := checkSlots(cmd.Args()); err != nil {
				cmd.SetErr(err)
				return err
			}
		}
		return next(ctx, cmds)
	}
}

// checkSlots returns ErrCrossSlot when the keys among args do not all hash
// to one slot.
func checkSlots(args []any) error {
	keys := keysOf(args)
	for _, k := range keys[min(1, len(keys)):] {
		if Slot(k) != Slot(keys[0]) {
			return ErrCrossSlot
		}
	}
	return nil
}

// keysOf returns the keys named by a command's arguments.
func keysOf(args []any) []string {
	if len(args) < 2 {
		return nil
	}
	name, _ := args[0].(string)
	var keys []any
	switch strings.ToLower(name) {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		if len(args) < 3 {
			return nil
		}
		n, err := strconv.Atoi(fmt.Sprint(args[2]))
		if err != nil || n < 0 || 3+n > len(args) {
			return nil
		}
		keys = args[3 : 3+n]
	case "del", "unlink", "exists", "touch", "mget", "watch", "sinter", "sunion", "sdiff", "pfcount":
		keys = args[1:]
	case "mset", "msetnx":
		for i := 1; i < len(args); i += 2 {
			keys = append(keys, args[i])
		}
	case "rename", "renamenx", "smove", "lmove", "copy", "rpoplpush":
		keys = args[1:min(3, len(args))]
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, fmt.Sprint(k))
	}
	return out
}
