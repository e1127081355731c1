package jwtdemo

import (
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// A small strict JSON reader for the two objects a verifier must read, the
// header and the claims. It exists so that the registered claims decode
// without reflection or a map, straight from the decoded bytes, and so that
// the rules that matter here are explicit: input is RFC 8259 JSON in UTF-8,
// nesting is bounded, and member names are compared after unescaping
// ("\u0061lg" is "alg", as encoding/json would read it).

// maxDepth bounds the nesting of values the reader skips over.
const maxDepth = 32

// A reader reads JSON from a string; the values it returns share the
// string's memory. Decoded bytes are read through a string made over them
// with unsafe.String, which is sound because nothing writes to them while
// the reader or the values it returned are in use.
type reader struct {
	s string
	i int
}

func (r *reader) ws() {
	s, i := r.s, r.i
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	r.i = i
}

// consume skips whitespace and then c, reporting whether c was there.
func (r *reader) consume(c byte) bool {
	if r.i < len(r.s) && r.s[r.i] == c { // the common case: no whitespace
		r.i++
		return true
	}
	r.ws()
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (r *reader) peek() byte {
	if r.i < len(r.s) && r.s[r.i] > ' ' {
		return r.s[r.i]
	}
	r.ws()
	if r.i < len(r.s) {
		return r.s[r.i]
	}
	return 0
}

// end reports whether only whitespace is left.
func (r *reader) end() bool {
	r.ws()
	return r.i == len(r.s)
}

// str reads a string and returns its raw content (between the quotes,
// escapes left in) and whether it holds an escape. It checks the escapes,
// refuses control characters and invalid UTF-8.
func (r *reader) str() (raw string, escaped, ok bool) {
	if !r.consume('"') {
		return raw, false, false
	}
	s, i := r.s, r.i
	start := i
	ascii := true
	for i < len(s) {
		if i+8 <= len(s) && plain8(load64(s, i)) {
			i += 8
			continue
		}
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			r.i = i + 1
			raw = s[start:i]
			if !ascii && !validUTF8(raw) {
				return raw, false, false
			}
			return raw, escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(s) {
				return raw, false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) {
					return raw, false, false
				}
				for j := i + 2; j < i+6; j++ {
					if unhex(s[j]) < 0 {
						return raw, false, false
					}
				}
				i += 6
			default:
				return raw, false, false
			}
		case c < 0x20:
			return raw, false, false
		default:
			ascii = false
			i++
		}
	}
	return raw, false, false
}

// validUTF8 reports whether s is well-formed UTF-8: no overlong forms, no
// surrogates, nothing past U+10FFFF.
func validUTF8(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		var n int
		var r, least rune
		switch {
		case c&0xE0 == 0xC0:
			n, r, least = 2, rune(c&0x1F), 0x80
		case c&0xF0 == 0xE0:
			n, r, least = 3, rune(c&0x0F), 0x800
		case c&0xF8 == 0xF0:
			n, r, least = 4, rune(c&0x07), 0x10000
		default:
			return false
		}
		if i+n > len(s) {
			return false
		}
		for j := 1; j < n; j++ {
			cc := s[i+j]
			if cc&0xC0 != 0x80 {
				return false
			}
			r = r<<6 | rune(cc&0x3F)
		}
		if r < least || r > utf8.MaxRune || (0xD800 <= r && r <= 0xDFFF) {
			return false
		}
		i += n
	}
	return true
}

// plain marks the bytes a string scan can pass over without a look:
// printable ASCII other than the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// load64 returns the eight bytes of s at i, the first in the low byte.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainString returns the index of the first quote in s at or after i
// when every byte before it is plain (printable ASCII, no backslash), and
// -1 otherwise: the index of the quote that closes a string without
// escapes whose content starts at i. Eight bytes are looked at a time with
// the flags of plain8; the lowest flagged byte is always truly flagged.
func plainString(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := flags8(load64(s, i)); m != 0 {
			k := i + bits.TrailingZeros64(m)/8
			if s[k] != '"' {
				return -1
			}
			return k
		}
	}
	for ; i < len(s); i++ {
		if !plain[s[i]] {
			if s[i] != '"' {
				return -1
			}
			return i
		}
	}
	return -1
}

