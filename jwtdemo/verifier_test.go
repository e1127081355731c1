package jwtdemo_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	t0     = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	secret = []byte("an HS256 secret of 32 bytes.....")
)

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// forge builds a token from raw header and payload JSON and an HS256 MAC
// under key, without this package: what an attacker (or another library)
// could send.
func forge(key []byte, header, payload string) string {
	input := enc(header) + "." + enc(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validPayload expires an hour after t0.
var validPayload = `{"sub":"user-1","exp":` + itoa(t0.Add(time.Hour).Unix()) + `}`

func itoa(v int64) string { return big.NewInt(v).String() }

func hsVerifier(t *testing.T, kid string) *jwtdemo.Verifier {
	t.Helper()
	key, err := jwtdemo.NewKey(jwtdemo.HS256, kid, secret)
	require.NoError(t, err)
	return verifierFor(t, key)
}

func TestVerifyRefusesAttacks(t *testing.T) {
	v := hsVerifier(t, "")
	hs := `{"alg":"HS256"}`
	valid := forge(secret, hs, validPayload)
	_, err := v.VerifyAt(valid, t0)
	require.NoError(t, err, "the baseline token must verify, or the cases below prove nothing")
	parts := strings.Split(valid, ".")

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none", enc(`{"alg":"none"}`) + "." + enc(validPayload) + ".", jwtdemo.ErrAlgorithm},
		{"alg None", enc(`{"alg":"None"}`) + "." + enc(validPayload) + ".", jwtdemo.ErrAlgorithm},
		{"alg nOnE", enc(`{"alg":"nOnE"}`) + "." + enc(validPayload) + ".", jwtdemo.ErrAlgorithm},
		{"alg none with a MAC", forge(secret, `{"alg":"none"}`, validPayload), jwtdemo.ErrAlgorithm},
		{"alg none escaped", forge(secret, `{"alg":"n\u006fne"}`, validPayload), jwtdemo.ErrAlgorithm},
		{"alg in lower case", forge(secret, `{"alg":"hs256"}`, validPayload), jwtdemo.ErrAlgorithm},
		{"alg not configured", forge(secret, `{"alg":"HS512"}`, validPayload), jwtdemo.ErrAlgorithm},
		{"alg missing", forge(secret, `{"typ":"JWT"}`, validPayload), jwtdemo.ErrMalformed},
		{"alg not a string", forge(secret, `{"alg":256}`, validPayload), jwtdemo.ErrMalformed},
		{"alg twice", forge(secret, `{"alg":"HS256","alg":"none"}`, validPayload), jwtdemo.ErrMalformed},
		{"alg twice, once escaped", forge(secret, `{"alg":"HS256","\u0061lg":"none"}`, validPayload), jwtdemo.ErrMalformed},
		{"crit", forge(secret, `{"alg":"HS256","crit":["exp"],"exp":1}`, validPayload), jwtdemo.ErrCritical},
		{"crit escaped", forge(secret, `{"alg":"HS256","cr\u0069t":["b64"],"b64":false}`, validPayload), jwtdemo.ErrCritical},
		{"header not an object", forge(secret, `["HS256"]`, validPayload), jwtdemo.ErrMalformed},
		{"header with trailing data", forge(secret, `{"alg":"HS256"}x`, validPayload), jwtdemo.ErrMalformed},
		{"header invalid UTF-8", forge(secret, "{\"alg\":\"HS256\",\"x\":\"\xff\"}", validPayload), jwtdemo.ErrMalformed},
		{"unknown kid", forge(secret, `{"alg":"HS256","kid":"other"}`, validPayload), jwtdemo.ErrUnknownKey},
		{"two segments", parts[0] + "." + parts[1], jwtdemo.ErrMalformed},
		{"four segments", valid + ".", jwtdemo.ErrMalformed},
		{"five segments (JWE)", valid + ".x.y", jwtdemo.ErrMalformed},
		{"empty", "", jwtdemo.ErrMalformed},
		{"empty header", "." + parts[1] + "." + parts[2], jwtdemo.ErrMalformed},
		{"padding", parts[0] + "=." + parts[1] + "." + parts[2], jwtdemo.ErrMalformed},
		{"padded signature", valid + "=", jwtdemo.ErrSignature},
		{"standard alphabet", parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]), jwtdemo.ErrSignature},
		{"newline in header", parts[0][:4] + "\n" + parts[0][4:] + "." + parts[1] + "." + parts[2], jwtdemo.ErrMalformed},
		{"newline in payload", parts[0] + "." + parts[1][:4] + "\r\n" + parts[1][4:] + "." + parts[2], jwtdemo.ErrSignature},
		{"non-canonical signature bits", parts[0] + "." + parts[1] + "." + flipLastBits(parts[2]), jwtdemo.ErrSignature},
		{"signature one byte short", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-2], jwtdemo.ErrSignature},
		{"signature one byte long", valid + "AA", jwtdemo.ErrSignature},
		{"wrong key", forge([]byte("another secret of 32 bytes......"), hs, validPayload), jwtdemo.ErrSignature},
		{"payload changed", parts[0] + "." + enc(`{"sub":"admin","exp":`+itoa(t0.Add(time.Hour).Unix())+`}`) + "." + parts[2], jwtdemo.ErrSignature},
		{"too large", forge(secret, hs, `{"exp":1,"x":"`+strings.Repeat("a", jwtdemo.DefaultMaxTokenSize)+`"}`), jwtdemo.ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.VerifyAt(tc.token, t0)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, jwtdemo.Claims{}, c)
			_, _, err = v.VerifyJWS(tc.token)
			assert.ErrorIs(t, err, tc.want, "VerifyJWS makes the same checks")
		})
	}
}

