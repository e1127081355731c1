package shortener

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Limits that every Store enforces before its engine sees a link, so that a
// code or URL too long for a schema's column is refused with a clear error
// rather than truncated or rejected by the database.
const (
	// MaxCodeLen is the longest code a Store accepts: an alias's
	// MaxAliasLen, and longer than any generated code (MaxEncodedLen).
	MaxCodeLen = MaxAliasLen
	// MaxStoredURLLen is the longest URL a Store accepts, in bytes. It is
	// DefaultMaxURLLen; a URLValidator configured for longer URLs cannot
	// store them.
	MaxStoredURLLen = DefaultMaxURLLen
)

// The answers of a Store. Every Store returns them wrapped with the code
// they concern: test them with errors.Is.
var (
	// ErrNotFound is the answer for a code that no link ever had.
	ErrNotFound = errors.New("shortener: no such link")
	// ErrGone is the answer for a code whose link expired or was deleted.
	// The code stays reserved (its tombstone) and is never issued again,
	// so that a redirect answers "gone" rather than "unknown".
	ErrGone = errors.New("shortener: link expired or deleted")
	// ErrCodeTaken is the answer of Create for a code held by a link or by
	// a tombstone.
	ErrCodeTaken = errors.New("shortener: code already taken")
	// ErrInvalidLink is wrapped by the error for a Link a Store refuses
	// before its engine sees it: an empty, too long or non-UTF-8 code, an
	// empty or too long URL, a zero creation time. The detail says which.
	ErrInvalidLink = errors.New("shortener: invalid link")
	// ErrStoreUnavailable is wrapped, beside the engine's own error, by the
	// error of a Store whose engine did not answer: a database that refuses
	// connections, a Redis that is down, a deadline that passed. The
	// operation may be retried; whether a write that failed so was applied
	// is unknown.
	ErrStoreUnavailable = errors.New("shortener: store unavailable")
	// ErrClosed is the error of a Store or ClickCounter used after Close.
	ErrClosed = errors.New("shortener: closed")
)

// Link is one short link as a Store keeps it.
type Link struct {
	// Code is the short code: generated, or an alias chosen by the owner.
	Code string
	// URL is the normalised target URL.
	URL string
	// CreatedAt is when the link was created. Stores keep it to the
	// microsecond (PostgreSQL's precision), in UTC.
	CreatedAt time.Time
	// ExpiresAt is when the link stops being served; zero means never.
	ExpiresAt time.Time
}

// Expired reports whether l is expired at now: a link is served strictly
// before its ExpiresAt.
func (l Link) Expired(now time.Time) bool {
	return !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt)
}

// Check reports whether l is a link a Store accepts: a code of 1 to
// MaxCodeLen bytes of UTF-8 without NUL, a URL of 1 to MaxStoredURLLen bytes
// of UTF-8 without NUL, a creation time set, and an expiry, when set, after
// it. The error wraps ErrInvalidLink.
func (l Link) Check() error {
	if err := CheckCode(l.Code); err != nil {
		return err
	}
	switch {
	case l.URL == "":
		return fmt.Errorf("%w: empty URL", ErrInvalidLink)
	case len(l.URL) > MaxStoredURLLen:
		return fmt.Errorf("%w: URL of %d bytes is longer than %d", ErrInvalidLink, len(l.URL), MaxStoredURLLen)
	case !utf8.ValidString(l.URL) || hasNUL(l.URL):
		return fmt.Errorf("%w: URL is not UTF-8 text", ErrInvalidLink)
	case l.CreatedAt.IsZero():
		return fmt.Errorf("%w: zero CreatedAt", ErrInvalidLink)
	case !l.ExpiresAt.IsZero() && !l.ExpiresAt.After(l.CreatedAt):
		return fmt.Errorf("%w: ExpiresAt %s is not after CreatedAt %s", ErrInvalidLink,
			l.ExpiresAt.Format(time.RFC3339Nano), l.CreatedAt.Format(time.RFC3339Nano))
	}
	return nil
}

