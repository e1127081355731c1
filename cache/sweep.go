package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// sweeper owns the background goroutine that removes expired entries. The
// goroutine starts the first time an entry with a time to live is stored,
// so a cache that never uses TTLs never has one, and Close stops it and
// waits for it.
type sweeper struct {
	started atomic.Bool // fast path for start; set under mu

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

// close stops the goroutine, if any, and waits for it to return. It is
// idempotent; after it, start does nothing.
func (s *sweeper) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}
