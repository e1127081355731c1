package jwtdemo

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"fmt"
	"hash"
	"math/big"
	"sync"
	"sync/atomic"
	"unsafe"
)

// minRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const minRSABits = 2048

// Key is a key bound to exactly one algorithm and, optionally, a key ID.
// A key made for RS256 can never verify an HS256 token, nor anything but
// RS256: the algorithm comes from the key, and the token's alg header only
// has to agree with it. A Key is immutable and safe for concurrent use.
// A Key not made by [NewKey] or [ParseJWK] (the zero value, or nil) is
// bound to nothing: MarshalJWK fails with an error wrapping
// [ErrNotInitialized], its other methods panic with that error, and
// [NewSigner], [NewKeySet] and [KeySet.Add] refuse it.
type Key struct {
	alg    Algorithm
	family family
	hash   crypto.Hash
	kid    string

	secret []byte
	// macs pools HMAC states keyed with secret: hmac.New costs more than
	// the MAC of a short token, and Reset brings a used state back to the
	// keyed start. spare holds one state for the uncontended case, which
	// an atomic swap serves faster than the pool.
	macs  sync.Pool
	spare atomic.Pointer[macState]

	rsaPub  *rsa.PublicKey
	rsaPriv *rsa.PrivateKey
	ecPub   *ecdsa.PublicKey
	ecPriv  *ecdsa.PrivateKey
	edPub   ed25519.PublicKey
	edPriv  ed25519.PrivateKey
}

// macState is one pooled HMAC state with room for its sum, so that
// neither a sign nor a verify allocates for the MAC.
type macState struct {
	h   hash.Hash
	sum [64]byte
}

func (k *Key) getMAC() *macState {
	if st := k.spare.Swap(nil); st != nil {
		return st
	}
	return k.macs.Get().(*macState)
}

func (k *Key) putMAC(st *macState) {
	if !k.spare.CompareAndSwap(nil, st) {
		k.macs.Put(st)
	}
}