// flipLastBits changes the unused low bits of the last character, giving a
// second encoding of the same bytes, which strict decoding refuses.
func flipLastBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i^1])
}

// TestJWKHeaderNeverUsed shows that a token cannot bring its own key: it
// is signed with the key it embeds (jwk) or points to (jku, x5u), and
// fails as a bad signature because the verifier uses only its own keys.
func TestJWKHeaderNeverUsed(t *testing.T) {
	v := hsVerifier(t, "")
	attacker := []byte("the attacker's own 32-byte key!!")
	for _, h := range []string{
		`{"alg":"HS256","jwk":{"kty":"oct","k":"` + base64.RawURLEncoding.EncodeToString(attacker) + `"}}`,
		`{"alg":"HS256","jku":"https://attacker.example/jwks.json"}`,
		`{"alg":"HS256","x5u":"https://attacker.example/cert.pem"}`,
	} {
		_, err := v.VerifyAt(forge(attacker, h, validPayload), t0)
		assert.ErrorIs(t, err, jwtdemo.ErrSignature, h)
	}
}

// TestKeyConfusion: an RS256 verifier whose public key an attacker uses as
// an HS256 secret. The key is bound to RS256, so the token is refused
// before any MAC is computed, even when HS256 is an accepted algorithm.
func TestKeyConfusion(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsKey, err := jwtdemo.NewKey(jwtdemo.RS256, "", &priv.PublicKey)
	require.NoError(t, err)
	set, err := jwtdemo.NewKeySet(rsKey)
	require.NoError(t, err)
	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.RS256, jwtdemo.HS256}})
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	_, err = v.VerifyAt(forge(der, `{"alg":"HS256"}`, validPayload), t0)
	assert.ErrorIs(t, err, jwtdemo.ErrAlgorithm)
}

func TestShortHMACKeysRefused(t *testing.T) {
	for alg, size := range map[jwtdemo.Algorithm]int{jwtdemo.HS256: 32, jwtdemo.HS384: 48, jwtdemo.HS512: 64} {
		_, err := jwtdemo.NewKey(alg, "", make([]byte, size-1))
		assert.ErrorIs(t, err, jwtdemo.ErrKey, alg)
		_, err = jwtdemo.NewKey(alg, "", make([]byte, size))
		assert.NoError(t, err, alg)
	}
	// Import takes the same path: a JWK with a 31-byte secret is refused.
	_, err := jwtdemo.ParseJWK([]byte(`{"kty":"oct","alg":"HS256","k":"`+base64.RawURLEncoding.EncodeToString(make([]byte, 31))+`"}`), "")
	assert.ErrorIs(t, err, jwtdemo.ErrKey)
}