// CheckCode reports whether code is one a Store accepts as a key: 1 to
// MaxCodeLen bytes of UTF-8 without NUL. The error wraps ErrInvalidLink.
// Stores call it on every code they are given, so that a lookup of a
// hostile code never reaches the engine.
func CheckCode(code string) error {
	switch {
	case code == "":
		return fmt.Errorf("%w: empty code", ErrInvalidLink)
	case len(code) > MaxCodeLen:
		return fmt.Errorf("%w: code of %d bytes is longer than %d", ErrInvalidLink, len(code), MaxCodeLen)
	case !utf8.ValidString(code) || hasNUL(code):
		return fmt.Errorf("%w: code is not UTF-8 text", ErrInvalidLink)
	}
	return nil
}

func hasNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

// Store keeps links. Every implementation passes the conformance suite in
// shortener/storetest, and every method is safe for concurrent use.
//
// A code, once used, is never used again: deleting a link or letting it
// expire leaves a tombstone, so Create refuses the code and Get answers
// ErrGone, forever.
type Store interface {
	// Create stores l if its code was never used, atomically: of many
	// concurrent Creates of one code exactly one succeeds and the others
	// get ErrCodeTaken.
	Create(ctx context.Context, l Link) error
	// Get returns the live link for code: ErrNotFound if there never was
	// one, ErrGone if it expired (whether or not the store has removed it
	// yet) or was deleted.
	Get(ctx context.Context, code string) (Link, error)
	// Update replaces the URL and ExpiresAt of the live link l.Code (its
	// CreatedAt is kept): ErrNotFound or ErrGone if there is none.
	Update(ctx context.Context, l Link) error
	// Delete deletes the live link for code, leaving its tombstone:
	// ErrNotFound or ErrGone if there is none.
	Delete(ctx context.Context, code string) error
	// Recent returns up to n live links, most recently created first.
	Recent(ctx context.Context, n int) ([]Link, error)
	// AddClicks adds each count to its code's clicks, in one write per
	// call where the engine allows; codes without a live link are skipped.
	AddClicks(ctx context.Context, counts map[string]int64) error
	// Clicks returns the clicks recorded for code: ErrNotFound if there
	// never was a link for it. A tombstone keeps its count.
	Clicks(ctx context.Context, code string) (int64, error)
}

// Record is a code's whole state, live or not: what a store hands to
// another when links move between shards.
type Record struct {
	// Link is the link as stored; an expired one keeps its ExpiresAt.
	Link Link
	// Deleted reports whether the link was deleted (its tombstone).
	Deleted bool
	// Clicks is the clicks recorded for it.
	Clicks int64
}

// Portable is a Store whose records can move to another store, which is
// what resharding (shortener/shardstore) needs and the Store interface does
// not offer: a tombstone and a click count survive the move.
type Portable interface {
	Store
	// Export calls fn with every record, tombstones included, in no
	// particular order, until fn returns an error, which Export returns.
	Export(ctx context.Context, fn func(Record) error) error
	// Record returns code's record, live or not: ErrNotFound if the code
	// was never used here.
	Record(ctx context.Context, code string) (Record, error)
	// Import stores r as it was, if its code was never used here:
	// ErrCodeTaken otherwise.
	Import(ctx context.Context, r Record) error
	// Purge removes every trace of code, tombstone included: only for a
	// code whose record was imported elsewhere. Purging an unknown code
	// is not an error.
	Purge(ctx context.Context, code string) error
}

// Check reports whether r is a record a Store accepts (its Link passes
// Link.Check, its clicks are not negative); the error wraps
// ErrInvalidLink.
func (r Record) Check() error {
	if err := r.Link.Check(); err != nil {
		return err
	}
	if r.Clicks < 0 {
		return fmt.Errorf("%w: negative clicks %d", ErrInvalidLink, r.Clicks)
	}
	return nil
}
