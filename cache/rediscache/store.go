package rediscache

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/cache"
)

var _ cache.Store[int] = (*Store[int])(nil)

// StoreConfig configures a [Store]. Its zero value means JSON.
type StoreConfig[V any] struct {
	// Codec encodes values. Nil means JSON.
	Codec Codec[V]
}

// Store is a [cache.Store] in Redis: Redis as the source of truth (the
// shortener's NoSQL store), one key per value under a prefix, with no
// time to live. Write sends its items in one pipeline: items of one key
// are applied in order, but the pipeline is not a transaction, and on a
// Cluster items in different slots go to their nodes independently. A
// value the codec cannot decode is an error wrapping ErrCodec; it stays
// in Redis, since the store is the truth. Store is safe for concurrent
// use; make one with [NewStore].
type Store[V any] struct {
	c     redis.UniversalClient
	ks    keyspace
	codec Codec[V]
}

// NewStore returns a Store under prefix (which must not contain braces)
// through client. It returns an error wrapping ErrInvalidConfig for a nil
// client or a bad prefix.
func NewStore[V any](client redis.UniversalClient, prefix string, cfg StoreConfig[V]) (*Store[V], error) {
	if client == nil {
		return nil, fmt.Errorf("%w: NewStore: client must not be nil", ErrInvalidConfig)
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	if cfg.Codec == nil {
		cfg.Codec = JSON[V]{}
	}
	return &Store[V]{c: client, ks: keyspace(prefix), codec: cfg.Codec}, nil
}

// Load returns key's value, or an error wrapping cache.ErrNotFound.
func (s *Store[V]) Load(ctx context.Context, key string) (V, error) {
	var zero V
	if s == nil || s.c == nil {
		return zero, errStoreZero
	}
	b, err := s.c.Get(ctx, s.ks.tagged("s", key)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return zero, fmt.Errorf("%w: key %q", cache.ErrNotFound, key)
	case err != nil:
		return zero, redisErr("GET", err)
	}
	v, err := s.codec.Unmarshal(b)
	if err != nil {
		return zero, fmt.Errorf("%w: key %q: %w", ErrCodec, key, err)
	}
	return v, nil
}

// Write applies items in one pipeline.
func (s *Store[V]) Write(ctx context.Context, items []cache.Item[V]) error {
	if s == nil || s.c == nil {
		return errStoreZero
	}
	vals := make([][]byte, len(items))
	for i, it := range items {
		if it.Delete {
			continue
		}
		b, err := s.codec.Marshal(it.Value)
		if err != nil {
			return fmt.Errorf("%w: key %q: %w", ErrCodec, it.Key, err)
		}
		vals[i] = b
	}
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, it := range items {
			k := s.ks.tagged("s", it.Key)
			if it.Delete {
				p.Del(ctx, k)
			} else {
				p.Set(ctx, k, vals[i], 0)
			}
		}
		return nil
	})
	if err != nil {
		return redisErr("write pipeline", err)
	}
	return nil
}
