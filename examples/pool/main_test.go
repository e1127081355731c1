package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/backendkit/backendkit/pool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var small = config{Workers: 8, Requests: 5, Size: 2, Latency: 2 * time.Millisecond, Step: 100 * time.Millisecond}

// TestRun runs the program as main does, with small flags, and checks that
// it narrates both parts.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, small))
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Part 1", "Part 2",
		"40 acquires were served by at most 2 connections",
		"the health check on borrow caught 2 dead connections",
		"acquire after close: pool: closed",
		"as MaxSize went from 1 to 8",
	} {
		assert.Contains(t, text, want)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{Workers: 0, Requests: 1, Size: 1, Latency: time.Millisecond, Step: time.Second},
		{Workers: 1, Requests: 0, Size: 1, Latency: time.Millisecond, Step: time.Second},
		{Workers: 1, Requests: 1, Size: 0, Latency: time.Millisecond, Step: time.Second},
		{Workers: 1, Requests: 1, Size: 1, Latency: 0, Step: time.Second},
		{Workers: 1, Requests: 1, Size: 1, Latency: time.Millisecond, Step: 0},
	} {
		assert.Error(t, run(context.Background(), &bytes.Buffer{}, cfg), "%+v", cfg)
	}
}

// TestDemoFacts: the first part's statistics say what it narrates.
func TestDemoFacts(t *testing.T) {
	r, err := demo(context.Background(), &bytes.Buffer{}, small)
	require.NoError(t, err)
	assert.Equal(t, int64(small.Workers*small.Requests), r.afterLoad.Acquires)
	assert.LessOrEqual(t, r.afterLoad.Total, small.Size)
	assert.Equal(t, int64(small.Size), r.afterHangUp.ClosedHealthCheck, "every dead connection caught on borrow")
	assert.True(t, r.brokeInUse)
	assert.Equal(t, int64(1), r.afterDestroy.ClosedByCaller)
	assert.ErrorIs(t, r.acquireAfterClose, pool.ErrClosed)
	assert.Zero(t, r.afterClose.Total)
}

// TestSizingFollowsLittlesLaw: throughput is L/W within a tolerance at
// every size, grows with MaxSize up to the number of workers, and nobody
// waits once MaxSize reaches it.
func TestSizingFollowsLittlesLaw(t *testing.T) {
	r, err := sizing(context.Background(), small)
	require.NoError(t, err)
	require.Len(t, r.runs, 5) // 1, 2, 4, 8, 16
	for _, s := range r.runs {
		ratio := s.throughput() / s.predicted
		assert.InDelta(t, 1, ratio, 0.2, "MaxSize %d: %.0f req/s against L/W %.0f", s.size, s.throughput(), s.predicted)
		assert.GreaterOrEqual(t, s.meanHold, small.Latency, "MaxSize %d", s.size)
		if s.size >= small.Workers {
			assert.Zero(t, s.stats.Waits, "MaxSize %d", s.size)
		} else {
			assert.Positive(t, s.stats.Waits, "MaxSize %d", s.size)
		}
	}
	assert.Greater(t, r.runs[3].throughput(), 4*r.runs[0].throughput(), "8 connections against 1")
}

// TestConclusionsFollowTheFacts: other measurements say other things.
func TestConclusionsFollowTheFacts(t *testing.T) {
	sz := sizingResult{workers: 2, latency: time.Millisecond, runs: []sizeRun{
		{size: 1, requests: 100, elapsed: time.Second, meanHold: time.Millisecond, predicted: 200, stats: pool.Stats{Acquires: 100, WaitDuration: time.Second}},
		{size: 2, requests: 200, elapsed: time.Second, meanHold: time.Millisecond, predicted: 2000, stats: pool.Stats{Acquires: 200}},
	}}
	c := sz.conclusion()
	assert.Contains(t, c, "the worst ratio was 0.10")
	assert.Contains(t, c, "some mean waits strayed")

	d := demoResult{afterLoad: pool.Stats{Acquires: 3, Total: 1}}
	assert.NotContains(t, d.conclusion(1), "queueing")
	assert.NotContains(t, d.conclusion(1), "broke in use")
}
