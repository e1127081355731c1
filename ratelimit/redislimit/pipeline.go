package redislimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultMaxQueued is how many decisions a [Pipeline] lets wait for a
// batch at once unless PipelineConfig.MaxQueued says otherwise.
const DefaultMaxQueued = 10_000

// ErrQueueFull is wrapped by the error of a decision a [Pipeline] refused
// because PipelineConfig.MaxQueued decisions were already waiting. The
// decision never reached Redis, so it was not charged; the limiter's
// [Policy] decides it, as any other failure of Redis.
var ErrQueueFull = errors.New("redislimit: pipeline queue full")

// PipelineConfig configures a [Pipeline]. The zero PipelineConfig means
// the defaults: at most [DefaultMaxQueued] decisions waiting, and
// time.Now as the clock of the queueing figures.
type PipelineConfig struct {
	// MaxQueued bounds the decisions sent through the pipeliner and not
	// yet answered; a decision beyond it fails at once with [ErrQueueFull]
	// and goes to its limiter's [Policy]. Zero means [DefaultMaxQueued];
	// it must not be negative.
	MaxQueued int
	// Now is the clock that times how long a decision waited for its
	// batch (PipelineStats.Queued); nil means time.Now.
	Now func() time.Time
}

// PipelineStats are a [Pipeline]'s counters since it was created, for a
// service's metrics.
type PipelineStats struct {
	// Decisions is how many decisions were sent through the pipeliner.
	Decisions uint64
	// Rejected is how many decisions were refused with [ErrQueueFull].
	Rejected uint64
	// Batches is how many round trips carried at least one decision.
	Batches uint64
	// BatchedCommands is the sum of those batches' sizes, counting every
	// command in them (other callers' too): BatchedCommands / Batches is
	// the mean batch size.
	BatchedCommands uint64
	// MaxBatch is the largest of those batches.
	MaxBatch int
	// Queued is the total time decisions waited, from being sent to the
	// pipeliner to the start of their batch: Queued / Decisions is the
	// mean wait a decision pays for sharing a round trip.
	Queued time.Duration
	// Pending is how many decisions are waiting for their answer now.
	Pending int
}

// Pipeline runs limiters' decisions over a go-redis automatic pipeliner
// (Client.AutoPipeline or ClusterClient.AutoPipeline), so that concurrent
// decisions share round trips, and adds what a limiter needs and the
// pipeliner lacks: a bound on the decisions waiting (PipelineConfig.MaxQueued,
// refusals decided by each limiter's [Policy]) and counters of the batches
// (Stats). Give it to any constructor in place of a client:
//
//	ap, err := rdb.AutoPipeline()
//	p, err := redislimit.NewPipeline(ap, redislimit.PipelineConfig{})
//	l, err := redislimit.NewGCRA(p, 100, time.Second, 20, redislimit.Config{})
//
// A *redis.AutoPipeliner given directly works too, without the bound and
// the counters.
//
// Build one with [NewPipeline]; a zero Pipeline panics with an error
// wrapping [ErrNotInitialized]. Pipeline is safe for simultaneous use by
// multiple goroutines. It holds nothing to close: the pipeliner and its
// client are the caller's.
type Pipeline struct {
	ap  *redis.AutoPipeliner
	max int64
	now func() time.Time

	pending   atomic.Int64
	decisions atomic.Uint64
	rejected  atomic.Uint64
	batches   atomic.Uint64
	batched   atomic.Uint64
	maxBatch  atomic.Int64
	queued    atomic.Int64 // nanoseconds
}

var _ redis.Scripter = (*Pipeline)(nil)

var errPipelineZero error = notInitialized("Pipeline")

// NewPipeline returns a Pipeline over ap. It adds a hook to ap (and so to
// its client, see AutoPipeliner.AddHook) that counts the batches carrying
// this Pipeline's decisions; commands of others pass through it untouched.
// It returns an error wrapping [ErrInvalidConfig] for a nil ap or a
// negative MaxQueued.
func NewPipeline(ap *redis.AutoPipeliner, cfg PipelineConfig) (*Pipeline, error) {
	if ap == nil {
		return nil, fmt.Errorf("%w: nil AutoPipeliner", ErrInvalidConfig)
	}
	if cfg.MaxQueued < 0 {
		return nil, fmt.Errorf("%w: MaxQueued %d is negative", ErrInvalidConfig, cfg.MaxQueued)
	}
	if cfg.MaxQueued == 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Pipeline{ap: ap, max: int64(cfg.MaxQueued), now: cfg.Now}
	ap.AddHook(pipelineHook{p})
	return p, nil
}

