package jwtdemo

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// DefaultMaxTokenSize is the token length a verifier accepts when its
// configuration sets none. Bearer tokens travel in headers, which servers
// commonly cap at 8 KiB.
const DefaultMaxTokenSize = 8 << 10

// VerifierConfig configures a [Verifier]. Every check it names is on in
// addition to the ones that are always on (see the package documentation);
// none of those can be turned off.
type VerifierConfig struct {
	// Keys holds the verification keys. Required. The verifier reads the
	// set on every token, so keys added or removed later take effect.
	Keys *KeySet
	// Algorithms lists the algorithms accepted. Required. A token whose
	// alg is not listed fails with ErrAlgorithm before any key is looked
	// up, and a key only verifies its own algorithm.
	Algorithms []Algorithm
	// Types, when set, lists the token types accepted: the header's typ
	// must be one of them, or the token fails with ErrType before its key
	// is looked up. A verifier of OAuth access tokens sets "at+jwt"
	// (RFC 9068 §4), so that an ID token or another JWT from the same
	// issuer and key is not taken for one (RFC 8725 §3.11). Types are
	// compared as RFC 7515 §4.1.9 says: as media types, ignoring ASCII
	// case, with "application/" implied when the value has no slash, so
	// "at+jwt" also accepts "AT+JWT" and "application/at+jwt". Each must
	// be printable ASCII without spaces. Nil means typ is not looked at.
	Types []string
	// Issuer, when set, must equal the iss claim.
	Issuer string
	// Audience, when set, must be one of the aud claim's values.
	Audience string
	// Leeway is the clock skew tolerated on exp, nbf and iat. It must be
	// between zero and five minutes.
	Leeway time.Duration
	// Required names claims that must be present, of iss, sub, aud, exp,
	// nbf, iat, jti and scope. exp is always required. aud and scope must
	// also hold a value: "aud": [] or "scope": "" is missing.
	Required []string
	// MaxTokenSize is the longest token accepted, in bytes, checked before
	// anything is decoded. Zero means DefaultMaxTokenSize; at most 1 MiB.
	MaxTokenSize int
	// Now returns the current time for Verify. Nil means time.Now.
	Now func() time.Time
}

// maxLeeway bounds Leeway: more would make exp meaningless.
const maxLeeway = 5 * time.Minute

// Verifier checks compact JWS tokens and their claims. It is safe for
// concurrent use. A Verifier not made by [NewVerifier] (the zero value,
// or nil) verifies nothing: its methods fail with an error wrapping
// [ErrNotInitialized].
type Verifier struct {
	keys     *KeySet
	allowed  uint16 // bit i: algorithms[i] is accepted
	issuer   string
	audience string
	types    []string // media types in full, "application/at+jwt"
	leeway   time.Duration
	required uint16
	maxSize  int
	now      func() time.Time

	// headers remembers the most recent header segments that passed
	// every header check, with the key each selected. Tokens signed with
	// one key share their header byte for byte, and the same bytes give
	// the same result, so a match skips decoding and parsing the header
	// again; a few entries serve an issuer that signs with two keys
	// during a rotation, or a verifier of several issuers. An entry holds
	// only for the key set's map it was made with. A miss replaces the
	// entries in turn, next counting them.
	headers [headerCacheSize]atomic.Pointer[headerEntry]
	next    atomic.Uint32
}

// headerCacheSize is how many header segments a verifier remembers.
const headerCacheSize = 4

type headerEntry struct {
	seg      string
	keys     *map[string]*Key
	key      *Key
	kid, typ string
}

