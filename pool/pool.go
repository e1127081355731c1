package pool

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Entry states, guarded by Pool.mu.
const (
	stateIdle uint8 = iota + 1
	stateInUse
	stateDying
)

const leakDepth = 32

// entry is one resource and its bookkeeping. It is allocated once, when the
// resource is built, and reused by every handle to it.
type entry[T any] struct {
	p     *Pool[T]
	value T
	// gen counts the times the resource changed hands. A Handle carries
	// the gen it was given; a handle whose gen no longer matches has been
	// released. Written under p.mu, read without it by Value.
	gen atomic.Uint64

	// The fields below are guarded by p.mu.
	state    uint8
	allIdx   int   // position in p.all
	expires  int64 // nanotime at which MaxLifetime is reached; 0 for never
	lastUsed int64 // nanotime of the last release
	leak     *leakRecord
}

// leakRecord is where and when the current holder acquired the entry.
type leakRecord struct {
	acquiredAt int64
	reported   bool
	n          int
	pcs        [leakDepth]uintptr
}

// Handle is a borrowed resource. Give it back exactly once, with Release or
// Destroy; after that, every method of the handle (and of its copies)
// panics, because using a resource someone else may now hold is a bug.
// Every method of the zero Handle panics too, with a message saying that a
// Handle comes from Acquire or TryAcquire.
type Handle[T any] struct {
	e   *entry[T]
	gen uint64
}

// waiter is an acquire queued for a resource. The pool hands it exactly one
// grant, under p.mu, on its buffered channel.
type waiter[T any] struct {
	ch         chan grant[T]
	prev, next *waiter[T]
	queued     bool
	start      int64 // nanotime when it queued
	// ctx is the waiting caller's context, kept while it is queued so that
	// the pool can skip callers that have given up.
	ctx context.Context
}

// grant is what a waiter receives: a resource, the right to build one
// (build: a slot already counted in total and constructing), or an error.
type grant[T any] struct {
	e     *entry[T]
	gen   uint64
	build bool
	err   error
	gone  bool // err is the waiter's own context's: it was skipped
}

// Pool is a generic pool of resources such as network connections: lazily
// built up to MaxSize, checked, aged out, and shared first come, first
// served. A Pool is safe for simultaneous use by multiple goroutines. Its
// lock is never held while a resource is built, checked or destroyed.
// Create one with New. A zero Pool, or a nil *Pool, is not a pool: its
// methods return ErrNotInitialized, and Stats panics with it.
type Pool[T any] struct {
	cfg       settings[T]
	base      time.Time
	clocked   bool // some feature needs the time on acquire and release
	plain     bool // nothing to check on acquire: no clock, no HealthCheck
	sweepEach time.Duration
	// closeCtx is the pool's own lifetime, not a caller's: Close cancels
	// it, which cancels constructions in progress and stops the
	// background goroutines.
	closeCtx context.Context
	stop     context.CancelFunc
	kick     chan struct{}
	bg       sync.WaitGroup
	canceled atomic.Int64
	// waiterPool recycles waiters, each with its channel, once they have
	// taken their grant or left the queue without one.
	waiterPool sync.Pool

	mu sync.Mutex // protects the fields below
	// idle is a stack: the most recently released resource is reused
	// first, which lets the others age out under light load.
	idle         []*entry[T]
	all          []*entry[T]
	total        int // resources that exist or are being built
	constructing int
	waitHead     *waiter[T]
	waitTail     *waiter[T]
	nwait        int
	closed       bool
	running      int           // background and build goroutines alive
	drained      chan struct{} // closed once closed, total == 0 and running == 0
	consecFails  int
	lastErr      error
	failing      bool
	stats        counters
}

