// Command ratelimit plays one bursty trace of requests through the guide's
// rate limiter and every algorithm of package ratelimit, and prints what
// each admitted, 100 ms at a time: a burst straddling a window boundary,
// a steady overload at twice the limit, an idle gap and a burst after it.
// Then two processes share one limit through Redis (package redislimit,
// on an embedded miniredis) and each admits its share.
//
// Time is simulated: the limiters take the instant of each request as an
// argument, and the embedded Redis server's clock is set before each
// decision, so the program sleeps nowhere and prints the same every run.
//
//	go run ./examples/ratelimit
//	go run ./examples/ratelimit -limit 20 -overload 5s -gap 2s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
	"unicode/utf8"
)

// config is what the flags set.
type config struct {
	// Limit is the number of requests every limiter allows per second.
	Limit int
	// Overload is how long the steady overload at twice the limit lasts.
	Overload time.Duration
	// Gap is the idle time before the last burst.
	Gap time.Duration
	// Shared is how long the two processes send requests to the limit
	// they share through Redis.
	Shared time.Duration
}

func main() {
	var cfg config
	flag.IntVar(&cfg.Limit, "limit", 10, "requests allowed per second (1..100)")
	flag.DurationVar(&cfg.Overload, "overload", 3*time.Second, "length of the steady overload at twice the limit (100ms..60s)")
	flag.DurationVar(&cfg.Gap, "gap", 1500*time.Millisecond, "idle gap before the last burst (0..60s)")
	flag.DurationVar(&cfg.Shared, "shared", 3*time.Second, "how long two processes share one limit through Redis (1s..60s)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ratelimit:", err)
		os.Exit(1)
	}
}

// run validates cfg, plays both parts and narrates them on w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	tr, err := playTrace(cfg)
	if err != nil {
		return err
	}
	tr.print(w)
	sh, err := playShared(ctx, cfg)
	if err != nil {
		return err
	}
	sh.print(w)
	return nil
}

func (c config) validate() error {
	switch {
	case c.Limit < 1 || c.Limit > 100:
		return fmt.Errorf("-limit must be between 1 and 100, not %d", c.Limit)
	case c.Overload < 100*time.Millisecond || c.Overload > time.Minute:
		return fmt.Errorf("-overload must be between 100ms and 60s, not %v", c.Overload)
	case c.Gap < 0 || c.Gap > time.Minute:
		return fmt.Errorf("-gap must be between 0 and 60s, not %v", c.Gap)
	case c.Shared < time.Second || c.Shared > time.Minute:
		return fmt.Errorf("-shared must be between 1s and 60s, not %v", c.Shared)
	}
	return nil
}

// maxInWindow returns the most instants of at (sorted) that fall within
// one span (t-window, t], the span a sliding log counts.
func maxInWindow(at []time.Duration, window time.Duration) int {
	best, i := 0, 0
	for j := range at {
		for at[i] <= at[j]-window {
			i++
		}
		best = max(best, j-i+1)
	}
	return best
}

// seconds formats d as seconds with one decimal.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1f", d.Seconds())
}

// wrap breaks s into lines of at most width columns, at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(s) {
		n := utf8.RuneCountInString(word)
		if col > 0 && col+1+n > width {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String()
}
