// Command cache shows three things about caches, one after the other:
//
//  1. A Zipf workload with a scan in the middle (a batch job reading many
//     keys once) through the guide's LRU and through S3-FIFO, with the hit
//     ratio on the popular keys before, during and after the scan.
//  2. A stampede: a thousand goroutines miss one key at once, first through
//     cache-aside, where each goes to the database, then through
//     read-through, where they share one load.
//  3. Two instances of a service, each with a local cache in front of one
//     Redis (embedded miniredis): without invalidation events one keeps
//     serving an old value after the other writes; with rediscache.TwoTier
//     the write's event drops it.
//
// The workload is drawn from fixed seeds, so part 1 prints the same every
// run.
//
//	go run ./examples/cache
//	go run ./examples/cache -keys 1000000 -capacity 10000 -skew 1.0
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"unicode/utf8"
)

// config is what the flags set.
type config struct {
	// Keys is the number of distinct popular keys.
	Keys int
	// Capacity is the number of entries each cache holds.
	Capacity int
	// Requests is the number of popular-key requests in each of the
	// three phases of part 1.
	Requests int
	// Skew is the Zipf exponent: 0 is uniform, 1 is classic Zipf.
	Skew float64
	// Goroutines is the number of callers that miss one key at once.
	Goroutines int
}

func main() {
	var cfg config
	flag.IntVar(&cfg.Keys, "keys", 100_000, "distinct popular keys (100..10000000)")
	flag.IntVar(&cfg.Capacity, "capacity", 1000, "entries per cache (10..keys)")
	flag.IntVar(&cfg.Requests, "requests", 200_000, "requests of popular keys per phase (1000..10000000)")
	flag.Float64Var(&cfg.Skew, "skew", 0.9, "Zipf exponent (0..3)")
	flag.IntVar(&cfg.Goroutines, "goroutines", 1000, "callers missing one key at once (2..100000)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "cache:", err)
		os.Exit(1)
	}
}

// run validates cfg, plays the three parts and narrates them on w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	sc, err := playScan(cfg)
	if err != nil {
		return err
	}
	sc.print(w)
	st, err := playStampede(ctx, cfg.Goroutines)
	if err != nil {
		return err
	}
	st.print(w)
	co, err := playCoherence(ctx)
	if err != nil {
		return err
	}
	co.print(w)
	return nil
}

func (c config) validate() error {
	switch {
	case c.Keys < 100 || c.Keys > 10_000_000:
		return fmt.Errorf("-keys must be between 100 and 10000000, not %d", c.Keys)
	case c.Capacity < 10 || c.Capacity > c.Keys:
		return fmt.Errorf("-capacity must be between 10 and -keys (%d), not %d", c.Keys, c.Capacity)
	case c.Requests < 1000 || c.Requests > 10_000_000:
		return fmt.Errorf("-requests must be between 1000 and 10000000, not %d", c.Requests)
	case !(c.Skew >= 0 && c.Skew <= 3):
		return fmt.Errorf("-skew must be between 0 and 3, not %v", c.Skew)
	case c.Goroutines < 2 || c.Goroutines > 100_000:
		return fmt.Errorf("-goroutines must be between 2 and 100000, not %d", c.Goroutines)
	}
	return nil
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

// percent formats a ratio as a percentage with one decimal.
func percent(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }
