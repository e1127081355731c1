package shortener

import (
	"errors"
	"fmt"
	"strings"
)

// The length bounds of an alias, in bytes (an alias is ASCII).
const (
	MinAliasLen = 3
	MaxAliasLen = 64
)

// DefaultReserved lists the words no alias or generated code may be: the
// service's own routes and the names people expect a site to keep for
// itself. [AliasConfig].Reserved adds to it.
var DefaultReserved = []string{
	"about", "account", "admin", "api", "app", "assets", "auth",
	"dashboard", "debug", "docs", "favicon", "health", "healthz", "help",
	"links", "livez", "login", "logout", "metrics", "new", "oauth", "pprof",
	"readyz", "register", "robots", "settings", "signup", "static", "status",
	"www",
}

// ErrInvalidAlias is the class of every refusal of [Aliases.Validate]:
// errors.Is(err, ErrInvalidAlias) holds for each of the errors below.
var ErrInvalidAlias = errors.New("shortener: invalid alias")

// The refusals of [Aliases.Validate], one per cause. Each also matches
// [ErrInvalidAlias].
var (
	// ErrAliasLength is the refusal of an alias shorter than MinAliasLen
	// or longer than MaxAliasLen bytes.
	ErrAliasLength = newRefusal(ErrInvalidAlias, "shortener: alias length out of range")
	// ErrAliasCharacter is the refusal of a byte outside [A-Za-z0-9_-].
	ErrAliasCharacter = newRefusal(ErrInvalidAlias, "shortener: alias character outside [A-Za-z0-9_-]")
	// ErrAliasReserved is the refusal of a reserved word, in any casing.
	ErrAliasReserved = newRefusal(ErrInvalidAlias, "shortener: alias is a reserved word")
)

// AliasConfig holds the optional settings of [Aliases]. Its zero value
// means the defaults.
type AliasConfig struct {
	// Reserved adds words to DefaultReserved (the routes of a deployment,
	// brand names). Each must itself be 1 to MaxAliasLen bytes of
	// [A-Za-z0-9_-]; case does not matter.
	Reserved []string
}

// Aliases holds the rules for custom aliases, and for generated codes'
// reserved words (see [IssuerConfig]).
//
// Case rules: an alias is case-sensitive, as base62 codes are, so "Go"
// and "go" are two links (a service that wants them to be one lowers the
// alias before storing it). Reserved words are refused in any casing:
// "Admin" and "ADMIN" look like the route to a person, and some proxies
// match paths without case.
//
// Aliases is immutable and safe for simultaneous use by multiple
// goroutines.
type Aliases struct {
	reserved map[string]struct{} // lower case
}

// NewAliases returns the default rules plus cfg's reserved words.
func NewAliases(cfg AliasConfig) (*Aliases, error) {
	a := &Aliases{reserved: make(map[string]struct{}, len(DefaultReserved)+len(cfg.Reserved))}
	for _, w := range DefaultReserved {
		a.reserved[w] = struct{}{}
	}
	for i, w := range cfg.Reserved {
		if len(w) == 0 || len(w) > MaxAliasLen || !aliasChars(w) {
			return nil, fmt.Errorf("%w: Reserved[%d] must be 1 to %d bytes of [A-Za-z0-9_-]", ErrInvalidConfig, i, MaxAliasLen)
		}
		a.reserved[strings.ToLower(w)] = struct{}{}
	}
	return a, nil
}

// aliasChars reports whether s holds only [A-Za-z0-9_-].
func aliasChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Validate returns nil when alias may name a link: MinAliasLen to
// MaxAliasLen bytes of [A-Za-z0-9_-], and not a reserved word in any
// casing. It checks in that order, and never echoes the alias in its
// error.
func (a *Aliases) Validate(alias string) error {
	if a == nil || a.reserved == nil {
		return errAliasesZero
	}
	if len(alias) < MinAliasLen || len(alias) > MaxAliasLen {
		return fmt.Errorf("%w: %d bytes, want %d to %d", ErrAliasLength, len(alias), MinAliasLen, MaxAliasLen)
	}
	for i := 0; i < len(alias); i++ {
		if !aliasChars(alias[i : i+1]) {
			return fmt.Errorf("%w: byte %d", ErrAliasCharacter, i)
		}
	}
	if a.IsReserved(alias) {
		return ErrAliasReserved
	}
	return nil
}

// IsReserved reports whether s is a reserved word, in any casing. It
// panics with ErrNotInitialized on a zero Aliases.
func (a *Aliases) IsReserved(s string) bool {
	if a == nil || a.reserved == nil {
		panic(errAliasesZero)
	}
	if len(s) > MaxAliasLen {
		return false
	}
	var buf [MaxAliasLen]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	_, ok := a.reserved[string(buf[:len(s)])]
	return ok
}