func (p *Pipeline) check() {
	if p == nil || p.ap == nil {
		panic(errPipelineZero)
	}
}

// Stats returns the Pipeline's counters.
func (p *Pipeline) Stats() PipelineStats {
	p.check()
	return PipelineStats{
		Decisions:       p.decisions.Load(),
		Rejected:        p.rejected.Load(),
		Batches:         p.batches.Load(),
		BatchedCommands: p.batched.Load(),
		MaxBatch:        int(p.maxBatch.Load()),
		Queued:          time.Duration(p.queued.Load()),
		Pending:         int(p.pending.Load()),
	}
}

// Eval runs a script through the pipeliner, as redis.Scripter asks.
func (p *Pipeline) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	p.check()
	return p.ap.Eval(ctx, script, keys, args...)
}

// EvalSha runs a cached script through the pipeliner, as redis.Scripter
// asks.
func (p *Pipeline) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	p.check()
	return p.ap.EvalSha(ctx, sha1, keys, args...)
}

// EvalRO runs a read-only script through the pipeliner, as redis.Scripter
// asks.
func (p *Pipeline) EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	p.check()
	return p.ap.EvalRO(ctx, script, keys, args...)
}

// EvalShaRO runs a cached read-only script through the pipeliner, as
// redis.Scripter asks.
func (p *Pipeline) EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	p.check()
	return p.ap.EvalShaRO(ctx, sha1, keys, args...)
}

// ScriptExists asks which scripts the server has cached, as
// redis.Scripter asks.
func (p *Pipeline) ScriptExists(ctx context.Context, hashes ...string) *redis.BoolSliceCmd {
	p.check()
	return p.ap.ScriptExists(ctx, hashes...)
}

// ScriptLoad caches a script on the server, as redis.Scripter asks.
func (p *Pipeline) ScriptLoad(ctx context.Context, script string) *redis.StringCmd {
	p.check()
	return p.ap.ScriptLoad(ctx, script)
}

// queuedCmd is a decision's EVALSHA, marked with its Pipeline and the
// instant it was sent, so the hook can tell it from other commands.
type queuedCmd struct {
	*redis.Cmd
	p  *Pipeline
	at time.Time
}

// run sends one decision's script through the pipeliner: EVALSHA, then
// EVAL when the server's script cache was flushed (NOSCRIPT). A decision
// beyond MaxQueued fails with ErrQueueFull before anything is sent.
func (p *Pipeline) run(ctx context.Context, script *redis.Script, keys []string, args []any) (any, error) {
	if p.pending.Add(1) > p.max {
		p.pending.Add(-1)
		p.rejected.Add(1)
		return nil, fmt.Errorf("%w: %d decisions waiting", ErrQueueFull, p.max)
	}
	defer p.pending.Add(-1)
	p.decisions.Add(1)
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, "evalsha", script.Hash(), len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	a = append(a, args...)
	cmd := &queuedCmd{Cmd: redis.NewCmd(ctx, a...), p: p, at: p.now()}
	_ = p.ap.Process(ctx, cmd)
	v, err := cmd.Result()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		return script.Eval(ctx, p.ap, keys, args...).Result()
	}
	return v, err
}

// batch records one round trip of size commands that carried the given
// decisions, sent at the instant start.
func (p *Pipeline) batch(size int, ours []*queuedCmd, start time.Time) {
	p.batches.Add(1)
	p.batched.Add(uint64(size))
	for {
		m := p.maxBatch.Load()
		if int64(size) <= m || p.maxBatch.CompareAndSwap(m, int64(size)) {
			break
		}
	}
	var q time.Duration
	for _, c := range ours {
		q += max(start.Sub(c.at), 0)
	}
	p.queued.Add(int64(q))
}

// pipelineHook sees every batch the pipeliner sends: a batch of one
// command goes through ProcessHook, a longer one through
// ProcessPipelineHook.
type pipelineHook struct{ p *Pipeline }

func (h pipelineHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h pipelineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if c, ok := cmd.(*queuedCmd); ok && c.p == h.p {
			h.p.batch(1, []*queuedCmd{c}, h.p.now())
		}
		return next(ctx, cmd)
	}
}

func (h pipelineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var ours []*queuedCmd
		for _, cmd := range cmds {
			if c, ok := cmd.(*queuedCmd); ok && c.p == h.p {
				ours = append(ours, c)
			}
		}
		if len(ours) > 0 {
			h.p.batch(len(cmds), ours, h.p.now())
		}
		return next(ctx, cmds)
	}
}