func TestNewKeyRefusesMismatches(t *testing.T) {
	ec256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	for _, tc := range []struct {
		alg jwtdemo.Algorithm
		key any
	}{
		{jwtdemo.ES384, ec256},            // wrong curve
		{jwtdemo.ES256, ed},               // wrong type
		{jwtdemo.RS256, secret},           // a secret for RSA
		{jwtdemo.HS256, &ec256.PublicKey}, // a public key as a secret
		{jwtdemo.RS256, small},            // under 2048 bits
		{jwtdemo.EdDSA, ed[:10]},          // truncated
		{"none", secret},
		{"HS1", secret},
	} {
		_, err := jwtdemo.NewKey(tc.alg, "", tc.key)
		assert.ErrorIs(t, err, jwtdemo.ErrKey, "%s %T", tc.alg, tc.key)
	}
}

// TestECDSASignatureForm: only raw r‖s of exactly twice the key size, with
// r and s in [1, n-1].
func TestECDSASignatureForm(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	key, err := jwtdemo.NewKey(jwtdemo.ES256, "", priv)
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	v := verifierFor(t, key.Public())
	tok, err := s.Sign(jwtdemo.Claims{ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
	require.NoError(t, err)
	_, err = v.VerifyAt(tok, t0)
	require.NoError(t, err)

	input := tok[:strings.LastIndexByte(tok, '.')]
	sig, err := base64.RawURLEncoding.DecodeString(tok[len(input)+1:])
	require.NoError(t, err)
	require.Len(t, sig, 64)
	n := elliptic.P256().Params().N
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	asn1, err := ecdsa.SignASN1(rand.Reader, priv, sha256Sum(input))
	require.NoError(t, err)
	raw := func(a, b *big.Int) string {
		out := make([]byte, 64)
		a.FillBytes(out[:32])
		b.FillBytes(out[32:])
		return input + "." + base64.RawURLEncoding.EncodeToString(out)
	}
	for name, bad := range map[string]string{
		"DER signature":   input + "." + base64.RawURLEncoding.EncodeToString(asn1),
		"zero r and s":    raw(new(big.Int), new(big.Int)),
		"s + n":           input + "." + base64.RawURLEncoding.EncodeToString(append(sig[:32:32], new(big.Int).Add(sv, n).Bytes()...)),
		"r = n":           raw(n, sv),
		"leading zero":    input + "." + base64.RawURLEncoding.EncodeToString(append([]byte{0}, sig...)),
		"trailing zero":   input + "." + base64.RawURLEncoding.EncodeToString(append(sig[:64:64], 0)),
		"r and s swapped": raw(sv, r),
	} {
		_, err := v.VerifyAt(bad, t0)
		assert.ErrorIs(t, err, jwtdemo.ErrSignature, name)
	}
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// TestSignatureOverSegmentsAsReceived: a header re-encoded with different
// whitespace decodes to the same JSON but is a different signing input.
func TestSignatureOverSegmentsAsReceived(t *testing.T) {
	v := hsVerifier(t, "")
	tok := forge(secret, `{"alg":"HS256"}`, validPayload)
	parts := strings.Split(tok, ".")
	respaced := enc(`{ "alg": "HS256" }`) + "." + parts[1] + "." + parts[2]
	_, err := v.VerifyAt(respaced, t0)
	assert.ErrorIs(t, err, jwtdemo.ErrSignature)
}

// TestEveryAlgorithmRoundTrips signs and verifies with each algorithm and
// checks that no key verifies another algorithm's token.
func TestEveryAlgorithmRoundTrips(t *testing.T) {
	keys := testKeys(t)
	claims := jwtdemo.Claims{Subject: "user-1", ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Minute))}
	for _, k := range keys {
		t.Run(string(k.Algorithm()), func(t *testing.T) {
			s, err := jwtdemo.NewSigner(k)
			require.NoError(t, err)
			tok, err := s.Sign(claims)
			require.NoError(t, err)
			c, err := verifierFor(t, k.Public()).VerifyAt(tok, t0)
			require.NoError(t, err)
			assert.Equal(t, "user-1", c.Subject)
			for _, other := range keys {
				if other == k {
					continue
				}
				// Same kid, so the verifier finds the other key and must
				// refuse it for its algorithm.
				set, err := jwtdemo.NewKeySet(rekey(t, other, k.KeyID()))
				require.NoError(t, err)
				ov, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{k.Algorithm(), other.Algorithm()}})
				require.NoError(t, err)
				_, err = ov.VerifyAt(tok, t0)
				assert.ErrorIs(t, err, jwtdemo.ErrAlgorithm, "%s key accepted a %s token", other.Algorithm(), k.Algorithm())
			}
		})
	}
}