// New returns a pool of at most maxSize resources built by constructor,
// configured further by cfg (whose zero value is the defaults), or an
// error wrapping ErrInvalidConfig. maxSize is a hard cap on the resources
// that exist at once, counting those idle, in use and being built; it must
// be at least 1. constructor, required, builds a resource (dials a
// connection); its context carries the values of the acquiring caller's
// context but is not cancelled when that caller gives up, so that a slow
// dial can finish and join the idle set, and it is cancelled when the pool
// is closed. A constructor that panics is a failed construction: its slot
// is freed first, and the panic goes on in the acquiring caller (see
// Acquire), or, with no caller waiting, is recovered and counted.
//
// New builds nothing itself; when MinIdle, MaxLifetime, MaxIdleTime or
// LeakThreshold is set it starts a background goroutine, which Close stops.
func New[T any](maxSize int, constructor func(ctx context.Context) (T, error), cfg Config[T]) (*Pool[T], error) {
	settings, err := validate(maxSize, constructor, cfg)
	if err != nil {
		return nil, err
	}
	cfg = settings.Config
	p := &Pool[T]{
		cfg:     settings,
		base:    time.Now(),
		clocked: cfg.MaxLifetime > 0 || cfg.MaxIdleTime > 0 || cfg.LeakThreshold > 0 || (cfg.HealthCheck != nil && cfg.HealthCheckAfter > 0),
		kick:    make(chan struct{}, 1),
		idle:    make([]*entry[T], 0, maxSize),
		all:     make([]*entry[T], 0, maxSize),
		drained: make(chan struct{}),
	}
	p.plain = !p.clocked && cfg.HealthCheck == nil
	p.closeCtx, p.stop = context.WithCancel(context.Background())
	for _, d := range []time.Duration{cfg.MaxLifetime - cfg.LifetimeJitter, cfg.MaxIdleTime, cfg.LeakThreshold} {
		if d > 0 && (p.sweepEach == 0 || d/2 < p.sweepEach) {
			p.sweepEach = max(d/2, time.Millisecond)
		}
	}
	if cfg.MinIdle > 0 || p.sweepEach > 0 {
		p.startLocked(p.maintain)
	}
	return p, nil
}

func (p *Pool[T]) nanotime() int64 { return int64(time.Since(p.base)) }

// made reports whether p was made by New. New sets drained before p is
// shared, and nothing resets it, so reading it needs no lock.
func (p *Pool[T]) made() bool { return p != nil && p.drained != nil }

// startLocked runs f on a goroutine that Close waits for. Callers hold p.mu
// or, in New, own p alone. The goroutine is counted out in a deferred
// call, so that Close still drains when a callback in f calls
// runtime.Goexit.
func (p *Pool[T]) startLocked(f func()) {
	p.running++
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		defer func() {
			p.mu.Lock()
			p.running--
			p.checkDrainedLocked()
			p.mu.Unlock()
		}()
		f()
	}()
}

// Acquire returns a resource: an idle one if any is ready (health-checked
// if it sat idle longer than HealthCheckAfter), else a new one if the pool
// is below MaxSize, else the next one released, waiting first come, first
// served. It returns ctx.Err() if ctx ends first, ErrClosed once the pool
// is closed, the Constructor's error wrapped with ErrConstructor to the
// caller whose acquire ran it, and ErrUnavailable wrapped with the last
// Constructor error at once, without dialling, when a resource would have
// to be built while the backend is failing. On a Pool not made by New it
// returns ErrNotInitialized at once. Every error it makes says "pool:"
// once: the Constructor's errors and panics are wrapped, not repeated.
//
// A caller that gives up while its resource is being built leaks nothing:
// the resource joins the idle set when it is ready.
//
// If the Constructor or HealthCheck panics, the pool first frees what it
// held for this acquire (the slot, which goes to the next waiter; the
// resource that was being checked, which is destroyed), then the panic
// goes on in the caller's goroutine. When the context cannot end (its Done
// is nil), the constructor runs on the caller's goroutine and the panic
// goes on with its own value; otherwise it runs on a pool goroutine, and
// Acquire panics with a *PanicError that holds the value and that
// goroutine's stack. If the caller has already given up, the panic reaches
// nobody: it is a failed construction, counted in Stats.Panics. A
// Constructor that calls runtime.Goexit (as t.FailNow does) is a failed
// construction too: on the caller's goroutine it ends that goroutine, as
// it would without a pool; on a pool goroutine it ends only that one, and
// the caller gets the error wrapped with ErrConstructor.
func (p *Pool[T]) Acquire(ctx context.Context) (Handle[T], error) {
	if p == nil {
		return Handle[T]{}, ErrNotInitialized
	}
	if done := ctx.Done(); done != nil {
		select {
		case <-done:
			if !p.made() {
				return Handle[T]{}, ErrNotInitialized
			}
			p.canceled.Add(1)
			return Handle[T]{}, ctx.Err()
		default:
		}
	}
	var now int64
	if p.clocked {
		now = p.nanotime()
	}
	p.mu.Lock()
	// Fast path: an idle resource that needs nothing done to it.
	if n := len(p.idle); n > 0 && !p.closed {
		e := p.idle[n-1]
		if p.plain || (!p.staleLocked(e, now) && !p.checkDueLocked(e, now)) {
			p.idle = p.idle[:n-1]
			e.state = stateInUse
			p.stats.acquires++
			if p.cfg.LeakThreshold > 0 {
				p.recordLeakLocked(e, now)
			}
			if len(p.idle) < p.cfg.MinIdle {
				p.kickMaintainer()
			}
			gen := e.gen.Load()
			p.mu.Unlock()
			return Handle[T]{e, gen}, nil
		}
	}
	return p.leakChecked(p.acquireSlow(ctx, now))
}