// NewKey binds key material to alg and kid (which may be empty). The
// material's type must fit the algorithm:
//
//   - HS256/384/512: a []byte secret at least as long as the hash output
//     (32, 48 or 64 bytes, RFC 7518 §3.2); it is copied.
//   - RS256/384/512, PS256/384/512: *rsa.PrivateKey or *rsa.PublicKey with
//     a modulus of at least 2048 bits.
//   - ES256, ES384, ES512: *ecdsa.PrivateKey or *ecdsa.PublicKey on P-256,
//     P-384 or P-521 respectively, whose point is on the curve (and not
//     the identity) and, for a private key, is its scalar's.
//   - EdDSA: ed25519.PrivateKey or ed25519.PublicKey.
//
// Anything else is an error wrapping ErrKey.
func NewKey(alg Algorithm, kid string, material any) (*Key, error) {
	fam, h, ok := alg.lookup()
	if !ok {
		return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrKey, alg)
	}
	k := &Key{alg: alg, family: fam, hash: h, kid: kid}
	mismatch := fmt.Errorf("%w: %T cannot be used with %s", ErrKey, material, alg)
	switch fam {
	case familyHMAC:
		secret, ok := material.([]byte)
		if !ok {
			return nil, mismatch
		}
		if len(secret) < h.Size() {
			return nil, fmt.Errorf("%w: %s needs a secret of at least %d bytes, got %d", ErrKey, alg, h.Size(), len(secret))
		}
		k.secret = append([]byte(nil), secret...)
		k.macs.New = func() any { return &macState{h: hmac.New(h.New, k.secret)} }
	case familyRSA, familyPSS:
		switch m := material.(type) {
		case *rsa.PrivateKey:
			k.rsaPriv, k.rsaPub = m, &m.PublicKey
		case *rsa.PublicKey:
			k.rsaPub = m
		default:
			return nil, mismatch
		}
		if k.rsaPub == nil || k.rsaPub.N == nil || k.rsaPub.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: %s needs an RSA modulus of at least %d bits", ErrKey, alg, minRSABits)
		}
		if k.rsaPub.E < 3 || k.rsaPub.E%2 == 0 {
			return nil, fmt.Errorf("%w: RSA exponent %d", ErrKey, k.rsaPub.E)
		}
	case familyECDSA:
		switch m := material.(type) {
		case *ecdsa.PrivateKey:
			k.ecPriv, k.ecPub = m, &m.PublicKey
		case *ecdsa.PublicKey:
			k.ecPub = m
		default:
			return nil, mismatch
		}
		if k.ecPub == nil || k.ecPub.Curve != curveOf(alg) {
			return nil, fmt.Errorf("%w: %s needs a key on %s", ErrKey, alg, curveOf(alg).Params().Name)
		}
		// crypto/ecdsa panics on a missing coordinate and its encoder
		// on a point off the curve; Bytes checks the point, and the
		// private scalar against it.
		//lint:ignore SA1019 a key built from raw coordinates is what must be checked
		if k.ecPub.X == nil || k.ecPub.Y == nil {
			return nil, fmt.Errorf("%w: EC public key without coordinates", ErrKey)
		}
		if _, err := k.ecPub.Bytes(); err != nil {
			return nil, fmt.Errorf("%w: EC public key: %w", ErrKey, err)
		}
		if k.ecPriv != nil {
			//lint:ignore SA1019 a key built from a raw scalar is what must be checked
			if k.ecPriv.D == nil {
				return nil, fmt.Errorf("%w: EC private key without its scalar", ErrKey)
			}
			d, err := k.ecPriv.Bytes()
			if err != nil {
				return nil, fmt.Errorf("%w: EC private key: %w", ErrKey, err)
			}
			derived, err := ecdsa.ParseRawPrivateKey(k.ecPub.Curve, d)
			if err != nil || !derived.PublicKey.Equal(k.ecPub) {
				return nil, fmt.Errorf("%w: EC private key does not match its public point", ErrKey)
			}
		}
	case familyEdDSA:
		switch m := material.(type) {
		case ed25519.PrivateKey:
			if len(m) != ed25519.PrivateKeySize {
				return nil, fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrKey, len(m))
			}
			k.edPriv, k.edPub = m, m.Public().(ed25519.PublicKey)
		case ed25519.PublicKey:
			if len(m) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrKey, len(m))
			}
			k.edPub = m
		default:
			return nil, mismatch
		}
	}
	return k, nil
}

func curveOf(alg Algorithm) elliptic.Curve {
	switch alg {
	case ES384:
		return elliptic.P384()
	case ES512:
		return elliptic.P521()
	}
	return elliptic.P256()
}

// initialized reports whether k was made by NewKey, which binds every key
// to a family.
func (k *Key) initialized() bool { return k != nil && k.family != 0 }

// Algorithm returns the one algorithm the key signs and verifies with.
func (k *Key) Algorithm() Algorithm {
	if !k.initialized() {
		panic(errKeyZero)
	}
	return k.alg
}

// KeyID returns the key ID, empty if the key has none.
func (k *Key) KeyID() string {
	if !k.initialized() {
		panic(errKeyZero)
	}
	return k.kid
}

// CanSign reports whether the key holds what signing needs: a secret or a
// private key.
func (k *Key) CanSign() bool {
	if !k.initialized() {
		panic(errKeyZero)
	}
	return k.secret != nil || k.rsaPriv != nil || k.ecPriv != nil || k.edPriv != nil
}

// Public returns the key without its private part, for a verifier that
// must not be able to sign. An HMAC key has no public part: it is returned
// as it is.
func (k *Key) Public() *Key {
	if !k.initialized() {
		panic(errKeyZero)
	}
	if k.family == familyHMAC {
		return k
	}
	var pub any
	switch k.family {
	case familyRSA, familyPSS:
		pub = k.rsaPub
	case familyECDSA:
		pub = k.ecPub
	case familyEdDSA:
		pub = k.edPub
	}
	p, _ := NewKey(k.alg, k.kid, pub) // cannot fail: k passed the same checks
	return p
}

