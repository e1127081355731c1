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