// leakChecked records, when leak detection is on, where a handle from the
// slow path was acquired. It is called on the acquiring goroutine.
func (p *Pool[T]) leakChecked(h Handle[T], err error) (Handle[T], error) {
	if err == nil && p.cfg.LeakThreshold > 0 {
		p.mu.Lock()
		p.recordLeakLocked(h.e, p.nanotime())
		p.mu.Unlock()
	}
	return h, err
}

// TryAcquire returns an idle resource at once, or ErrExhausted when none is
// ready. It never blocks: it does not wait for a release, build a resource,
// run HealthCheck or a destructor. It takes the most recently released idle
// resource that is within its lifetime and idle time and needs no health
// check, and leaves the others for Acquire and the background sweep. It
// returns ErrClosed once the pool is closed, and ErrNotInitialized on a
// Pool not made by New.
func (p *Pool[T]) TryAcquire() (Handle[T], error) {
	if !p.made() {
		return Handle[T]{}, ErrNotInitialized
	}
	var now int64
	if p.clocked {
		now = p.nanotime()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return Handle[T]{}, ErrClosed
	}
	for i := len(p.idle) - 1; i >= 0; i-- {
		e := p.idle[i]
		if !p.plain && (p.staleLocked(e, now) || p.checkDueLocked(e, now)) {
			continue
		}
		copy(p.idle[i:], p.idle[i+1:])
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		e.state = stateInUse
		h := p.grantLocked(e, false)
		if p.cfg.LeakThreshold > 0 {
			p.mu.Lock()
			p.recordLeakLocked(e, now)
			p.mu.Unlock()
		}
		return h, nil
	}
	p.mu.Unlock()
	return Handle[T]{}, ErrExhausted
}

// acquireSlow is the general acquire. It is called with p.mu held and
// returns with it released.
func (p *Pool[T]) acquireSlow(ctx context.Context, now int64) (Handle[T], error) {
	var zero Handle[T]
	if p.drained == nil { // a zero Pool has no idle resource: checked here, off the fast path
		p.mu.Unlock()
		return zero, ErrNotInitialized
	}
	empty := false
	for {
		if p.closed {
			p.mu.Unlock()
			return zero, ErrClosed
		}
		if n := len(p.idle); n > 0 {
			e := p.idle[n-1]
			p.idle = p.idle[:n-1]
			if p.clocked {
				if p.staleLocked(e, now) {
					e.state = stateDying
					ctr := p.staleCounterLocked(e, now)
					p.mu.Unlock()
					p.destroy(e, ctr)
					now = p.nanotime() // destructors take time
					p.mu.Lock()
					continue
				}
			}
			e.state = stateInUse
			if p.cfg.HealthCheck != nil && (!p.clocked || p.checkDueLocked(e, now)) {
				p.mu.Unlock()
				err := p.check(ctx, e)
				if err != nil {
					p.mu.Lock()
					e.state = stateDying
					var ctr *int64
					if ctx.Err() == nil {
						ctr = &p.stats.closedHealth
					}
					p.mu.Unlock()
					p.destroy(e, ctr)
					if ctx.Err() != nil {
						p.canceled.Add(1)
						return zero, ctx.Err()
					}
					if p.clocked {
						now = p.nanotime() // checks take time
					}
					p.mu.Lock()
					continue
				}
				p.mu.Lock()
				if p.closed {
					e.state = stateDying
					p.mu.Unlock()
					p.destroy(e, nil)
					return zero, ErrClosed
				}
			}
			return p.grantLocked(e, empty), nil
		}
		empty = true
		if p.total < p.cfg.maxSize {
			if p.failing {
				p.stats.failFast++
				err := p.lastErr
				p.mu.Unlock()
				return zero, wrap(ErrUnavailable, err)
			}
			p.total++
			p.constructing++
			p.mu.Unlock()
			return p.build(ctx)
		}
		// Queue behind earlier waiters for a release or a freed slot.
		start := now
		if !p.clocked {
			start = p.nanotime()
		}
		w, _ := p.waiterPool.Get().(*waiter[T])
		if w == nil {
			w = &waiter[T]{ch: make(chan grant[T], 1)}
		}
		w.start = start
		w.ctx = ctx
		p.pushWaiterLocked(w)
		p.mu.Unlock()
		var g grant[T]
		if done := ctx.Done(); done == nil {
			g = <-w.ch
		} else {
			select {
			case g = <-w.ch:
			case <-done:
				p.mu.Lock()
				if w.queued {
					p.removeWaiterLocked(w)
					p.recordWaitLocked(start, p.nanotime())
					p.mu.Unlock()
					p.recycle(w)
					p.canceled.Add(1)
					return zero, ctx.Err()
				}
				p.mu.Unlock()
				g = <-w.ch // granted meanwhile: give it back
				p.recycle(w)
				p.canceled.Add(1)
				switch {
				case g.e != nil:
					p.giveBack(Handle[T]{g.e, g.gen})
				case g.build:
					p.mu.Lock()
					p.total--
					p.constructing--
					p.slotFreedLocked()
					p.mu.Unlock()
				}
				return zero, ctx.Err()
			}
		}
		p.recycle(w)
		switch {
		case g.err != nil:
			if g.gone {
				p.canceled.Add(1)
			}
			return zero, g.err
		case g.e != nil:
			return Handle[T]{g.e, g.gen}, nil
		default: // build
			return p.build(ctx)
		}
	}
}

