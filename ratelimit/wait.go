package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// checkDeadline returns an error wrapping context.DeadlineExceeded when ctx
// ends before now+delay, so that a wait that cannot succeed fails at once.
func checkDeadline(ctx context.Context, now int64, delay time.Duration) error {
	deadline, ok := ctx.Deadline()
	if !ok || delay <= 0 {
		return nil
	}
	if left := nanos(deadline) - now; left < int64(delay) {
		return fmt.Errorf("ratelimit: waiting %v would pass the context deadline (%v left): %w",
			delay, time.Duration(max(left, 0)), context.DeadlineExceeded)
	}
	return nil
}

// waitForEver is what a bucket's WaitN does when the turn it would reserve
// is more than maxWait away, which counts as never: it reserves nothing and
// returns an error wrapping context.DeadlineExceeded at once when ctx has a
// deadline (any deadline comes first), and otherwise blocks until ctx ends
// and returns ctx.Err().
func waitForEver(ctx context.Context, delay int64) error {
	if _, ok := ctx.Deadline(); ok {
		return fmt.Errorf("ratelimit: waiting %v, longer than %v, is waiting for ever, past the context deadline: %w",
			time.Duration(delay), time.Duration(maxWait), context.DeadlineExceeded)
	}
	<-ctx.Done()
	return ctx.Err()
}

// sleep waits for delay or until ctx ends, whichever comes first, and
// returns ctx.Err() in the second case.
func sleep(ctx context.Context, delay time.Duration) error {
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait blocks until l allows n events for key, for any [Limiter]: the
// window algorithms, [Keyed], or a Redis-backed limiter. Each time l
// refuses, Wait sleeps exactly the Decision's RetryAfter and asks again;
// it asks again only if another caller took the capacity in between. It
// returns at once with an error wrapping context.DeadlineExceeded when
// the context's deadline comes before the retry, with l's error when l
// fails or refuses permanently ([ErrExceedsLimit], [ErrInvalidN]), and
// with the context's error when it ends during a sleep.
//
// Unlike the WaitN methods of the buckets, Wait reserves nothing ahead, so
// there is nothing to give back and no ordering among waiters.
func Wait(ctx context.Context, l Limiter, key string, n int) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := l.Decide(ctx, key, n)
		if err != nil || d.Allowed {
			return err
		}
		if d.RetryAfter <= 0 { // a broken limiter; waiting would spin
			return fmt.Errorf("ratelimit: %T refused %d events without a retry-after", l, n)
		}
		if err := checkDeadline(ctx, now(), d.RetryAfter); err != nil {
			return err
		}
		if err := sleep(ctx, d.RetryAfter); err != nil {
			return err
		}
	}
}
