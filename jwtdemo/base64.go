package jwtdemo

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// Strict base64url without padding (RFC 7515 §2 and Appendix C). The
// standard library's decoder skips '\r' and '\n' and its Strict mode still
// does, so this one is written out: it accepts exactly the alphabet
// A–Z a–z 0–9 - _, no padding, no whitespace, no length of 1 mod 4, and only
// canonical encodings (the unused low bits of the last character are zero).
// Each token has exactly one encoding, so a token cannot be altered while
// its decoded bytes, and so its signature check, stay the same.

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// b64Decode maps a character to its 6-bit value, or 0xFF when it is not in
// the base64url alphabet.
var b64Decode = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(b64Alphabet); i++ {
		t[b64Alphabet[i]] = byte(i)
	}
	return t
}()

// b64Pairs maps twelve bits to their two characters, the first in the low
// byte.
var b64Pairs = func() (t [4096]uint16) {
	for i := range t {
		t[i] = uint16(b64Alphabet[i>>6]) | uint16(b64Alphabet[i&0x3F])<<8
	}
	return t
}()

// b64d0..b64d3 map a character at position 0..3 of a quantum to its six
// bits shifted into place, or to all ones when it is not in the alphabet.
var b64d0, b64d1, b64d2, b64d3 = shiftedTable(18), shiftedTable(12), shiftedTable(6), shiftedTable(0)

func shiftedTable(shift uint) (t [256]uint32) {
	for i := range t {
		t[i] = 0xFFFFFFFF
		if v := b64Decode[i]; v != 0xFF {
			t[i] = uint32(v) << shift
		}
	}
	return t
}

// decodedLen returns the length of the bytes n characters decode to, or -1
// when no strict encoding has n characters.
func decodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + (n%4*6)/8
}

// encodedLen returns the length of the unpadded encoding of n bytes.
func encodedLen(n int) int {
	return n/3*4 + (n%3*8+5)/6
}

// decodeSegment decodes src into dst, which must hold decodedLen(len(src))
// bytes, and returns the number of bytes written. It reports false for any
// input that is not the one canonical encoding of some bytes.
func decodeSegment(dst []byte, src string) (int, bool) {
	n := decodedLen(len(src))
	if n < 0 || len(dst) < n {
		return 0, false
	}
	di, si := 0, 0
	if useAVX2 && len(src) >= 32 && len(dst) >= 32 {
		// Whole 32-character blocks, as many as src holds and as dst
		// has room for: block k stores 32 bytes from 24k.
		blocks := min(len(src)/32, (len(dst)-32)/24+1)
		if !decodeAVX2(&dst[0], unsafe.StringData(src), blocks) {
			return 0, false
		}
		si, di = 32*blocks, 24*blocks
	}
	// Four characters make three bytes: the tables hold each character's
	// six bits already shifted into place, and all ones for a character
	// outside the alphabet, which sets the top byte. Sixteen characters at
	// a time while they fit, then eight, then four. Each eight-character
	// store writes two bytes past its six, which the next store or the
	// loops that follow overwrite.
	for ; si+16 <= len(src) && di+14 <= len(dst); si, di = si+16, di+12 {
		a, b := load64(src, si), load64(src, si+8)
		v := b64d0[byte(a)] | b64d1[byte(a>>8)] | b64d2[byte(a>>16)] | b64d3[byte(a>>24)]
		w := b64d0[byte(a>>32)] | b64d1[byte(a>>40)] | b64d2[byte(a>>48)] | b64d3[byte(a>>56)]
		x := b64d0[byte(b)] | b64d1[byte(b>>8)] | b64d2[byte(b>>16)] | b64d3[byte(b>>24)]
		y := b64d0[byte(b>>32)] | b64d1[byte(b>>40)] | b64d2[byte(b>>48)] | b64d3[byte(b>>56)]
		if (v|w|x|y)>>24 != 0 {
			return 0, false
		}
		d := dst[di : di+14]
		binary.BigEndian.PutUint64(d, uint64(v)<<40|uint64(w)<<16)
		binary.BigEndian.PutUint64(d[6:], uint64(x)<<40|uint64(y)<<16)
	}
	for ; si+8 <= len(src) && di+8 <= len(dst); si, di = si+8, di+6 {
		q := src[si : si+8]
		v := b64d0[q[0]] | b64d1[q[1]] | b64d2[q[2]] | b64d3[q[3]]
		w := b64d0[q[4]] | b64d1[q[5]] | b64d2[q[6]] | b64d3[q[7]]
		if (v|w)>>24 != 0 {
			return 0, false
		}
		binary.BigEndian.PutUint64(dst[di:], uint64(v)<<40|uint64(w)<<16)
	}
	for ; si+4 <= len(src); si, di = si+4, di+3 {
		q := src[si : si+4]
		v := b64d0[q[0]] | b64d1[q[1]] | b64d2[q[2]] | b64d3[q[3]]
		if v>>24 != 0 {
			return 0, false
		}
		o := dst[di : di+3]
		o[0], o[1], o[2] = byte(v>>16), byte(v>>8), byte(v)
	}
	switch len(src) - si {
	case 2:
		a, b := b64Decode[src[si]], b64Decode[src[si+1]]
		if (a|b)&0xC0 != 0 || b&0x0F != 0 {
			return 0, false
		}
		dst[di] = a<<2 | b>>4
		di++
	case 3:
		a, b, c := b64Decode[src[si]], b64Decode[src[si+1]], b64Decode[src[si+2]]
		if (a|b|c)&0xC0 != 0 || c&0x03 != 0 {
			return 0, false
		}
		dst[di], dst[di+1] = a<<2|b>>4, b<<4|c>>2
		di += 2
	}
	return di, true
}

// appendEncoded appends the unpadded base64url encoding of src to dst.
func appendEncoded(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, encodedLen(len(src)))[:n+encodedLen(len(src))]
	out := dst[n:]
	i, o := 0, 0
	if useAVX2 && len(src) >= 28 {
		// Whole 24-byte blocks, each of which reads 28 bytes from 24k.
		blocks := (len(src) - 4) / 24
		encodeAVX2(&out[0], &src[0], blocks)
		i, o = 24*blocks, 32*blocks
	}
	// Six bytes make eight characters, looked up two at a time and stored
	// in one write.
	for ; i+8 <= len(src); i, o = i+6, o+8 {
		v := binary.BigEndian.Uint64(src[i:])
		w := uint64(b64Pairs[v>>52]) | uint64(b64Pairs[v>>40&0xFFF])<<16 |
			uint64(b64Pairs[v>>28&0xFFF])<<32 | uint64(b64Pairs[v>>16&0xFFF])<<48
		binary.LittleEndian.PutUint64(out[o:o+8], w)
	}
	for ; i+3 <= len(src); i, o = i+3, o+4 {
		v := uint32(src[i])<<16 | uint32(src[i+1])<<8 | uint32(src[i+2])
		q := out[o : o+4]
		q[0], q[1], q[2], q[3] = b64Alphabet[v>>18&0x3F], b64Alphabet[v>>12&0x3F], b64Alphabet[v>>6&0x3F], b64Alphabet[v&0x3F]
	}
	switch len(src) - i {
	case 1:
		v := uint32(src[i]) << 16
		out[o], out[o+1] = b64Alphabet[v>>18&0x3F], b64Alphabet[v>>12&0x3F]
	case 2:
		v := uint32(src[i])<<16 | uint32(src[i+1])<<8
		out[o], out[o+1], out[o+2] = b64Alphabet[v>>18&0x3F], b64Alphabet[v>>12&0x3F], b64Alphabet[v>>6&0x3F]
	}
	return dst
}