// giveBack returns h, granted to a caller that gave up before taking it,
// and takes back the acquire it was counted as.
func (p *Pool[T]) giveBack(h Handle[T]) {
	p.mu.Lock()
	p.stats.acquires--
	p.stats.emptyAcquires--
	p.mu.Unlock()
	h.Release()
}

// grantLocked hands e, already marked in use, to the caller and unlocks.
func (p *Pool[T]) grantLocked(e *entry[T], empty bool) Handle[T] {
	p.stats.acquires++
	if empty {
		p.stats.emptyAcquires++
	}
	if len(p.idle) < p.cfg.MinIdle {
		p.kickMaintainer()
	}
	gen := e.gen.Load()
	p.mu.Unlock()
	return Handle[T]{e, gen}
}

// recordLeakLocked notes where and when e was acquired. It walks the stack
// of the acquiring goroutine, so it is called on that goroutine.
func (p *Pool[T]) recordLeakLocked(e *entry[T], now int64) {
	if e.leak == nil {
		e.leak = new(leakRecord)
	}
	e.leak.acquiredAt = now
	e.leak.reported = false
	e.leak.n = runtime.Callers(2, e.leak.pcs[:])
}

// staleLocked reports whether idle e is past its lifetime or idle time.
func (p *Pool[T]) staleLocked(e *entry[T], now int64) bool {
	return (e.expires != 0 && now >= e.expires) ||
		(p.cfg.MaxIdleTime > 0 && now-e.lastUsed > int64(p.cfg.MaxIdleTime))
}

// staleCounterLocked returns the counter to charge for destroying stale e.
func (p *Pool[T]) staleCounterLocked(e *entry[T], now int64) *int64 {
	if e.expires != 0 && now >= e.expires {
		return &p.stats.closedLifetime
	}
	return &p.stats.closedIdleTime
}

// checkDueLocked reports whether e sat idle long enough to need HealthCheck.
func (p *Pool[T]) checkDueLocked(e *entry[T], now int64) bool {
	// A zero threshold means every borrow, whatever now holds: an unclocked
	// pool passes now = 0, which would make a resource built after the
	// start look as if it had never been idle.
	return p.cfg.HealthCheck != nil &&
		(p.cfg.HealthCheckAfter == 0 || now-e.lastUsed >= int64(p.cfg.HealthCheckAfter))
}

