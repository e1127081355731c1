package cache

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Map is the in-memory cache a [Local] tier stands on: an [S3FIFO] or an
// [LRU] holding entries.
type Map[V any] interface {
	Get(key string) (Entry[V], bool)
	SetWithTTL(key string, e Entry[V], ttl time.Duration)
	Delete(key string) bool
	Clear()
}

var (
	_ Map[int]         = (*S3FIFO[string, Entry[int]])(nil)
	_ Map[int]         = (*LRU[string, Entry[int]])(nil)
	_ ClockedTier[int] = (*Local[int])(nil)
)

// localStripes is the number of generation counters of a Local tier. Keys
// share them by hash: an invalidation of one key also revokes the leases
// of the others in its stripe, which costs them a fill, never correctness.
const localStripes = 1024

// Local is an in-process [Tier] over a [Map]. Its leases are per-key
// generations: Reserve reads the key's generation, Delete and Set raise it
// under the same lock that Fill holds while it compares and stores, so a
// fill whose load started before an invalidation is dropped.
//
// Generations live in a fixed array of counters shared by hash, so memory
// does not grow with the keys. Local does not own its Map: close the Map
// when done; its OnEvict, if any, runs under a Local lock and must not
// call the Local. Local is safe for concurrent use; the methods of one made by
// NewLocal never fail, and ignore their context.
//
// Make a Local with [NewLocal]. The methods of a zero Local return an
// error wrapping [ErrNotInitialized], and Clear panics with it.
type Local[V any] struct {
	m       Map[V]
	s3      *S3FIFO[string, Entry[V]] // m, when it is one: a direct call on the hit path
	seed    maphash.Seed
	stripes *[localStripes]stripe
}

type stripe struct {
	mu  sync.Mutex // protects gen, and orders Fill against Set and Delete
	gen uint64
	_   [48]byte // a cache line each, so neighbouring stripes don't contend
}

// NewLocal returns a Local tier over m, which must not be nil.
func NewLocal[V any](m Map[V]) (*Local[V], error) {
	if m == nil {
		return nil, errInvalid("NewLocal: map must not be nil")
	}
	l := &Local[V]{m: m, seed: maphash.MakeSeed(), stripes: new([localStripes]stripe)}
	// An Entry never fits an atomic word, so an S3FIFO of them stores
	// each value once and never writes it again, which getRef needs.
	if s3, ok := m.(*S3FIFO[string, Entry[V]]); ok && s3.kind == boxed {
		l.s3 = s3
	}
	return l, nil
}

func (l *Local[V]) stripe(key string) *stripe {
	return &l.stripes[maphash.String(l.seed, key)%localStripes]
}

// Get returns the entry for key. It takes no lock beyond the Map's.
func (l *Local[V]) Get(_ context.Context, key string) (Entry[V], bool, error) {
	if l == nil || l.m == nil {
		return Entry[V]{}, false, errLocalZero
	}
	if l.s3 != nil {
		return l.getS3(key)
	}
	e, ok := l.m.Get(key)
	return e, ok, nil
}

// getS3 is Get over the S3FIFO: one copy of the entry, from where the
// S3FIFO holds it.
func (l *Local[V]) getS3(key string) (Entry[V], bool, error) {
	p, _ := l.s3.getRef(key)
	if p == nil {
		return Entry[V]{}, false, nil
	}
	return *p, true, nil
}

// GetNow is Get that also returns the time, in Unix nanoseconds: over an
// S3FIFO, the reading it took for its own expiry check (its base instant
// plus the monotonic time since), so one clock read serves both.
func (l *Local[V]) GetNow(_ context.Context, key string) (Entry[V], int64, bool, error) {
	if l == nil || l.m == nil {
		return Entry[V]{}, 0, false, errLocalZero
	}
	if l.s3 != nil {
		p, now := l.s3.getRef(key)
		if p == nil {
			return Entry[V]{}, now, false, nil
		}
		return *p, now, true, nil
	}
	e, ok := l.m.Get(key)
	return e, time.Now().UnixNano(), ok, nil
}

// Reserve returns a lease holding key's generation.
func (l *Local[V]) Reserve(_ context.Context, key string) (Lease, error) {
	if l == nil || l.m == nil {
		return Lease{}, errLocalZero
	}
	s := l.stripe(key)
	s.mu.Lock()
	g := s.gen
	s.mu.Unlock()
	return Lease{Gen: g}, nil
}

// Fill stores e unless key's generation moved since Reserve.
func (l *Local[V]) Fill(_ context.Context, key string, lease Lease, e Entry[V], ttl time.Duration) (bool, error) {
	if l == nil || l.m == nil {
		return false, errLocalZero
	}
	s := l.stripe(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != lease.Gen {
		return false, nil
	}
	l.m.SetWithTTL(key, e, ttl)
	return true, nil
}

// Set stores e and raises key's generation.
func (l *Local[V]) Set(_ context.Context, key string, e Entry[V], ttl time.Duration) error {
	if l == nil || l.m == nil {
		return errLocalZero
	}
	s := l.stripe(key)
	s.mu.Lock()
	s.gen++
	l.m.SetWithTTL(key, e, ttl)
	s.mu.Unlock()
	return nil
}

// Delete removes keys and raises their generations.
func (l *Local[V]) Delete(_ context.Context, keys ...string) error {
	if l == nil || l.m == nil {
		return errLocalZero
	}
	for _, k := range keys {
		s := l.stripe(k)
		s.mu.Lock()
		s.gen++
		l.m.Delete(k)
		s.mu.Unlock()
	}
	return nil
}

// Clear removes every entry and revokes every lease: what a subscriber
// does when it may have missed invalidations.
func (l *Local[V]) Clear() {
	if l == nil || l.m == nil {
		panic(errLocalZero)
	}
	// Generations first: a fill that passes its check after this would
	// hold a lease taken after the flush point, so what it stores is no
	// older than the flush.
	for i := range l.stripes {
		s := &l.stripes[i]
		s.mu.Lock()
		s.gen++
		s.mu.Unlock()
	}
	l.m.Clear()
}
