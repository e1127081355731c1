package jwtdemo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Claims are the registered claims of RFC 7519 §4.1, plus the scope claim
// of OAuth access tokens (RFC 8693 §4.2, RFC 9068). A verifier decodes them
// without reflection; claims of its own a caller reads with [Claims.Decode].
//
// A caller-defined claims type embeds Claims and adds fields with json tags;
// [Signer.SignJSON] signs it and [Claims.Decode] or [VerifyAs] reads it.
type Claims struct {
	// Issuer (iss) names who issued the token.
	Issuer string `json:"iss,omitempty"`
	// Subject (sub) names whom the token is about, usually a user ID.
	Subject string `json:"sub,omitempty"`
	// Audience (aud) names the recipients the token is meant for.
	Audience Audience `json:"aud,omitempty"`
	// ExpiresAt (exp) is the instant from which the token is refused.
	ExpiresAt NumericDate `json:"exp,omitzero"`
	// NotBefore (nbf) is the instant before which the token is refused.
	NotBefore NumericDate `json:"nbf,omitzero"`
	// IssuedAt (iat) is when the token was issued.
	IssuedAt NumericDate `json:"iat,omitzero"`
	// ID (jti) identifies the token, for revocation lists or replay
	// checks: key them on it, not on the token's bytes, which an ECDSA
	// token does not fix (see the package documentation).
	ID string `json:"jti,omitempty"`
	// Scope is a space-separated list of scopes.
	Scope Scope `json:"scope,omitempty"`

	// raw is the verified payload, kept for Decode.
	raw string
}

// Decode unmarshals the verified payload the claims were read from into v
// with encoding/json: a struct of the caller's claims, or a
// map[string]any for all of them. It fails for Claims that did not come
// from a verifier. The embedded Claims of a struct it fills hold exactly
// the registered claims the verifier validated: the verifier refuses any
// member that encoding/json would read into one of them under another
// name (see the package documentation). A field of the caller's own with
// a registered claim's name shadows the embedded one, as embedding does
// in encoding/json; it then holds the same validated value. An error
// wraps ErrInvalidClaim, and encoding/json's error when it has one.
func (c *Claims) Decode(v any) error {
	if c.raw == "" {
		return fmt.Errorf("%w: claims were not read from a token", ErrInvalidClaim)
	}
	if err := json.Unmarshal([]byte(c.raw), v); err != nil {
		return wrap(ErrInvalidClaim, "", err)
	}
	return nil
}

// HasScope reports whether the space-separated Scope holds s.
func (c *Claims) HasScope(s string) bool {
	if s == "" {
		return false
	}
	for rest := string(c.Scope); rest != ""; {
		var word string
		word, rest, _ = strings.Cut(rest, " ")
		if word == s {
			return true
		}
	}
	return false
}

// Audience is the aud claim: one recipient or several. It is encoded as a
// string when it holds one, as an array otherwise (RFC 7519 §4.1.3).
type Audience []string

// Contains reports whether a is one of the audience values.
func (a Audience) Contains(s string) bool { return slices.Contains(a, s) }

// MarshalJSON encodes a single audience as a string, several as an array.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON accepts a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrInvalidClaim)
	}
	*a = many
	return nil
}

// Scope is the scope claim: scope tokens separated by spaces
// (RFC 8693 §4.2). It is written as that string. It is read from the
// string, or from a JSON array of scope tokens, as some issuers write it,
// which reads as its elements joined by single spaces; an element that is
// not one RFC 6749 §3.3 scope token (printable ASCII without space, '"'
// or '\') is refused, since "a b" would read as two scopes.
type Scope string

// UnmarshalJSON accepts a string or an array of scope tokens, as the
// verifier does.
func (s *Scope) UnmarshalJSON(b []byte) error {
	var r reader
	if len(b) > 0 {
		r.s = string(b)
	}
	v, err := readScope(&r)
	if err != nil {
		return err
	}
	if !r.end() {
		return fmt.Errorf("%w: claims are not valid JSON", ErrMalformed)
	}
	*s = v
	return nil
}

