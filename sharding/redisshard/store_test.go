package redisshard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// TestLiveRebalancing spreads keys over three nodes, then adds a fourth
// and removes one of the first three while writers keep writing and
// readers keep reading. Each key has one writer, which records the last
// version Redis acknowledged. Invariants checked:
//
//   - every read of a key returns a version at least the one acknowledged
//     before the read began: no miss, no stale value, during the moves;
//   - afterwards every key is on its node under the final ring, with its
//     last acknowledged value, and on no other node: nothing lost, nothing
//     left behind.
//
// The moves and the load interleave deterministically: after each batch a
// move copies, it waits until every writer and reader has done another
// operation. Load loops are bounded in count and by a deadline.
func TestLiveRebalancing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 4)
	node := func(i int) Node {
		return Node{Node: sharding.Node{Name: fmt.Sprintf("node-%d", i)}, Client: servers[i].Client}
	}
	store, err := New(servers[0].Prefix, []Node{node(0), node(1), node(2)}, Config{BatchSize: 20})
	require.NoError(t, err)

	const (
		writers, readers = 4, 4
		keysPerWriter    = 200 // half written before the moves, half during
		maxOps           = 50_000
	)
	key := func(w, i int) string { return fmt.Sprintf("w%d:%d", w, i) }
	var acked [writers][keysPerWriter]atomic.Int64 // last acknowledged version
	for w := range writers {
		for i := range keysPerWriter / 2 {
			require.NoError(t, store.Set(ctx, key(w, i), "1", 0))
			acked[w][i].Store(1)
		}
	}

	var (
		stop      = make(chan struct{})
		progress  [writers + readers]atomic.Int64 // operations done by each
		failures  atomic.Int64
		failMu    sync.Mutex
		firstFail error
	)
	fail := func(err error) {
		failures.Add(1)
		failMu.Lock()
		defer failMu.Unlock()
		if firstFail == nil {
			firstFail = err
		}
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return ctx.Err() != nil
		}
	}

	// The move waits, after each batch, for every worker to do one more
	// operation; a worker that has finished counts as done. Workers tick
	// their channel (without blocking) after each operation and when they
	// finish.
	var (
		finished [writers + readers]atomic.Bool
		ticks    [writers + readers]chan struct{}
	)
	for i := range ticks {
		ticks[i] = make(chan struct{}, 1)
	}
	tick := func(i int) {
		select {
		case ticks[i] <- struct{}{}:
		default:
		}
	}
	done := func(i int) {
		finished[i].Store(true)
		tick(i)
	}
	batches := 0
	store.afterBatch = func() {
		batches++
		for i := range progress {
			target := progress[i].Load() + 1
			for progress[i].Load() < target && !finished[i].Load() {
				select {
				case <-ticks[i]:
				case <-ctx.Done():
					return
				}
			}
		}
	}

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			defer done(w)
			for op := 0; op < maxOps && !stopped(); op++ {
				i := op % keysPerWriter
				v := acked[w][i].Load() + 1
				if err := store.Set(ctx, key(w, i), strconv.FormatInt(v, 10), 0); err != nil {
					fail(err)
					return
				}
				acked[w][i].Store(v)
				progress[w].Add(1)
				tick(w)
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			defer done(writers + r)
			for op := 0; op < maxOps && !stopped(); op++ {
				w, i := (op+r)%writers, (op*7+r)%keysPerWriter
				want := acked[w][i].Load()
				got, err := store.Get(ctx, key(w, i))
				switch {
				case want == 0 && errors.Is(err, ErrNotFound):
				case err != nil:
					fail(fmt.Errorf("read %s (acknowledged version %d): %w", key(w, i), want, err))
				default:
					v, _ := strconv.ParseInt(got, 10, 64)
					if v < want {
						fail(fmt.Errorf("read %s: version %d, but %d was acknowledged before the read", key(w, i), v, want))
					}
				}
				progress[writers+r].Add(1)
				tick(writers + r)
			}
		})
	}

	added, err := store.AddNode(ctx, node(3))
	require.NoError(t, err)
	removed, err := store.RemoveNode(ctx, "node-1")
	require.NoError(t, err)
	close(stop)
	wg.Wait()
	t.Logf("add: %+v; remove: %+v; %d batches; ops per worker %v", added, removed, batches, loads(&progress))

	require.Zero(t, failures.Load(), "first failure: %v", firstFail)
	assert.Positive(t, added.Moved, "adding a node moves keys to it")
	assert.Positive(t, removed.Moved+removed.Superseded, "removing a node moves its keys")
	assert.False(t, store.Moving())
	ring := store.Ring()
	assert.Equal(t, []string{"node-0", "node-2", "node-3"}, ring.Members())

	// Every key is at its home with its last value, and nowhere else.
	want := map[string]string{}
	for w := range writers {
		for i := range keysPerWriter {
			if v := acked[w][i].Load(); v > 0 {
				want[key(w, i)] = strconv.FormatInt(v, 10)
			}
		}
	}
	found := map[string]string{} // key → node holding it
	for i, srv := range servers {
		name := fmt.Sprintf("node-%d", i)
		keys, err := scanAll(ctx, srv, srv.Prefix)
		require.NoError(t, err)
		for _, k := range keys {
			k = strings.TrimPrefix(k, srv.Prefix)
			require.NotContainsf(t, found, k, "key %q on both %s and %s", k, found[k], name)
			found[k] = name
		}
	}
	require.Len(t, found, len(want), "keys stored across the nodes")
	for k, v := range want {
		home, err := ring.Lookup(k)
		require.NoError(t, err)
		require.Equalf(t, home, found[k], "key %q", k)
		got, err := servers[nodeIndex(home)].Client.Get(ctx, servers[0].Prefix+k).Result()
		require.NoError(t, err)
		require.Equalf(t, v, got, "key %q at its home", k)
		got, err = store.Get(ctx, k)
		require.NoError(t, err)
		require.Equal(t, v, got)
	}
}