func (p *Pool[T]) kickMaintainer() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// build constructs a resource for the caller; its slot is already counted
// in total and constructing. When ctx can end, the constructor runs on its
// own goroutine so that the caller can leave while the resource, when it
// is ready, joins the idle set.
func (p *Pool[T]) build(ctx context.Context) (Handle[T], error) {
	p.mu.Lock()
	if p.closed {
		p.total--
		p.constructing--
		p.checkDrainedLocked()
		p.mu.Unlock()
		return Handle[T]{}, ErrClosed
	}
	p.mu.Unlock()
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(p.closeCtx, cancel)
	construct := func() (T, error) {
		defer cancel()
		defer stop()
		return p.cfg.constructor(cctx)
	}
	if ctx.Done() == nil {
		return p.buildHere(construct)
	}
	type result struct {
		h    Handle[T]
		err  error
		pe   *PanicError
		dead doomed[T]
	}
	ch := make(chan result, 1)
	// Guarded by p.mu: the caller left, or the result is on its way to ch.
	abandoned, delivered := false, false
	p.mu.Lock()
	p.startLocked(func() {
		p.constructCaught(construct, func(v T, pe *PanicError, err error) {
			p.mu.Lock()
			if abandoned {
				_, d, _ := p.builtLocked(v, err, false)
				p.dispose(d)
				return
			}
			delivered = true
			h, d, err := p.builtLocked(v, err, true)
			ch <- result{h, err, pe, d}
		})
	})
	p.mu.Unlock()
	// The result's destructor and panic belong to the caller: they run
	// and go on here, on its goroutine.
	select {
	case r := <-ch:
		if r.dead.e != nil {
			p.destroy(r.dead.e, r.dead.ctr)
		}
		if r.pe != nil {
			panic(r.pe)
		}
		return r.h, r.err
	case <-ctx.Done():
		p.mu.Lock()
		abandoned = !delivered
		p.mu.Unlock()
		p.canceled.Add(1)
		if !abandoned { // finished just as the caller gave up
			r := <-ch
			if r.dead.e != nil {
				p.destroy(r.dead.e, r.dead.ctr)
			}
			if r.pe != nil {
				panic(r.pe)
			}
			if r.err == nil {
				p.giveBack(r.h)
			}
		}
		return Handle[T]{}, ctx.Err()
	}
}

// buildHere runs construct on the caller's goroutine, for a context that
// cannot end. If the constructor panics, its slot is freed (and given to
// the next waiter) before the panic goes on.
func (p *Pool[T]) buildHere(construct func() (T, error)) (Handle[T], error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		err := errNoReturn
		p.mu.Lock()
		if r != nil {
			p.stats.panics++
			err = &PanicError{Callback: "Constructor", Value: r, Stack: debug.Stack()}
		}
		p.builtLocked(*new(T), err, true)
		if r != nil {
			panic(r)
		}
	}()
	v, err := construct()
	returned = true
	p.mu.Lock()
	h, d, err := p.builtLocked(v, err, true)
	if d.e != nil {
		p.destroy(d.e, d.ctr)
	}
	return h, err
}

// check runs HealthCheck on e, in use by the acquiring caller. If it
// panics, e is destroyed (its slot going to the next waiter) before the
// panic goes on.
func (p *Pool[T]) check(ctx context.Context, e *entry[T]) error {
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		p.mu.Lock()
		e.state = stateDying
		if r != nil {
			p.stats.panics++
		}
		p.mu.Unlock()
		p.destroy(e, &p.stats.closedHealth)
		if r != nil {
			panic(r)
		}
	}()
	err := p.cfg.HealthCheck(ctx, e.value)
	returned = true
	return err
}

// builtLocked settles a finished construction. With forCaller, a new
// resource is returned in use to the caller; otherwise it joins the idle
// set (or goes to a waiter). A resource that must not be kept is returned
// as d, for the caller to destroy on the goroutine where its Destructor
// belongs. It is called with p.mu held and releases it.
func (p *Pool[T]) builtLocked(v T, err error, forCaller bool) (h Handle[T], d doomed[T], _ error) {
	p.constructing--
	if err != nil {
		p.total--
		closed := p.closed
		if !closed {
			p.constructFailedLocked(err)
		}
		p.slotFreedLocked()
		p.mu.Unlock()
		if closed {
			return h, d, ErrClosed
		}
		return h, d, wrap(ErrConstructor, err)
	}
	recovered := p.failing
	p.constructOKLocked()
	now := p.nanotime()
	e := p.newEntryLocked(v, now)
	if p.closed {
		e.state = stateDying
		p.mu.Unlock()
		return h, doomed[T]{e, nil}, ErrClosed
	}
	if forCaller {
		e.state = stateInUse
		p.stats.acquires++
		p.stats.emptyAcquires++
		h = Handle[T]{e, e.gen.Load()}
	} else {
		d = p.putLocked(e)
	}
	if recovered {
		// Slots freed during the outage failed their waiters instead of
		// letting them build; the waiters still queued may build now.
		for p.total < p.cfg.maxSize && p.liveWaiterLocked() {
			p.total++
			p.constructing++
			p.grantWaiterLocked(grant[T]{build: true}, now)
		}
	}
	if len(p.idle) < p.cfg.MinIdle {
		p.kickMaintainer()
	}
	p.mu.Unlock()
	return h, d, nil
}