// NewVerifier returns a Verifier for cfg, or an error wrapping
// ErrInvalidConfig.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	v := &Verifier{
		keys:     cfg.Keys,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		leeway:   cfg.Leeway,
		required: claimExp,
		maxSize:  cfg.MaxTokenSize,
		now:      cfg.Now,
	}
	if v.keys == nil {
		return nil, fmt.Errorf("%w: no key set", ErrInvalidConfig)
	}
	if len(cfg.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: no algorithms", ErrInvalidConfig)
	}
	for _, a := range cfg.Algorithms {
		i := algIndex(string(a))
		if i < 0 {
			return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrInvalidConfig, a)
		}
		v.allowed |= 1 << i
	}
	if v.leeway < 0 || v.leeway > maxLeeway {
		return nil, fmt.Errorf("%w: leeway %v outside [0, %v]", ErrInvalidConfig, v.leeway, maxLeeway)
	}
	for _, typ := range cfg.Types {
		full, ok := mediaType(typ)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a token type", ErrInvalidConfig, typ)
		}
		v.types = append(v.types, full)
	}
	for _, name := range cfg.Required {
		bit := claimBit(name)
		if bit == 0 {
			return nil, fmt.Errorf("%w: %q is not a registered claim", ErrInvalidConfig, name)
		}
		v.required |= bit
	}
	switch {
	case v.maxSize == 0:
		v.maxSize = DefaultMaxTokenSize
	case v.maxSize < 0 || v.maxSize > 1<<20:
		return nil, fmt.Errorf("%w: MaxTokenSize %d outside [1, 1 MiB]", ErrInvalidConfig, v.maxSize)
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

func algIndex(name string) int {
	for i, d := range algorithms {
		if string(name) == string(d.alg) {
			return i
		}
	}
	return -1
}

// mediaType returns typ as a full media type, "application/" prepended
// when it has no slash (RFC 7515 §4.1.9), and whether it is a type:
// printable ASCII without spaces, with something on each side of its one
// slash.
func mediaType(typ string) (string, bool) {
	for i := 0; i < len(typ); i++ {
		if typ[i] <= ' ' || typ[i] >= 0x7F {
			return "", false
		}
	}
	if !strings.Contains(typ, "/") {
		typ = "application/" + typ
	}
	slash := strings.IndexByte(typ, '/')
	if slash == 0 || slash == len(typ)-1 || strings.Count(typ, "/") != 1 {
		return "", false
	}
	return typ, true
}

// typeAccepted reports whether the typ header typ is one of the verifier's
// types, compared as media types: ASCII case ignored, "application/"
// implied when typ has no slash.
func (v *Verifier) typeAccepted(typ string) bool {
	const app = "application/"
	implied := strings.IndexByte(typ, '/') < 0
	for _, want := range v.types {
		if implied {
			if len(want) == len(app)+len(typ) && asciiEqualFold(want[:len(app)], app) && asciiEqualFold(want[len(app):], typ) {
				return true
			}
		} else if asciiEqualFold(want, typ) {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether a and b are equal ignoring the case of
// ASCII letters only.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Verify checks token at the verifier's current time; see VerifyAt.
func (v *Verifier) Verify(token string) (Claims, error) {
	if v == nil || v.keys == nil {
		return Claims{}, errVerifierZero
	}
	return v.VerifyAt(token, v.now())
}

// VerifyAt checks token as of now and returns its claims. It checks, in
// order: the size; the three segments and their strict base64url; the
// header (alg not none, allowed, crit absent, typ accepted when Types is
// set); the key, by kid; that the
// key is bound to alg; the signature, over the first two segments exactly
// as received; and only then the claims: their JSON, exp, nbf, iat, the
// required ones, issuer and audience. The error wraps the sentinel of the
// first check that failed.
func (v *Verifier) VerifyAt(token string, now time.Time) (Claims, error) {
	pseg, err := v.check(token, nil)
	if err != nil {
		return Claims{}, err
	}
	n := decodedLen(len(pseg))
	if n < 0 {
		return Claims{}, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	// The payload is decoded straight into the one allocation its strings
	// will share, which nothing writes to afterwards. Up to 496 bytes,
	// that allocation also holds the array of a single-valued aud, sized to
	// fill an allocation size class exactly.
	var buf []byte
	var one *[1]string
	switch {
	case n <= len(payload192{}.payload):
		b := new(payload192)
		buf, one = b.payload[:n], &b.aud
	case n <= len(payload256{}.payload):
		b := new(payload256)
		buf, one = b.payload[:n], &b.aud
	case n <= len(payload512{}.payload):
		b := new(payload512)
		buf, one = b.payload[:n], &b.aud
	default:
		buf = make([]byte, n)
	}
	m, ok := decodeSegment(buf, pseg)
	if !ok {
		return Claims{}, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	var payload string
	if m > 0 {
		payload = unsafe.String(&buf[0], m)
	}
	var c Claims
	present, err := parseClaims(payload, &c, one)
	if err != nil {
		return Claims{}, err
	}
	if err := v.validate(&c, present, now); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// payload192, payload256 and payload512 hold a decoded payload and the
// array behind a single-valued aud, so that a verification allocates once;
// each is as large as the size class it is named after.
type (
	payload192 struct {
		aud     [1]string
		payload [192 - 16]byte
	}
	payload256 struct {
		aud     [1]string
		payload [256 - 16]byte
	}
	payload512 struct {
		aud     [1]string
		payload [512 - 16]byte
	}
)

// VerifyAs verifies token as v.VerifyAt does and also decodes its claims
// into a T with encoding/json: a struct embedding [Claims] with the
// caller's own claims, or a map[string]any. The registered claims in T
// are the ones validated, the same as in the Claims returned: a token
// with a member that encoding/json would read into one of them under
// another name ("Sub", "EXP") fails verification as malformed.
func VerifyAs[T any](v *Verifier, token string, now time.Time) (T, Claims, error) {
	var out T
	c, err := v.VerifyAt(token, now)
	if err != nil {
		return out, Claims{}, err
	}
	if err := c.Decode(&out); err != nil {
		return out, Claims{}, err
	}
	return out, c, nil
}

// VerifyJWS checks a compact JWS of any payload and returns its header and
// payload. It makes every check of VerifyAt up to and including the
// signature, and none on the payload: use it for payloads that are not JWT
// claims (nothing then says when they expire).
func (v *Verifier) VerifyJWS(token string) (Header, []byte, error) {
	var h Header
	pseg, err := v.check(token, &h)
	if err != nil {
		return Header{}, nil, err
	}
	n := decodedLen(len(pseg))
	if n < 0 {
		return Header{}, nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	payload := make([]byte, n)
	if _, ok := decodeSegment(payload, pseg); !ok {
		return Header{}, nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	return h, payload, nil
}

// check makes every check up to the signature and returns the payload
// segment, still encoded. When out is not nil it receives the header.
func (v *Verifier) check(token string, out *Header) (string, error) {
	if v == nil || v.keys == nil {
		return "", errVerifierZero
	}
	if len(token) > v.maxSize {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(token), v.maxSize)
	}
	d1 := strings.IndexByte(token, '.')
	if d1 < 0 {
		return "", fmt.Errorf("%w: not three segments", ErrMalformed)
	}
	d2 := strings.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return "", fmt.Errorf("%w: not three segments", ErrMalformed)
	}
	d2 += d1 + 1
	if strings.IndexByte(token[d2+1:], '.') >= 0 {
		return "", fmt.Errorf("%w: more than three segments", ErrMalformed)
	}
	hseg, pseg, sseg := token[:d1], token[d1+1:d2], token[d2+1:]

	keys := v.keys.keys.Load()
	var e *headerEntry
	for i := range v.headers {
		if c := v.headers[i].Load(); c != nil && c.seg == hseg && c.keys == keys {
			e = c
			break
		}
	}
	if e == nil {
		var err error
		if e, err = v.checkHeader(hseg, keys); err != nil {
			return "", err
		}
		v.headers[v.next.Add(1)%headerCacheSize].Store(e)
	}
	key := e.key

	want := key.sigSize()
	if decodedLen(len(sseg)) != want {
		return "", fmt.Errorf("%w: signature is not %d bytes of base64url", ErrSignature, want)
	}
	var sb [132]byte
	sbuf := sb[:]
	if want > len(sbuf) {
		sbuf = make([]byte, want)
	}
	if _, ok := decodeSegment(sbuf, sseg); !ok {
		return "", fmt.Errorf("%w: signature is not base64url", ErrSignature)
	}
	if !key.verify(token[:d2], sbuf[:want]) {
		return "", ErrSignature
	}
	if out != nil {
		*out = Header{Algorithm: key.alg, KeyID: e.kid, Type: e.typ}
	}
	return pseg, nil
}

// checkHeader decodes and checks a header segment and selects its key
// from keys, the key set's current map.
func (v *Verifier) checkHeader(hseg string, keys *map[string]*Key) (*headerEntry, error) {
	var hb [128]byte
	hbuf := hb[:]
	n := decodedLen(len(hseg))
	if n < 0 {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	if n > len(hbuf) {
		hbuf = make([]byte, n)
	}
	hn, ok := decodeSegment(hbuf, hseg)
	if !ok {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	var algBuf [16]byte
	var kidBuf [64]byte
	var hs string
	if hn > 0 {
		hs = unsafe.String(&hbuf[0], hn)
	}
	h, err := parseHeader(hs, algBuf[:], kidBuf[:])
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(h.alg, "none") {
		return nil, fmt.Errorf("%w: alg %q", ErrAlgorithm, truncate(h.alg))
	}
	ai := algIndex(h.alg)
	if ai < 0 || v.allowed&(1<<ai) == 0 {
		return nil, fmt.Errorf("%w: alg %q not accepted", ErrAlgorithm, truncate(h.alg))
	}
	if v.types != nil && !v.typeAccepted(h.typ) {
		return nil, fmt.Errorf("%w: typ %q", ErrType, truncate(h.typ))
	}
	var key *Key
	if keys != nil {
		key = (*keys)[h.kid]
	}
	if key == nil {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, truncate(h.kid))
	}
	if key.alg != algorithms[ai].alg {
		return nil, fmt.Errorf("%w: token says %s, key %q is for %s", ErrAlgorithm, truncate(h.alg), key.kid, key.alg)
	}
	return &headerEntry{seg: strings.Clone(hseg), keys: keys, key: key, kid: strings.Clone(h.kid), typ: strings.Clone(h.typ)}, nil
}

// validate checks the claims of a token whose signature holds.
func (v *Verifier) validate(c *Claims, present uint16, now time.Time) error {
	// aud and scope count as present for Required only with a value:
	// "aud": [] names no recipient.
	have := present
	if len(c.Audience) == 0 {
		have &^= claimAud
	}
	if c.Scope == "" {
		have &^= claimScope
	}
	if missing := v.required &^ have; missing != 0 {
		for _, n := range claimNames {
			if missing&n.bit != 0 {
				return fmt.Errorf("%w: %s", ErrMissingClaim, n.name)
			}
		}
	}
	early, late := now, now
	if v.leeway != 0 {
		early, late = now.Add(-v.leeway), now.Add(v.leeway)
	}
	if !early.Before(c.ExpiresAt.Time) {
		return fmt.Errorf("%w: exp %v, now %v", ErrExpired, c.ExpiresAt.UTC(), now.UTC())
	}
	if present&claimNbf != 0 && late.Before(c.NotBefore.Time) {
		return fmt.Errorf("%w: nbf %v, now %v", ErrNotYetValid, c.NotBefore.UTC(), now.UTC())
	}
	if present&claimIat != 0 && c.IssuedAt.After(late) {
		return fmt.Errorf("%w: iat %v, now %v", ErrIssuedInFuture, c.IssuedAt.UTC(), now.UTC())
	}
	if v.issuer != "" {
		if present&claimIss == 0 {
			return fmt.Errorf("%w: iss", ErrMissingClaim)
		}
		if c.Issuer != v.issuer {
			return fmt.Errorf("%w: %q", ErrIssuer, truncate(c.Issuer))
		}
	}
	if v.audience != "" {
		if present&claimAud == 0 {
			return fmt.Errorf("%w: aud", ErrMissingClaim)
		}
		if !c.Audience.Contains(v.audience) {
			return fmt.Errorf("%w: %q", ErrAudience, truncateList(c.Audience))
		}
	}
	return nil
}
