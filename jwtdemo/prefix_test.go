package jwtdemo_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// datedClaims has a numeric date of the caller's own, decoded and encoded
// by NumericDate's own methods inside encoding/json.
type datedClaims struct {
	jwtdemo.Claims
	AuthTime jwtdemo.NumericDate `json:"auth_time"`
}

// TestErrorsSayThePrefixOnce: every error the package returns starts with
// "jwtdemo: " and says it only there, however many of the package's own
// errors it wraps (one reached through encoding/json, a key of a JWK
// Set). TestMiddlewareWriteError checks the errors the middleware hands
// to WriteError.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) {
		c.Issuer, c.Audience, c.Types, c.Required = "me", "api", []string{"JWT"}, []string{"jti"}
		c.MaxTokenSize = 1 << 10
	})
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret)
	require.NoError(t, err)
	signer, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	set, err := jwtdemo.NewKeySet(key)
	require.NoError(t, err)
	h := `{"alg":"HS256","typ":"JWT"}`
	exp := `"exp":` + sec(time.Hour)
	good := `"iss":"me","aud":"api","jti":"1",` + exp
	verify := func(header, payload string) func() error {
		return func() error {
			_, err := v.VerifyAt(forge(secret, header, payload), t0)
			return err
		}
	}
	forever := jwtdemo.NewNumericDate(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))

	calls := map[string]func() error{
		"VerifyAt too large":       func() error { _, err := v.VerifyAt(strings.Repeat("a", 2<<10), t0); return err },
		"VerifyAt two segments":    func() error { _, err := v.VerifyAt("a.b", t0); return err },
		"VerifyAt bad base64":      func() error { _, err := v.VerifyAt("a+.b.c", t0); return err },
		"VerifyAt alg none":        verify(`{"alg":"none"}`, `{`+good+`}`),
		"VerifyAt alg not allowed": verify(`{"alg":"RS256"}`, `{`+good+`}`),
		"VerifyAt crit":            verify(`{"alg":"HS256","crit":["x"]}`, `{`+good+`}`),
		"VerifyAt typ":             verify(`{"alg":"HS256","typ":"at+jwt"}`, `{`+good+`}`),
		"VerifyAt folded header":   verify(`{"alg":"HS256","Kid":"x"}`, `{`+good+`}`),
		"VerifyAt unknown kid":     verify(`{"alg":"HS256","typ":"JWT","kid":"x"}`, `{`+good+`}`),
		"VerifyAt signature": func() error {
			_, err := v.VerifyAt(forge([]byte("another secret of thirty-two bytes"), h, `{`+good+`}`), t0)
			return err
		},
		"VerifyAt expired":       verify(h, `{"iss":"me","aud":"api","jti":"1","exp":`+sec(-time.Hour)+`}`),
		"VerifyAt nbf":           verify(h, `{`+good+`,"nbf":`+sec(time.Minute)+`}`),
		"VerifyAt iat":           verify(h, `{`+good+`,"iat":`+sec(time.Minute)+`}`),
		"VerifyAt issuer":        verify(h, `{"iss":"you","aud":"api","jti":"1",`+exp+`}`),
		"VerifyAt audience":      verify(h, `{"iss":"me","aud":"web","jti":"1",`+exp+`}`),
		"VerifyAt missing claim": verify(h, `{"iss":"me","aud":"api",`+exp+`}`),
		"VerifyAt invalid claim": verify(h, `{"iss":"me","aud":"api","jti":"1","exp":"never"}`),
		"VerifyAt folded claim":  verify(h, `{`+good+`,"Sub":"x"}`),
		"VerifyAt not JSON":      verify(h, `{`+good),
		"VerifyJWS":              func() error { _, _, err := v.VerifyJWS("a.b"); return err },
		"VerifyAs own date not a number": func() error {
			_, _, err := jwtdemo.VerifyAs[datedClaims](v, forge(secret, h, `{`+good+`,"auth_time":"x"}`), t0)
			return err
		},
		"VerifyAs own field of the wrong type": func() error {
			_, _, err := jwtdemo.VerifyAs[appClaims](v, forge(secret, h, `{`+good+`,"role":1}`), t0)
			return err
		},
		"Decode not from a token": func() error { var c jwtdemo.Claims; return c.Decode(&map[string]any{}) },
		"Decode own date not a number": func() error {
			c, err := v.VerifyAt(forge(secret, h, `{`+good+`,"auth_time":true}`), t0)
			require.NoError(t, err)
			return c.Decode(&datedClaims{})
		},
		"Decode own field of the wrong type": func() error {
			c, err := v.VerifyAt(forge(secret, h, `{`+good+`,"role":1}`), t0)
			require.NoError(t, err)
			return c.Decode(&appClaims{})
		},
		"Sign date out of range":         func() error { _, err := signer.Sign(jwtdemo.Claims{ExpiresAt: forever}); return err },
		"SignJSON date out of range":     func() error { _, err := signer.SignJSON(jwtdemo.Claims{ExpiresAt: forever}); return err },
		"SignJSON own date out of range": func() error { _, err := signer.SignJSON(datedClaims{AuthTime: forever}); return err },
		"SignJSON not an object":         func() error { _, err := signer.SignJSON([]int{1}); return err },
		"SignJSON not encodable":         func() error { _, err := signer.SignJSON(map[string]any{"c": make(chan int)}); return err },
		"NumericDate.MarshalJSON":        func() error { _, err := forever.MarshalJSON(); return err },
		"NumericDate.UnmarshalJSON":      func() error { var d jwtdemo.NumericDate; return d.UnmarshalJSON([]byte(`"x"`)) },
		"Audience.UnmarshalJSON":         func() error { var a jwtdemo.Audience; return a.UnmarshalJSON([]byte(`1`)) },
		"Scope.UnmarshalJSON":            func() error { var s jwtdemo.Scope; return s.UnmarshalJSON([]byte(`["a b"]`)) },
		"NewKey unsupported":             func() error { _, err := jwtdemo.NewKey("HS1", "", secret); return err },
		"NewKey short secret":            func() error { _, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret[:16]); return err },
		"NewKey wrong material":          func() error { _, err := jwtdemo.NewKey(jwtdemo.RS256, "", secret); return err },
		"NewKey short Ed25519 key":       func() error { _, err := jwtdemo.NewKey(jwtdemo.EdDSA, "", ed25519.PublicKey{1, 2}); return err },
		"NewSigner nil":                  func() error { _, err := jwtdemo.NewSigner(nil); return err },
		"NewSigner public key": func() error {
			_, err := jwtdemo.NewSigner(testKeys(t)[len(testKeys(t))-1].Public())
			return err
		},
		"NewKeySet duplicate kid": func() error { _, err := jwtdemo.NewKeySet(key, key); return err },
		"KeySet.Add duplicate":    func() error { return set.Add(key) },
		"NewVerifier":             func() error { _, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{}); return err },
		"ParseJWK not JSON":       func() error { _, err := jwtdemo.ParseJWK([]byte(`{`), jwtdemo.HS256); return err },
		"ParseJWK short secret": func() error {
			_, err := jwtdemo.ParseJWK([]byte(`{"kty":"oct","k":"c2hvcnQ"}`), jwtdemo.HS256)
			return err
		},
		"ParseJWKSet not JSON": func() error { _, _, err := jwtdemo.ParseJWKSet([]byte(`{`), jwtdemo.JWKSetConfig{}); return err },
		"ParseJWKSet key not JSON": func() error {
			_, _, err := jwtdemo.ParseJWKSet([]byte(`{"keys":[1]}`), jwtdemo.JWKSetConfig{})
			return err
		},
		"ParseJWKSet broken key": func() error {
			_, _, err := jwtdemo.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","alg":"HS256","k":"c2hvcnQ"}]}`), jwtdemo.JWKSetConfig{})
			return err
		},
		"ParseJWKSet no usable key": func() error {
			_, _, err := jwtdemo.ParseJWKSet([]byte(`{"keys":[]}`), jwtdemo.JWKSetConfig{})
			return err
		},
		"ParseJWKSet bad config": func() error {
			_, _, err := jwtdemo.ParseJWKSet([]byte(`{"keys":[]}`), jwtdemo.JWKSetConfig{AlgorithmByKeyType: map[string]jwtdemo.Algorithm{"EC": jwtdemo.HS256}})
			return err
		},
		"Middleware without a Verifier": func() error { _, err := jwtdemo.Middleware(jwtdemo.MiddlewareConfig{}); return err },
		"Middleware with a bad scope": func() error {
			_, err := jwtdemo.Middleware(jwtdemo.MiddlewareConfig{Verifier: v, Scopes: []string{"a b"}})
			return err
		},
		"zero Verifier": func() error { _, err := (&jwtdemo.Verifier{}).VerifyAt("a.b.c", t0); return err },
		"zero Signer":   func() error { _, err := (&jwtdemo.Signer{}).Sign(jwtdemo.Claims{}); return err },
		"zero Key":      func() error { _, err := (&jwtdemo.Key{}).MarshalJWK(); return err },
	}
	for name, call := range calls {
		err := call()
		if !assert.Error(t, err, name) {
			continue
		}
		msg := err.Error()
		assert.True(t, strings.HasPrefix(msg, "jwtdemo: "), "%s: %q does not start with the prefix", name, msg)
		assert.Equal(t, 1, strings.Count(msg, "jwtdemo:"), "%s: %q", name, msg)
	}
}
