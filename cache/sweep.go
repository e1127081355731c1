package cache

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// sweeper owns the background goroutine that removes expired entries. The
// goroutine starts the first time an entry with a time to live is stored,
// so a cache that never uses TTLs never has one, and Close stops it and
// waits for it, unless Close is called on that goroutine, by an OnEvict
// the sweep runs.
type sweeper struct {
	started atomic.Bool // fast path for start; set under mu
	// stopped is set by close; a run in progress checks it between
	// batches, so that the goroutine returns soon after.
	stopped atomic.Bool
	// owner is the sweep goroutine's ID once it runs, else zero.
	owner atomic.Uint64

	mu     sync.Mutex // protects closed, stop and done
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

// start launches run every interval unless the goroutine is already running
// or the cache is closed.
func (s *sweeper) start(interval time.Duration, run func()) {
	if s.started.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.started.Load() {
		return
	}
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	s.started.Store(true)
	go func(stop <-chan struct{}, done chan<- struct{}) {
		defer close(done)
		s.owner.Store(goroutineID())
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				run()
			}
		}
	}(s.stop, s.done)
}

// stopping reports whether close has been called; a run checks it between
// batches and returns early.
func (s *sweeper) stopping() bool { return s.stopped.Load() }

// close stops the goroutine, if any, and waits for it to return. It is
// idempotent, every call waits, and after it start does nothing. Called on
// the sweep goroutine itself (by an OnEvict that run calls), it cannot wait
// for the goroutine and returns at once: run returns after the batch it is
// reporting, and the goroutine then exits.
func (s *sweeper) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.stopped.Store(true)
		if s.stop != nil {
			close(s.stop)
		}
	}
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	if id := s.owner.Load(); id != 0 && id == goroutineID() {
		return
	}
	<-done
}

// goroutineID returns the calling goroutine's ID, from the first line of
// its stack trace ("goroutine 7 [running]:"), or zero if that line does not
// parse. Go offers no other way to tell which goroutine is running; the
// sweeper needs it only in Close, to know whether it runs on the sweep
// goroutine.
func goroutineID() uint64 {
	var buf [64]byte
	b, ok := bytes.CutPrefix(buf[:runtime.Stack(buf[:], false)], []byte("goroutine "))
	if !ok {
		return 0
	}
	var id uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		id = id*10 + uint64(ch-'0')
	}
	return id
}
