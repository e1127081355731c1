package shortener

import (
	"errors"
	"math/bits"
)

// Alphabet is the base62 alphabet, in the order of the digits' values:
// digits, then upper case, then lower case. It is also ASCII order, so two
// codes of the same length sort as the numbers they encode.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// MaxEncodedLen is the length of the longest code [Encode] returns: that
// of math.MaxUint64, "LygHa16AHYF". 62^10 < 2^64 <= 62^11.
const MaxEncodedLen = 11

// ErrInvalidCode is the class of every refusal of [Decode]: errors.Is(err,
// ErrInvalidCode) holds for each of the errors below as well as for itself.
var ErrInvalidCode = errors.New("shortener: invalid base62 code")

// The refusals of [Decode], one per cause. Each also matches
// [ErrInvalidCode].
var (
	// ErrEmptyCode is the refusal of an empty string.
	ErrEmptyCode = newRefusal(ErrInvalidCode, "shortener: empty base62 code")
	// ErrCodeCharacter is the refusal of a byte outside [Alphabet].
	ErrCodeCharacter = newRefusal(ErrInvalidCode, "shortener: character outside the base62 alphabet")
	// ErrNonCanonical is the refusal of a code with a leading zero ("007"):
	// every number has one code, so "7" and "007" never name two links.
	ErrNonCanonical = newRefusal(ErrInvalidCode, "shortener: non-canonical base62 code (leading zero)")
	// ErrCodeOverflow is the refusal of a code whose value does not fit in
	// 64 bits.
	ErrCodeOverflow = newRefusal(ErrInvalidCode, "shortener: base62 code overflows 64 bits")
)

// decodeTable maps a byte to its digit value, or 0xff outside the alphabet.
var decodeTable = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(Alphabet) {
		t[Alphabet[i]] = byte(i)
	}
	return t
}()

// pairs holds the two digits of every number below 62*62, so encoding
// divides once per two digits.
var pairs = func() (p [2 * 62 * 62]byte) {
	for i := range 62 * 62 {
		p[2*i] = Alphabet[i/62]
		p[2*i+1] = Alphabet[i%62]
	}
	return p
}()

// Encode returns the base62 code of v: "0" for 0, at most [MaxEncodedLen]
// characters, no leading zero. It allocates only the result.
func Encode(v uint64) string {
	var buf [MaxEncodedLen]byte
	i := put(&buf, v)
	return string(buf[i:])
}

// Append appends the base62 code of v to dst and returns the extended
// slice; it allocates nothing when dst has room for [MaxEncodedLen] more
// bytes.
func Append(dst []byte, v uint64) []byte {
	var buf [MaxEncodedLen]byte
	i := put(&buf, v)
	return append(dst, buf[i:]...)
}

// put writes the code of v at the end of buf and returns where it starts.
func put(buf *[MaxEncodedLen]byte, v uint64) int {
	i := MaxEncodedLen
	for v >= 62*62 {
		q := v / (62 * 62)
		r := (v - q*62*62) * 2
		i -= 2
		buf[i+1] = pairs[r+1]
		buf[i] = pairs[r]
		v = q
	}
	if v >= 62 {
		i -= 2
		buf[i+1] = pairs[2*v+1]
		buf[i] = pairs[2*v]
		return i
	}
	i--
	buf[i] = Alphabet[v]
	return i
}

// Decode returns the number s encodes. It refuses, in this order, an empty
// s ([ErrEmptyCode]), any byte outside [Alphabet] ([ErrCodeCharacter]), a
// leading zero ([ErrNonCanonical]) and a value above math.MaxUint64
// ([ErrCodeOverflow]); so Encode(v) == s whenever Decode(s) returns v and
// no error. It allocates nothing.
func Decode(s string) (uint64, error) {
	if len(s) == 0 {
		return 0, ErrEmptyCode
	}
	if len(s) <= MaxEncodedLen-1 {
		// At most ten digits: 62^10-1 < 2^64, no overflow possible.
		var v uint64
		for i := 0; i < len(s); i++ {
			d := decodeTable[s[i]]
			if d == 0xff {
				return 0, ErrCodeCharacter
			}
			v = v*62 + uint64(d)
		}
		if s[0] == '0' && len(s) > 1 {
			return 0, ErrNonCanonical
		}
		return v, nil
	}
	return decodeLong(s)
}

// decodeLong decodes a code of eleven characters or more, checking for
// overflow while still refusing a bad character first.
func decodeLong(s string) (uint64, error) {
	var v uint64
	overflow := false
	for i := 0; i < len(s); i++ {
		d := decodeTable[s[i]]
		if d == 0xff {
			return 0, ErrCodeCharacter
		}
		if overflow {
			continue
		}
		hi, lo := bits.Mul64(v, 62)
		sum, carry := bits.Add64(lo, uint64(d), 0)
		if hi != 0 || carry != 0 {
			overflow = true
			continue
		}
		v = sum
	}
	switch {
	case s[0] == '0':
		return 0, ErrNonCanonical
	case overflow:
		return 0, ErrCodeOverflow
	}
	return v, nil
}
