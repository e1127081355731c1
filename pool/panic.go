package pool

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// PanicError is a panic of a Constructor or Destructor that the pool
// recovered on one of its own goroutines, where no caller could have
// caught it. A caller that was waiting for that call panics with the
// *PanicError on its own goroutine: an Acquire whose constructor ran on a
// pool goroutine because the Acquire's context can end, and a Close
// destroying the idle resources. Where nobody is waiting (a caller that
// has given up, the MinIdle refill, a recovery probe, the sweep) the panic
// is counted in Stats.Panics. Every Constructor that panics, wherever it
// ran, is a failed construction whose error is a *PanicError, so an
// acquire refused with ErrUnavailable after it may wrap one.
type PanicError struct {
	// Callback is the function that panicked: "Constructor" or
	// "Destructor".
	Callback string
	// Value is what the callback panicked with.
	Value any
	// Stack is the stack of the goroutine where the callback panicked (a
	// pool goroutine's, or, for a Constructor that ran on the caller's
	// goroutine and is recorded as the last construction error, the
	// caller's), as runtime/debug.Stack formats it.
	Stack []byte
}

// Error returns the callback's name and the value it panicked with.
func (e *PanicError) Error() string {
	return fmt.Sprintf("pool: %s panicked: %v", e.Callback, e.Value)
}

// Unwrap returns Value when it is an error, so that errors.Is and
// errors.As see the error a callback panicked with.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// errNoReturn is the construction error recorded when a Constructor
// neither returned nor panicked: it called runtime.Goexit, as t.FailNow
// does.
var errNoReturn = errors.New("pool: Constructor did not return")

// doomed is a resource taken out of circulation (state dying), still to
// be destroyed, and the counter to charge for it; the zero doomed is none.
type doomed[T any] struct {
	e   *entry[T]
	ctr *int64
}

// dispose destroys d, if any, on one of the pool's own goroutines: a panic
// of the Destructor is recovered and returned, as nobody there could catch
// it. destroy has freed the slot and counted the panic by then.
func (p *Pool[T]) dispose(d doomed[T]) (pe *PanicError) {
	if d.e == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			pe = &PanicError{Callback: "Destructor", Value: r, Stack: debug.Stack()}
		}
	}()
	p.destroy(d.e, d.ctr)
	return nil
}

// constructCaught runs construct on a goroutine of the pool's that does
// nothing after it, and hands the outcome to settle, on that goroutine: a
// panic is recovered, counted, and given both as pe and as the
// construction's error; a construct that calls runtime.Goexit is a failed
// construction (errNoReturn), settled before the goroutine ends.
func (p *Pool[T]) constructCaught(construct func() (T, error), settle func(v T, pe *PanicError, err error)) {
	var v T
	err := errNoReturn // unless construct returns
	defer func() {
		var pe *PanicError
		if r := recover(); r != nil {
			pe = &PanicError{Callback: "Constructor", Value: r, Stack: debug.Stack()}
			err = pe
			p.mu.Lock()
			p.stats.panics++
			p.mu.Unlock()
		}
		settle(v, pe, err)
	}()
	v, err = construct()
}

// constructAside runs one of the pool's own constructions (the MinIdle
// refill, a recovery probe) on a goroutine of its own and waits for it, so
// that a Constructor calling runtime.Goexit ends that goroutine, not the
// one that keeps the pool.
func (p *Pool[T]) constructAside() (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	p.mu.Lock()
	p.startLocked(func() {
		p.constructCaught(p.construct, func(v T, _ *PanicError, err error) { ch <- result{v, err} })
	})
	p.mu.Unlock()
	r := <-ch
	return r.v, r.err
}
