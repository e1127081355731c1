package pool

import (
	"math/bits"
	"time"
)

// Stats is a snapshot of a pool's state and counters, in the spirit of
// database/sql.DBStats. Counters are cumulative since New.
type Stats struct {
	// MaxSize is the configured cap.
	MaxSize int
	// Total is the number of resources that exist: idle, in use and being
	// constructed.
	Total int
	// Idle is the number of resources ready to be acquired.
	Idle int
	// InUse is the number of resources neither idle nor being built:
	// those held by callers (including those being health-checked for a
	// caller) and those being destroyed, whose Destructor has not
	// returned yet.
	InUse int
	// Constructing is the number of resources being built.
	Constructing int
	// Waiting is the number of acquires queued now.
	Waiting int

	// Acquires counts successful acquires.
	Acquires int64
	// EmptyAcquires counts successful acquires that found no idle resource
	// and had to wait for one to be built or released.
	EmptyAcquires int64
	// CanceledAcquires counts acquires that ended because their context
	// did.
	CanceledAcquires int64
	// Waits counts acquires that queued because the pool was at MaxSize.
	Waits int64
	// WaitDuration is the total time spent queued.
	WaitDuration time.Duration
	// WaitP50 and WaitP99 are percentiles of the time spent queued, from a
	// histogram whose buckets are within 12.5% of their values; each is
	// the bucket's upper bound. Zero before the first wait.
	WaitP50, WaitP99 time.Duration

	// ConstructErrors counts failed constructions, recovery probes and
	// constructors that panicked included.
	ConstructErrors int64
	// FailFast counts acquires refused with ErrUnavailable.
	FailFast int64
	// Unavailable reports whether the pool currently treats the backend as
	// down.
	Unavailable bool

	// ClosedMaxLifetime counts resources destroyed for reaching
	// MaxLifetime.
	ClosedMaxLifetime int64
	// ClosedMaxIdleTime counts resources destroyed for sitting idle
	// longer than MaxIdleTime.
	ClosedMaxIdleTime int64
	// ClosedMaxIdle counts resources destroyed because MaxIdle were
	// already idle when they were released or finished building.
	ClosedMaxIdle int64
	// ClosedHealthCheck counts resources destroyed for failing HealthCheck,
	// or because it panicked.
	ClosedHealthCheck int64
	// ClosedByCaller counts resources destroyed through Handle.Destroy.
	ClosedByCaller int64

	// LeaksReported counts handles reported as held longer than
	// LeakThreshold.
	LeaksReported int64

	// Panics counts the calls of Constructor, HealthCheck and Destructor
	// that panicked, whether the panic went on in a caller or, with nobody
	// to catch it, was recovered on a pool goroutine (see PanicError).
	Panics int64
}

// Leak describes a handle held longer than Config.LeakThreshold.
type Leak struct {
	// Held is how long the handle had been held when it was reported.
	Held time.Duration
	// Stack is the call stack of the Acquire that handed it out, one
	// "function\n\tfile:line" pair per frame, as in a panic trace.
	Stack string
}

// counters are the cumulative figures of Stats, guarded by Pool.mu.
type counters struct {
	acquires, emptyAcquires, waits                int64
	waitDuration                                  time.Duration
	constructErrors, failFast                     int64
	closedLifetime, closedIdleTime, closedMaxIdle int64
	closedHealth, closedByCaller, leaksReported   int64
	panics                                        int64
	waitHist                                      histogram
}

// histogram counts durations in log-linear buckets: exact below 16 ns,
// then 8 buckets per power of two, so a bucket spans at most 1/8 of its
// lower bound. It has a fixed size whatever it records.
type histogram struct {
	counts [488]uint64
	n      uint64
}

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 16 {
		return int(v)
	}
	b := bits.Len64(v) // 5..64
	sub := (v >> (b - 4)) & 7
	return (b-3)*8 + int(sub)
}

// upperBound is the largest duration that falls in bucket i.
func upperBound(i int) time.Duration {
	if i < 16 {
		return time.Duration(i)
	}
	b := i/8 + 3
	sub := uint64(i % 8)
	return time.Duration(((9 + sub) << (b - 4)) - 1)
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
}

// quantile returns the upper bound of the bucket holding the q-th fraction
// of recorded values, or zero when none were.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return upperBound(i)
		}
	}
	return upperBound(len(h.counts) - 1)
}