// newEntryLocked registers a freshly built value.
func (p *Pool[T]) newEntryLocked(v T, now int64) *entry[T] {
	e := &entry[T]{p: p, value: v, lastUsed: now, allIdx: len(p.all)}
	if lt := p.cfg.MaxLifetime; lt > 0 {
		if j := p.cfg.LifetimeJitter; j > 0 {
			lt -= time.Duration(rand.Int64N(int64(j)))
		}
		e.expires = addSaturating(now, int64(lt))
	}
	p.all = append(p.all, e)
	return e
}

// addSaturating returns a+d, or the largest int64 where that would wrap
// round: a lifetime too long to end is one that does not end, not one
// that ended in the past. a and d are not negative.
func addSaturating(a, d int64) int64 {
	if d > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + d
}

// putLocked gives a usable, not-in-use e to the first waiter, or makes it
// idle; when MaxIdle are idle already, it returns e to be destroyed.
func (p *Pool[T]) putLocked(e *entry[T]) doomed[T] {
	if p.liveWaiterLocked() {
		e.state = stateInUse
		p.stats.acquires++
		p.stats.emptyAcquires++
		p.grantWaiterLocked(grant[T]{e: e, gen: e.gen.Load()}, 0)
		return doomed[T]{}
	}
	if len(p.idle) >= p.cfg.MaxIdle {
		e.state = stateDying
		return doomed[T]{e, &p.stats.closedMaxIdle}
	}
	e.state = stateIdle
	p.idle = append(p.idle, e)
	return doomed[T]{}
}

func (p *Pool[T]) constructFailedLocked(err error) {
	p.stats.constructErrors++
	p.consecFails++
	p.lastErr = err
	if !p.failing && !p.closed && p.consecFails >= p.cfg.FailFastAfter {
		p.failing = true
		p.startLocked(p.probe)
	}
}

func (p *Pool[T]) constructOKLocked() {
	p.consecFails = 0
	if p.failing {
		p.failing = false
		p.kickMaintainer()
	}
}

// slotFreedLocked is called after total dropped by one: the slot goes to
// the first waiter, as the right to build (or, while the backend is
// failing, as a fast failure).
func (p *Pool[T]) slotFreedLocked() {
	if p.closed {
		p.checkDrainedLocked()
		return
	}
	if !p.liveWaiterLocked() {
		if p.cfg.MinIdle > 0 {
			p.kickMaintainer()
		}
		return
	}
	if p.failing {
		p.stats.failFast++
		p.grantWaiterLocked(grant[T]{err: wrap(ErrUnavailable, p.lastErr)}, 0)
		return
	}
	p.total++
	p.constructing++
	p.grantWaiterLocked(grant[T]{build: true}, 0)
}

func (p *Pool[T]) checkDrainedLocked() {
	if p.closed && p.total == 0 && p.running == 0 {
		select {
		case <-p.drained:
		default:
			close(p.drained)
		}
	}
}

// destroy runs the destructor on e, which the caller has taken out of
// circulation (state dying), then frees its slot and adds one to ctr. If
// the destructor panics, the slot is freed all the same before the panic
// goes on.
func (p *Pool[T]) destroy(e *entry[T], ctr *int64) {
	defer func() {
		r := recover()
		p.mu.Lock()
		last := len(p.all) - 1
		p.all[e.allIdx] = p.all[last]
		p.all[e.allIdx].allIdx = e.allIdx
		p.all[last] = nil
		p.all = p.all[:last]
		p.total--
		if ctr != nil {
			*ctr++
		}
		if r != nil {
			p.stats.panics++
		}
		p.slotFreedLocked()
		p.mu.Unlock()
		if r != nil {
			panic(r)
		}
	}()
	p.cfg.Destructor(e.value)
}

func (p *Pool[T]) pushWaiterLocked(w *waiter[T]) {
	w.queued = true
	w.prev = p.waitTail
	if p.waitTail != nil {
		p.waitTail.next = w
	} else {
		p.waitHead = w
	}
	p.waitTail = w
	p.nwait++
	p.stats.waits++
}

