// Package workload generates key sequences for measuring caches: Zipf
// popularity with any skew, scans mixed into another sequence, a
// recency-driven sequence, and a reader for trace files of recorded keys.
// [HitRatio] replays a sequence against a cache.
//
// Every generator takes a seed and returns the same sequence for the same
// arguments, so hit ratios are reproducible, and every generator returns a
// precomputed slice, so that a benchmark measures the cache and not the
// generator.
//
// # Conventions
//
//   - Generators take their few arguments positionally; none has a
//     configuration struct.
//   - Errors wrap a sentinel first ([ErrInvalidConfig], [ErrLineTooLong])
//     and say "workload:" once.
//   - The methods of a zero [Zipf] panic with an error wrapping
//     [ErrNotInitialized] that names NewZipf.
package workload

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// ErrInvalidConfig is wrapped by the error a generator or ReadTrace returns
// for arguments it cannot honour, such as an empty key space or a negative
// skew.
var ErrInvalidConfig = errors.New("workload: invalid configuration")

// ErrLineTooLong is wrapped by the error ReadTrace returns for a trace line
// longer than 64 KiB.
var ErrLineTooLong = errors.New("workload: trace line too long")

// ErrNotInitialized is what the methods of a zero Zipf panic with, wrapped
// in an error that names the constructor: "workload: Zipf used without
// NewZipf".
var ErrNotInitialized = errors.New("workload: used without its constructor")

// MaxKeys is the largest key space and the longest sequence a generator
// builds, which bounds its memory.
const MaxKeys = 1 << 26

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func checkCount(count int) error {
	if count < 0 || count > MaxKeys {
		return fmt.Errorf("%w: count must be in [0, %d], got %d", ErrInvalidConfig, MaxKeys, count)
	}
	return nil
}

// Zipf draws keys 0 to n-1 with the probability of key i proportional to
// 1/(i+1)^s: key 0 is the most popular. Unlike math/rand's Zipf it accepts
// any skew s >= 0, including the s < 1 of web and cache traces (s = 0 is
// uniform). It samples by binary search over a precomputed cumulative
// table, so it holds n float64s.
//
// Make a Zipf with [NewZipf]: the methods of the zero value panic with an
// error wrapping [ErrNotInitialized].
type Zipf struct {
	cdf []float64
	rng *rand.Rand
}

// NewZipf returns a Zipf over n keys with skew s, drawing from a generator
// seeded with seed. It returns an error wrapping [ErrInvalidConfig] unless
// 1 <= n <= MaxKeys and s is a finite number >= 0.
func NewZipf(n int, s float64, seed uint64) (*Zipf, error) {
	if n < 1 || n > MaxKeys {
		return nil, fmt.Errorf("%w: key space must be in [1, %d], got %d", ErrInvalidConfig, MaxKeys, n)
	}
	if !(s >= 0) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("%w: skew must be a finite number >= 0, got %v", ErrInvalidConfig, s)
	}
	cdf := make([]float64, n)
	sum := 0.0
	for i := range cdf {
		sum += math.Pow(float64(i+1), -s)
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return &Zipf{cdf: cdf, rng: newRand(seed)}, nil
}

// errZipfZero is what a zero Zipf's methods panic with.
var errZipfZero error = notInitialized("Zipf")

// notInitialized is the error a method of a zero value panics with; it
// names the type, and wraps ErrNotInitialized.
type notInitialized string

func (e notInitialized) Error() string {
	return "workload: " + string(e) + " used without New" + string(e)
}

func (notInitialized) Unwrap() error { return ErrNotInitialized }

// mustBeInitialized panics unless z was made by NewZipf, which never
// leaves the table empty.
func (z *Zipf) mustBeInitialized() {
	if len(z.cdf) == 0 {
		panic(errZipfZero)
	}
}

// Next returns the next key. Zipf is not safe for concurrent use.
func (z *Zipf) Next() uint64 {
	z.mustBeInitialized()
	u := z.rng.Float64()
	i := sort.SearchFloat64s(z.cdf, u)
	return uint64(min(i, len(z.cdf)-1))
}

// Prob returns the probability of key i, or zero outside the key space.
func (z *Zipf) Prob(i int) float64 {
	z.mustBeInitialized()
	switch {
	case i < 0 || i >= len(z.cdf):
		return 0
	case i == 0:
		return z.cdf[0]
	}
	return z.cdf[i] - z.cdf[i-1]
}

// ZipfKeys returns count keys drawn from a Zipf over n keys with skew s.
func ZipfKeys(n int, s float64, count int, seed uint64) ([]uint64, error) {
	if err := checkCount(count); err != nil {
		return nil, err
	}
	z, err := NewZipf(n, s, seed)
	if err != nil {
		return nil, err
	}
	keys := make([]uint64, count)
	for i := range keys {
		keys[i] = z.Next()
	}
	return keys, nil
}