// readScope reads scope: a string, or an array of scope tokens joined
// with spaces.
func readScope(r *reader) (Scope, error) {
	if r.peek() != '[' {
		v, err := readString(r, "scope")
		return Scope(v), err
	}
	r.i++
	var b []byte
	if r.consume(']') {
		return "", nil
	}
	for {
		v, err := readString(r, "scope")
		if err != nil {
			return "", err
		}
		if !isScopeToken(v) {
			return "", fmt.Errorf("%w: scope array holds %q, not one scope token", ErrInvalidClaim, truncate(v))
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, v...)
		if r.consume(']') {
			return Scope(b), nil
		}
		if !r.consume(',') {
			return "", fmt.Errorf("%w: claims are not valid JSON", ErrMalformed)
		}
	}
}

// isScopeToken reports whether s is an RFC 6749 §3.3 scope-token: one or
// more printable ASCII characters other than space, '"' and '\'.
func isScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7F || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// maxNumericDate is 9999-12-31T23:59:59Z: numeric dates past it, or before
// the epoch, are refused as out of range.
const maxNumericDate = 253402300799

// NumericDate is a JWT date: seconds since the epoch (RFC 7519 §2). The zero
// value means the claim is absent. Dates are encoded in whole seconds;
// fractions are accepted when decoding.
type NumericDate struct {
	time.Time
}

// NewNumericDate returns t as a NumericDate, truncated to the second.
func NewNumericDate(t time.Time) NumericDate {
	return NumericDate{time.Unix(t.Unix(), 0)}
}

// MarshalJSON encodes the date as whole seconds since the epoch.
func (d NumericDate) MarshalJSON() ([]byte, error) {
	s := d.Unix()
	if s < 0 || s > maxNumericDate {
		return nil, fmt.Errorf("%w: date %v out of range", ErrInvalidClaim, d.Time)
	}
	return fmt.Appendf(nil, "%d", s), nil
}

// UnmarshalJSON accepts a JSON number from 0 to 253402300799 (year 9999).
func (d *NumericDate) UnmarshalJSON(b []byte) error {
	var r reader
	if len(b) > 0 {
		r.s = unsafe.String(&b[0], len(b))
	}
	t, err := readDate(&r)
	if err != nil {
		return err
	}
	if !r.end() {
		return fmt.Errorf("%w: numeric date is not a number", ErrInvalidClaim)
	}
	*d = t
	return nil
}

// readDate reads a numeric date: a JSON number, not a string, not negative,
// not past year 9999.
func readDate(r *reader) (NumericDate, error) {
	if c := r.peek(); c != '-' && (c < '0' || c > '9') {
		return NumericDate{}, fmt.Errorf("%w: numeric date is not a number", ErrInvalidClaim)
	}
	// The common case, an integer of at most 12 digits followed by a
	// delimiter, is read in one pass.
	s, i := r.s, r.i
	var v uint64
	for j := i; j < len(s) && j-i < 12; j++ {
		d := s[j]
		if d < '0' || d > '9' {
			if j > i && (s[i] != '0' || j == i+1) && d != '.' && d != 'e' && d != 'E' && v <= maxNumericDate {
				r.i = j
				return NumericDate{time.Unix(int64(v), 0)}, nil
			}
			break
		}
		v = v*10 + uint64(d-'0')
	}
	num, ok := r.number()
	if !ok {
		return NumericDate{}, fmt.Errorf("%w: numeric date is not a number", ErrMalformed)
	}
	if v, ok := parseUint(num, maxNumericDate); ok {
		return NumericDate{time.Unix(int64(v), 0)}, nil
	}
	f, ok := parseFloat(num)
	if !ok || math.IsNaN(f) || f < 0 || f >= maxNumericDate+1 {
		return NumericDate{}, fmt.Errorf("%w: numeric date %s out of range", ErrInvalidClaim, num)
	}
	sec := math.Floor(f)
	return NumericDate{time.Unix(int64(sec), int64((f-sec)*1e9))}, nil
}

