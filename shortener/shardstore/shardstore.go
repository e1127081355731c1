package shardstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/backendkit/backendkit/sharding"
	"github.com/backendkit/backendkit/shortener"
)

// ErrInvalidConfig is wrapped by the error of New given shards it cannot
// use.
var ErrInvalidConfig = errors.New("shardstore: invalid configuration")

// Shard is one store and the name the ring places it by: the name must be
// the same in every instance, and stable across restarts.
type Shard struct {
	Name  string
	Store shortener.Store
}

// Config is New's optional configuration; its zero value means the
// defaults.
type Config struct {
	// VirtualNodes per shard on the ring: sharding.DefaultVirtualNodes
	// when zero.
	VirtualNodes int
}

// Store is a shortener.Store over several shards. It is safe for
// simultaneous use by multiple goroutines if its shards are.
type Store struct {
	ring   *sharding.Ring
	shards map[string]shortener.Store
	names  []string
}

var _ shortener.Store = (*Store)(nil)

// New returns a Store over shards.
func New(shards []Shard, cfg Config) (*Store, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("%w: no shards", ErrInvalidConfig)
	}
	if cfg.VirtualNodes < 0 {
		return nil, fmt.Errorf("%w: negative VirtualNodes", ErrInvalidConfig)
	}
	vn := cfg.VirtualNodes
	if vn == 0 {
		vn = sharding.DefaultVirtualNodes
	}
	s := &Store{shards: make(map[string]shortener.Store, len(shards))}
	for i, sh := range shards {
		switch {
		case sh.Name == "":
			return nil, fmt.Errorf("%w: shard %d has no name", ErrInvalidConfig, i)
		case sh.Store == nil:
			return nil, fmt.Errorf("%w: shard %q has no store", ErrInvalidConfig, sh.Name)
		}
		if _, dup := s.shards[sh.Name]; dup {
			return nil, fmt.Errorf("%w: shard name %q twice", ErrInvalidConfig, sh.Name)
		}
		s.shards[sh.Name] = sh.Store
		s.names = append(s.names, sh.Name)
	}
	ring, err := sharding.NewRing(vn, sharding.Named(s.names...)...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	s.ring = ring
	return s, nil
}

// Shard returns the name of the shard that owns code.
func (s *Store) Shard(code string) (string, error) {
	if err := shortener.CheckCode(code); err != nil {
		return "", fmt.Errorf("shardstore: %w", err)
	}
	return s.ring.Lookup(code)
}

func (s *Store) owner(code string) (shortener.Store, error) {
	name, err := s.Shard(code)
	if err != nil {
		return nil, err
	}
	return s.shards[name], nil
}

// Create creates l on the shard that owns its code.
func (s *Store) Create(ctx context.Context, l shortener.Link) error {
	if err := l.Check(); err != nil {
		return fmt.Errorf("shardstore: create %q: %w", l.Code, err)
	}
	st, err := s.owner(l.Code)
	if err != nil {
		return err
	}
	return st.Create(ctx, l)
}

// Get reads the link from the shard that owns code.
func (s *Store) Get(ctx context.Context, code string) (shortener.Link, error) {
	st, err := s.owner(code)
	if err != nil {
		return shortener.Link{}, err
	}
	return st.Get(ctx, code)
}

// Update updates the link on the shard that owns its code.
func (s *Store) Update(ctx context.Context, l shortener.Link) error {
	st, err := s.owner(l.Code)
	if err != nil {
		return err
	}
	return st.Update(ctx, l)
}

// Delete deletes the link on the shard that owns code.
func (s *Store) Delete(ctx context.Context, code string) error {
	st, err := s.owner(code)
	if err != nil {
		return err
	}
	return st.Delete(ctx, code)
}

// Clicks reads the clicks from the shard that owns code.
func (s *Store) Clicks(ctx context.Context, code string) (int64, error) {
	st, err := s.owner(code)
	if err != nil {
		return 0, err
	}
	return st.Clicks(ctx, code)
}

// AddClicks groups the counts by shard and writes each group with one
// call, the shards in parallel.
func (s *Store) AddClicks(ctx context.Context, counts map[string]int64) error {
	groups := map[string]map[string]int64{}
	for code, n := range counts {
		name, err := s.Shard(code)
		if err != nil {
			return err
		}
		g := groups[name]
		if g == nil {
			g = map[string]int64{}
			groups[name] = g
		}
		g[code] = n
	}
	return s.each(len(groups), func(i int, name string) error {
		g, ok := groups[name]
		if !ok {
			return nil
		}
		return s.shards[name].AddClicks(ctx, g)
	})
}

// Recent asks every shard for its n newest links, in parallel, and merges
// them: newest first, at most n.
func (s *Store) Recent(ctx context.Context, n int) ([]shortener.Link, error) {
	if n < 1 {
		return nil, nil
	}
	parts := make([][]shortener.Link, len(s.names))
	err := s.each(len(s.names), func(i int, name string) error {
		l, err := s.shards[name].Recent(ctx, n)
		parts[i] = l
		return err
	})
	if err != nil {
		return nil, err
	}
	all := slices.Concat(parts...)
	slices.SortFunc(all, func(a, b shortener.Link) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return all[:min(n, len(all))], nil
}

// each runs f for every shard at once and joins the errors, each naming
// its shard.
func (s *Store) each(want int, f func(i int, name string) error) error {
	if want == 0 {
		return nil
	}
	errs := make([]error, len(s.names))
	var wg sync.WaitGroup
	for i, name := range s.names {
		wg.Go(func() {
			if err := f(i, name); err != nil {
				errs[i] = fmt.Errorf("shardstore: shard %q: %w", name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
