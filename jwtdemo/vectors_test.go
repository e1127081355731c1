package jwtdemo_test

import (
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test vectors published in the RFCs, reproduced here as facts:
// RFC 7515 (JSON Web Signature) Appendix A.1–A.3, RFC 8037 (CFRG curves in
// JOSE) Appendix A.4, and RFC 7520 (Examples of Protecting Content Using
// JOSE) §4.4.

// rfc7515Payload is the payload shared by RFC 7515 A.1–A.3: the claims
// {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}.
const rfc7515Payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

// RFC 7515 A.1: HS256. Its header {"typ":"JWT",\r\n "alg":"HS256"} has a
// CRLF and a space inside the JSON.
const (
	rfc7515A1Key   = `{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`
	rfc7515A1Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + rfc7515Payload + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

// RFC 7515 A.2: RS256 with a 2048-bit key.
const (
	rfc7515A2N     = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
	rfc7515A2D     = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
	rfc7515A2P     = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"
	rfc7515A2Q     = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
	rfc7515A2Sig   = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
	rfc7515A2Token = "eyJhbGciOiJSUzI1NiJ9." + rfc7515Payload + "." + rfc7515A2Sig
)

// RFC 7515 A.3: ES256 on P-256. ECDSA signatures are randomised, so only
// verification can be checked against the RFC.
const (
	rfc7515A3Key   = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`
	rfc7515A3Token = "eyJhbGciOiJFUzI1NiJ9." + rfc7515Payload + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)

// RFC 8037 A.1 and A.4: Ed25519 signing of "Example of Ed25519 signing".
const (
	rfc8037D     = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X     = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Token = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

// RFC 7520 §4.4: HS256 with a kid, over the Figure 7 text (Figure 34 is
// the compact serialization).
const (
	rfc7520Key     = `{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}`
	rfc7520Payload = "It\u2019s a dangerous business, Frodo, going out your door. You step onto the road, and if you don't keep your feet, there\u2019s no knowing where you might be swept off to."
	rfc7520Token   = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func verifierFor(t *testing.T, keys ...*jwtdemo.Key) *jwtdemo.Verifier {
	t.Helper()
	set, err := jwtdemo.NewKeySet(keys...)
	require.NoError(t, err)
	algs := make([]jwtdemo.Algorithm, 0, len(keys))
	for _, k := range keys {
		algs = append(algs, k.Algorithm())
	}
	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: algs})
	require.NoError(t, err)
	return v
}

// rfc7515Claims checks the claims of the RFC 7515 payload through the
// claims path, at an instant before its exp of 1300819380.
func rfc7515Claims(t *testing.T, v *jwtdemo.Verifier, token string) {
	t.Helper()
	c, err := v.VerifyAt(token, time.Unix(1300819379, 0))
	require.NoError(t, err)
	assert.Equal(t, "joe", c.Issuer)
	assert.Equal(t, int64(1300819380), c.ExpiresAt.Unix())
	var all map[string]any
	require.NoError(t, c.Decode(&all))
	assert.Equal(t, true, all["http://example.com/is_root"])
	// One second later the same token is expired: exp equal to now.
	_, err = v.VerifyAt(token, time.Unix(1300819380, 0))
	assert.ErrorIs(t, err, jwtdemo.ErrExpired)
}

func TestRFC7515A1HS256(t *testing.T) {
	key, err := jwtdemo.ParseJWK([]byte(rfc7515A1Key), jwtdemo.HS256)
	require.NoError(t, err)
	v := verifierFor(t, key)
	h, payload, err := v.VerifyJWS(rfc7515A1Token)
	require.NoError(t, err)
	assert.Equal(t, jwtdemo.Header{Algorithm: jwtdemo.HS256, Type: "JWT"}, h)
	assert.Equal(t, b64(t, rfc7515Payload), payload)
	rfc7515Claims(t, v, rfc7515A1Token)
}

func TestRFC7515A2RS256(t *testing.T) {
	priv := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: new(big.Int).SetBytes(b64(t, rfc7515A2N)), E: 65537},
		D:         new(big.Int).SetBytes(b64(t, rfc7515A2D)),
		Primes:    []*big.Int{new(big.Int).SetBytes(b64(t, rfc7515A2P)), new(big.Int).SetBytes(b64(t, rfc7515A2Q))},
	}
	require.NoError(t, priv.Validate())
	priv.Precompute()
	key, err := jwtdemo.NewKey(jwtdemo.RS256, "", priv)
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	// PKCS #1 v1.5 is deterministic: signing the same bytes reproduces the
	// RFC's token exactly.
	tok, err := s.SignPayload(b64(t, rfc7515Payload))
	require.NoError(t, err)
	assert.Equal(t, rfc7515A2Token, tok)

	pub, err := jwtdemo.ParseJWK([]byte(`{"kty":"RSA","n":"`+rfc7515A2N+`","e":"AQAB"}`), jwtdemo.RS256)
	require.NoError(t, err)
	rfc7515Claims(t, verifierFor(t, pub), rfc7515A2Token)
}

func TestRFC7515A3ES256(t *testing.T) {
	key, err := jwtdemo.ParseJWK([]byte(rfc7515A3Key), jwtdemo.ES256)
	require.NoError(t, err)
	rfc7515Claims(t, verifierFor(t, key), rfc7515A3Token)
}

func TestRFC8037A4EdDSA(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(b64(t, rfc8037D))
	require.Equal(t, b64(t, rfc8037X), []byte(priv.Public().(ed25519.PublicKey)))
	key, err := jwtdemo.NewKey(jwtdemo.EdDSA, "", priv)
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	tok, err := s.SignPayload([]byte("Example of Ed25519 signing"))
	require.NoError(t, err)
	assert.Equal(t, rfc8037Token, tok, "Ed25519 is deterministic")

	pub, err := jwtdemo.ParseJWK([]byte(`{"kty":"OKP","crv":"Ed25519","x":"`+rfc8037X+`"}`), jwtdemo.EdDSA)
	require.NoError(t, err)
	_, payload, err := verifierFor(t, pub).VerifyJWS(rfc8037Token)
	require.NoError(t, err)
	assert.Equal(t, "Example of Ed25519 signing", string(payload))
}

func TestRFC7520HS256WithKID(t *testing.T) {
	key, err := jwtdemo.ParseJWK([]byte(rfc7520Key), "")
	require.NoError(t, err)
	require.Equal(t, "018c0ae5-4d9b-471b-bfd6-eef314bc7037", key.KeyID())
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	tok, err := s.SignPayload([]byte(rfc7520Payload))
	require.NoError(t, err)
	assert.Equal(t, rfc7520Token, tok, "HMAC is deterministic and the header is {\"alg\":…,\"kid\":…}")

	h, payload, err := verifierFor(t, key).VerifyJWS(rfc7520Token)
	require.NoError(t, err)
	assert.Equal(t, rfc7520Payload, string(payload))
	assert.Equal(t, key.KeyID(), h.KeyID)
}