// rekey returns k's public part under another kid.
func rekey(t *testing.T, k *jwtdemo.Key, kid string) *jwtdemo.Key {
	t.Helper()
	j, err := k.MarshalJWK()
	require.NoError(t, err)
	j = []byte(strings.Replace(string(j), `"kid":"`+k.KeyID()+`"`, `"kid":"`+kid+`"`, 1))
	out, err := jwtdemo.ParseJWK(j, "")
	require.NoError(t, err)
	require.Equal(t, kid, out.KeyID())
	return out
}

// testKeys returns one signing key per algorithm, kid = the algorithm.
func testKeys(t testing.TB) []*jwtdemo.Key {
	t.Helper()
	keys, err := newTestKeys()
	require.NoError(t, err)
	return keys
}

func newTestKeys() ([]*jwtdemo.Key, error) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	material := []struct {
		alg jwtdemo.Algorithm
		key any
	}{
		{jwtdemo.HS256, make([]byte, 32)}, {jwtdemo.HS384, make([]byte, 48)}, {jwtdemo.HS512, make([]byte, 64)},
		{jwtdemo.RS256, rsaKey}, {jwtdemo.RS384, rsaKey}, {jwtdemo.RS512, rsaKey},
		{jwtdemo.PS256, rsaKey}, {jwtdemo.PS384, rsaKey}, {jwtdemo.PS512, rsaKey},
		{jwtdemo.ES256, elliptic.P256()}, {jwtdemo.ES384, elliptic.P384()}, {jwtdemo.ES512, elliptic.P521()},
		{jwtdemo.EdDSA, ed},
	}
	var out []*jwtdemo.Key
	for _, m := range material {
		key := m.key
		if c, ok := key.(elliptic.Curve); ok {
			if key, err = ecdsa.GenerateKey(c, rand.Reader); err != nil {
				return nil, err
			}
		}
		k, err := jwtdemo.NewKey(m.alg, string(m.alg), key)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func TestNewVerifierValidatesConfig(t *testing.T) {
	set, err := jwtdemo.NewKeySet()
	require.NoError(t, err)
	ok := jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}}
	_, err = jwtdemo.NewVerifier(ok)
	require.NoError(t, err)
	for name, mutate := range map[string]func(*jwtdemo.VerifierConfig){
		"no keys":         func(c *jwtdemo.VerifierConfig) { c.Keys = nil },
		"no algorithms":   func(c *jwtdemo.VerifierConfig) { c.Algorithms = nil },
		"none":            func(c *jwtdemo.VerifierConfig) { c.Algorithms = []jwtdemo.Algorithm{"none"} },
		"unknown alg":     func(c *jwtdemo.VerifierConfig) { c.Algorithms = []jwtdemo.Algorithm{"HS1"} },
		"negative leeway": func(c *jwtdemo.VerifierConfig) { c.Leeway = -time.Second },
		"huge leeway":     func(c *jwtdemo.VerifierConfig) { c.Leeway = time.Hour },
		"unknown claim":   func(c *jwtdemo.VerifierConfig) { c.Required = []string{"role"} },
		"negative size":   func(c *jwtdemo.VerifierConfig) { c.MaxTokenSize = -1 },
		"size over 1 MiB": func(c *jwtdemo.VerifierConfig) { c.MaxTokenSize = 1<<20 + 1 },
	} {
		c := ok
		mutate(&c)
		_, err := jwtdemo.NewVerifier(c)
		assert.ErrorIs(t, err, jwtdemo.ErrInvalidConfig, name)
	}
}

func TestSignerNeedsPrivateKey(t *testing.T) {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := jwtdemo.NewKey(jwtdemo.EdDSA, "", ed)
	require.NoError(t, err)
	assert.True(t, k.CanSign())
	assert.False(t, k.Public().CanSign())
	_, err = jwtdemo.NewSigner(k.Public())
	assert.ErrorIs(t, err, jwtdemo.ErrKey)
}
