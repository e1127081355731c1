package jwtdemo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
)

// jwk is a JSON Web Key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) as far as
// this package reads or writes one.
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use,omitempty"`
	KeyOps []string `json:"key_ops,omitempty"`
	Alg    string   `json:"alg,omitempty"`
	Kid    string   `json:"kid,omitempty"`
	Crv    string   `json:"crv,omitempty"`
	N      string   `json:"n,omitempty"`
	E      string   `json:"e,omitempty"`
	X      string   `json:"x,omitempty"`
	Y      string   `json:"y,omitempty"`
	K      string   `json:"k,omitempty"`
}

// ParseJWK imports a JSON Web Key: the public part of an RSA, EC or OKP
// (Ed25519) key, or an HMAC secret (kty oct). Private members of an
// asymmetric key are ignored: the key imported can verify, not sign.
//
// The key is bound to alg. When the JWK has an alg member, it must equal
// alg, or alg may be empty to take the JWK's. A key whose use is not "sig",
// or whose key_ops allow neither "verify" nor "sign", is refused, as is any
// value that is not strict base64url or a key that NewKey would refuse.
// Errors wrap ErrKey.
func ParseJWK(data []byte, alg Algorithm) (*Key, error) {
	var j jwk
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("%w: JWK is not valid JSON: %w", ErrKey, err)
	}
	return j.key(alg)
}

func (j *jwk) key(alg Algorithm) (*Key, error) {
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("%w: JWK use is %q, not sig", ErrKey, j.Use)
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") && !slices.Contains(j.KeyOps, "sign") {
		return nil, fmt.Errorf("%w: JWK key_ops %q allow no signature", ErrKey, j.KeyOps)
	}
	switch {
	case alg == "" && j.Alg == "":
		return nil, fmt.Errorf("%w: JWK has no alg and none was given", ErrKey)
	case alg == "":
		alg = Algorithm(j.Alg)
	case j.Alg != "" && j.Alg != string(alg):
		return nil, fmt.Errorf("%w: JWK is for %q, not %s", ErrKey, j.Alg, alg)
	}
	fam, _, ok := alg.lookup()
	if !ok {
		return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrKey, alg)
	}
	if j.Kty != keyTypes[fam] {
		return nil, fmt.Errorf("%w: kty %q cannot be used with %s", ErrKey, j.Kty, alg)
	}
	switch fam {
	case familyHMAC:
		k, err := decodeMember("k", j.K)
		if err != nil {
			return nil, err
		}
		return NewKey(alg, j.Kid, k)
	case familyRSA, familyPSS:
		n, err := decodeMember("n", j.N)
		if err != nil {
			return nil, err
		}
		e, err := decodeMember("e", j.E)
		if err != nil {
			return nil, err
		}
		if len(e) == 0 || len(e) > 4 || e[0] == 0 || len(n) == 0 || n[0] == 0 {
			return nil, fmt.Errorf("%w: RSA n or e is not a minimal positive integer", ErrKey)
		}
		ev := new(big.Int).SetBytes(e)
		if !ev.IsInt64() || ev.Int64() > 1<<31-1 {
			return nil, fmt.Errorf("%w: RSA exponent too large", ErrKey)
		}
		return NewKey(alg, j.Kid, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(ev.Int64())})
	case familyECDSA:
		curve := curveOf(alg)
		if j.Crv != curve.Params().Name {
			return nil, fmt.Errorf("%w: crv %q cannot be used with %s", ErrKey, j.Crv, alg)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err := decodeMember("x", j.X)
		if err != nil {
			return nil, err
		}
		y, err := decodeMember("y", j.Y)
		if err != nil {
			return nil, err
		}
		if len(x) != size || len(y) != size {
			return nil, fmt.Errorf("%w: EC coordinates must be %d bytes", ErrKey, size)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
		return NewKey(alg, j.Kid, pub)
	default:
		if j.Crv != "Ed25519" {
			return nil, fmt.Errorf("%w: crv %q cannot be used with EdDSA", ErrKey, j.Crv)
		}
		x, err := decodeMember("x", j.X)
		if err != nil {
			return nil, err
		}
		return NewKey(alg, j.Kid, ed25519.PublicKey(x))
	}
}

func decodeMember(name, v string) ([]byte, error) {
	n := decodedLen(len(v))
	if n <= 0 {
		return nil, fmt.Errorf("%w: JWK member %s is missing or not base64url", ErrKey, name)
	}
	out := make([]byte, n)
	if _, ok := decodeSegment(out, v); !ok {
		return nil, fmt.Errorf("%w: JWK member %s is not base64url", ErrKey, name)
	}
	return out, nil
}

// JWKSetConfig says how [ParseJWKSet] binds the keys of a JWK Set. The
// zero value imports the keys that carry their alg.
type JWKSetConfig struct {
	// AlgorithmByKeyType gives, by kty ("RSA", "EC", "OKP", "oct"), the
	// algorithm of keys that have no alg member; some providers publish
	// keys without one. Each algorithm must be supported and fit its key
	// type. A key without alg whose kty is not listed, or an EC key whose
	// curve is not the listed algorithm's, is skipped.
	AlgorithmByKeyType map[string]Algorithm
}

// SkippedKey is a key of a JWK Set that [ParseJWKSet] left out.
type SkippedKey struct {
	// Index is the key's position in the set's keys array.
	Index int
	// KeyID is the key's kid, empty when it has none.
	KeyID string
	// Reason says why the key was left out; it wraps ErrKey.
	Reason error
}

