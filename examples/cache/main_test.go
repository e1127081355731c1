package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/cache"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var small = config{Keys: 10_000, Capacity: 100, Requests: 20_000, Skew: 0.9, Goroutines: 200}

// TestRun runs the program as main does, with small flags, and checks that
// it narrates the three parts and their conclusions.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, small))
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Part 1", "Part 2", "Part 3",
		"during the scan LRU's hit ratio fell from",
		"Read-through made 1 load for all 200 callers",
		"With TwoTier, A's write reached B as an event",
	} {
		assert.Contains(t, text, want)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{Keys: 10, Capacity: 10, Requests: 1000, Goroutines: 2},
		{Keys: 1000, Capacity: 2000, Requests: 1000, Goroutines: 2},
		{Keys: 1000, Capacity: 100, Requests: 10, Goroutines: 2},
		{Keys: 1000, Capacity: 100, Requests: 1000, Skew: -1, Goroutines: 2},
		{Keys: 1000, Capacity: 100, Requests: 1000, Goroutines: 1},
	} {
		assert.Error(t, run(context.Background(), &bytes.Buffer{}, cfg), "%+v", cfg)
	}
}

// TestScanFacts: S3-FIFO's hit ratio during the scan beats LRU's, and the
// scan costs LRU some of the ratio it had before.
func TestScanFacts(t *testing.T) {
	for _, cfg := range []config{small, {Keys: 20_000, Capacity: 400, Requests: 30_000, Skew: 1.1}} {
		r, err := playScan(cfg)
		require.NoError(t, err)
		require.Len(t, r.hitRatio, 2)
		lru, s3 := r.hitRatio[0], r.hitRatio[1]
		assert.Greater(t, s3[1], lru[1]+0.05, "S3-FIFO during the scan, %+v", cfg)
		assert.Less(t, lru[1], lru[0]-0.05, "LRU loses during the scan, %+v", cfg)
		assert.InDelta(t, lru[0], lru[2], 0.05, "LRU recovers after it, %+v", cfg)
		assert.Equal(t, cfg.Requests/scanEvery*scanLength, r.scanned)
	}
}

// TestStampedeFacts: without protection nearly every miss loads; with
// read-through exactly one does.
func TestStampedeFacts(t *testing.T) {
	const n = 300
	r, err := playStampede(context.Background(), n)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, r.asideLoads, int64(n*9/10), "cache-aside loads")
	assert.Equal(t, int64(n), r.asideLoads+int64(r.asideHits), "every cache-aside caller loaded or hit")
	assert.Equal(t, int64(1), r.readThroughLoads)
	total := 0
	for _, c := range r.readThroughByKind {
		total += c
	}
	assert.Equal(t, n, total)
	assert.Contains(t, r.conclusion(), "Read-through made 1 load for all 300 callers")
}

// TestCoherenceFacts: local caches alone serve the old value after the
// other instance's write; TwoTier never does, and never loads.
func TestCoherenceFacts(t *testing.T) {
	r, err := playCoherence(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, stale(r.local))
	assert.Equal(t, 0, stale(r.twoTier))
	assert.Equal(t, "v2", r.twoTier[4].value)
	assert.Equal(t, "v1", r.local[4].value)
	assert.Zero(t, r.twoTierLoads)
	assert.Equal(t, uint64(1), r.localLoads, "B's first read")
}

// TestConclusionsFollowTheFacts: other measurements say other things.
func TestConclusionsFollowTheFacts(t *testing.T) {
	sc := scanResult{hitRatio: [][3]float64{{0.4, 0.5, 0.4}, {0.4, 0.3, 0.4}}}
	assert.Contains(t, sc.conclusion(), "did not beat LRU")

	st := stampedeResult{callers: 10, asideLoads: 10, readThroughLoads: 3, readThroughByKind: map[cache.Result]int{}}
	assert.Contains(t, st.conclusion(), "Read-through made 3 loads")
	assert.NotContains(t, st.conclusion(), "late enough")

	same := []read{{}, {value: "v1"}, {value: "v1"}, {}, {value: "v2"}, {value: "v2"}}
	co := coherenceResult{local: same, twoTier: []read{{}, {value: "v1"}, {value: "v1"}, {}, {value: "v1"}, {value: "v2"}}}
	assert.Contains(t, co.conclusion(), "B never read an old value")
	assert.Contains(t, co.conclusion(), "B still read an old value once")
}