func loads(p *[8]atomic.Int64) []int64 {
	out := make([]int64, len(p))
	for i := range p {
		out[i] = p[i].Load()
	}
	return out
}

func nodeIndex(name string) int {
	i, _ := strconv.Atoi(strings.TrimPrefix(name, "node-"))
	return i
}

func scanAll(ctx context.Context, srv *redistest.Server, prefix string) ([]string, error) {
	var all []string
	var cursor uint64
	for {
		keys, next, err := srv.Client.Scan(ctx, cursor, escapeGlob(prefix)+"*", 100).Result()
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
		if next == 0 {
			return all, nil
		}
		cursor = next
	}
}

// TestDelDuringMoveIsNotUndone deletes keys while they are being moved:
// a deleted key must not come back from the old node.
func TestDelDuringMoveIsNotUndone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{BatchSize: 5})
	require.NoError(t, err)
	for i := range 200 {
		require.NoError(t, store.Set(ctx, fmt.Sprintf("k%d", i), "v", 0))
	}
	deleted := 0
	store.afterBatch = func() {
		// Between batches, delete keys that may not have moved yet.
		for range 3 {
			if deleted < 200 {
				require.NoError(t, store.Del(ctx, fmt.Sprintf("k%d", deleted)))
				deleted++
			}
		}
	}
	stats, err := store.AddNode(ctx, Node{Node: sharding.Node{Name: "b"}, Client: servers[1].Client})
	require.NoError(t, err)
	t.Logf("%+v, %d deleted", stats, deleted)
	require.Positive(t, deleted)
	for i := range 200 {
		_, err := store.Get(ctx, fmt.Sprintf("k%d", i))
		if i < deleted {
			require.ErrorIsf(t, err, ErrNotFound, "k%d was deleted", i)
		} else {
			require.NoError(t, err)
		}
	}
}