// ParseJWKSet imports a JWK Set ({"keys":[…]}) into a KeySet, as
// identity providers publish them: keys that cannot verify signatures
// here are skipped and returned in skipped, not fatal. A key is skipped
// when its use is not "sig", when its key_ops allow neither "verify" nor
// "sign", when its alg is not one this package supports (an encryption
// algorithm such as RSA-OAEP, ES256K, none, or an OKP key not on
// Ed25519), or when it has no alg and cfg gives none for its kty. Every other key is imported as
// [ParseJWK] does, and one that is broken (a value that is not strict
// base64url, a 1024-bit modulus, a point off its curve, a kty that does
// not fit its alg) fails the whole set: a set that does not say what it
// means is not guessed at. A set with no key left to use fails too, so
// that {} or {"keys":[]} is an error now rather than a verifier that
// refuses every token later. Errors wrap ErrKey, ErrInvalidConfig for a
// cfg that cannot be honoured or for two usable keys with one kid.
func ParseJWKSet(data []byte, cfg JWKSetConfig) (set *KeySet, skipped []SkippedKey, err error) {
	for kty, alg := range cfg.AlgorithmByKeyType {
		fam, _, ok := alg.lookup()
		if !ok || keyTypes[fam] != kty {
			return nil, nil, fmt.Errorf("%w: algorithm %q cannot be the default for kty %q", ErrInvalidConfig, alg, kty)
		}
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: JWK set is not valid JSON: %w", ErrKey, err)
	}
	keys := make([]*Key, 0, len(raw.Keys))
	for i, data := range raw.Keys {
		var j jwk
		if err := json.Unmarshal(data, &j); err != nil {
			return nil, nil, fmt.Errorf("%w: key %d: JWK is not valid JSON: %w", ErrKey, i, err)
		}
		alg, reason := j.signatureAlgorithm(cfg)
		if reason != nil {
			skipped = append(skipped, SkippedKey{Index: i, KeyID: j.Kid, Reason: reason})
			continue
		}
		k, err := j.key(alg)
		if err != nil {
			return nil, nil, wrap(ErrKey, fmt.Sprintf("key %d", i), err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("%w: JWK set has no key to verify signatures with (%d skipped)", ErrKey, len(skipped))
	}
	if set, err = NewKeySet(keys...); err != nil {
		return nil, nil, err
	}
	return set, skipped, nil
}

// keyTypes is the JWK kty of each family's keys.
var keyTypes = map[family]string{familyHMAC: "oct", familyRSA: "RSA", familyPSS: "RSA", familyECDSA: "EC", familyEdDSA: "OKP"}

// signatureAlgorithm returns the algorithm a key of a set is to be bound
// to, or why the key is not one to verify signatures with here.
func (j *jwk) signatureAlgorithm(cfg JWKSetConfig) (Algorithm, error) {
	if j.Use != "" && j.Use != "sig" {
		return "", fmt.Errorf("%w: JWK use is %q, not sig", ErrKey, truncate(j.Use))
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") && !slices.Contains(j.KeyOps, "sign") {
		return "", fmt.Errorf("%w: JWK key_ops %q allow no signature", ErrKey, truncateList(j.KeyOps))
	}
	if j.Kty == "OKP" && j.Crv != "Ed25519" {
		// X25519 is for key agreement; Ed448 is EdDSA on a curve not
		// supported here.
		return "", fmt.Errorf("%w: OKP key on %q, not Ed25519", ErrKey, truncate(j.Crv))
	}
	if j.Alg != "" {
		if _, _, ok := Algorithm(j.Alg).lookup(); !ok {
			return "", fmt.Errorf("%w: unsupported algorithm %q", ErrKey, truncate(j.Alg))
		}
		return Algorithm(j.Alg), nil
	}
	alg, ok := cfg.AlgorithmByKeyType[j.Kty]
	if !ok {
		return "", fmt.Errorf("%w: JWK has no alg and none is given for kty %q", ErrKey, truncate(j.Kty))
	}
	if j.Kty == "EC" && j.Crv != curveOf(alg).Params().Name {
		return "", fmt.Errorf("%w: JWK has no alg, and its crv %q is not that of %s", ErrKey, truncate(j.Crv), alg)
	}
	return alg, nil
}

// MarshalJWK exports the key as a JWK with its alg, kid and use "sig": the
// public part of an asymmetric key, never its private part. For an HMAC
// key it exports the secret itself, which must then be kept as secret as
// the key.
func (k *Key) MarshalJWK() ([]byte, error) {
	if !k.initialized() {
		return nil, errKeyZero
	}
	return json.Marshal(k.jwk())
}

func (k *Key) jwk() jwk {
	j := jwk{Alg: string(k.alg), Kid: k.kid, Use: "sig"}
	enc := func(b []byte) string { return string(appendEncoded(nil, b)) }
	switch k.family {
	case familyHMAC:
		j.Kty, j.K = "oct", enc(k.secret)
	case familyRSA, familyPSS:
		j.Kty, j.N, j.E = "RSA", enc(k.rsaPub.N.Bytes()), enc(big.NewInt(int64(k.rsaPub.E)).Bytes())
	case familyECDSA:
		size := (k.ecPub.Curve.Params().BitSize + 7) / 8
		point, _ := k.ecPub.Bytes() // cannot fail for a key NewKey accepted
		j.Kty, j.Crv = "EC", k.ecPub.Curve.Params().Name
		j.X, j.Y = enc(point[1:1+size]), enc(point[1+size:])
	case familyEdDSA:
		j.Kty, j.Crv, j.X = "OKP", "Ed25519", enc(k.edPub)
	}
	return j
}

// MarshalPublicJWKS exports the set's asymmetric keys as a JWK Set, for a
// /.well-known/jwks.json endpoint. HMAC keys are left out: their secret is
// not public.
func (s *KeySet) MarshalPublicJWKS() ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range s.Keys() {
		if k.family != familyHMAC {
			set.Keys = append(set.Keys, k.jwk())
		}
	}
	return json.Marshal(set)
}
