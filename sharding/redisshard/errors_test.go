package redisshard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// TestErrorTexts calls everything in the package that returns an error
// and checks each error's text: it starts with the package's prefix, says
// it once, and wraps the sentinel that names the cause. A node whose
// client is closed stands for a node that fails.
func TestErrorTexts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	prefix := servers[0].Prefix
	a := Node{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}
	closed := servers[1].NewClient()
	require.NoError(t, closed.Close())
	broken := Node{Node: sharding.Node{Name: "broken"}, Client: closed}

	empty, err := New(prefix, nil, Config{})
	require.NoError(t, err)
	single, err := New(prefix, []Node{a}, Config{})
	require.NoError(t, err)
	down, err := New(prefix, []Node{broken}, Config{})
	require.NoError(t, err)
	store, err := New(prefix, []Node{a}, Config{})
	require.NoError(t, err)
	for i := range 100 {
		require.NoError(t, store.Set(ctx, fmt.Sprint("k", i), "v", 0))
	}
	// A move to a node that fails stays pending.
	_, moveErr := store.AddNode(ctx, Node{Node: sharding.Node{Name: "b"}, Client: closed})
	require.True(t, store.Moving())

	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"x": servers[0].Addr()}})
	defer ring.Close()

	second := func(_ any, err error) error { return err }
	for _, tc := range []struct {
		name string
		err  error
		want error // nil for a failing node: only the text is checked
	}{
		{"New/empty prefix", second(New("", []Node{a}, Config{})), ErrInvalidConfig},
		{"New/VirtualNodes", second(New(prefix, []Node{a}, Config{VirtualNodes: -1})), ErrInvalidConfig},
		{"New/BatchSize", second(New(prefix, []Node{a}, Config{BatchSize: -1})), ErrInvalidConfig},
		{"New/no client", second(New(prefix, []Node{{Node: sharding.Node{Name: "a"}}}, Config{})), ErrInvalidConfig},
		{"New/empty name", second(New(prefix, []Node{{Client: closed}}, Config{})), sharding.ErrInvalidNode},
		{"New/duplicate", second(New(prefix, []Node{a, a}, Config{})), sharding.ErrDuplicateNode},
		{"ConsistentHash/zero", second(ConsistentHash(0)), ErrInvalidConfig},
		{"Get/no nodes", second(empty.Get(ctx, "k")), sharding.ErrNoNodes},
		{"Get/not found", second(single.Get(ctx, "missing")), ErrNotFound},
		{"Get/node fails", second(down.Get(ctx, "k")), nil},
		{"Set/negative ttl", store.Set(ctx, "k", "v", -time.Second), ErrNegativeTTL},
		{"Set/no nodes", empty.Set(ctx, "k", "v", 0), sharding.ErrNoNodes},
		{"Set/node fails", down.Set(ctx, "k", "v", 0), nil},
		{"Del/no nodes", empty.Del(ctx, "k"), sharding.ErrNoNodes},
		{"Del/node fails", down.Del(ctx, "k"), nil},
		{"AddNode/no client", second(down.AddNode(ctx, Node{Node: sharding.Node{Name: "c"}})), ErrInvalidConfig},
		{"AddNode/Ring", second(down.AddNode(ctx, Node{Node: sharding.Node{Name: "c"}, Client: ring})), ErrInvalidConfig},
		{"AddNode/duplicate", second(down.AddNode(ctx, broken)), sharding.ErrDuplicateNode},
		{"AddNode/copy fails", moveErr, nil},
		{"AddNode/pending", second(store.AddNode(ctx, Node{Node: sharding.Node{Name: "c"}, Client: closed})), ErrMovePending},
		{"RemoveNode/pending", second(store.RemoveNode(ctx, "a")), ErrMovePending},
		{"Resume/copy fails", second(store.Resume(ctx)), nil},
		{"RemoveNode/unknown", second(down.RemoveNode(ctx, "z")), sharding.ErrUnknownNode},
		{"RemoveNode/last", second(down.RemoveNode(ctx, "broken")), sharding.ErrNoNodes},
		{"zero Store", second((&Store{}).Get(ctx, "k")), ErrNotInitialized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			msg := tc.err.Error()
			if tc.want != nil {
				assert.Truef(t, errors.Is(tc.err, tc.want), "%q does not wrap %q", msg, tc.want)
			}
			assert.Truef(t, strings.HasPrefix(msg, "redisshard: "), "%q does not start with the package prefix", msg)
			assert.Equalf(t, 1, strings.Count(msg, "redisshard:"), "%q says the prefix more than once", msg)
			assert.LessOrEqualf(t, strings.Count(msg, "sharding:"), 1, "%q says sharding's prefix more than once", msg)
		})
	}
	assert.ErrorIs(t, moveErr, redis.ErrClosed)
}