// WithScans returns base with a scan inserted after every every keys: length
// consecutive keys, starting at first and never repeated by a later scan,
// as a batch job or a crawler reading everything once would produce. Pick
// first above base's key space so that scanned keys are never in base. It
// returns an error wrapping [ErrInvalidConfig] unless every and length are at
// least 1 and the result has at most MaxKeys keys.
func WithScans(base []uint64, every, length int, first uint64) ([]uint64, error) {
	if every < 1 || length < 1 {
		return nil, fmt.Errorf("%w: every and length must be at least 1, got %d and %d", ErrInvalidConfig, every, length)
	}
	scans := len(base) / every
	if scans > (MaxKeys-len(base))/length {
		return nil, fmt.Errorf("%w: %d scans of %d keys make more than %d keys", ErrInvalidConfig, scans, length, MaxKeys)
	}
	out := make([]uint64, 0, len(base)+scans*length)
	next := first
	for i, k := range base {
		out = append(out, k)
		if (i+1)%every == 0 {
			for range length {
				out = append(out, next)
				next++
			}
		}
	}
	return out, nil
}

// Recency returns count keys from the LRU stack model, the workload on
// which LRU is the best policy there is: keys are kept in order of their
// last access, and each access reads a new key with probability newKey,
// or else the key at a depth in that order drawn from an exponential
// distribution with mean meanDepth (0 is the most recent key). How likely
// a key is to be read next depends only on how recently it was read, never
// on how often, so recency is the only signal a policy can use.
// Keys deeper than 32 times meanDepth are forgotten, which bounds memory.
// It returns an error wrapping [ErrInvalidConfig] unless 0 < newKey <= 1 and
// meanDepth >= 1.
func Recency(count int, newKey, meanDepth float64, seed uint64) ([]uint64, error) {
	if err := checkCount(count); err != nil {
		return nil, err
	}
	if !(newKey > 0 && newKey <= 1) || !(meanDepth >= 1) || meanDepth > MaxKeys {
		return nil, fmt.Errorf("%w: need 0 < newKey <= 1 and 1 <= meanDepth <= %d, got %v and %v",
			ErrInvalidConfig, MaxKeys, newKey, meanDepth)
	}
	r := newRand(seed)
	keep := int(32 * meanDepth)
	// stack holds keys oldest first, so the most recent is at the end and
	// moving a key to the top costs its depth, not the stack's length.
	stack := make([]uint64, 0, 2*keep)
	next := uint64(0)
	keys := make([]uint64, count)
	for i := range keys {
		if len(stack) == 0 || r.Float64() < newKey {
			keys[i] = next
			stack = append(stack, next)
			next++
		} else {
			d := min(int(r.ExpFloat64()*meanDepth), len(stack)-1)
			j := len(stack) - 1 - d
			k := stack[j]
			copy(stack[j:], stack[j+1:])
			stack[len(stack)-1] = k
			keys[i] = k
		}
		if len(stack) == cap(stack) {
			n := copy(stack, stack[len(stack)-keep:])
			stack = stack[:n]
		}
	}
	return keys, nil
}

// ReadTrace reads a trace of keys: the first whitespace-separated field of
// each line, skipping blank lines and lines starting with '#'. It reads at
// most limit keys (MaxKeys when limit is zero or more than that). It
// returns an error wrapping [ErrInvalidConfig] for a limit below zero, and
// one wrapping [ErrLineTooLong] for a line longer than 64 KiB.
func ReadTrace(r io.Reader, limit int) ([]string, error) {
	if limit < 0 {
		return nil, fmt.Errorf("%w: limit must not be negative, got %d", ErrInvalidConfig, limit)
	}
	if limit == 0 || limit > MaxKeys {
		limit = MaxKeys
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var keys []string
	for len(keys) < limit && sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			line = line[:i]
		}
		keys = append(keys, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: line %d is longer than 64 KiB", ErrLineTooLong, len(keys)+1)
		}
		return nil, fmt.Errorf("workload: reading trace: %w", err)
	}
	return keys, nil
}

// HitRatio replays keys against a cache as a read-through client would:
// get reports whether the key was cached, and on a miss set stores it. It
// returns the fraction of hits, or zero for no keys.
func HitRatio[K any](keys []K, get func(K) bool, set func(K)) float64 {
	if len(keys) == 0 {
		return 0
	}
	hits := 0
	for _, k := range keys {
		if get(k) {
			hits++
		} else {
			set(k)
		}
	}
	return float64(hits) / float64(len(keys))
}
