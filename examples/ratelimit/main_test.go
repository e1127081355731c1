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
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var small = config{Limit: 5, Overload: time.Second, Gap: time.Second, Shared: 2 * time.Second}

// TestRun runs the program as main does, with small flags, and checks that
// it narrates both parts.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, small))
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Part 1", "Part 2",
		"the fixed window let 10 requests through within one second around its boundary, 2.0 times its limit of 5",
		"The guide's answer admitted exactly what the sliding log did",
		"they never passed 5 in any second",
	} {
		assert.Contains(t, text, want)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{Limit: 0, Overload: time.Second, Shared: time.Second},
		{Limit: 101, Overload: time.Second, Shared: time.Second},
		{Limit: 5, Overload: 0, Shared: time.Second},
		{Limit: 5, Overload: time.Second, Gap: -1, Shared: time.Second},
		{Limit: 5, Overload: time.Second, Shared: 0},
	} {
		assert.Error(t, run(context.Background(), &bytes.Buffer{}, cfg), "%+v", cfg)
	}
}

// TestTraceFacts checks what part 1 narrates: the fixed window's double
// burst at the boundary, the window algorithms that hold the limit in every
// second, and the guide's answer deciding as the sliding log does.
func TestTraceFacts(t *testing.T) {
	for _, cfg := range []config{small, {Limit: 10, Overload: 3 * time.Second, Gap: 1500 * time.Millisecond, Shared: time.Second}} {
		r, err := playTrace(cfg)
		require.NoError(t, err)
		l := cfg.Limit
		fixed, slog, guide := r.outcome("fixed"), r.outcome("s-log"), r.outcome("guide")
		// The boundary is at 1 s: slots 9 and 10.
		assert.Equal(t, l, fixed.perSlot[9], "fixed window, last slot before the boundary")
		assert.Equal(t, l, fixed.perSlot[10], "fixed window, first slot after it")
		assert.Equal(t, 2*l, fixed.maxInWindow)
		assert.Zero(t, slog.perSlot[10], "the sliding log refuses the second half of the burst")
		for _, name := range []string{"guide", "s-log", "s-win"} {
			assert.LessOrEqual(t, r.outcome(name).maxInWindow, l, name)
		}
		assert.Equal(t, slog.admitted, guide.admitted)
		for _, name := range []string{"token", "leaky", "gcra"} {
			o := r.outcome(name)
			assert.Greater(t, o.maxInWindow, l, "%s: burst plus refill", name)
			assert.Equal(t, r.outcome("gcra").admitted, o.admitted, "%s decides as GCRA", name)
		}
		// After a gap of a whole window every limiter is full again: the
		// last burst of 2l gets exactly l through everywhere.
		last := len(r.offered) - 1
		assert.Equal(t, 2*l, r.offered[last])
		for _, o := range r.outcomes {
			assert.Equal(t, l, o.perSlot[last], o.name)
		}
		assert.Contains(t, r.conclusion(), "Never more than")
	}
}

// TestSharedFacts checks part 2: separate limiters let both processes
// through in full, the shared one holds the limit in every second and
// splits it between the two.
func TestSharedFacts(t *testing.T) {
	r, err := playShared(context.Background(), small)
	require.NoError(t, err)
	l := small.Limit
	assert.Equal(t, 2*l, r.maxLocal)
	assert.Equal(t, l, r.maxShared)
	require.Len(t, r.seconds, 2)
	for i, s := range r.seconds {
		assert.Equal(t, [2]int{l, l}, s.local, "second %d", i)
		assert.Equal(t, l, s.shared[0]+s.shared[1], "second %d", i)
		for p := range 2 {
			assert.Positive(t, s.shared[p], "second %d, process %d gets a share", i, p)
		}
	}
	assert.Contains(t, r.conclusion(), "they never passed 5 in any second")
}

func TestMaxInWindow(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	assert.Equal(t, 0, maxInWindow(nil, time.Second))
	assert.Equal(t, 3, maxInWindow(ms(0, 500, 999, 1000), time.Second)) // (0, 1000] excludes 0
	assert.Equal(t, 4, maxInWindow(ms(1, 500, 999, 1000), time.Second))
}

func TestWrap(t *testing.T) {
	s := wrap(strings.Repeat("word ", 40), 20)
	for line := range strings.SplitSeq(s, "\n") {
		assert.LessOrEqual(t, len(line), 20)
	}
	assert.Equal(t, strings.Repeat("word ", 40), strings.ReplaceAll(s, "\n", " ")+" ")
}

// TestConclusionsFollowTheFacts: the sentences are computed from the
// measurements, so other measurements say other things.
func TestConclusionsFollowTheFacts(t *testing.T) {
	r, err := playTrace(small)
	require.NoError(t, err)
	for i := range r.outcomes {
		r.outcomes[i].maxInWindow = small.Limit
	}
	r.outcomes[2].admitted = nil // the sliding log's
	c := r.conclusion()
	assert.Contains(t, c, "the fixed window never let more than its limit of 5 through")
	assert.NotContains(t, c, "More (the most in one second)")
	assert.Contains(t, c, "disagreed")

	sh := sharedResult{limit: 5, maxLocal: 10, maxShared: 7}
	assert.Contains(t, sh.conclusion(), "they still let 7 through within one second")
}