func (p *Pool[T]) removeWaiterLocked(w *waiter[T]) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		p.waitHead = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		p.waitTail = w.prev
	}
	w.prev, w.next, w.queued = nil, nil, false
	p.nwait--
}

// liveWaiterLocked drops from the head of the queue the waiters whose
// context has ended, handing each its context's error, and reports whether
// a waiter that still wants a resource is left at the head. Under overload
// a waiter may be woken long after its deadline; without this, a resource
// would be passed down a chain of callers that have already gone.
func (p *Pool[T]) liveWaiterLocked() bool {
	for w := p.waitHead; w != nil; w = p.waitHead {
		err := w.ctx.Err()
		if err == nil {
			return true
		}
		p.grantWaiterLocked(grant[T]{err: err, gone: true}, 0)
	}
	return false
}

// recycle returns w, which has its grant or left the queue without one,
// for reuse.
func (p *Pool[T]) recycle(w *waiter[T]) {
	w.ctx = nil
	p.waiterPool.Put(w)
}

// grantWaiterLocked removes the first waiter from the queue and hands it g,
// recording how long it waited; now is the time, or 0 to read it.
func (p *Pool[T]) grantWaiterLocked(g grant[T], now int64) {
	p.takeWaiterLocked(now).ch <- g
}

// takeWaiterLocked removes the first waiter from the queue and records how
// long it waited; now is the time, or 0 to read it. The waiter is owed
// exactly one grant, which the caller may send after unlocking p.mu.
func (p *Pool[T]) takeWaiterLocked(now int64) *waiter[T] {
	w := p.waitHead
	p.removeWaiterLocked(w)
	if now == 0 {
		now = p.nanotime()
	}
	p.recordWaitLocked(w.start, now)
	return w
}

func (p *Pool[T]) recordWaitLocked(start, now int64) {
	d := time.Duration(now - start)
	p.stats.waitDuration += d
	p.stats.waitHist.record(d)
}

// zeroHandle is the panic message of a method called on a zero Handle.
func zeroHandle(method string) string {
	return "pool: " + method + " called on a zero Handle; a Handle comes from Pool.Acquire or Pool.TryAcquire"
}

// Value returns the resource. It panics if the handle was given back, or
// is a zero Handle.
func (h Handle[T]) Value() T {
	if h.e == nil {
		panic(zeroHandle("Value"))
	}
	if h.e.gen.Load() != h.gen {
		panic("pool: Value called on a released handle")
	}
	return h.e.value
}

// Release gives the resource back for reuse. A resource past MaxLifetime,
// or beyond MaxIdle, or released after Close, is destroyed instead, on the
// calling goroutine, where a Destructor's panic goes on after the slot is
// freed. Releasing a handle twice, or after Destroy, panics: it is a bug
// that would hand one resource to two holders.
func (h Handle[T]) Release() {
	e := h.e
	if e == nil {
		panic(zeroHandle("Release"))
	}
	p := e.p
	var now int64
	if p.clocked {
		now = p.nanotime()
	}
	p.mu.Lock()
	if e.gen.Load() != h.gen || e.state != stateInUse {
		p.mu.Unlock()
		panic("pool: Release called on a handle already given back")
	}
	e.gen.Store(h.gen + 1)
	e.lastUsed = now
	switch {
	case p.closed:
		e.state = stateDying
		p.mu.Unlock()
		p.destroy(e, nil)
		return
	case e.expires != 0 && now >= e.expires:
		e.state = stateDying
		p.mu.Unlock()
		p.destroy(e, &p.stats.closedLifetime)
		return
	case p.waitHead != nil && p.liveWaiterLocked():
		// The waiter is chosen under the lock, which keeps the order
		// first come, first served, and woken after it, so that the
		// other goroutines contending for the lock do not wait on the
		// scheduler's work of readying it.
		p.stats.acquires++
		p.stats.emptyAcquires++
		w := p.takeWaiterLocked(now)
		p.mu.Unlock()
		w.ch <- grant[T]{e: e, gen: h.gen + 1}
		return
	case len(p.idle) >= p.cfg.MaxIdle:
		e.state = stateDying
		p.mu.Unlock()
		p.destroy(e, &p.stats.closedMaxIdle)
		return
	}
	e.state = stateIdle
	p.idle = append(p.idle, e)
	p.mu.Unlock()
}