// Bits recording which claims were present in a token.
const (
	claimIss uint16 = 1 << iota
	claimSub
	claimAud
	claimExp
	claimNbf
	claimIat
	claimJti
	claimScope
)

var claimNames = [...]struct {
	name string
	bit  uint16
}{
	{"iss", claimIss}, {"sub", claimSub}, {"aud", claimAud}, {"exp", claimExp},
	{"nbf", claimNbf}, {"iat", claimIat}, {"jti", claimJti}, {"scope", claimScope},
}

// claimBit returns the bit of a registered claim name, or 0.
func claimBit(name string) uint16 {
	switch name {
	case "iss":
		return claimIss
	case "sub":
		return claimSub
	case "aud":
		return claimAud
	case "exp":
		return claimExp
	case "nbf":
		return claimNbf
	case "iat":
		return claimIat
	case "jti":
		return claimJti
	case "scope":
		return claimScope
	}
	return 0
}

// foldedClaim returns the registered claim name that encoding/json would
// match to a member named name (or raw, when name is nil) that is not
// exactly a registered name, or "" if there is none. Such a member would
// be one claim to the validator and another in [Claims.Decode], so it is
// refused. A name that folds onto one of three letters is 3 to 5 bytes
// long, onto scope 5 or 6.
func foldedClaim(name []byte, raw string) string {
	n := nameOf(name, raw)
	if len(n) < 3 || len(n) > 6 {
		return ""
	}
	for _, c := range claimNames {
		if jsonFolds(n, c.name) {
			return c.name
		}
	}
	return ""
}

// nameOf returns the member name member returned: name when it was
// unescaped, raw otherwise.
func nameOf(name []byte, raw string) string {
	if name != nil {
		return unsafe.String(unsafe.SliceData(name), len(name))
	}
	return raw
}

// parseClaims reads a JSON claims set. Strings without escapes share the
// payload's memory. A registered claim given twice is refused (RFC 7519
// §4 allows either that or taking the last; taking the last would let a
// token read differently here and in encoding/json), and so is a member
// name that encoding/json would fold onto a registered one.
func parseClaims(payload string, c *Claims, one *[1]string) (uint16, error) {
	if present, ok := parseCompactClaims(payload, c, one); ok {
		return present, nil
	}
	*c = Claims{}
	return parseClaimsJSON(payload, c, one)
}

// parseClaimsJSON is parseClaims for any JSON.
func parseClaimsJSON(payload string, c *Claims, one *[1]string) (uint16, error) {
	c.raw = payload
	var present uint16
	r := reader{s: payload}
	if !r.consume('{') {
		return 0, fmt.Errorf("%w: claims are not a JSON object", ErrMalformed)
	}
	var nameBuf [8]byte
	for first := true; ; first = false {
		name, raw, done, ok := r.member(first, nameBuf[:])
		if !ok {
			return 0, fmt.Errorf("%w: claims are not valid JSON", ErrMalformed)
		}
		if done {
			break
		}
		var bit uint16
		if name != nil {
			bit = claimBit(string(name))
		} else {
			bit = claimBit(raw)
		}
		if bit == 0 {
			if n := foldedClaim(name, raw); n != "" {
				return 0, fmt.Errorf("%w: claim name %q would read as %s in encoding/json", ErrMalformed, truncate(nameOf(name, raw)), n)
			}
			if !r.skip(1) {
				return 0, fmt.Errorf("%w: claims are not valid JSON", ErrMalformed)
			}
			continue
		}
		if present&bit != 0 {
			return 0, fmt.Errorf("%w: duplicate claim", ErrMalformed)
		}
		present |= bit
		var err error
		switch bit {
		case claimIss:
			c.Issuer, err = readString(&r, "iss")
		case claimSub:
			c.Subject, err = readString(&r, "sub")
		case claimJti:
			c.ID, err = readString(&r, "jti")
		case claimScope:
			c.Scope, err = readScope(&r)
		case claimAud:
			c.Audience, err = readAudience(&r, one)
		case claimExp:
			c.ExpiresAt, err = readDate(&r)
		case claimNbf:
			c.NotBefore, err = readDate(&r)
		case claimIat:
			c.IssuedAt, err = readDate(&r)
		}
		if err != nil {
			return 0, err
		}
	}
	if !r.end() {
		return 0, fmt.Errorf("%w: data after the claims object", ErrMalformed)
	}
	return present, nil
}

