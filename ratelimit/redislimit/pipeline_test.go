package redislimit_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// autoPipeliner is what both go-redis clients that pipeline automatically
// offer.
type autoPipeliner interface {
	AutoPipeline() (*redis.AutoPipeliner, error)
}

// via is a way for limiters to reach Redis: the plain client, go-redis's
// automatic pipeliner as it comes, or a Pipeline over it. The suites that
// prove decisions run once per via.
type via struct {
	name string
	over func(t *testing.T, c redis.Scripter) redis.Scripter
}

var vias = []via{
	{"plain", func(_ *testing.T, c redis.Scripter) redis.Scripter { return c }},
	{"autopipeliner", func(t *testing.T, c redis.Scripter) redis.Scripter { return autoPipeline(t, c) }},
	{"pipeline", func(t *testing.T, c redis.Scripter) redis.Scripter {
		p, err := redislimit.NewPipeline(autoPipeline(t, c), redislimit.PipelineConfig{})
		require.NoError(t, err)
		return p
	}},
}

// autoPipeline returns c's automatic pipeliner, closed when the test ends.
func autoPipeline(t *testing.T, c redis.Scripter) *redis.AutoPipeliner {
	t.Helper()
	ac, ok := c.(autoPipeliner)
	require.True(t, ok, "%T has no automatic pipeliner", c)
	ap, err := ac.AutoPipeline()
	require.NoError(t, err)
	t.Cleanup(func() { _ = ap.Close() })
	return ap
}

// gate is a hook that holds every batch carrying an EVALSHA until it is
// opened, and says when one is held.
type gate struct {
	held chan struct{}
	open chan struct{}
}

func newGate() *gate { return &gate{held: make(chan struct{}, 100), open: make(chan struct{})} }

func (g *gate) wait(cmds []redis.Cmder) {
	for _, c := range cmds {
		if c.Name() == "evalsha" {
			g.held <- struct{}{}
			<-g.open
			return
		}
	}
}

func (g *gate) DialHook(next redis.DialHook) redis.DialHook { return next }
func (g *gate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error { g.wait([]redis.Cmder{c}); return next(ctx, c) }
}
func (g *gate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { g.wait(cmds); return next(ctx, cmds) }
}

// gated returns a Pipeline over a fresh client of r whose batches g holds.
func gated(t *testing.T, r *redistest.Server, cfg redislimit.PipelineConfig) (*redislimit.Pipeline, *redis.AutoPipeliner, *gate) {
	t.Helper()
	c := r.NewClient()
	ap := autoPipeline(t, c)
	p, err := redislimit.NewPipeline(ap, cfg)
	require.NoError(t, err)
	g := newGate()
	ap.AddHook(g)
	return p, ap, g
}

// TestPipelineQueueFullFollowsThePolicy: with one decision waiting and
// MaxQueued 1, the next is refused before it reaches Redis, and each
// limiter's policy decides it: FailClosed refuses with an error wrapping
// ErrQueueFull and ErrRedis, FallBack asks its local limiter.
func TestPipelineQueueFullFollowsThePolicy(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	p, _, g := gated(t, r, redislimit.PipelineConfig{MaxQueued: 1})
	closed, err := redislimit.NewGCRA(p, 10, time.Second, 10, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	local, err := ratelimit.NewKeyed(mustGCRA(t, 1, time.Hour, 1), ratelimit.KeyedConfig{MaxKeys: 10})
	require.NoError(t, err)
	t.Cleanup(local.Close)
	fallback, err := redislimit.NewGCRA(p, 10, time.Second, 10, redislimit.Config{Prefix: r.Prefix, Policy: redislimit.FallBack, Fallback: local})
	require.NoError(t, err)

	first := make(chan error, 1)
	go func() {
		d, err := closed.Decide(ctx, "k", 1)
		if err == nil && !d.Allowed {
			err = errors.New("the first decision was refused")
		}
		first <- err
	}()
	<-g.held

	d, err := closed.Decide(ctx, "k", 1)
	require.ErrorIs(t, err, redislimit.ErrQueueFull)
	require.ErrorIs(t, err, redislimit.ErrRedis)
	assert.False(t, d.Allowed)
	assert.Equal(t, uint64(1), closed.Failures())

	d, err = fallback.Decide(ctx, "k", 1)
	require.NoError(t, err)
	assert.True(t, d.Allowed, "the fallback's first event")
	d, err = fallback.Decide(ctx, "k", 1)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the fallback allows one per hour")
	assert.Equal(t, uint64(2), fallback.Failures())
	assert.Equal(t, uint64(3), p.Stats().Rejected)

	close(g.open)
	require.NoError(t, <-first)
	assert.Equal(t, 0, p.Stats().Pending)
}

func mustGCRA(t *testing.T, limit int, per time.Duration, burst int) *ratelimit.GCRA {
	t.Helper()
	g, err := ratelimit.NewGCRA(limit, per, burst)
	require.NoError(t, err)
	return g
}

// TestPipelineDecisionKeepsItsContext: while a batch is held, a decision
// whose context is cancelled returns at once with the context's error and
// no policy; the held decision then completes as if nothing happened.
func TestPipelineDecisionKeepsItsContext(t *testing.T) {
	r := redistest.New(t)
	p, _, g := gated(t, r, redislimit.PipelineConfig{})
	l, err := redislimit.NewGCRA(p, 10, time.Second, 10, redislimit.Config{Prefix: r.Prefix, Policy: redislimit.FailOpen})
	require.NoError(t, err)

	first := make(chan error, 1)
	go func() {
		_, err := l.Decide(context.Background(), "a", 1)
		first <- err
	}()
	<-g.held

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		d, err := l.Decide(ctx, "b", 1)
		if err == nil || d.Allowed {
			err = errors.New("a cancelled decision was allowed")
		}
		done <- err
	}()
	cancel()
	err = <-done
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, redislimit.ErrRedis)
	assert.Equal(t, uint64(0), l.Failures(), "a caller that left is no failure of Redis")

	close(g.open)
	require.NoError(t, <-first)
}

