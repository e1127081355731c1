package cache

import (
	"context"
	"fmt"
	"sync"
)

var _ Store[int] = (*MemoryStore[int])(nil)

// MemoryStore is a [Store] in a map, for tests, examples and benchmarks:
// it counts its loads, write calls and rows written, which is what the
// strategies are compared by. It is safe for concurrent use; the zero
// value is not: make one with [NewMemoryStore].
type MemoryStore[V any] struct {
	mu     sync.Mutex // protects the fields below
	m      map[string]V
	stats  MemoryStoreStats
	inited bool
}

// MemoryStoreStats counts what a MemoryStore was asked to do.
type MemoryStoreStats struct {
	Loads  uint64 // Load calls
	Writes uint64 // Write calls
	Rows   uint64 // items written, deletions included
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore[V any]() *MemoryStore[V] {
	return &MemoryStore[V]{m: map[string]V{}, inited: true}
}

// Load returns the value for key, or an error wrapping ErrNotFound.
func (s *MemoryStore[V]) Load(_ context.Context, key string) (V, error) {
	if s == nil || !s.inited {
		var zero V
		return zero, errMemStoreZero
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Loads++
	v, ok := s.m[key]
	if !ok {
		return v, fmt.Errorf("%w: key %q", ErrNotFound, key)
	}
	return v, nil
}

// Write applies items in order.
func (s *MemoryStore[V]) Write(ctx context.Context, items []Item[V]) error {
	if s == nil || !s.inited {
		return errMemStoreZero
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Writes++
	s.stats.Rows += uint64(len(items))
	for _, it := range items {
		if it.Delete {
			delete(s.m, it.Key)
		} else {
			s.m[it.Key] = it.Value
		}
	}
	return nil
}

// Stats returns the counts so far.
func (s *MemoryStore[V]) Stats() MemoryStoreStats {
	if s == nil || !s.inited {
		panic(errMemStoreZero)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Len returns the number of values stored.
func (s *MemoryStore[V]) Len() int {
	if s == nil || !s.inited {
		panic(errMemStoreZero)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