// parseCompactClaims is parseClaims's fast path for the claims most
// tokens carry, written the way most issuers write them: compact JSON (no
// whitespace) holding only registered claims, each once, whose values are
// ASCII strings without escapes, a single-string aud, or integer dates.
// For such a payload it reads what parseClaims's general reader would, in
// one pass over local indexes; on anything else it reports false, and the
// general reader, which also owns every error, reads the payload again.
func parseCompactClaims(s string, c *Claims, one *[1]string) (uint16, bool) {
	var present uint16
	if len(s) < 2 || s[0] != '{' || s[1] != '"' {
		return 0, false
	}
	c.raw = s
	for i := 1; ; {
		// The name: three letters, or "scope".
		var bit uint16
		switch {
		case i+5 < len(s) && s[i] == '"' && s[i+4] == '"' && s[i+5] == ':':
			bit = claimBit(s[i+1 : i+4])
			i += 6
		case i+7 < len(s) && s[i:i+8] == `"scope":`:
			bit = claimScope
			i += 8
		}
		if bit == 0 || present&bit != 0 || i >= len(s) {
			return 0, false
		}
		present |= bit
		if bit&(claimExp|claimNbf|claimIat) != 0 {
			// An integer of 1 to 12 digits without a leading zero;
			// what follows is checked below to be ',' or '}', so a
			// fraction, an exponent or a 13th digit goes the slow way.
			j := i
			var v uint64
			if i+8 <= len(s) {
				if e, ok := eightDigits(load64(s, i)); ok {
					v, j = e, i+8
				}
			}
			for ; j < len(s) && j-i < 12 && '0' <= s[j] && s[j] <= '9'; j++ {
				v = v*10 + uint64(s[j]-'0')
			}
			if j == i || (s[i] == '0' && j > i+1) || v > maxNumericDate {
				return 0, false
			}
			d := NumericDate{time.Unix(int64(v), 0)}
			switch bit {
			case claimExp:
				c.ExpiresAt = d
			case claimNbf:
				c.NotBefore = d
			default:
				c.IssuedAt = d
			}
			i = j
		} else {
			// A string: the first quote after the opening one closes
			// it when nothing before it is a backslash, a control
			// character or a byte outside ASCII.
			if s[i] != '"' {
				return 0, false
			}
			j := plainString(s, i+1)
			if j < 0 {
				return 0, false
			}
			v := s[i+1 : j]
			i = j + 1
			switch bit {
			case claimIss:
				c.Issuer = v
			case claimSub:
				c.Subject = v
			case claimJti:
				c.ID = v
			case claimScope:
				c.Scope = Scope(v)
			default: // claimAud
				if one == nil {
					return 0, false
				}
				one[0] = v
				c.Audience = one[:1:1]
			}
		}
		if i >= len(s) {
			return 0, false
		}
		switch s[i] {
		case ',':
			i++
		case '}':
			return present, i+1 == len(s)
		default:
			return 0, false
		}
	}
}

