package shortener

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// ErrOutOfDomain is returned by [Feistel] for a number at or past its
// Domain.
var ErrOutOfDomain = errors.New("shortener: number outside the permutation's domain")

// MinFeistelKeyLen is the shortest key [NewFeistel] accepts, in bytes.
const MinFeistelKeyLen = 16

// feistelRounds is the number of rounds: with a mixing round function,
// eight leave no visible relation between consecutive inputs.
const feistelRounds = 8

// FeistelConfig holds the optional settings of a [Feistel]. Its zero value
// means the defaults.
type FeistelConfig struct {
	// Domain is the number of values permuted: inputs and outputs are in
	// [0, Domain). Zero means 2^64, every uint64. A smaller Domain keeps
	// codes short: 62^7 (3,521,614,606,208) gives codes of at most seven
	// characters. It must be 0 or >= 2.
	Domain uint64
}

// Feistel is a keyed bijection on [0, Domain): a balanced Feistel network
// of eight rounds over the smallest even number of bits that holds Domain,
// with cycle walking (re-applying the network until the value falls in the
// domain) for a Domain that is not a power of four. Distinct inputs give
// distinct outputs by construction, so a counter passed through it stays
// collision-free while consecutive ids get unrelated codes.
//
// It is obfuscation, not encryption: it hides how many links exist and
// stops enumeration by incrementing a code, but it is not a proven cipher,
// and the key must stay secret (whoever holds it can invert every code).
// Feistel is immutable and safe for simultaneous use by multiple
// goroutines.
type Feistel struct {
	keys   [feistelRounds]uint64
	half   uint   // bits in each half
	mask   uint64 // half's mask
	domain uint64 // 0 means 2^64
	rounds int    // feistelRounds; 0 in a zero value
}

// NewFeistel returns the permutation chosen by key, which must hold at
// least MinFeistelKeyLen bytes (use 32 random bytes kept with the
// service's secrets). Changing the key changes every code.
func NewFeistel(key []byte, cfg FeistelConfig) (*Feistel, error) {
	if len(key) < MinFeistelKeyLen {
		return nil, fmt.Errorf("%w: Feistel key must be >= %d bytes, got %d", ErrInvalidConfig, MinFeistelKeyLen, len(key))
	}
	if cfg.Domain == 1 {
		return nil, fmt.Errorf("%w: Domain must be 0 (2^64) or >= 2, got 1", ErrInvalidConfig)
	}
	f := &Feistel{domain: cfg.Domain, rounds: feistelRounds}
	width := uint(64)
	if cfg.Domain != 0 {
		width = uint(bits.Len64(cfg.Domain - 1)) // bits of the largest value
		width += width & 1                       // even, for two equal halves
	}
	f.half = width / 2
	f.mask = 1<<f.half - 1
	sum := sha512.Sum512(append([]byte("shortener feistel v1\x00"), key...))
	for i := range f.keys {
		f.keys[i] = binary.LittleEndian.Uint64(sum[8*i:])
	}
	return f, nil
}

// Domain returns the number of values permuted; 0 means 2^64.
func (f *Feistel) Domain() (uint64, error) {
	if f == nil || f.rounds == 0 {
		return 0, errFeistelZero
	}
	return f.domain, nil
}

// round is the round function: a 64-bit finaliser (murmur3's fmix64) of
// the half and the round key, cut to a half.
func (f *Feistel) round(r uint64, i int) uint64 {
	x := r ^ f.keys[i]
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x & f.mask
}

func (f *Feistel) forward(x uint64) uint64 {
	l, r := x>>f.half, x&f.mask
	for i := range feistelRounds {
		l, r = r, l^f.round(r, i)
	}
	return l<<f.half | r
}

func (f *Feistel) backward(y uint64) uint64 {
	l, r := y>>f.half, y&f.mask
	for i := feistelRounds - 1; i >= 0; i-- {
		l, r = r^f.round(l, i), l
	}
	return l<<f.half | r
}

// Obfuscate returns the image of x, in [0, Domain). It fails with
// ErrOutOfDomain when x is not below Domain.
func (f *Feistel) Obfuscate(x uint64) (uint64, error) {
	if f == nil || f.rounds == 0 {
		return 0, errFeistelZero
	}
	if f.domain != 0 && x >= f.domain {
		return 0, fmt.Errorf("%w: %d >= %d", ErrOutOfDomain, x, f.domain)
	}
	y := f.forward(x)
	for f.domain != 0 && y >= f.domain {
		y = f.forward(y)
	}
	return y, nil
}

// Reveal inverts Obfuscate: Reveal(Obfuscate(x)) == x for every x in the
// domain. It fails with ErrOutOfDomain when y is not below Domain.
func (f *Feistel) Reveal(y uint64) (uint64, error) {
	if f == nil || f.rounds == 0 {
		return 0, errFeistelZero
	}
	if f.domain != 0 && y >= f.domain {
		return 0, fmt.Errorf("%w: %d >= %d", ErrOutOfDomain, y, f.domain)
	}
	x := f.backward(y)
	for f.domain != 0 && x >= f.domain {
		x = f.backward(x)
	}
	return x, nil
}
