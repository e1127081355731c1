package inmem

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// The errors of the package.
var (
	// ErrInvalidConfig is wrapped by the error of New given a Config it
	// cannot honour.
	ErrInvalidConfig = errors.New("inmem: invalid configuration")
	// ErrFull is wrapped by the error of Create when the store holds
	// MaxLinks codes, live or tombstoned.
	ErrFull = errors.New("inmem: store full")
	// ErrNotInitialized is wrapped by the errors of a Store not made by
	// New.
	ErrNotInitialized = errors.New("inmem: Store used without New")
)

// DefaultMaxLinks is Config.MaxLinks's default.
const DefaultMaxLinks = 1 << 20

// Config is New's optional configuration; its zero value means the
// defaults.
type Config struct {
	// Now is the clock expiry is decided by; nil means time.Now.
	Now func() time.Time
	// MaxLinks bounds the codes held, live links and tombstones alike:
	// DefaultMaxLinks when zero.
	MaxLinks int
}

type record struct {
	link    shortener.Link
	deleted bool
	clicks  int64
}

// Store is a shortener.Store in a map behind one lock. It is safe for
// simultaneous use by multiple goroutines.
type Store struct {
	now func() time.Time
	max int

	mu     sync.RWMutex
	links  map[string]*record
	closed bool
}

var _ shortener.Store = (*Store)(nil)

// New returns an empty Store.
func New(cfg Config) (*Store, error) {
	if cfg.MaxLinks < 0 {
		return nil, fmt.Errorf("%w: negative MaxLinks %d", ErrInvalidConfig, cfg.MaxLinks)
	}
	s := &Store{now: cfg.Now, max: cfg.MaxLinks, links: make(map[string]*record)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.max == 0 {
		s.max = DefaultMaxLinks
	}
	return s, nil
}

// Close makes later calls fail with shortener.ErrClosed and drops the
// links. It is idempotent.
func (s *Store) Close() {
	if s == nil || s.links == nil {
		return
	}
	s.mu.Lock()
	s.closed = true
	s.links = map[string]*record{}
	s.mu.Unlock()
}

// Len returns how many codes the store holds, tombstones included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.links)
}

func (s *Store) usable(ctx context.Context) error {
	if s == nil || s.links == nil {
		return ErrNotInitialized
	}
	if s.closed {
		return fmt.Errorf("inmem: %w", shortener.ErrClosed)
	}
	return ctx.Err()
}

func (r *record) live(now time.Time) bool { return !r.deleted && !r.link.Expired(now) }

func utc(l shortener.Link) shortener.Link {
	l.CreatedAt = l.CreatedAt.UTC().Truncate(time.Microsecond)
	if !l.ExpiresAt.IsZero() {
		l.ExpiresAt = l.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	return l
}

// Create stores l if its code was never used.
func (s *Store) Create(ctx context.Context, l shortener.Link) error {
	if err := l.Check(); err != nil {
		return fmt.Errorf("inmem: create %q: %w", l.Code, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(ctx); err != nil {
		return err
	}
	if _, ok := s.links[l.Code]; ok {
		return fmt.Errorf("%w: %q", shortener.ErrCodeTaken, l.Code)
	}
	if len(s.links) >= s.max {
		return fmt.Errorf("%w: %d codes", ErrFull, len(s.links))
	}
	s.links[l.Code] = &record{link: utc(l)}
	return nil
}

// find returns code's record if it is live: ErrNotFound or ErrGone if not.
// The caller holds the lock.
func (s *Store) find(code string) (*record, error) {
	r, ok := s.links[code]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %q", shortener.ErrNotFound, code)
	case !r.live(s.now()):
		return nil, fmt.Errorf("%w: %q", shortener.ErrGone, code)
	}
	return r, nil
}

// Get returns the live link for code.
func (s *Store) Get(ctx context.Context, code string) (shortener.Link, error) {
	if err := shortener.CheckCode(code); err != nil {
		return shortener.Link{}, fmt.Errorf("inmem: get: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(ctx); err != nil {
		return shortener.Link{}, err
	}
	r, err := s.find(code)
	if err != nil {
		return shortener.Link{}, err
	}
	return r.link, nil
}

// Update replaces the URL and expiry of the live link l.Code.
func (s *Store) Update(ctx context.Context, l shortener.Link) error {
	probe := l
	probe.CreatedAt = time.UnixMicro(1)
	if err := probe.Check(); err != nil {
		return fmt.Errorf("inmem: update %q: %w", l.Code, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(ctx); err != nil {
		return err
	}
	r, err := s.find(l.Code)
	if err != nil {
		return err
	}
	next := utc(shortener.Link{Code: l.Code, URL: l.URL, CreatedAt: r.link.CreatedAt, ExpiresAt: l.ExpiresAt})
	if err := next.Check(); err != nil {
		return fmt.Errorf("inmem: update %q: %w", l.Code, err)
	}
	r.link = next
	return nil
}

// Delete deletes the live link for code, keeping its tombstone.
func (s *Store) Delete(ctx context.Context, code string) error {
	if err := shortener.CheckCode(code); err != nil {
		return fmt.Errorf("inmem: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(ctx); err != nil {
		return err
	}
	r, err := s.find(code)
	if err != nil {
		return err
	}
	r.deleted = true
	return nil
}

// Recent returns up to n live links, newest first. It sorts every live
// link: O(L log L), fine for the sizes this store is for.
func (s *Store) Recent(ctx context.Context, n int) ([]shortener.Link, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, nil
	}
	now := s.now()
	var out []shortener.Link
	for _, r := range s.links {
		if r.live(now) {
			out = append(out, r.link)
		}
	}
	slices.SortFunc(out, func(a, b shortener.Link) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return out[:min(n, len(out))], nil
}

// AddClicks adds the counts; codes without a live link are skipped.
func (s *Store) AddClicks(ctx context.Context, counts map[string]int64) error {
	for code, n := range counts {
		if err := shortener.CheckCode(code); err != nil {
			return fmt.Errorf("inmem: add clicks: %w", err)
		}
		if n < 0 {
			return fmt.Errorf("inmem: add clicks %q: %w: negative count %d", code, shortener.ErrInvalidLink, n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(ctx); err != nil {
		return err
	}
	now := s.now()
	for code, n := range counts {
		if r, ok := s.links[code]; ok && r.live(now) {
			r.clicks += n
		}
	}
	return nil
}

// Clicks returns the clicks recorded for code, live or not.
func (s *Store) Clicks(ctx context.Context, code string) (int64, error) {
	if err := shortener.CheckCode(code); err != nil {
		return 0, fmt.Errorf("inmem: clicks: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(ctx); err != nil {
		return 0, err
	}
	r, ok := s.links[code]
	if !ok {
		return 0, fmt.Errorf("%w: %q", shortener.ErrNotFound, code)
	}
	return r.clicks, nil
}
