package jwtdemo

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

// Signer makes compact JWS tokens with one key. Its header is
// {"alg":…,"kid":…}, with kid left out when the key has none.
// Signer is safe for concurrent use. A Signer not made by [NewSigner]
// (the zero value, or nil) signs nothing: its methods fail with an error
// wrapping [ErrNotInitialized], and Key panics with it.
type Signer struct {
	key *Key
	// prefix is the encoded header and the dot that follows it: the same
	// for every token.
	prefix []byte
}

// NewSigner returns a Signer for key, which must hold a secret or a
// private key. A nil key, or one not made by [NewKey], is an error
// wrapping ErrInvalidConfig; a key without its private part, one wrapping
// ErrKey.
func NewSigner(key *Key) (*Signer, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidConfig)
	}
	if !key.initialized() {
		return nil, fmt.Errorf("%w: the key was not made by NewKey", ErrInvalidConfig)
	}
	if !key.CanSign() {
		return nil, fmt.Errorf("%w: %s key %q has no private part", ErrKey, key.alg, key.kid)
	}
	h := []byte(`{"alg":`)
	h = appendString(h, string(key.alg))
	if key.kid != "" {
		h = append(h, `,"kid":`...)
		h = appendString(h, key.kid)
	}
	h = append(h, '}')
	return &Signer{key: key, prefix: append(appendEncoded(nil, h), '.')}, nil
}

// Key returns the signer's key.
func (s *Signer) Key() *Key {
	if s == nil || s.key == nil {
		panic(errSignerZero)
	}
	return s.key
}

// Sign returns a token carrying c. Its claims are encoded without
// reflection, in the order iss, sub, aud, exp, nbf, iat, jti, scope. Sign
// does not require exp: a verifier does.
func (s *Signer) Sign(c Claims) (string, error) {
	if s == nil || s.key == nil {
		return "", errSignerZero
	}
	var b [512]byte
	payload, err := appendClaims(b[:0], &c)
	if err != nil {
		return "", err
	}
	return s.sign(payload)
}

// SignJSON returns a token carrying v encoded with encoding/json, which must
// be a JSON object: a struct embedding [Claims] with the caller's own
// claims, or a map. An error wraps ErrInvalidClaim, and encoding/json's
// error when it has one.
func (s *Signer) SignJSON(v any) (string, error) {
	if s == nil || s.key == nil {
		return "", errSignerZero
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return "", wrap(ErrInvalidClaim, "encoding claims", err)
	}
	if len(payload) == 0 || payload[0] != '{' {
		return "", fmt.Errorf("%w: claims must encode as a JSON object", ErrInvalidClaim)
	}
	return s.sign(payload)
}

// SignPayload returns a compact JWS of any bytes: a JWS need not carry JWT
// claims (RFC 7515 Appendix A.4). Verify it with [Verifier.VerifyJWS].
func (s *Signer) SignPayload(payload []byte) (string, error) {
	if s == nil || s.key == nil {
		return "", errSignerZero
	}
	return s.sign(payload)
}

func (s *Signer) sign(payload []byte) (string, error) {
	k := s.key
	size := len(s.prefix) + encodedLen(len(payload)) + 1 + encodedLen(k.sigSize())
	if k.family == familyHMAC {
		// The token is built in its own exact-size buffer and the MAC
		// taken over it there; the buffer becomes the returned string
		// without a copy, as nothing writes to it afterwards: one
		// allocation.
		buf := make([]byte, 0, size)
		buf = append(buf, s.prefix...)
		buf = appendEncoded(buf, payload)
		st := k.getMAC()
		st.h.Reset()
		st.h.Write(buf)
		buf = append(buf, '.')
		buf = appendEncoded(buf, st.h.Sum(st.sum[:0]))
		k.putMAC(st)
		return unsafe.String(&buf[0], len(buf)), nil
	}
	buf := make([]byte, 0, size)
	buf = append(buf, s.prefix...)
	buf = appendEncoded(buf, payload)
	sig, err := k.sign(nil, buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	return string(appendEncoded(buf, sig)), nil
}
