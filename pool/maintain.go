package pool

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// maintain is the background goroutine: it destroys idle resources past
// their lifetime or idle time, reports leaks, and keeps MinIdle resources
// ready. It runs when kicked and every sweepEach, until Close.
func (p *Pool[T]) maintain() {
	var tick <-chan time.Time
	if p.sweepEach > 0 {
		t := time.NewTicker(p.sweepEach)
		defer t.Stop()
		tick = t.C
	}
	for {
		p.sweep()
		p.reportLeaks()
		p.fill()
		select {
		case <-p.closeCtx.Done():
			return
		case <-p.kick:
		case <-tick:
		}
	}
}

// sweep destroys the idle resources past MaxLifetime or MaxIdleTime.
func (p *Pool[T]) sweep() {
	if !p.clocked {
		return
	}
	now := p.nanotime()
	var dead []doomed[T]
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	kept := p.idle[:0]
	for _, e := range p.idle {
		if p.staleLocked(e, now) {
			e.state = stateDying
			dead = append(dead, doomed[T]{e, p.staleCounterLocked(e, now)})
			continue
		}
		kept = append(kept, e)
	}
	clear(p.idle[len(kept):])
	p.idle = kept
	p.mu.Unlock()
	for _, d := range dead {
		p.dispose(d)
	}
}

// reportLeaks calls OnLeak, without the lock, for each handle held longer
// than LeakThreshold and not reported yet.
func (p *Pool[T]) reportLeaks() {
	if p.cfg.LeakThreshold <= 0 {
		return
	}
	now := p.nanotime()
	var leaks []Leak
	p.mu.Lock()
	for _, e := range p.all {
		r := e.leak
		if e.state != stateInUse || r == nil || r.reported {
			continue
		}
		if held := time.Duration(now - r.acquiredAt); held > p.cfg.LeakThreshold {
			r.reported = true
			p.stats.leaksReported++
			leaks = append(leaks, Leak{Held: held, Stack: formatStack(r.pcs[:r.n])})
		}
	}
	p.mu.Unlock()
	for _, l := range leaks {
		p.cfg.OnLeak(l)
	}
}

// formatStack renders pcs as a panic trace does, leaving out the pool's
// own frames.
func formatStack(pcs []uintptr) string {
	const self = "github.com/backendkit/backendkit/pool."
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, self) {
			fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		}
		if !more {
			return b.String()
		}
	}
}

// fill builds idle resources, one at a time, until MinIdle are ready.
func (p *Pool[T]) fill() {
	for {
		p.mu.Lock()
		if p.closed || p.failing || p.waitHead != nil ||
			len(p.idle)+p.constructing >= p.cfg.MinIdle || p.total >= p.cfg.maxSize {
			p.mu.Unlock()
			return
		}
		p.total++
		p.constructing++
		p.mu.Unlock()
		v, err := p.constructAside()
		p.mu.Lock()
		_, d, err := p.builtLocked(v, err, false)
		p.dispose(d)
		if err != nil {
			return
		}
	}
}

// construct runs the constructor for the pool itself, with a context that
// Close cancels.
func (p *Pool[T]) construct() (T, error) {
	return p.cfg.constructor(p.closeCtx)
}

// probe runs while the backend is failing: it tries one construction at a
// time, pausing ProbeInterval and doubling the pause after each failure up
// to MaxProbeInterval, until one succeeds or the pool is closed. Its
// resource goes to the first waiter or joins the idle set.
func (p *Pool[T]) probe() {
	pause := p.cfg.ProbeInterval
	t := time.NewTimer(pause)
	defer t.Stop()
	for {
		select {
		case <-p.closeCtx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		if p.closed || !p.failing {
			p.mu.Unlock()
			return
		}
		if p.total < p.cfg.maxSize {
			p.total++
			p.constructing++
			p.mu.Unlock()
			v, err := p.constructAside()
			p.mu.Lock()
			_, d, err := p.builtLocked(v, err, false)
			p.dispose(d)
			if err == nil {
				return
			}
		} else {
			p.mu.Unlock()
		}
		// Doubled without wrapping round: 2*pause can pass the largest
		// Duration, and a negative pause would probe again at once.
		if pause <= p.cfg.MaxProbeInterval/2 {
			pause *= 2
		} else {
			pause = p.cfg.MaxProbeInterval
		}
		t.Reset(pause)
	}
}
