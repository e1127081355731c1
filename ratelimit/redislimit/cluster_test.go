package redislimit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// TestClusterExactlyLimit is TestExactlyLimitAcrossClients on a Redis
// Cluster: 1000 goroutines over three cluster clients, on keys that hash to
// slots of different masters, and every key admits exactly L. Each
// decision's keys carry the caller's key as their hash tag, so every script
// stays in one slot; a real node would answer CROSSSLOT otherwise, and the
// emulation's client refuses such a script too. On the emulation it runs
// GCRA and the multi-limit script alone, for the reason the single-server
// test gives.
func TestClusterExactlyLimit(t *testing.T) {
	const goroutines, L = 1000, 100
	keys := []string{"alice", "bob", "carol", "dave", "erin"}
	ctx := context.Background()
	cl := redistest.NewCluster(t)
	clients := []*redis.ClusterClient{cl.Client, cl.NewClient(), cl.NewClient()}
	if cl.Real() {
		masters := map[string]bool{}
		for _, k := range keys {
			m, err := cl.Client.MasterForKey(ctx, ":"+k) // the tag the limiter gives k
			require.NoError(t, err)
			masters[m.Options().Addr] = true
		}
		require.GreaterOrEqual(t, len(masters), 2, "the keys should live on several masters")
	}
	for _, via := range vias {
		for _, k := range kinds {
			if !cl.Real() && k.name != "gcra" && k.name != "multi" {
				continue
			}
			t.Run(via.name+"/"+k.name, func(t *testing.T) {
				limiters := make([]ratelimit.Limiter, len(clients))
				for i, c := range clients {
					l, err := k.new(via.over(t, c), L, redislimit.Config{Prefix: cl.Prefix + via.name + ":" + k.name + ":"})
					require.NoError(t, err)
					limiters[i] = l
				}
				var (
					mu       sync.Mutex // protects admitted
					admitted = map[string]int{}
					errs     = make(chan error, goroutines)
					wg       sync.WaitGroup
				)
				for g := range goroutines {
					wg.Go(func() {
						key := keys[g%len(keys)]
						d, err := limiters[g%len(limiters)].Decide(ctx, key, 1)
						if err != nil {
							errs <- fmt.Errorf("%s: %w", key, err)
							return
						}
						if d.Allowed {
							mu.Lock()
							admitted[key]++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				for _, key := range keys {
					assert.Equal(t, L, admitted[key], "key %s admitted", key)
				}
			})
		}
	}
}

// TestClusterKeysOfOneDecisionShareASlot reads back, on every master, the
// keys the limiters wrote: each decision's keys are in one slot, the slot of
// its caller's key, whatever the algorithm.
func TestClusterKeysOfOneDecisionShareASlot(t *testing.T) {
	ctx := context.Background()
	cl := redistest.NewCluster(t)
	for _, k := range kinds {
		l, err := k.new(cl.Client, 3, redislimit.Config{Prefix: cl.Prefix + k.name + ":"})
		require.NoError(t, err)
		for _, key := range []string{"alice", "bob", "carol"} {
			for range 4 {
				_, err := l.Decide(ctx, key, 1)
				require.NoError(t, err, "%s %s", k.name, key)
			}
		}
	}
	var mu sync.Mutex // ForEachMaster calls fn on every master at once
	bySlot := map[string]map[int]bool{}
	require.NoError(t, cl.Client.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		keys, err := c.Keys(ctx, cl.Prefix+"*").Result()
		mu.Lock()
		defer mu.Unlock()
		for _, key := range keys {
			user := userOf(key)
			if bySlot[user] == nil {
				bySlot[user] = map[int]bool{}
			}
			bySlot[user][redistest.Slot(key)] = true
		}
		return err
	}))
	require.Len(t, bySlot, 3)
	for user, slots := range bySlot {
		assert.Len(t, slots, 1, "keys of %q span slots %v", user, slots)
		for slot := range slots {
			assert.Equal(t, redistest.Slot(":"+user), slot, user)
		}
	}
}

// userOf returns the caller's key inside a limiter key's hash tag "{:key}".
func userOf(key string) string {
	_, after, _ := strings.Cut(key, "{:")
	user, _, _ := strings.Cut(after, "}")
	return user
}

// TestClusterRefusesAScriptAcrossSlots is why every key carries the
// caller's key as its hash tag: the keys of one decision laid out without
// the braces hash to different slots, and a cluster refuses a script over
// them with CROSSSLOT (the emulation's client refuses it the same way).
func TestClusterRefusesAScriptAcrossSlots(t *testing.T) {
	ctx := context.Background()
	cl := redistest.NewCluster(t)
	untagged := []string{cl.Key(":alice:gcra:1000000:10"), cl.Key(":alice:fw:10:1000000")}
	require.NotEqual(t, redistest.Slot(untagged[0]), redistest.Slot(untagged[1]), "the example needs keys of two slots")
	err := cl.Client.Eval(ctx, "return 1", untagged).Err()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CROSSSLOT")

	tagged := []string{cl.Key("{:alice}:gcra:1000000:10"), cl.Key("{:alice}:fw:10:1000000")}
	require.NoError(t, cl.Client.Eval(ctx, "return 1", tagged).Err(), "one tag, one slot")
}