func TestStoreBasics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	_, err := New("", []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = New("p:", []Node{{Node: sharding.Node{Name: "a"}}}, Config{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = New("p:", []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}, {Node: sharding.Node{Name: "a"}, Client: servers[1].Client}}, Config{})
	require.ErrorIs(t, err, sharding.ErrDuplicateNode)

	empty, err := New(servers[0].Prefix, nil, Config{})
	require.NoError(t, err)
	_, err = empty.Get(ctx, "k")
	require.ErrorIs(t, err, sharding.ErrNoNodes)
	require.ErrorIs(t, empty.Set(ctx, "k", "v", 0), sharding.ErrNoNodes)
	stats, err := empty.AddNode(ctx, Node{Node: sharding.Node{Name: "first"}, Client: servers[0].Client})
	require.NoError(t, err)
	assert.Equal(t, MoveStats{}, stats)
	assert.False(t, empty.Moving())
	require.NoError(t, empty.Set(ctx, "k", "v", 0))
	got, err := empty.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", got)
	require.NoError(t, empty.Del(ctx, "k"))

	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}, {Node: sharding.Node{Name: "b"}, Client: servers[1].Client}}, Config{})
	require.NoError(t, err)
	_, err = store.Get(ctx, "missing")
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, store.Set(ctx, "k", "v", time.Hour))
	got, err = store.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", got)
	require.NoError(t, store.Del(ctx, "k"))
	_, err = store.Get(ctx, "k")
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, store.Set(ctx, "k", "v", -time.Second), ErrNegativeTTL)

	_, err = store.RemoveNode(ctx, "zzz")
	require.ErrorIs(t, err, sharding.ErrUnknownNode)
	_, err = store.RemoveNode(ctx, "a")
	require.NoError(t, err)
	_, err = store.RemoveNode(ctx, "b")
	require.ErrorIs(t, err, sharding.ErrNoNodes)
	_, err = store.AddNode(ctx, Node{Node: sharding.Node{Name: "c"}})
	require.ErrorIs(t, err, ErrInvalidConfig)
}

// TestNodeValidation: every node New or AddNode cannot use is an error
// wrapping ErrInvalidConfig, and the sharding error that says why.
func TestNodeValidation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := redistest.New(t)
	node := func(name string, weight float64) Node {
		return Node{Node: sharding.Node{Name: name, Weight: weight}, Client: srv.Client}
	}
	for _, tc := range []struct {
		name  string
		nodes []Node
		cfg   Config
		cause error
	}{
		{"empty name", []Node{node("", 1)}, Config{}, sharding.ErrInvalidNode},
		{"negative weight", []Node{node("a", -1)}, Config{}, sharding.ErrInvalidNode},
		{"duplicate", []Node{node("a", 1), node("a", 2)}, Config{}, sharding.ErrDuplicateNode},
		{"negative VirtualNodes", []Node{node("a", 1)}, Config{VirtualNodes: -1}, nil},
		{"negative BatchSize", []Node{node("a", 1)}, Config{BatchSize: -1}, nil},
	} {
		t.Run("New/"+tc.name, func(t *testing.T) {
			_, err := New(srv.Prefix, tc.nodes, tc.cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			if tc.cause != nil {
				require.ErrorIs(t, err, tc.cause)
			}
		})
	}

	store, err := New(srv.Prefix, []Node{node("a", 1)}, Config{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		node  Node
		cause error
	}{
		{"empty name", node("", 1), sharding.ErrInvalidNode},
		{"NaN weight", node("b", math.NaN()), sharding.ErrInvalidNode},
		{"already a member", node("a", 1), sharding.ErrDuplicateNode},
	} {
		t.Run("AddNode/"+tc.name, func(t *testing.T) {
			_, err := store.AddNode(ctx, tc.node)
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.ErrorIs(t, err, tc.cause)
			assert.False(t, store.Moving(), "a refused node starts no move")
		})
	}
}

// TestNodeWeights: a node's weight is its share of the ring, in New and in
// AddNode, exactly as on a sharding.Ring of the same nodes.
func TestNodeWeights(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 3)
	node := func(i int, weight float64) Node {
		return Node{Node: sharding.Node{Name: fmt.Sprintf("node-%d", i), Weight: weight}, Client: servers[i].Client}
	}
	store, err := New(servers[0].Prefix, []Node{node(0, 1), node(1, 3)}, Config{VirtualNodes: 1000})
	require.NoError(t, err)
	_, err = store.AddNode(ctx, node(2, 2))
	require.NoError(t, err)

	want, err := sharding.NewRing(1000, node(0, 1).Node, node(1, 3).Node, node(2, 2).Node)
	require.NoError(t, err)
	assert.Equal(t, want.Nodes(), store.Ring().Nodes())
	shares := store.Ring().Shares()
	assert.InEpsilon(t, 3*shares["node-0"], shares["node-1"], 0.15)
	assert.InEpsilon(t, 2*shares["node-0"], shares["node-2"], 0.15)
}

