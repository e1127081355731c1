package jwtdemo

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Errors returned by verification. Each failure wraps exactly one of them,
// so callers can tell the cases apart with errors.Is. A token whose
// signature does not verify always fails with ErrSignature, whatever its
// claims say: claims are read only after the signature holds.
var (
	// ErrMalformed is returned for a token that is not a well-formed
	// compact JWS: wrong number of segments, base64url that is not strict,
	// a header or payload that is not the JSON it must be (a registered
	// claim or a header parameter given twice, or under a name that
	// encoding/json would fold onto it, such as "Sub").
	ErrMalformed = errors.New("jwtdemo: malformed token")
	// ErrTooLarge is returned for a token longer than the verifier's
	// MaxTokenSize, before any of it is decoded.
	ErrTooLarge = errors.New("jwtdemo: token too large")
	// ErrAlgorithm is returned when the header's alg is none (in any
	// casing), is not one the verifier was configured with, or is not the
	// algorithm the selected key is bound to.
	ErrAlgorithm = errors.New("jwtdemo: algorithm not allowed")
	// ErrCritical is returned for a header with a crit parameter: no
	// extension is understood, so any critical one must be refused
	// (RFC 7515 §4.1.11).
	ErrCritical = errors.New("jwtdemo: unsupported critical header")
	// ErrType is returned when the verifier requires a token type and the
	// header's typ is absent or not one of the types accepted.
	ErrType = errors.New("jwtdemo: token type not accepted")
	// ErrUnknownKey is returned when no key in the set has the token's kid
	// (or, for a token without kid, the set holds no key without one).
	ErrUnknownKey = errors.New("jwtdemo: unknown key")
	// ErrSignature is returned when the signature does not verify.
	ErrSignature = errors.New("jwtdemo: invalid signature")
	// ErrExpired is returned when now is at or after exp (plus leeway).
	ErrExpired = errors.New("jwtdemo: token expired")
	// ErrNotYetValid is returned when now is before nbf (minus leeway).
	ErrNotYetValid = errors.New("jwtdemo: token not valid yet")
	// ErrIssuedInFuture is returned when iat is after now (plus leeway).
	ErrIssuedInFuture = errors.New("jwtdemo: token issued in the future")
	// ErrIssuer is returned when iss is not the expected issuer.
	ErrIssuer = errors.New("jwtdemo: wrong issuer")
	// ErrAudience is returned when aud does not contain the expected
	// audience.
	ErrAudience = errors.New("jwtdemo: wrong audience")
	// ErrMissingClaim is returned when a required claim is absent.
	ErrMissingClaim = errors.New("jwtdemo: missing required claim")
	// ErrInvalidClaim is returned for a registered claim of the wrong JSON
	// type or out of range (a numeric date that is a string, negative, or
	// past year 9999), and for claims encoding/json cannot encode
	// ([Signer.SignJSON]) or decode into the caller's type ([Claims.Decode],
	// [VerifyAs]), wrapping encoding/json's error.
	ErrInvalidClaim = errors.New("jwtdemo: invalid claim")
	// ErrKey is returned by the key constructors and by JWK import for a
	// key that cannot be used safely with its algorithm (an HMAC secret
	// shorter than the hash output, an RSA modulus under 2048 bits, a curve
	// that does not match, an EC point missing or off its curve), by
	// NewSigner for a key without its private part, and by a Signer whose
	// signature crypto/rsa or crypto/ecdsa fails to make (their error is
	// wrapped too). [ParseJWKSet] names the key: "key 3: …".
	ErrKey = errors.New("jwtdemo: unusable key")
	// ErrInvalidConfig is returned by constructors given a configuration
	// they cannot honour.
	ErrInvalidConfig = errors.New("jwtdemo: invalid configuration")
	// ErrNotInitialized is wrapped by the errors of a [Verifier], [Signer]
	// or [Key] that was not made by its constructor (a zero value or a
	// nil pointer), and is the panic of such a value's methods that have
	// no error result. The error says which type it was:
	// "jwtdemo: not initialized: Verifier used without NewVerifier".
	ErrNotInitialized = errors.New("jwtdemo: not initialized")
)

// The errors of values used without their constructor.
var (
	errVerifierZero = fmt.Errorf("%w: Verifier used without NewVerifier", ErrNotInitialized)
	errSignerZero   = fmt.Errorf("%w: Signer used without NewSigner", ErrNotInitialized)
	errKeyZero      = fmt.Errorf("%w: Key used without NewKey", ErrNotInitialized)
)

// prefix starts the text of every error of the package, and only once.
const prefix = "jwtdemo: "

// chainError wraps one of the package's sentinels and an error that may
// itself hold the package's errors (reached through encoding/json, a key
// of a JWK Set, a verification the middleware reports). errors.Is finds
// both; its text says the prefix once: the sentinel, the detail, then
// err's text without the prefix, and without the sentinel's own words
// when err repeats them.
type chainError struct {
	sentinel error
	detail   string
	err      error
}

// wrap returns an error wrapping sentinel and err, as chainError reads.
func wrap(sentinel error, detail string, err error) error {
	return &chainError{sentinel: sentinel, detail: detail, err: err}
}

func (e *chainError) Error() string {
	msg := e.err.Error()
	msg = strings.Replace(msg, e.sentinel.Error()+": ", "", 1)
	msg = strings.ReplaceAll(msg, prefix, "")
	out := e.sentinel.Error()
	if e.detail != "" {
		out += ": " + e.detail
	}
	return out + ": " + msg
}

func (e *chainError) Unwrap() []error { return []error{e.sentinel, e.err} }

// maxQuoted is how many bytes of a value the token chose (a kid, an alg,
// an issuer, an audience) an error message quotes: enough to recognise
// it, not enough to let a token fill logs with its own text.
const maxQuoted = 40

// truncate returns a copy of s, or of its first maxQuoted bytes, cut back
// to the start of a rune, followed by "...". It copies even a short s, so
// that s does not escape into the error: the header and member names it
// quotes live in the verifier's stack buffers, which must stay there.
func truncate(s string) string {
	if len(s) <= maxQuoted {
		return strings.Clone(s)
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// truncateList returns the first few values of list, each truncated, for
// an error message.
func truncateList(list []string) []string {
	const most = 4
	out := make([]string, 0, min(len(list), most+1))
	for i, s := range list {
		if i == most {
			out = append(out, fmt.Sprintf("... %d more", len(list)-most))
			break
		}
		out = append(out, truncate(s))
	}
	return out
}
