package redislimit

import (
	"context"
	"fmt"
	"time"
)

// waitN blocks until n events for key are allowed, sleeping between tries
// for the retry-after each refusal carried plus jitter, the jitter left
// out when it would take the sleep to the context's deadline.
func (c *core) waitN(ctx context.Context, key string, n int) error {
	for {
		d, err := c.decide(ctx, key, n)
		if err != nil {
			return err
		}
		if d.Allowed {
			return nil
		}
		// A refusal always names a wait; the floor keeps a limiter that
		// said zero from turning Wait into a busy loop against Redis.
		delay := max(d.RetryAfter, time.Millisecond)
		if deadline, ok := ctx.Deadline(); ok {
			left := time.Until(deadline)
			if left < delay {
				return fmt.Errorf("redislimit: Wait(n=%d) needs %v, the context ends in %v: %w", n, delay, left, context.DeadlineExceeded)
			}
			// Jitter may not take the sleep to the deadline: the retry
			// needs a round trip before it. When it would, sleep the
			// retry-after alone.
			if j := c.jittered(delay); j < left {
				delay = j
			}
		} else {
			delay = c.jittered(delay)
		}
		if err := c.sleep(ctx, delay); err != nil {
			return fmt.Errorf("redislimit: Wait(n=%d): %w", n, err)
		}
	}
}

// jittered returns a uniformly random duration in [d, d×(1+jitter)].
func (c *core) jittered(d time.Duration) time.Duration {
	if c.cfg.Jitter == 0 || d <= 0 {
		return d
	}
	return d + time.Duration(c.random()*c.cfg.Jitter*float64(d))
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
