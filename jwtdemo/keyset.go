package jwtdemo

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// KeySet holds the keys a verifier may use, by key ID. A token names its
// key with the kid header; a token without kid uses the key without one.
// An unknown kid fails with ErrUnknownKey: the set never falls back to
// trying every key, which would let a token pick whichever key suits it
// and cost one verification per key.
//
// Rotation: add the new key and start signing with it; tokens signed with
// the old keys still verify until those are removed.
//
// KeySet is safe for concurrent use. Reads take no lock: each change
// publishes a new immutable map. The zero value is an empty set ready to
// use.
type KeySet struct {
	mu   sync.Mutex // serialises writers
	keys atomic.Pointer[map[string]*Key]
}

// NewKeySet returns a set holding keys, whose key IDs must be distinct.
// A nil key, one not made by [NewKey] or [ParseJWK], or a repeated kid is
// an error wrapping ErrInvalidConfig.
func NewKeySet(keys ...*Key) (*KeySet, error) {
	s := &KeySet{}
	m := make(map[string]*Key, len(keys))
	for _, k := range keys {
		if k == nil {
			return nil, fmt.Errorf("%w: nil key", ErrInvalidConfig)
		}
		if !k.initialized() {
			return nil, fmt.Errorf("%w: a key was not made by NewKey", ErrInvalidConfig)
		}
		if _, dup := m[k.kid]; dup {
			return nil, fmt.Errorf("%w: two keys with kid %q", ErrInvalidConfig, k.kid)
		}
		m[k.kid] = k
	}
	s.keys.Store(&m)
	return s, nil
}

// Add adds k to the set. It fails if a key with the same kid is there:
// replacing a key in place would make tokens signed with the old one fail
// as bad signatures; remove it first. That error, and the one for a nil
// key or a key not made by [NewKey] or [ParseJWK], wraps ErrInvalidConfig.
func (s *KeySet) Add(k *Key) error {
	if k == nil {
		return fmt.Errorf("%w: nil key", ErrInvalidConfig)
	}
	if !k.initialized() {
		return fmt.Errorf("%w: the key was not made by NewKey", ErrInvalidConfig)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	if _, dup := old[k.kid]; dup {
		return fmt.Errorf("%w: kid %q already in the set", ErrInvalidConfig, k.kid)
	}
	m := maps.Clone(old)
	if m == nil {
		m = make(map[string]*Key, 1)
	}
	m[k.kid] = k
	s.keys.Store(&m)
	return nil
}

// Remove removes the key with kid and reports whether it was there.
func (s *KeySet) Remove(kid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	if _, ok := old[kid]; !ok {
		return false
	}
	m := maps.Clone(old)
	delete(m, kid)
	s.keys.Store(&m)
	return true
}

// Lookup returns the key with kid.
func (s *KeySet) Lookup(kid string) (*Key, bool) {
	k, ok := s.load()[kid]
	return k, ok
}

// Keys returns the keys in the set, ordered by kid.
func (s *KeySet) Keys() []*Key {
	m := s.load()
	out := make([]*Key, 0, len(m))
	for _, kid := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[kid])
	}
	return out
}

func (s *KeySet) load() map[string]*Key {
	if p := s.keys.Load(); p != nil {
		return *p
	}
	return nil
}
