package ratelimit

import (
	"fmt"
	"math/bits"
	"time"
)

// Every limiter here keeps time as int64 nanoseconds since the Unix epoch,
// measured on the monotonic clock whenever the instant carries a monotonic
// reading. epoch is the bridge: it was read from time.Now at start-up, so it
// holds both clocks, and an instant t becomes epochUnix + t.Sub(epoch).
// time.Time.Sub uses the monotonic readings when both sides have one and the
// wall clocks otherwise, which gives:
//
//   - for t from time.Now, the monotonic clock, immune to wall-clock steps,
//     and exactly what the time.Now conveniences compute;
//   - for a constructed instant (time.Date, time.Unix, a test's t0), exactly
//     t.UnixNano(), so fixed windows align to the Unix epoch as a Redis
//     server's TIME does.
//
// The conveniences (Allow, Decide, Wait) read only the monotonic clock, with
// time.Since(epoch): 33 ns on the reference machine against 67 ns for
// time.Now, which reads the wall clock as well (benchmarks/clock). That is the cheapest correct
// read the standard library offers: a cached clock updated by a ticker would
// be cheaper still but stale by up to a tick, and so wrong at every window
// boundary.
var (
	epoch     = time.Now()
	epochUnix = epoch.UnixNano()
)

const (
	// maxInstant is the latest instant a limiter represents (2116-02-20);
	// later instants are treated as this one, earlier than 1970 as 1970.
	maxInstant = 1 << 62
	// maxSpan bounds every period a limiter is configured with (about 36.5
	// years), so that an instant plus a few spans never overflows an int64.
	maxSpan = 1 << 60
	// maxLimit bounds every limit, so that a count plus a request, or the
	// two counts of a sliding window, never overflow an int64. The buckets
	// meet it anyway, since their rate is at most one event per
	// nanosecond over at most maxSpan.
	maxLimit = 1 << 60
	// maxWait is the longest wait a bucket reserves for (about 36.5
	// years). A longer one counts as for ever, so that a queue of waiters
	// at a very slow rate never adds its reservations past what an int64
	// holds: a reserved instant stays below now + span + maxWait, within
	// 2^62 + 2^61.
	maxWait = 1 << 60
)

// nanos converts t to nanoseconds since the Unix epoch, as described above,
// clamped to [0, maxInstant].
func nanos(t time.Time) int64 {
	d := int64(t.Sub(epoch)) // saturates rather than overflowing
	if d <= -epochUnix {
		return 0
	}
	if d >= maxInstant-epochUnix {
		return maxInstant
	}
	return epochUnix + d
}

// now reads the current instant from the monotonic clock alone.
func now() int64 {
	return epochUnix + int64(time.Since(epoch))
}

// validate checks what every constructor needs: a limit in [1, maxLimit]
// and a positive period no longer than maxSpan.
func validate(limit int, period time.Duration, name string) error {
	if limit < 1 {
		return fmt.Errorf("%w: limit %d must be at least 1 (Blocked is the zero rate)", ErrInvalidConfig, limit)
	}
	if limit > maxLimit {
		return fmt.Errorf("%w: limit %d is above 2^60", ErrInvalidConfig, limit)
	}
	if period <= 0 {
		return fmt.Errorf("%w: %s %v must be positive", ErrInvalidConfig, name, period)
	}
	if period > maxSpan {
		return fmt.Errorf("%w: %s %v is longer than %v", ErrInvalidConfig, name, period, time.Duration(maxSpan))
	}
	return nil
}

// mulDiv returns a*b/c rounded down, and whether there was a remainder, for
// a, b >= 0 and c > 0 with a*b/c < 2^63; the product is taken on 128 bits so
// it cannot overflow.
func mulDiv(a, b, c int64) (q int64, rem bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	uq, ur := bits.Div64(hi, lo, uint64(c))
	return int64(uq), ur != 0
}

func errInvalidN(n int) error {
	return fmt.Errorf("%w: n=%d", ErrInvalidN, n)
}

func errExceeds(n, limit int) error {
	return fmt.Errorf("%w: n=%d, limit %d", ErrExceedsLimit, n, limit)
}
