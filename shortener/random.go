package shortener

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// ErrRandomSource is returned by [Random.Next] when its Reader fails; the
// Reader's error is wrapped too.
var ErrRandomSource = errors.New("shortener: random source failed")

// The lengths [NewRandom] accepts. Four characters are 62^4 ≈ 14.8 M
// codes; 32 are about 190 bits, more than a UUID.
const (
	MinRandomLen = 4
	MaxRandomLen = 32
)

// RandomConfig holds the optional settings of a [Random]. Its zero value
// means the defaults.
type RandomConfig struct {
	// Reader is the source of random bytes. Nil means crypto/rand, which
	// is what a deployment must use: codes from a predictable source can
	// be guessed. Tests set it to replay chosen codes.
	Reader io.Reader
}

// Random issues codes of a fixed length whose characters are drawn
// uniformly from [Alphabet]. Codes may begin with '0': they are names,
// not numbers, and [Decode] does not apply to them. Two draws can collide;
// [Issuer] retries a bounded number of times (the package doc gives the
// odds). Random is safe for simultaneous use by multiple goroutines when
// its Reader is (crypto/rand's is).
type Random struct {
	length int
	reader io.Reader
}

// NewRandom returns a generator of codes of length characters, between
// MinRandomLen and MaxRandomLen.
func NewRandom(length int, cfg RandomConfig) (*Random, error) {
	if length < MinRandomLen || length > MaxRandomLen {
		return nil, fmt.Errorf("%w: random code length must be in [%d, %d], got %d", ErrInvalidConfig, MinRandomLen, MaxRandomLen, length)
	}
	if cfg.Reader == nil {
		cfg.Reader = rand.Reader
	}
	return &Random{length: length, reader: cfg.Reader}, nil
}

// Next returns a new random code. It fails only if the Reader does.
func (g *Random) Next(ctx context.Context) (string, error) {
	if g == nil || g.reader == nil {
		return "", errRandomZero
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var code [MaxRandomLen]byte
	var raw [2 * MaxRandomLen]byte
	n := 0
	for n < g.length {
		// A byte below 248 = 4·62 maps to a digit without bias; the 8 of
		// 256 above are thrown away, so twice the length is nearly always
		// enough in one read.
		buf := raw[:2*(g.length-n)]
		if _, err := io.ReadFull(g.reader, buf); err != nil {
			return "", fmt.Errorf("%w: %w", ErrRandomSource, err)
		}
		for _, b := range buf {
			if b < 248 && n < g.length {
				code[n] = Alphabet[b%62]
				n++
			}
		}
	}
	return string(code[:g.length]), nil
}
