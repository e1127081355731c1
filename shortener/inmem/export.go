package inmem

import (
	"context"
	"fmt"

	"github.com/backendkit/backendkit/shortener"
)

var _ shortener.Portable = (*Store)(nil)

// Export calls fn with every record, tombstones included. It copies the
// records first, so fn may call the store.
func (s *Store) Export(ctx context.Context, fn func(shortener.Record) error) error {
	s.mu.RLock()
	if err := s.usable(ctx); err != nil {
		s.mu.RUnlock()
		return err
	}
	all := make([]shortener.Record, 0, len(s.links))
	for _, r := range s.links {
		all = append(all, shortener.Record{Link: r.link, Deleted: r.deleted, Clicks: r.clicks})
	}
	s.mu.RUnlock()
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Import stores r as it was, if its code was never used here.
func (s *Store) Import(ctx context.Context, r shortener.Record) error {
	if err := r.Check(); err != nil {
		return fmt.Errorf("inmem: import %q: %w", r.Link.Code, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(ctx); err != nil {
		return err
	}
	if _, ok := s.links[r.Link.Code]; ok {
		return fmt.Errorf("%w: %q", shortener.ErrCodeTaken, r.Link.Code)
	}
	if len(s.links) >= s.max {
		return fmt.Errorf("%w: %d codes", ErrFull, len(s.links))
	}
	s.links[r.Link.Code] = &record{link: utc(r.Link), deleted: r.Deleted, clicks: r.Clicks}
	return nil
}

// Purge removes every trace of code.
func (s *Store) Purge(ctx context.Context, code string) error {
	if err := shortener.CheckCode(code); err != nil {
		return fmt.Errorf("inmem: purge: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(ctx); err != nil {
		return err
	}
	delete(s.links, code)
	return nil
}

// Record returns code's record, live or not.
func (s *Store) Record(ctx context.Context, code string) (shortener.Record, error) {
	if err := shortener.CheckCode(code); err != nil {
		return shortener.Record{}, fmt.Errorf("inmem: record: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(ctx); err != nil {
		return shortener.Record{}, err
	}
	r, ok := s.links[code]
	if !ok {
		return shortener.Record{}, fmt.Errorf("%w: %q", shortener.ErrNotFound, code)
	}
	return shortener.Record{Link: r.link, Deleted: r.deleted, Clicks: r.clicks}, nil
}