// TestMoveKeepsTTL: a key with a time to live keeps it on its new node.
func TestMoveKeepsTTL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{})
	require.NoError(t, err)
	for i := range 50 {
		require.NoError(t, store.Set(ctx, fmt.Sprintf("k%d", i), "v", time.Hour))
	}
	_, err = store.RemoveNode(ctx, "a") // the last node: refused
	require.ErrorIs(t, err, sharding.ErrNoNodes)
	stats, err := store.AddNode(ctx, Node{Node: sharding.Node{Name: "b"}, Client: servers[1].Client})
	require.NoError(t, err)
	require.Positive(t, stats.Moved)
	keys, err := scanAll(ctx, servers[1], servers[1].Prefix)
	require.NoError(t, err)
	require.Len(t, keys, stats.Moved)
	for _, k := range keys {
		ttl, err := servers[1].Client.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Greater(t, ttl, 59*time.Minute)
		assert.LessOrEqual(t, ttl, time.Hour)
	}
}

// TestResumeAfterFailedMove: a move cut short by its context leaves reads
// correct, refuses another move, and Resume finishes it.
func TestResumeAfterFailedMove(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{BatchSize: 5})
	require.NoError(t, err)
	for i := range 100 {
		require.NoError(t, store.Set(ctx, fmt.Sprintf("k%d", i), strconv.Itoa(i), 0))
	}
	moveCtx, cancelMove := context.WithCancel(ctx)
	store.afterBatch = cancelMove // the first batch is the last
	_, err = store.AddNode(moveCtx, Node{Node: sharding.Node{Name: "b"}, Client: servers[1].Client})
	require.ErrorIs(t, err, context.Canceled)
	store.afterBatch = nil
	require.True(t, store.Moving())
	for i := range 100 {
		got, err := store.Get(ctx, fmt.Sprintf("k%d", i))
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(i), got)
	}
	_, err = store.RemoveNode(ctx, "a")
	require.ErrorIs(t, err, ErrMovePending)
	_, err = store.Resume(ctx)
	require.NoError(t, err)
	require.False(t, store.Moving())
	for i := range 100 {
		k := fmt.Sprintf("k%d", i)
		home, err := store.Ring().Lookup(k)
		require.NoError(t, err)
		srv := servers[0]
		if home == "b" {
			srv = servers[1]
		}
		got, err := srv.Client.Get(ctx, srv.Prefix+k).Result()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(i), got)
	}
}

// TestNodeClientsAStoreCannotUse: New and AddNode refuse a client whose
// keys a move cannot scan, a go-redis Ring (its SCAN goes to one shard
// picked at random, so a move would leave the keys of the others behind,
// unreachable), and a cluster client that reads from replicas (a read
// after a write could miss it, and a move could copy a value a write has
// already replaced).
func TestNodeClientsAStoreCannotUse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := redistest.New(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"x": srv.Addr()}})
	defer ring.Close()
	cluster := func(opt redis.ClusterOptions) *redis.ClusterClient {
		opt.Addrs = []string{srv.Addr()}
		c := redis.NewClusterClient(&opt)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	store, err := New(srv.Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: srv.Client}}, Config{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		client redis.Cmdable
	}{
		{"Ring", ring},
		{"ClusterClient/ReadOnly", cluster(redis.ClusterOptions{ReadOnly: true})},
		{"ClusterClient/RouteByLatency", cluster(redis.ClusterOptions{RouteByLatency: true})},
		{"ClusterClient/RouteRandomly", cluster(redis.ClusterOptions{RouteRandomly: true})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := Node{Node: sharding.Node{Name: "b"}, Client: tc.client}
			_, err := New(srv.Prefix, []Node{node}, Config{})
			require.ErrorIs(t, err, ErrInvalidConfig, "New")
			_, err = store.AddNode(ctx, node)
			require.ErrorIs(t, err, ErrInvalidConfig, "AddNode")
			assert.False(t, store.Moving(), "a refused node starts no move")
		})
	}
	// A cluster client that reads from the masters is a node.
	_, err = New(srv.Prefix, []Node{{Node: sharding.Node{Name: "c"}, Client: cluster(redis.ClusterOptions{})}}, Config{})
	require.NoError(t, err)
}
