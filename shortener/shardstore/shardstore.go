package shardstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
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
	vn int

	mu     sync.RWMutex // protects the fields below
	ring   *sharding.Ring
	next   *sharding.Ring // the ring being moved to, during AddShard
	shards map[string]shortener.Store
	names  []string

	moveMu  sync.Mutex // one AddShard at a time
	stripes [256]sync.Mutex
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
	s := &Store{vn: vn, shards: make(map[string]shortener.Store, len(shards))}
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

// Shard returns the name of the shard that owns code (during AddShard,
// the shard it is moving to).
func (s *Store) Shard(code string) (string, error) {
	if err := shortener.CheckCode(code); err != nil {
		return "", fmt.Errorf("shardstore: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.ring
	if s.next != nil {
		r = s.next
	}
	return r.Lookup(code)
}

// route is where code lives: its shard, and, while code is moving to it,
// the shard it is moving from (nil otherwise).
type route struct {
	to, from shortener.Store
	stripe   *sync.Mutex // held by the mover while it moves code; nil if not moving
}

func (s *Store) route(code string) (route, error) {
	if err := shortener.CheckCode(code); err != nil {
		return route{}, fmt.Errorf("shardstore: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	old, err := s.ring.Lookup(code)
	if err != nil {
		return route{}, err
	}
	if s.next == nil {
		return route{to: s.shards[old]}, nil
	}
	now, err := s.next.Lookup(code)
	if err != nil {
		return route{}, err
	}
	if now == old {
		return route{to: s.shards[now]}, nil
	}
	return route{to: s.shards[now], from: s.shards[old], stripe: s.stripe(code)}, nil
}

func (s *Store) stripe(code string) *sync.Mutex {
	return &s.stripes[sharding.Hash64(code)%uint64(len(s.stripes))]
}

// write runs f on the store that holds code's record: during a move, under
// the code's stripe, the new shard if the record is there (moved, or
// created there during the move) and the old one otherwise.
func (s *Store) write(ctx context.Context, code string, f func(shortener.Store) error) error {
	r, err := s.route(code)
	if err != nil {
		return err
	}
	if r.from == nil {
		return f(r.to)
	}
	r.stripe.Lock()
	defer r.stripe.Unlock()
	if _, err := r.to.Clicks(ctx, code); err == nil {
		return f(r.to)
	} else if !errors.Is(err, shortener.ErrNotFound) {
		return err
	}
	return f(r.from)
}

// Create creates l on the shard that owns its code. During a move of the
// code it holds the code's stripe and creates on the new shard only if the
// old one never had the code, so a code is never created twice.
func (s *Store) Create(ctx context.Context, l shortener.Link) error {
	if err := l.Check(); err != nil {
		return fmt.Errorf("shardstore: create %q: %w", l.Code, err)
	}
	r, err := s.route(l.Code)
	if err != nil {
		return err
	}
	if r.from == nil {
		return r.to.Create(ctx, l)
	}
	r.stripe.Lock()
	defer r.stripe.Unlock()
	if _, err := r.from.Clicks(ctx, l.Code); err == nil {
		return fmt.Errorf("%w: %q", shortener.ErrCodeTaken, l.Code)
	} else if !errors.Is(err, shortener.ErrNotFound) {
		return err
	}
	return r.to.Create(ctx, l)
}

// Get reads the link from the shard that owns code. During a move it
// reads the old shard first, then the new: the mover imports a record
// into the new shard before it purges it from the old, so one of the two
// always has it, and a read never waits for the move.
func (s *Store) Get(ctx context.Context, code string) (shortener.Link, error) {
	r, err := s.route(code)
	if err != nil {
		return shortener.Link{}, err
	}
	if r.from != nil {
		l, err := r.from.Get(ctx, code)
		if !errors.Is(err, shortener.ErrNotFound) {
			return l, err
		}
	}
	return r.to.Get(ctx, code)
}

// Update updates the link on the shard that holds it.
func (s *Store) Update(ctx context.Context, l shortener.Link) error {
	return s.write(ctx, l.Code, func(st shortener.Store) error { return st.Update(ctx, l) })
}

// Delete deletes the link on the shard that holds it.
func (s *Store) Delete(ctx context.Context, code string) error {
	return s.write(ctx, code, func(st shortener.Store) error { return st.Delete(ctx, code) })
}

// Clicks reads the clicks from the shard that holds code.
func (s *Store) Clicks(ctx context.Context, code string) (int64, error) {
	r, err := s.route(code)
	if err != nil {
		return 0, err
	}
	if r.from != nil {
		n, err := r.from.Clicks(ctx, code)
		if !errors.Is(err, shortener.ErrNotFound) {
			return n, err
		}
	}
	return r.to.Clicks(ctx, code)
}

// AddClicks groups the counts by shard and writes each group with one
// call, the shards in parallel.
func (s *Store) AddClicks(ctx context.Context, counts map[string]int64) error {
	groups := map[string]map[string]int64{}
	var moving []error
	for code, n := range counts {
		r, err := s.route(code)
		if err != nil {
			return err
		}
		if r.from != nil {
			// Rare: only during AddShard, and only for the codes moving.
			moving = append(moving, s.write(ctx, code, func(st shortener.Store) error {
				return st.AddClicks(ctx, map[string]int64{code: n})
			}))
			continue
		}
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
	names, shards := s.members()
	return errors.Join(errors.Join(moving...), each(names, func(i int, name string) error {
		g, ok := groups[name]
		if !ok {
			return nil
		}
		return shards[name].AddClicks(ctx, g)
	}))
}

// Recent asks every shard for its n newest links, in parallel, and merges
// them: newest first, at most n, each code once (during a move a link may
// be on two shards for an instant).
func (s *Store) Recent(ctx context.Context, n int) ([]shortener.Link, error) {
	if n < 1 {
		return nil, nil
	}
	names, shards := s.members()
	parts := make([][]shortener.Link, len(names))
	err := each(names, func(i int, name string) error {
		l, err := shards[name].Recent(ctx, n)
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
	all = slices.CompactFunc(all, func(a, b shortener.Link) bool { return a.Code == b.Code })
	return all[:min(n, len(all))], nil
}

func (s *Store) members() ([]string, map[string]shortener.Store) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.names), maps.Clone(s.shards)
}

// each runs f for every name at once and joins the errors, each naming
// its shard.
func each(names []string, f func(i int, name string) error) error {
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			if err := f(i, name); err != nil {
				errs[i] = fmt.Errorf("shardstore: shard %q: %w", name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// MoveReport says what AddShard moved.
type MoveReport struct {
	// Planned is the share of the hash space the new shard takes, from
	// sharding.PlanRing.
	Planned float64
	// Moved is how many records (live, expired and tombstones) moved,
	// per shard they left.
	Moved map[string]int
	// Kept is how many records stayed where they were.
	Kept int
}

// ErrNotPortable is wrapped by the error of AddShard when a shard cannot
// export or import records (it is not a shortener.Portable).
var ErrNotPortable = errors.New("shardstore: shard cannot move records")

// AddShard adds sh and moves to it the records the new ring gives it, and
// only those (sharding.PlanRing's ranges), while the store keeps serving:
// a read of a moving code tries the old shard, then the new; a write takes
// the code's stripe and goes where the record is; the mover takes the
// stripe, imports the record into the new shard, then purges it from the
// old. Every shard must be a shortener.Portable.
//
// The move is coordinated within this Store only: other processes sharing
// the shards must not write during it (or must run the same AddShard
// through one coordinator). If AddShard fails part way, reads and writes
// keep working across both rings; call AddShard again with the same shard
// to finish the move.
func (s *Store) AddShard(ctx context.Context, sh Shard) (MoveReport, error) {
	s.moveMu.Lock()
	defer s.moveMu.Unlock()
	if sh.Name == "" || sh.Store == nil {
		return MoveReport{}, fmt.Errorf("%w: a shard needs a name and a store", ErrInvalidConfig)
	}
	to, ok := sh.Store.(shortener.Portable)
	if !ok {
		return MoveReport{}, fmt.Errorf("%w: %q", ErrNotPortable, sh.Name)
	}
	s.mu.Lock()
	resume := s.next != nil && s.shards[sh.Name] == sh.Store
	if !resume {
		if s.next != nil {
			s.mu.Unlock()
			return MoveReport{}, fmt.Errorf("%w: a move to another shard is unfinished", ErrInvalidConfig)
		}
		if _, dup := s.shards[sh.Name]; dup {
			s.mu.Unlock()
			return MoveReport{}, fmt.Errorf("%w: shard name %q twice", ErrInvalidConfig, sh.Name)
		}
		for _, name := range s.names {
			if _, ok := s.shards[name].(shortener.Portable); !ok {
				s.mu.Unlock()
				return MoveReport{}, fmt.Errorf("%w: %q", ErrNotPortable, name)
			}
		}
		next, err := s.ring.Add(sharding.Node{Name: sh.Name})
		if err != nil {
			s.mu.Unlock()
			return MoveReport{}, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		s.next = next
		s.shards[sh.Name] = sh.Store
		s.names = append(s.names, sh.Name)
	}
	before, after := s.ring, s.next
	shards := maps.Clone(s.shards)
	s.mu.Unlock()

	plan, err := sharding.PlanRing(before, after)
	if err != nil {
		return MoveReport{}, fmt.Errorf("shardstore: plan: %w", err)
	}
	rep := MoveReport{Planned: plan.Inflow[sh.Name], Moved: map[string]int{}}
	for _, tr := range plan.Transfers {
		if tr.To != sh.Name {
			continue // adding a node moves keys only to it
		}
		from := shards[tr.From].(shortener.Portable)
		var codes []string
		err := from.Export(ctx, func(r shortener.Record) error {
			h := sharding.Hash64(r.Link.Code)
			for _, rg := range tr.Ranges {
				if rg.Contains(h) {
					codes = append(codes, r.Link.Code)
					return nil
				}
			}
			rep.Kept++
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("shardstore: export from %q: %w", tr.From, err)
		}
		for _, code := range codes {
			moved, err := s.move(ctx, code, from, to)
			if err != nil {
				return rep, fmt.Errorf("shardstore: move %q from %q to %q: %w", code, tr.From, sh.Name, err)
			}
			if moved {
				rep.Moved[tr.From]++
			}
		}
	}
	s.mu.Lock()
	s.ring, s.next = after, nil
	s.mu.Unlock()
	return rep, nil
}

// move moves one record under its stripe: import, then purge, so a reader
// trying the old shard and then the new always finds it.
func (s *Store) move(ctx context.Context, code string, from, to shortener.Portable) (bool, error) {
	mu := s.stripe(code)
	mu.Lock()
	defer mu.Unlock()
	r, err := from.Record(ctx, code)
	if errors.Is(err, shortener.ErrNotFound) {
		return false, nil // moved by an earlier, interrupted AddShard
	}
	if err != nil {
		return false, err
	}
	if err := to.Import(ctx, r); err != nil && !errors.Is(err, shortener.ErrCodeTaken) {
		return false, err
	} else if err != nil {
		// Imported by an interrupted AddShard before its purge: the new
		// shard's copy is the one writes went to since.
		if _, err := to.Record(ctx, code); err != nil {
			return false, err
		}
	}
	return true, from.Purge(ctx, code)
}
