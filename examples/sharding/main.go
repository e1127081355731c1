// Command sharding places keys on nodes with every placement of package
// sharding (hash mod N, the consistent-hash ring, jump hash, rendezvous
// hashing and Maglev), adds a node, and prints how many keys each moved and
// how evenly each spreads them. Then it moves real data: a store spread
// over embedded Redis servers (package redisshard on miniredis) gains a
// server while writers keep writing, and every write is checked afterwards.
//
// Placements are pure functions of the key, so part 1 prints the same
// every run.
//
//	go run ./examples/sharding
//	go run ./examples/sharding -keys 1000000 -nodes 100
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
	// Keys is the number of keys placed in part 1.
	Keys int
	// Nodes is the number of nodes before one is added, in part 1.
	Nodes int
	// StoredKeys is the number of keys the Redis store holds in part 2.
	StoredKeys int
	// Servers is the number of Redis servers before one is added.
	Servers int
	// Writers is the number of goroutines writing during the move.
	Writers int
}

func main() {
	var cfg config
	flag.IntVar(&cfg.Keys, "keys", 100_000, "keys placed in part 1 (100..10000000)")
	flag.IntVar(&cfg.Nodes, "nodes", 10, "nodes before one is added, part 1 (1..1000)")
	flag.IntVar(&cfg.StoredKeys, "stored", 20_000, "keys in the Redis store, part 2 (10..1000000)")
	flag.IntVar(&cfg.Servers, "servers", 3, "Redis servers before one is added, part 2 (1..20)")
	flag.IntVar(&cfg.Writers, "writers", 4, "goroutines writing during the move (1..100)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "sharding:", err)
		os.Exit(1)
	}
}

// run validates cfg, plays both parts and narrates them on w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	pl, err := playPlacements(cfg.Keys, cfg.Nodes)
	if err != nil {
		return err
	}
	pl.print(w)
	rb, err := playRebalance(ctx, cfg)
	if err != nil {
		return err
	}
	rb.print(w)
	return nil
}

func (c config) validate() error {
	switch {
	case c.Keys < 100 || c.Keys > 10_000_000:
		return fmt.Errorf("-keys must be between 100 and 10000000, not %d", c.Keys)
	case c.Nodes < 1 || c.Nodes > 1000:
		return fmt.Errorf("-nodes must be between 1 and 1000, not %d", c.Nodes)
	case c.StoredKeys < 10 || c.StoredKeys > 1_000_000:
		return fmt.Errorf("-stored must be between 10 and 1000000, not %d", c.StoredKeys)
	case c.Servers < 1 || c.Servers > 20:
		return fmt.Errorf("-servers must be between 1 and 20, not %d", c.Servers)
	case c.Writers < 1 || c.Writers > 100:
		return fmt.Errorf("-writers must be between 1 and 100, not %d", c.Writers)
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
