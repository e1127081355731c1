package shortener

import (
	"context"
	"errors"
	"fmt"
)

// Generator issues short codes. Every generator of this package satisfies
// it: [Counter] (optionally obfuscated by a [Feistel]), [Random] and
// [TimeOrdered]. A Generator on its own knows nothing of the links that
// exist; [Issuer] puts one in front of the store's "is it taken" check.
type Generator interface {
	// Next returns a new code. It waits only for what the generator needs
	// (a block from a shared source, a clock that stepped back) and
	// returns ctx's error if ctx ends first.
	Next(ctx context.Context) (string, error)
}

var (
	_ Generator = (*Counter)(nil)
	_ Generator = (*Random)(nil)
	_ Generator = (*TimeOrdered)(nil)
)

// The errors of generation.
var (
	// ErrExhausted is returned by a generator whose id space has run out
	// (a counter at the end of its domain, a time-ordered generator past
	// the 69 years its timestamp holds). It is never answered by reuse.
	ErrExhausted = errors.New("shortener: id space exhausted")
	// ErrNoFreeCode is returned by [Issuer.Issue] when every attempt met
	// a taken or reserved code.
	ErrNoFreeCode = errors.New("shortener: no free code")
)

// TakenFunc reports whether code is already in use: by a link, by an
// alias, or by a link that has since expired or been deleted (a code is
// never issued twice, so the store must remember retired codes). It is the
// store's answer; its unique index stays the authority, because another
// node may take the code between this check and the insert.
type TakenFunc func(ctx context.Context, code string) (bool, error)

// DefaultMaxAttempts is the number of codes [Issuer.Issue] tries when
// IssuerConfig.MaxAttempts is zero.
const DefaultMaxAttempts = 8

// IssuerConfig holds the optional settings of an [Issuer]. Its zero value
// means the defaults.
type IssuerConfig struct {
	// MaxAttempts bounds the codes Issue draws before it gives up with
	// ErrNoFreeCode. Zero means DefaultMaxAttempts; it must not be
	// negative.
	MaxAttempts int
	// Aliases supplies the reserved words a code must not be (a counter
	// reaches "admin" eventually). Nil means the default rules of
	// [NewAliases].
	Aliases *Aliases
}

// Issuer draws codes from a Generator and skips those that are reserved or
// already taken: a counter's code that meets a custom alias, a random code
// that collides. It is safe for simultaneous use by multiple goroutines if
// its Generator and TakenFunc are.
type Issuer struct {
	gen      Generator
	taken    TakenFunc
	attempts int
	aliases  *Aliases
}

// NewIssuer returns an Issuer of gen's codes, checked with taken.
func NewIssuer(gen Generator, taken TakenFunc, cfg IssuerConfig) (*Issuer, error) {
	if gen == nil {
		return nil, fmt.Errorf("%w: Generator is nil", ErrInvalidConfig)
	}
	if taken == nil {
		return nil, fmt.Errorf("%w: TakenFunc is nil", ErrInvalidConfig)
	}
	if cfg.MaxAttempts < 0 {
		return nil, fmt.Errorf("%w: MaxAttempts must be >= 0, got %d", ErrInvalidConfig, cfg.MaxAttempts)
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Aliases == nil {
		a, err := NewAliases(AliasConfig{})
		if err != nil {
			return nil, err
		}
		cfg.Aliases = a
	} else if cfg.Aliases.reserved == nil {
		return nil, fmt.Errorf("%w: Aliases made without NewAliases", ErrInvalidConfig)
	}
	return &Issuer{gen: gen, taken: taken, attempts: cfg.MaxAttempts, aliases: cfg.Aliases}, nil
}

// Issue returns a code that is neither reserved nor taken, drawing at most
// MaxAttempts codes. A code it skips is lost, never handed out later, so
// a counter's sequence gets a gap. The generator's and TakenFunc's errors
// are returned as they are; ErrNoFreeCode says every attempt was skipped.
func (i *Issuer) Issue(ctx context.Context) (string, error) {
	if i == nil || i.gen == nil {
		return "", errIssuerZero
	}
	for range i.attempts {
		code, err := i.gen.Next(ctx)
		if err != nil {
			return "", err
		}
		if i.aliases.IsReserved(code) {
			continue
		}
		taken, err := i.taken(ctx, code)
		if err != nil {
			return "", err
		}
		if !taken {
			return code, nil
		}
	}
	return "", fmt.Errorf("%w: %d attempts met taken or reserved codes", ErrNoFreeCode, i.attempts)
}