// eightDigits returns the value of the eight bytes of x, the first in the
// low byte, when all are decimal digits. Each step adds neighbouring
// digits, pairs and quads into lanes twice as wide.
func eightDigits(x uint64) (uint64, bool) {
	const hi, zeros, sixes = 0xF0F0F0F0F0F0F0F0, 0x3030303030303030, 0x0606060606060606
	if x&hi != zeros || (x+sixes)&hi != zeros {
		return 0, false
	}
	d := x - zeros
	d = (d*10 + d>>8) & 0x00FF00FF00FF00FF
	d = (d*100 + d>>16) & 0x0000FFFF0000FFFF
	return (d*10000 + d>>32) & 0xFFFFFFFF, true
}

// plain8 reports whether all eight bytes of x are plain, eight at a time:
// (b-1)&^b sets a byte's top bit exactly when b is zero (a borrow can only
// mark bytes above one that is truly flagged, which then falls back to the
// byte loop), so XOR with the quote and the backslash finds those, the
// same with 0x20 finds control characters, and the top bit itself finds
// bytes that are not ASCII.
func plain8(x uint64) bool { return flags8(x) == 0 }

// flags8 returns the top bits of the bytes of x plain8 flags.
func flags8(x uint64) uint64 {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	quote := x ^ '"'*ones
	slash := x ^ '\\'*ones
	ctl := (x - 0x20*ones) &^ x
	return (ctl | (quote-ones)&^quote | (slash-ones)&^slash | x) & tops
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unescape appends the value of raw string content, already checked by
// str, to dst. Unpaired surrogates become U+FFFD, as in encoding/json.
func unescape(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+2 : i+6])
			i += 6
			if 0xD800 <= r && r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
				if lo := hex4(raw[i+2 : i+6]); 0xDC00 <= lo && lo < 0xE000 {
					r = (r-0xD800)<<10 | (lo - 0xDC00) + 0x10000
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

func hex4(h string) rune {
	return rune(unhex(h[0])<<12 | unhex(h[1])<<8 | unhex(h[2])<<4 | unhex(h[3]))
}

// number reads a JSON number and returns its text.
func (r *reader) number() (string, bool) {
	r.ws()
	start := r.i
	if r.i < len(r.s) && r.s[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(r.s) && r.s[r.i] == '0':
		r.i++
	case r.i < len(r.s) && '1' <= r.s[r.i] && r.s[r.i] <= '9':
		r.digits()
	default:
		return r.s[start:start], false
	}
	if r.i < len(r.s) && r.s[r.i] == '.' {
		r.i++
		if r.digits() == 0 {
			return r.s[start:start], false
		}
	}
	if r.i < len(r.s) && (r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		r.i++
		if r.i < len(r.s) && (r.s[r.i] == '+' || r.s[r.i] == '-') {
			r.i++
		}
		if r.digits() == 0 {
			return r.s[start:start], false
		}
	}
	return r.s[start:r.i], true
}

func (r *reader) digits() int {
	s, i := r.s, r.i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	n := i - r.i
	r.i = i
	return n
}

// literal reads true, false or null.
func (r *reader) literal(word string) bool {
	r.ws()
	if len(r.s)-r.i < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		if r.s[r.i+j] != word[j] {
			return false
		}
	}
	r.i += len(word)
	return true
}

// skip reads and discards any value, nested at most maxDepth deep.
func (r *reader) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch r.peek() {
	case '"':
		_, _, ok := r.str()
		return ok
	case '{':
		r.i++
		if r.consume('}') {
			return true
		}
		for {
			if _, _, ok := r.str(); !ok || !r.consume(':') || !r.skip(depth+1) {
				return false
			}
			if r.consume('}') {
				return true
			}
			if !r.consume(',') {
				return false
			}
		}
	case '[':
		r.i++
		if r.consume(']') {
			return true
		}
		for {
			if !r.skip(depth + 1) {
				return false
			}
			if r.consume(']') {
				return true
			}
			if !r.consume(',') {
				return false
			}
		}
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	default:
		_, ok := r.number()
		return ok
	}
}

