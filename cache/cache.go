package cache

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidConfig is wrapped by the error a constructor returns for a
// capacity or a configuration it cannot honour, such as a capacity below
// one.
var ErrInvalidConfig = errors.New("cache: invalid configuration")

// ErrNotInitialized is what a method of a zero LRU or S3FIFO panics with,
// wrapped in an error that names the type and its constructor, such as
// "cache: S3FIFO used without NewS3FIFO": a cache made without its
// constructor has no capacity, so using one is a bug.
var ErrNotInitialized = errors.New("cache: used without its constructor")

// MaxCapacity is the largest capacity a cache accepts: far beyond any
// memory, it only keeps size arithmetic from overflowing.
const MaxCapacity = 1 << 40

// DefaultSweepInterval is how often the background sweep runs when
// Config.SweepInterval is zero.
const DefaultSweepInterval = time.Second

// sweepBatch is the most expired entries one sweep removes while holding a
// lock, and sweepLimit the most it removes per shard in one run: a sweep
// never stalls writers for long, and what it leaves is removed on the next
// run, on read, or by eviction.
const (
	sweepBatch = 64
	sweepLimit = 1024
)

// Config configures a cache beyond its capacity, which the constructors
// take as an argument. Its zero value means the documented defaults: no
// time to live, DefaultSweepInterval, no callback, no hit and miss
// counting, shards picked from GOMAXPROCS.
type Config[K comparable, V any] struct {
	// DefaultTTL is the time to live that Set gives an entry. Zero means
	// entries set with Set never expire; a negative value is an error.
	// Any value up to math.MaxInt64 is accepted, as by SetWithTTL.
	DefaultTTL time.Duration

	// SweepInterval is how often the background sweep removes expired
	// entries. Zero means DefaultSweepInterval; a negative value is an
	// error. The sweep runs only once an entry with a time to live has been
	// stored, and stops on Close.
	SweepInterval time.Duration

	// OnEvict, when not nil, is called exactly once for every value that
	// leaves the cache, with that value and the reason: evicted for room,
	// expired, or deleted (by Delete or Clear). A value that a Set
	// overwrites has not left, and is not reported; the value that
	// replaced it is, when it leaves in turn. It runs on the goroutine
	// whose call removed the entry (or on the sweep's goroutine), after
	// the cache has released its locks, so it may call the cache,
	// Close included (see Close).
	OnEvict func(key K, value V, reason Reason)

	// RecordStats makes the cache count hits and misses for Stats;
	// evictions and expirations are always counted. It is off by default
	// because an S3FIFO Get takes no lock and otherwise writes nothing
	// that other cores read: counting makes every Get write to memory
	// all cores share, which cost parallel Gets a quarter to a half of
	// their throughput on two cores. LRU counts under its lock, but
	// follows the same setting.
	RecordStats bool

	// Shards is the number of independently locked shards of an S3FIFO,
	// rounded up to a power of two. Zero picks a number from GOMAXPROCS and
	// the capacity. LRU has a single lock and ignores it.
	Shards int
}

// validate checks capacity and cfg together.
func (c *Config[K, V]) validate(capacity int) error {
	switch {
	case capacity < 1 || capacity > MaxCapacity:
		return fmt.Errorf("%w: capacity must be in [1, %d], got %d", ErrInvalidConfig, MaxCapacity, capacity)
	case c.DefaultTTL < 0:
		return fmt.Errorf("%w: DefaultTTL must not be negative, got %v", ErrInvalidConfig, c.DefaultTTL)
	case c.SweepInterval < 0:
		return fmt.Errorf("%w: SweepInterval must not be negative, got %v", ErrInvalidConfig, c.SweepInterval)
	case c.Shards < 0:
		return fmt.Errorf("%w: Shards must not be negative, got %d", ErrInvalidConfig, c.Shards)
	}
	return nil
}

func (c *Config[K, V]) sweepInterval() time.Duration {
	if c.SweepInterval == 0 {
		return DefaultSweepInterval
	}
	return c.SweepInterval
}

// Reason says why an entry left the cache.
type Reason int

const (
	// Evicted means the entry was removed to make room for another.
	Evicted Reason = iota + 1
	// Expired means the entry's time to live ran out.
	Expired
	// Deleted means Delete or Clear removed the entry.
	Deleted
)

// String returns the reason's name in lower case.
func (r Reason) String() string {
	switch r {
	case Evicted:
		return "evicted"
	case Expired:
		return "expired"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Stats counts what a cache has done since it was created.
type Stats struct {
	// Hits counts Get calls that found a live entry, when
	// Config.RecordStats is set.
	Hits uint64
	// Misses counts Get calls that found none (an expired entry is a
	// miss), when Config.RecordStats is set.
	Misses uint64
	// Evictions counts entries removed to make room.
	Evictions uint64
	// Expirations counts entries removed because their time ran out, on
	// read, by the sweep, or by a Set with a negative time to live.
	Expirations uint64
}

// HitRatio returns Hits / (Hits + Misses), or zero before the first Get.
func (s Stats) HitRatio() float64 {
	if n := s.Hits + s.Misses; n > 0 {
		return float64(s.Hits) / float64(n)
	}
	return 0
}

// notInitialized is the error a method of a zero cache panics with; it
// names the type, and wraps ErrNotInitialized.
type notInitialized string

func (e notInitialized) Error() string {
	return "cache: " + string(e) + " used without New" + string(e)
}

func (notInitialized) Unwrap() error { return ErrNotInitialized }

// The panics of zero caches, made once so that the check costs no
// allocation.
var (
	errLRUZero    error = notInitialized("LRU")
	errS3FIFOZero error = notInitialized("S3FIFO")
)

// removal is an entry that left the cache and whose OnEvict call is due once
// the lock is released.
type removal[K comparable, V any] struct {
	key    K
	value  V
	reason Reason
}

// deadline returns the monotonic instant, in nanoseconds since base, at
// which an entry set at now (not negative) with ttl expires; zero means
// never. A ttl past the last representable instant saturates to it, about
// 292 years after base, rather than wrapping round into the past.
func deadline(now int64, ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	if int64(ttl) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(ttl)
}
