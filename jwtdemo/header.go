package jwtdemo

import (
	"fmt"
	"unsafe"
)

// Header is what a verifier reads from a token's protected header. The
// other parameters are read only to be refused (crit) or are ignored: jku,
// x5u, x5c and jwk are never used to find a key, since they would let the
// token choose the key that verifies it.
type Header struct {
	// Algorithm is the alg parameter.
	Algorithm Algorithm
	// KeyID is the kid parameter, empty when absent.
	KeyID string
	// Type is the typ parameter, empty when absent.
	Type string
}

// rawHeader holds the header's values as substrings of the decoded header
// or strings over the caller's scratch buffers, so that reading it
// allocates nothing; they must be copied to outlive those.
type rawHeader struct {
	alg, kid, typ string
	hasKID        bool
}

// parseHeader reads a decoded JWS protected header. The scratch buffers
// receive values that contain escapes.
func parseHeader(b string, algBuf, kidBuf []byte) (rawHeader, error) {
	var h rawHeader
	var seen uint8
	const (
		seenAlg = 1 << iota
		seenKID
		seenTyp
	)
	r := reader{s: b}
	if !r.consume('{') {
		return h, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	var nameBuf [8]byte
	for first := true; ; first = false {
		name, raw, done, ok := r.member(first, nameBuf[:])
		if !ok {
			return h, fmt.Errorf("%w: header is not valid JSON", ErrMalformed)
		}
		if done {
			break
		}
		if name != nil {
			raw = string(name)
		}
		var bit uint8
		var buf []byte
		switch raw {
		case "alg":
			bit, buf = seenAlg, algBuf
		case "kid":
			bit, buf = seenKID, kidBuf
			h.hasKID = true
		case "typ":
			bit = seenTyp
		case "crit":
			return h, fmt.Errorf("%w: crit is present", ErrCritical)
		default:
			for _, known := range [...]string{"alg", "kid", "typ", "crit"} {
				if jsonFolds(raw, known) {
					return h, fmt.Errorf("%w: header parameter %q would read as %s in encoding/json", ErrMalformed, truncate(raw), known)
				}
			}
			if !r.skip(1) {
				return h, fmt.Errorf("%w: header is not valid JSON", ErrMalformed)
			}
			continue
		}
		if seen&bit != 0 {
			return h, fmt.Errorf("%w: duplicate header parameter %q", ErrMalformed, truncate(raw))
		}
		seen |= bit
		if r.peek() != '"' {
			return h, fmt.Errorf("%w: header parameter %q is not a string", ErrMalformed, truncate(raw))
		}
		v, esc, ok := r.str()
		if !ok {
			return h, fmt.Errorf("%w: header is not valid JSON", ErrMalformed)
		}
		if esc {
			u := unescape(buf[:0], v)
			v = unsafe.String(unsafe.SliceData(u), len(u))
		}
		switch bit {
		case seenAlg:
			h.alg = v
		case seenKID:
			h.kid = v
		default:
			h.typ = v
		}
	}
	if !r.end() {
		return h, fmt.Errorf("%w: data after the header object", ErrMalformed)
	}
	if seen&seenAlg == 0 {
		return h, fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	return h, nil
}