// member reads the next member name of an object whose '{' has been read.
// first is true for the first call. It returns done when the object ends.
// The name is unescaped into buf when it holds an escape; names longer than
// buf are returned as they are, which no known name can match.
func (r *reader) member(first bool, buf []byte) (name []byte, rawName string, done, ok bool) {
	if first {
		if r.consume('}') {
			return nil, rawName, true, true
		}
	} else if !r.consume(',') {
		if r.consume('}') {
			return nil, rawName, true, true
		}
		return nil, rawName, false, false
	}
	// The common case, a short name of plain bytes followed at once by
	// the colon, is read here; anything else goes through str.
	if s, i := r.s, r.i; i < len(s) && s[i] == '"' {
		j := i + 1
		for j < len(s) && j-i <= len(buf) && plain[s[j]] {
			j++
		}
		if j+1 < len(s) && s[j] == '"' && s[j+1] == ':' {
			r.i = j + 2
			return nil, s[i+1 : j], false, true
		}
	}
	raw, esc, ok := r.str()
	if !ok || !r.consume(':') {
		return nil, rawName, false, false
	}
	if esc {
		if u := unescape(buf[:0], raw); len(u) <= len(buf) {
			return u, rawName, false, true
		}
	}
	return nil, raw, false, true
}

// jsonFolds reports whether encoding/json matches a member named name to
// a struct field named want, a name of ASCII letters in lower case, when
// no field is named name exactly. encoding/json compares names after
// folding each ASCII letter to one case and each other rune to the
// smallest rune of its Unicode simple-fold orbit; the only runes outside
// ASCII whose orbit holds an ASCII letter are U+017F (long s, with s and
// S) and U+212A (Kelvin sign, with k and K), so those are the only ones
// that can stand for a letter of want.
func jsonFolds(name, want string) bool {
	i := 0
	for j := 0; j < len(want); j++ {
		if i >= len(name) {
			return false
		}
		w := want[j]
		switch c := name[i]; {
		case c == w || c == w-('a'-'A'):
			i++
		case w == 's' && len(name)-i >= 2 && name[i:i+2] == "\u017f":
			i += 2
		case w == 'k' && len(name)-i >= 3 && name[i:i+3] == "\u212a":
			i += 3
		default:
			return false
		}
	}
	return i == len(name)
}

// appendString appends s as a JSON string. s must be valid UTF-8.
func appendString(dst []byte, s string) []byte {
	dst, _ = appendStringUTF8(dst, s)
	return dst
}

// appendStringUTF8 appends s as a JSON string and reports whether s is
// valid UTF-8 (as utf8.ValidString does), checked in the same pass.
func appendStringUTF8(dst []byte, s string) ([]byte, bool) {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	valid := true
	for i := 0; i < len(s); i++ {
		// Runs of plain bytes are passed over eight at a time; plain8 also
		// stops at bytes that are not ASCII, which need no escape and are
		// then passed over one by one.
		for i+8 <= len(s) && plain8(load64(s, i)) {
			i += 8
		}
		// Fewer than eight bytes are left: they are passed over at once
		// when the eight that end s are all plain.
		if i+8 > len(s) && len(s) >= 8 && plain8(load64(s, len(s)-8)) {
			i = len(s)
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			valid = valid && (r != utf8.RuneError || size > 1)
			i += size - 1
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), valid
}

// parseUint reads the decimal digits of a JSON integer without sign,
// fraction or exponent, reporting false if it exceeds limit.
func parseUint(digits string, limit uint64) (uint64, bool) {
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v > limit {
			return 0, false
		}
	}
	return v, true
}

// parseFloat is the slow path for numbers with a fraction or exponent.
func parseFloat(num string) (float64, bool) {
	f, err := strconv.ParseFloat(string(num), 64)
	return f, err == nil
}
