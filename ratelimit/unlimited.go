package ratelimit

import (
	"context"
	"math"
	"time"
)

// Unlimited is the unlimited rate: a Limiter that allows every request,
// for a caller that must hold a Limiter but has no limit to apply. Its
// Decisions are allowed with Limit and Remaining math.MaxInt and zero
// RetryAfter, ResetAfter and Window; the middleware sends no RateLimit
// headers for them. Only n < 1 is refused, with [ErrInvalidN].
//
// The zero value is ready to use and safe for concurrent use.
type Unlimited struct{}

var _ PerKey = Unlimited{}

// AllowN allows n events at any instant.
func (Unlimited) AllowN(_ time.Time, n int) (Decision, error) { return unlimited(n) }

// Allow reports true.
func (Unlimited) Allow() bool { return true }

// Decide allows n events for any key.
func (Unlimited) Decide(_ context.Context, _ string, n int) (Decision, error) { return unlimited(n) }

// IndependentKeys marks Unlimited as a [PerKey] limiter: it keeps no
// state, so no key's requests change another's decisions.
func (Unlimited) IndependentKeys() {}

func unlimited(n int) (Decision, error) {
	d := Decision{Limit: math.MaxInt, Remaining: math.MaxInt}
	if n < 1 {
		return d, errInvalidN(n)
	}
	d.Allowed = true
	return d, nil
}

// Blocked is the zero rate: a Limiter that allows nothing, ever. Since no
// request can fit a limit of zero, every one is refused permanently with
// an error wrapping [ErrExceedsLimit] (or [ErrInvalidN] for n < 1), and a
// Decision with Limit 0, no retry-after and no reset: there is nothing to
// wait for. A bucket or window built with a limit of zero would mean the
// same, which is why the constructors refuse one and point here.
//
// The zero value is ready to use and safe for concurrent use.
type Blocked struct{}

var _ PerKey = Blocked{}

// AllowN refuses n events at any instant.
func (Blocked) AllowN(_ time.Time, n int) (Decision, error) { return blocked(n) }

// Allow reports false.
func (Blocked) Allow() bool { return false }

// Decide refuses n events for any key.
func (Blocked) Decide(_ context.Context, _ string, n int) (Decision, error) { return blocked(n) }

// IndependentKeys marks Blocked as a [PerKey] limiter: it keeps no state,
// so no key's requests change another's decisions.
func (Blocked) IndependentKeys() {}

func blocked(n int) (Decision, error) {
	if n < 1 {
		return Decision{}, errInvalidN(n)
	}
	return Decision{}, errExceeds(n, 0)
}
