package redisid

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/shortener"
)

// The errors of this package.
var (
	// ErrInvalidConfig is wrapped by the error of NewSource given a nil
	// client or an empty key, and of NextBlock asked for a block of 0.
	ErrInvalidConfig = errors.New("redisid: invalid configuration")
	// ErrNotInitialized is the error of a Source used without NewSource
	// (a zero value or a nil pointer).
	ErrNotInitialized = errors.New("redisid: Source used without NewSource")
	// ErrRedis is wrapped, with the client's error, by the error of a
	// command that failed.
	ErrRedis = errors.New("redisid: redis command failed")
	// ErrRange is the error of a block or floor past math.MaxInt64, the
	// largest integer Redis holds.
	ErrRange = errors.New("redisid: beyond Redis's 63-bit integers")
)

// Source is a [shortener.BlockSource] on one Redis key: NextBlock is one
// INCRBY, so blocks of every node that shares the key never overlap, on a
// single server or a Redis Cluster. It is a [shortener.Raiser] too. Source
// is safe for simultaneous use by multiple goroutines.
//
// The key holds the first id of the next block. A Redis that restarts
// without its data (an embedded or unpersisted one) starts the key again
// at zero; [shortener.Counter] then refuses the block below its floor and
// raises the key first, so the store, not Redis, decides.
type Source struct {
	client redis.Cmdable
	key    string
}

var _ shortener.Raiser = (*Source)(nil)

// NewSource returns a Source on key, through client.
func NewSource(client redis.Cmdable, key string) (*Source, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: client is nil", ErrInvalidConfig)
	}
	if key == "" {
		return nil, fmt.Errorf("%w: key is empty", ErrInvalidConfig)
	}
	return &Source{client: client, key: key}, nil
}

// NextBlock reserves size ids with one INCRBY and returns the first. A
// size of 0 is ErrInvalidConfig, one past math.MaxInt64 ErrRange.
func (s *Source) NextBlock(ctx context.Context, size uint64) (uint64, error) {
	if s == nil || s.client == nil {
		return 0, ErrNotInitialized
	}
	if size == 0 {
		return 0, fmt.Errorf("%w: block size must be >= 1", ErrInvalidConfig)
	}
	if size > math.MaxInt64 {
		return 0, fmt.Errorf("%w: block size %d", ErrRange, size)
	}
	end, err := s.client.IncrBy(ctx, s.key, int64(size)).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: INCRBY: %w", ErrRedis, err)
	}
	if end < int64(size) {
		return 0, fmt.Errorf("%w: key holds a negative value", ErrRange)
	}
	return uint64(end) - size, nil
}

// raise sets the key to the floor unless it already holds as much. The
// comparison is of decimal strings (length first), exact at any size,
// where Lua's numbers would round above 2^53.
var raise = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local floor = ARGV[1]
if not cur or string.sub(cur, 1, 1) == '-' or #cur < #floor or (#cur == #floor and cur < floor) then
  redis.call('SET', KEYS[1], floor)
  return 1
end
return 0
`)

// Raise makes the next block start at floor or later, atomically; it never
// moves the key backwards.
func (s *Source) Raise(ctx context.Context, floor uint64) error {
	if s == nil || s.client == nil {
		return ErrNotInitialized
	}
	if floor > math.MaxInt64 {
		return fmt.Errorf("%w: floor %d", ErrRange, floor)
	}
	if err := raise.Run(ctx, s.client, []string{s.key}, strconv.FormatUint(floor, 10)).Err(); err != nil {
		return fmt.Errorf("%w: raise script: %w", ErrRedis, err)
	}
	return nil
}
