// Command jwt issues and verifies JSON Web Tokens with package jwtdemo:
// HS256 and ES256 side by side, a key rotated through a key set, and then
// the classic attacks on verifiers (alg none, key confusion, an expired
// token, a tampered payload, a forged signature, the wrong audience, an
// oversized token), each refused with its own error.
//
// Time is fixed (the verifier takes the instant as an argument), so the
// program prints the same every run except for the ES256 signatures,
// which are randomised by design.
//
//	go run ./examples/jwt
//	go run ./examples/jwt -subject user-7 -ttl 5m
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
	// Subject is the sub claim of the tokens issued.
	Subject string
	// TTL is how long the tokens issued are valid.
	TTL time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Subject, "subject", "user-42", "sub claim of the tokens issued (1..64 bytes)")
	flag.DurationVar(&cfg.TTL, "ttl", 15*time.Minute, "lifetime of the tokens issued (1s..24h)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "jwt:", err)
		os.Exit(1)
	}
}

// run validates cfg, plays the three parts and narrates them on w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	is, err := playIssue(cfg)
	if err != nil {
		return err
	}
	is.print(w)
	ro, err := playRotation(cfg)
	if err != nil {
		return err
	}
	ro.print(w)
	at, err := playAttacks(cfg)
	if err != nil {
		return err
	}
	at.print(w)
	return nil
}

func (c config) validate() error {
	switch {
	case c.Subject == "" || len(c.Subject) > 64:
		return fmt.Errorf("-subject must be 1 to 64 bytes, not %d", len(c.Subject))
	case c.TTL < time.Second || c.TTL > 24*time.Hour:
		return fmt.Errorf("-ttl must be between 1s and 24h, not %v", c.TTL)
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

// errText is err's message, or "accepted" for nil.
func errText(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}