// TestPipelineStats counts batches, their sizes and the time decisions
// queued. Ten decisions wait behind one held batch, then go out in one
// batch of ten. The clock steps 1 ms per reading, read once when a
// decision is sent and once when its batch starts.
func TestPipelineStats(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	var (
		mu  sync.Mutex // protects now
		now = t0
	)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(ms)
		return now
	}
	p, ap, g := gated(t, r, redislimit.PipelineConfig{Now: clock})
	l, err := redislimit.NewGCRA(p, 100, time.Second, 100, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)

	// One decision alone: a batch of one that queued 1 ms.
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = l.Decide(ctx, "k", 1) })
	<-g.held
	g.open <- struct{}{}
	wg.Wait()
	s := p.Stats()
	assert.Equal(t, redislimit.PipelineStats{Decisions: 1, Batches: 1, BatchedCommands: 1, MaxBatch: 1, Queued: ms}, s)

	// One held, ten more queue behind it and leave together.
	wg.Go(func() { _, _ = l.Decide(ctx, "k", 1) })
	<-g.held
	for range 10 {
		wg.Go(func() { _, _ = l.Decide(ctx, "k", 1) })
	}
	for ap.Len() < 10 {
		runtime.Gosched() // until all ten are in the pipeliner's queue
	}
	g.open <- struct{}{}
	<-g.held
	close(g.open)
	wg.Wait()
	s = p.Stats()
	assert.Equal(t, uint64(12), s.Decisions)
	assert.Equal(t, uint64(3), s.Batches)
	assert.Equal(t, uint64(12), s.BatchedCommands)
	assert.Equal(t, 10, s.MaxBatch)
	assert.Equal(t, 0, s.Pending)
	// Each wait is the clock's readings between a decision's send and its
	// batch's start: at least 1 ms, and the ten waited for the held one.
	assert.Greater(t, s.Queued, 12*ms)
}

// TestPipelineNoScriptAfterFlush: after SCRIPT FLUSH the next decision
// through the pipeline gets NOSCRIPT, sends the script again and decides
// on the state that survived.
func TestPipelineNoScriptAfterFlush(t *testing.T) {
	ctx := context.Background()
	r := redistest.NewMiniredis(t)
	p, err := redislimit.NewPipeline(autoPipeline(t, r.Client), redislimit.PipelineConfig{})
	require.NoError(t, err)
	l, err := redislimit.NewGCRA(p, 10, time.Second, 10, redislimit.Config{Prefix: r.Prefix})
	require.NoError(t, err)
	_, err = l.Decide(ctx, "k", 1)
	require.NoError(t, err)
	require.NoError(t, r.Client.ScriptFlush(ctx).Err())
	d, err := l.Decide(ctx, "k", 1)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, 8, d.Remaining, "the state survived the flush")
	assert.Equal(t, uint64(0), l.Failures())
}

// TestPipelineValidates: NewPipeline refuses a nil pipeliner and a
// negative bound; a zero Pipeline is refused by the constructors and
// panics when asked for its stats.
func TestPipelineValidates(t *testing.T) {
	_, err := redislimit.NewPipeline(nil, redislimit.PipelineConfig{})
	require.ErrorIs(t, err, redislimit.ErrInvalidConfig)
	r := redistest.NewMiniredis(t)
	_, err = redislimit.NewPipeline(autoPipeline(t, r.Client), redislimit.PipelineConfig{MaxQueued: -1})
	require.ErrorIs(t, err, redislimit.ErrInvalidConfig)

	_, err = redislimit.NewGCRA(&redislimit.Pipeline{}, 1, time.Second, 1, redislimit.Config{})
	require.ErrorIs(t, err, redislimit.ErrInvalidConfig)
	require.ErrorIs(t, err, redislimit.ErrNotInitialized)
	assert.PanicsWithError(t, "redislimit: Pipeline used without NewPipeline", func() { (&redislimit.Pipeline{}).Stats() })
}