// sigSize returns the exact length of a signature made with k.
func (k *Key) sigSize() int {
	switch k.family {
	case familyHMAC:
		return k.hash.Size()
	case familyRSA, familyPSS:
		return k.rsaPub.Size()
	case familyECDSA:
		return 2 * ((k.ecPub.Curve.Params().BitSize + 7) / 8)
	default:
		return ed25519.SignatureSize
	}
}

// sign appends the signature of input to dst.
func (k *Key) sign(dst, input []byte) ([]byte, error) {
	if !k.CanSign() {
		return nil, fmt.Errorf("%w: %s key %q has no private part", ErrKey, k.alg, k.kid)
	}
	switch k.family {
	case familyHMAC:
		st := k.getMAC()
		st.h.Reset()
		st.h.Write(input)
		dst = append(dst, st.h.Sum(st.sum[:0])...)
		k.putMAC(st)
		return dst, nil
	case familyEdDSA:
		return append(dst, ed25519.Sign(k.edPriv, input)...), nil
	}
	hh := k.hash.New()
	hh.Write(input)
	digest := hh.Sum(nil)
	switch k.family {
	case familyRSA:
		sig, err := rsa.SignPKCS1v15(nil, k.rsaPriv, k.hash, digest)
		if err != nil {
			return nil, fmt.Errorf("%w: signing: %w", ErrKey, err)
		}
		return append(dst, sig...), nil
	case familyPSS:
		sig, err := rsa.SignPSS(rand.Reader, k.rsaPriv, k.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			return nil, fmt.Errorf("%w: signing: %w", ErrKey, err)
		}
		return append(dst, sig...), nil
	default: // ECDSA: raw r‖s, each padded to the curve size (RFC 7518 §3.4)
		r, s, err := ecdsa.Sign(rand.Reader, k.ecPriv, digest)
		if err != nil {
			return nil, fmt.Errorf("%w: signing: %w", ErrKey, err)
		}
		// (r, n−s) verifies as (r, s) does; the low one of the two is
		// sent, the form some verifiers insist on. Verification accepts
		// both, as other signers send either.
		if order := k.ecPub.Curve.Params().N; s.Cmp(new(big.Int).Rsh(order, 1)) > 0 {
			s.Sub(order, s)
		}
		n := k.sigSize() / 2
		out := make([]byte, 2*n)
		r.FillBytes(out[:n])
		s.FillBytes(out[n:])
		return append(dst, out...), nil
	}
}

// verifyMAC checks an HMAC over input, a string so that the token need not
// be copied by the caller. sig must already be of the exact length.
func (k *Key) verifyMAC(input string, sig []byte) bool {
	st := k.getMAC()
	st.h.Reset()
	// A hash neither writes to nor keeps what it is given (the io.Writer
	// contract), so the string's bytes are passed without a copy.
	st.h.Write(unsafe.Slice(unsafe.StringData(input), len(input)))
	ok := subtle.ConstantTimeCompare(st.h.Sum(st.sum[:0]), sig) == 1
	k.putMAC(st)
	return ok
}

// verify checks sig, already of the exact length, over input.
func (k *Key) verify(input string, sig []byte) bool {
	switch k.family {
	case familyHMAC:
		return k.verifyMAC(input, sig)
	case familyEdDSA:
		// ed25519.Verify neither writes to nor keeps the message.
		return ed25519.Verify(k.edPub, unsafe.Slice(unsafe.StringData(input), len(input)), sig)
	}
	hh := k.hash.New()
	hh.Write([]byte(input))
	digest := hh.Sum(nil)
	switch k.family {
	case familyRSA:
		return rsa.VerifyPKCS1v15(k.rsaPub, k.hash, digest, sig) == nil
	case familyPSS:
		return rsa.VerifyPSS(k.rsaPub, k.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	default:
		n := len(sig) / 2
		r := new(big.Int).SetBytes(sig[:n])
		s := new(big.Int).SetBytes(sig[n:])
		order := k.ecPub.Curve.Params().N
		if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(order) >= 0 || s.Cmp(order) >= 0 {
			return false
		}
		return ecdsa.Verify(k.ecPub, digest, r, s)
	}
}
