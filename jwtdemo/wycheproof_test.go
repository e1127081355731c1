package jwtdemo_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/json_web_signature_test.json is Wycheproof's JWS test file
// (C2SP/wycheproof, testvectors_v1, Apache License 2.0: testdata/LICENSE).

type wycheproofFile struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int             `json:"tcId"`
			Comment string          `json:"comment"`
			JWS     json.RawMessage `json:"jws"`
			Result  string          `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// wycheproofExceptions are the cases where this package's result differs
// from the file's label, each with the result it gives and why.
var wycheproofExceptions = map[int]struct {
	result string
	reason string
}{
	// C2SP/wycheproof issue 236: 357, 367 and 370 are the same bytes;
	// 357 is labelled valid and the other two invalid. The token is a
	// correct HS256 token, so all three verify.
	367: {"valid", "byte-identical to tcId 357, labelled valid (upstream issue 236)"},
	370: {"valid", "byte-identical to tcId 357, labelled valid (upstream issue 236)"},
	// C2SP/wycheproof issue 236: '?' is not in the base64url alphabet, yet
	// these are labelled valid.
	372: {"invalid", "'?' in the header segment is not base64url (upstream issue 236)"},
	373: {"invalid", "'?' in the payload segment is not base64url (upstream issue 236)"},
	// The key of these groups says "alg":"PS256" but the token, RFC 7520
	// Figure 20, is PS384. A key is bound to its one algorithm here, so the
	// token is refused with ErrAlgorithm.
	346: {"invalid", `JWK is bound to "alg":"PS256", token is PS384`},
	350: {"invalid", `JWK is bound to "alg":"PS256", token is PS384`},
	// The key of these groups says "alg":"ES521", which is no algorithm
	// (RFC 7518 names ECDSA on P-521 "ES512"), so the key is not imported.
	347: {"invalid", `JWK "alg":"ES521" is not a JWS algorithm`},
	351: {"invalid", `JWK "alg":"ES521" is not a JWS algorithm`},
}

// wycheproofErrors pins, for the attacks this package is built to stop,
// which check stops them.
var wycheproofErrors = map[int]error{
	14:  jwtdemo.ErrMalformed, // an extra empty segment
	15:  jwtdemo.ErrMalformed, // an extra segment
	16:  jwtdemo.ErrAlgorithm, // alg none
	17:  jwtdemo.ErrMalformed, // JSON serialization
	31:  jwtdemo.ErrAlgorithm, // HS256 token against an ES256 key: key confusion
	32:  jwtdemo.ErrSignature, // embedded jwk ignored, so the attacker's key is not used
	341: jwtdemo.ErrAlgorithm, // alg none
	342: jwtdemo.ErrAlgorithm, // alg NONE
	343: jwtdemo.ErrAlgorithm, // alg none with a kid
	344: jwtdemo.ErrAlgorithm, // alg none with the kid of a real key
	332: jwtdemo.ErrAlgorithm, // RS256 token against a PS512 key
	338: jwtdemo.ErrAlgorithm, // PS256 token against a PS512 key
	346: jwtdemo.ErrAlgorithm, // PS384 token against a key bound to PS256
	347: jwtdemo.ErrKey,       // "alg":"ES521"
	353: jwtdemo.ErrKey,       // key for encryption
	355: jwtdemo.ErrKey,       // key_ops encrypt
	360: jwtdemo.ErrSignature, // spaces in the signature
	365: jwtdemo.ErrMalformed, // spaces in the header
	372: jwtdemo.ErrMalformed, // '?' in the header
	374: jwtdemo.ErrSignature, // payload with non-zero unused bits, MAC of the canonical form
	375: jwtdemo.ErrMalformed, // MAC over a payload with non-zero unused bits
	379: jwtdemo.ErrSignature, // ECDSA signature too long
	385: jwtdemo.ErrSignature, // ECDSA signature far too long
	386: jwtdemo.ErrSignature, // r = s = 0
	401: jwtdemo.ErrSignature, // r = s = n
}

var sentinels = []error{
	jwtdemo.ErrMalformed, jwtdemo.ErrTooLarge, jwtdemo.ErrAlgorithm, jwtdemo.ErrCritical,
	jwtdemo.ErrUnknownKey, jwtdemo.ErrSignature, jwtdemo.ErrKey,
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func TestWycheproof(t *testing.T) {
	data, err := os.ReadFile("testdata/json_web_signature_test.json")
	require.NoError(t, err)
	var f wycheproofFile
	require.NoError(t, json.Unmarshal(data, &f))

	all := []jwtdemo.Algorithm{
		jwtdemo.HS256, jwtdemo.HS384, jwtdemo.HS512, jwtdemo.RS256, jwtdemo.RS384, jwtdemo.RS512,
		jwtdemo.PS256, jwtdemo.PS384, jwtdemo.PS512, jwtdemo.ES256, jwtdemo.ES384, jwtdemo.ES512, jwtdemo.EdDSA,
	}
	ran, seenExceptions := 0, 0
	for _, g := range f.TestGroups {
		jwk := g.Public
		if jwk == nil {
			jwk = g.Private
		}
		// The verifier accepts every algorithm, so that the key's binding
		// to its own algorithm is what refuses a token signed otherwise.
		key, keyErr := jwtdemo.ParseJWK(jwk, "")
		var v *jwtdemo.Verifier
		if keyErr == nil {
			set, err := jwtdemo.NewKeySet(key)
			require.NoError(t, err)
			v, err = jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: all})
			require.NoError(t, err)
		}
		for _, tc := range g.Tests {
			ran++
			t.Run(fmt.Sprintf("tcId=%d/%s", tc.TcID, tc.Comment), func(t *testing.T) {
				var token string
				if json.Unmarshal(tc.JWS, &token) != nil {
					token = string(tc.JWS) // the JSON serialization case
				}
				err := keyErr
				if err == nil {
					_, _, err = v.VerifyJWS(token)
				}
				got := "valid"
				if err != nil {
					got = "invalid"
					assert.True(t, isSentinel(err), "error %v wraps no sentinel", err)
				}
				if want, ok := wycheproofErrors[tc.TcID]; ok {
					assert.ErrorIs(t, err, want)
				}
				want := tc.Result
				if ex, ok := wycheproofExceptions[tc.TcID]; ok {
					seenExceptions++
					require.NotEqual(t, tc.Result, ex.result, "exception matches the label")
					want = ex.result
				}
				assert.Equal(t, want, got, "group %s: %v", g.Comment, err)
			})
		}
	}
	assert.Equal(t, f.NumberOfTests, ran)
	assert.Equal(t, 401, ran)
	assert.Equal(t, len(wycheproofExceptions), seenExceptions)
}
