package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/sharding"
	"github.com/backendkit/backendkit/sharding/redisshard"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var small = config{Keys: 20_000, Nodes: 10, StoredKeys: 2000, Servers: 3, Writers: 4}

// TestRun runs the program as main does, with small flags, and checks that
// it narrates both parts and their conclusions.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, small))
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Part 1", "Part 2",
		"hash mod N moved 9", // 90-something percent
		"none was lost, and every key ended on exactly the server the new ring names",
	} {
		assert.Contains(t, text, want)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{Keys: 10, Nodes: 10, StoredKeys: 100, Servers: 3, Writers: 1},
		{Keys: 1000, Nodes: 0, StoredKeys: 100, Servers: 3, Writers: 1},
		{Keys: 1000, Nodes: 10, StoredKeys: 1, Servers: 3, Writers: 1},
		{Keys: 1000, Nodes: 10, StoredKeys: 100, Servers: 0, Writers: 1},
		{Keys: 1000, Nodes: 10, StoredKeys: 100, Servers: 3, Writers: 0},
	} {
		assert.Error(t, run(context.Background(), &bytes.Buffer{}, cfg), "%+v", cfg)
	}
}

// TestPlacementFacts: mod-N moves about n/(n+1) of the keys, most between
// old nodes; the others about 1/(n+1), none (or, for Maglev, few) between
// old nodes; every key is counted once on some node.
func TestPlacementFacts(t *testing.T) {
	for _, nodes := range []int{10, 4} {
		r, err := playPlacements(small.Keys, nodes)
		require.NoError(t, err)
		require.Len(t, r.results, 5)
		ideal := 1 / float64(nodes+1)
		mod := r.result("mod-N")
		assert.InDelta(t, float64(nodes)*ideal, mod.moved.Fraction(), 0.02, "mod-N, %d nodes", nodes)
		assert.Greater(t, mod.moved.BetweenSurvivors, mod.moved.Moved/2)
		for _, p := range r.results {
			total := 0
			for _, n := range r.names {
				total += p.loads[n]
			}
			assert.Equal(t, small.Keys, total, p.short)
			assert.Positive(t, p.loads[r.added], "%s gives the new node keys", p.short)
			if p.short == "mod-N" {
				continue
			}
			assert.InDelta(t, ideal, p.moved.Fraction(), 0.03, "%s, %d nodes", p.short, nodes)
			assert.Less(t, p.moved.BetweenSurvivors, p.moved.Moved/10, p.short)
		}
		for _, s := range []string{"ring", "jump", "rendezvous"} {
			assert.Zero(t, r.result(s).moved.BetweenSurvivors, s)
		}
	}
}

// TestRebalanceFacts: the live move loses no write, leaves no key on two
// servers or on the wrong one, and writes did go on during it.
func TestRebalanceFacts(t *testing.T) {
	r, err := playRebalance(context.Background(), small)
	require.NoError(t, err)
	assert.Zero(t, r.lost)
	assert.Zero(t, r.onTwoServers)
	assert.Zero(t, r.onWrongServer)
	assert.Positive(t, r.writesInMove, "writes during the move")
	total := 0
	for _, n := range r.after {
		total += n
	}
	assert.Equal(t, small.StoredKeys, total)
	assert.Equal(t, small.StoredKeys, r.stats.Scanned, "every old server hands keys to the new one")
	assert.Equal(t, r.after[r.servers[len(r.servers)-1]], r.stats.Moved+r.stats.Superseded)
	assert.Contains(t, r.conclusion(), "none was lost")
}

// TestConclusionsFollowTheFacts: other measurements say other things.
func TestConclusionsFollowTheFacts(t *testing.T) {
	rb := rebalanceResult{keys: 10, servers: []string{"a", "b"}, lost: 2, stats: redisshard.MoveStats{Moved: 5}}
	assert.Contains(t, rb.conclusion(), "2 keys lost their last write")

	pl := placementsResult{nodes: 10, results: []placementResult{
		{short: "mod-N", moved: sharding.Movement{Keys: 100, Moved: 50, BetweenSurvivors: 40}, balance: sharding.Balance{PeakToMean: 1.5}},
		{short: "ring", moved: sharding.Movement{Keys: 100, Moved: 9}, balance: sharding.Balance{PeakToMean: 1.1}},
	}}
	c := pl.conclusion()
	assert.Contains(t, c, "hash mod N moved 50.0% of the keys")
	assert.Contains(t, c, "1.500 times the mean with mod-N and 1.100 with ring")
}