func readString(r *reader, claim string) (string, error) {
	if r.peek() != '"' {
		return "", fmt.Errorf("%w: %s is not a string", ErrInvalidClaim, claim)
	}
	v, esc, ok := r.str()
	if !ok {
		return "", fmt.Errorf("%w: claims are not valid JSON", ErrMalformed)
	}
	if esc {
		return string(unescape(nil, v)), nil
	}
	return v, nil
}

// readAudience reads aud. A single value is stored in one, when not nil,
// rather than in a new array.
func readAudience(r *reader, one *[1]string) (Audience, error) {
	switch r.peek() {
	case '"':
		s, err := readString(r, "aud")
		if err != nil || one == nil {
			return Audience{s}, err
		}
		one[0] = s
		return one[:1:1], nil
	case '[':
		r.i++
		var buf [4]string
		aud := buf[:0]
		if r.consume(']') {
			return Audience{}, nil
		}
		for {
			s, err := readString(r, "aud")
			if err != nil {
				return nil, err
			}
			aud = append(aud, s)
			if r.consume(']') {
				return Audience(slices.Clone(aud)), nil
			}
			if !r.consume(',') {
				return nil, fmt.Errorf("%w: claims are not valid JSON", ErrMalformed)
			}
		}
	}
	return nil, fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrInvalidClaim)
}

// appendClaims appends the JSON encoding of c, the same object
// encoding/json would produce for it.
func appendClaims(dst []byte, c *Claims) ([]byte, error) {
	// Strings are checked for valid UTF-8 as they are encoded; the
	// registered string claims are reported before aud.
	valid, audValid, ok := true, true, true
	start := len(dst)
	dst = append(dst, '{')
	if c.Issuer != "" {
		dst, ok = appendStringUTF8(append(dst, `"iss":`...), c.Issuer)
		valid = valid && ok
	}
	if c.Subject != "" {
		dst, ok = appendStringUTF8(append(comma(dst, start), `"sub":`...), c.Subject)
		valid = valid && ok
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		dst, audValid = appendStringUTF8(append(comma(dst, start), `"aud":`...), c.Audience[0])
	default:
		dst = append(comma(dst, start), `"aud":[`...)
		for i, a := range c.Audience {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst, ok = appendStringUTF8(dst, a)
			audValid = audValid && ok
		}
		dst = append(dst, ']')
	}
	var err error
	if dst, err = appendDate(dst, start, `"exp":`, c.ExpiresAt); err != nil {
		return nil, err
	}
	if dst, err = appendDate(dst, start, `"nbf":`, c.NotBefore); err != nil {
		return nil, err
	}
	if dst, err = appendDate(dst, start, `"iat":`, c.IssuedAt); err != nil {
		return nil, err
	}
	if c.ID != "" {
		dst, ok = appendStringUTF8(append(comma(dst, start), `"jti":`...), c.ID)
		valid = valid && ok
	}
	if c.Scope != "" {
		dst, ok = appendStringUTF8(append(comma(dst, start), `"scope":`...), string(c.Scope))
		valid = valid && ok
	}
	if !valid {
		return nil, fmt.Errorf("%w: claim is not valid UTF-8", ErrInvalidClaim)
	}
	if !audValid {
		return nil, fmt.Errorf("%w: aud is not valid UTF-8", ErrInvalidClaim)
	}
	return append(dst, '}'), nil
}

// comma appends the comma that separates members, unless the object that
// begins at start is still empty.
func comma(dst []byte, start int) []byte {
	if len(dst) > start+1 {
		return append(dst, ',')
	}
	return dst
}

func appendDate(dst []byte, start int, name string, d NumericDate) ([]byte, error) {
	if d.IsZero() {
		return dst, nil
	}
	s := d.Unix()
	if s < 0 || s > maxNumericDate {
		return nil, fmt.Errorf("%w: %s out of range", ErrInvalidClaim, name)
	}
	return strconv.AppendUint(append(comma(dst, start), name...), uint64(s), 10), nil
}