// Destroy destroys the resource instead of reusing it, for a connection
// found broken; the freed slot goes to the next waiter. The destructor runs
// on the calling goroutine, where its panic goes on after the slot is
// freed. Destroying a handle already given back panics.
func (h Handle[T]) Destroy() {
	e := h.e
	if e == nil {
		panic(zeroHandle("Destroy"))
	}
	p := e.p
	p.mu.Lock()
	if e.gen.Load() != h.gen || e.state != stateInUse {
		p.mu.Unlock()
		panic("pool: Destroy called on a handle already given back")
	}
	e.gen.Store(h.gen + 1)
	e.state = stateDying
	p.mu.Unlock()
	p.destroy(e, &p.stats.closedByCaller)
}

// Close closes the pool. New acquires fail with ErrClosed at once, and so
// do acquires that were waiting; idle resources are destroyed, one after
// another on a goroutine of the pool's; resources in use are destroyed when
// they are released; constructions in progress see their context cancelled
// and their results are destroyed. Close waits for all of this and for the
// pool's goroutines to end, until ctx ends: then, unless all of it is
// done already, it returns ctx's error (wrapped), whatever the
// destructors are doing, and the destruction goes
// on after Close has returned: idle resources on the pool's goroutine,
// resources in use whenever their holders release them. If the Destructor
// of an idle resource panics, the others are destroyed all the same, and
// Close, once everything is done, panics with a *PanicError holding the
// first such panic; a Close that has already returned on its context
// leaves it counted in Stats.Panics. Close is idempotent: a later call
// waits in the same way. On a Pool not made by New it returns
// ErrNotInitialized.
//
// Close takes a context and returns an error, where a type that only
// stops goroutines of its own has a plain Close(), because what it waits
// for is not the pool's: Destructors and constructors, which may block,
// and resources that callers still hold. When it returns nil, every
// goroutine of the pool has exited; when it returns ctx's error, any left
// is running a constructor, Destructor or OnLeak, and ends when that
// returns.
func (p *Pool[T]) Close(ctx context.Context) error {
	if !p.made() {
		return ErrNotInitialized
	}
	var panicked chan *PanicError // the first Destructor panic, for this call
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.stop()
		now := p.nanotime()
		for p.waitHead != nil {
			p.grantWaiterLocked(grant[T]{err: ErrClosed}, now)
		}
		if idle := p.idle; len(idle) > 0 {
			p.idle = nil
			for _, e := range idle {
				e.state = stateDying
			}
			// On a goroutine of its own, so that a Destructor that blocks
			// cannot keep Close from honouring ctx.
			panicked = make(chan *PanicError, 1)
			p.startLocked(func() {
				for _, e := range idle {
					if pe := p.dispose(doomed[T]{e, nil}); pe != nil {
						select {
						case panicked <- pe:
						default:
						}
					}
				}
			})
		}
		p.checkDrainedLocked()
	}
	p.mu.Unlock()
	select {
	case <-p.drained: // first, so that a drained pool is never a timeout
	default:
		select {
		case <-p.drained:
		case <-ctx.Done():
			return fmt.Errorf("pool: close: %w", ctx.Err())
		}
	}
	p.bg.Wait()
	select {
	case pe := <-panicked:
		panic(pe)
	default:
	}
	return nil
}

// Stats returns a snapshot of the pool's state and counters. On a Pool not
// made by New it panics with ErrNotInitialized: it has no error result,
// and a zero snapshot would pass for an idle pool.
func (p *Pool[T]) Stats() Stats {
	if !p.made() {
		panic(ErrNotInitialized)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &p.stats
	return Stats{
		MaxSize:           p.cfg.maxSize,
		Total:             p.total,
		Idle:              len(p.idle),
		InUse:             p.total - len(p.idle) - p.constructing,
		Constructing:      p.constructing,
		Waiting:           p.nwait,
		Acquires:          c.acquires,
		EmptyAcquires:     c.emptyAcquires,
		CanceledAcquires:  p.canceled.Load(),
		Waits:             c.waits,
		WaitDuration:      c.waitDuration,
		WaitP50:           c.waitHist.quantile(0.50),
		WaitP99:           c.waitHist.quantile(0.99),
		ConstructErrors:   c.constructErrors,
		FailFast:          c.failFast,
		Unavailable:       p.failing,
		ClosedMaxLifetime: c.closedLifetime,
		ClosedMaxIdleTime: c.closedIdleTime,
		ClosedMaxIdle:     c.closedMaxIdle,
		ClosedHealthCheck: c.closedHealth,
		ClosedByCaller:    c.closedByCaller,
		LeaksReported:     c.leaksReported,
		Panics:            c.panics,
	}
}
