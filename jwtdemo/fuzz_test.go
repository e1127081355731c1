package jwtdemo_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
)

// FuzzVerify feeds arbitrary strings to the verifier. It must never panic,
// every failure must wrap one of the package's sentinels, what it accepts
// must be valid JSON claims, and the memory one call allocates must stay
// within a bound set by the size limit, whatever the input. The seeds run
// as a normal test; `go test -fuzz FuzzVerify` explores further.
func FuzzVerify(f *testing.F) {
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "k", secret)
	if err != nil {
		f.Fatal(err)
	}
	set, err := jwtdemo.NewKeySet(key)
	if err != nil {
		f.Fatal(err)
	}
	const maxSize = 4096
	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256, jwtdemo.ES256},
		Issuer: "iss", Audience: "aud", MaxTokenSize: maxSize,
	})
	if err != nil {
		f.Fatal(err)
	}
	kid := `{"alg":"HS256","kid":"k"}`
	for _, seed := range []string{
		forge(secret, kid, validPayload),
		forge(secret, kid, `{"iss":"iss","aud":["x","aud"],"exp":1.8e9,"nbf":1,"iat":1,"jti":"\u00e9","x":[{"y":null}]}`),
		forge(secret, kid, `{"exp":"soon"}`),
		forge(secret, kid, `{"iss":"iss","aud":"aud","sub":"alice","Sub":"admin","exp":1.8e9}`),
		forge(secret, kid, `{"iss":"iss","aud":"aud","exp":1.8e9,"\u017fcope":"admin","ISS":"other"}`),
		forge(secret, kid, `{"exp":1e999}`),
		forge(secret, kid, `{"exp":`+nested(50)+`}`),
		forge(secret, `{"alg":"HS256","kid":"k","crit":["x"]}`, validPayload),
		forge(secret, `{"alg":"none","kid":"k"}`, validPayload),
		forge(secret, `{"alg":"ES256","kid":"k"}`, validPayload),
		forge(secret, `{"alg":"HS256","kid":"\u006b"}`, validPayload),
		enc(`{"alg":"HS256","kid":"k"}`) + "." + enc(validPayload) + ".",
		rfc7515A1Token, rfc7515A3Token, rfc8037Token,
		"", ".", "..", "...", "a.b.c", "e30.e30.", strings.Repeat("A", maxSize+1),
		enc(strings.Repeat("{", 200)) + ".e30.AAAA",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		now := time.Now()
		c, err := v.VerifyAt(token, now)
		runtime.ReadMemStats(&after)
		if err != nil {
			if !isSentinel(err) && !isClaimSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if c.Subject != "" || c.Issuer != "" {
				t.Fatalf("claims returned with an error: %+v", c)
			}
		} else {
			seg := strings.Split(token, ".")[1]
			payload, derr := base64.RawURLEncoding.DecodeString(seg)
			if derr != nil || !json.Valid(payload) {
				t.Fatalf("accepted a payload that is not base64url JSON: %q", seg)
			}
			// encoding/json, which VerifyAs and Decode use, reads the
			// registered claims that were validated, not others.
			var std appClaims
			if err := json.Unmarshal(payload, &std); err != nil {
				t.Fatalf("accepted %q, which encoding/json refuses: %v", payload, err)
			}
			if d := claimsDiff(c, std.Claims); d != "" {
				t.Fatalf("%q: validated and encoding/json's claims differ: %s", payload, d)
			}
			got, _, err := jwtdemo.VerifyAs[appClaims](v, token, now)
			if err != nil {
				t.Fatalf("Verify accepted %q, VerifyAs refused it: %v", payload, err)
			}
			if d := claimsDiff(c, got.Claims); d != "" {
				t.Fatalf("%q: validated and VerifyAs's claims differ: %s", payload, d)
			}
		}
		// One copy of the payload, the audience, the error text: a few
		// times the token's size at most, plus a constant.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*maxSize+16<<10 {
			t.Fatalf("allocated %d bytes for a %d-byte token", alloc, len(token))
		}
	})
}

func isClaimSentinel(err error) bool {
	for _, s := range []error{
		jwtdemo.ErrExpired, jwtdemo.ErrNotYetValid, jwtdemo.ErrIssuedInFuture, jwtdemo.ErrIssuer,
		jwtdemo.ErrAudience, jwtdemo.ErrMissingClaim, jwtdemo.ErrInvalidClaim,
	} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzParseJWK: importing any bytes as a key never panics and fails only
// with ErrKey.
func FuzzParseJWK(f *testing.F) {
	for _, seed := range []string{rfc7515A1Key, rfc7515A3Key, rfc7520Key,
		`{"kty":"RSA","alg":"RS256","n":"` + rfc7515A2N + `","e":"AQAB"}`,
		`{"kty":"OKP","alg":"EdDSA","crv":"Ed25519","x":"` + rfc8037X + `"}`,
		`{"kty":"EC","alg":"ES512","crv":"P-521","x":"AA","y":"AA"}`, `{}`, `[]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		k, err := jwtdemo.ParseJWK([]byte(data), "")
		if err != nil && !errors.Is(err, jwtdemo.ErrKey) {
			t.Fatalf("error is not ErrKey: %v", err)
		}
		if err == nil && k.CanSign() && k.Algorithm()[0] != 'H' {
			t.Fatal("an asymmetric key imported with its private part")
		}
	})
}

// FuzzParseJWKSet: importing any bytes as a JWK Set never panics, fails
// only with ErrKey or ErrInvalidConfig, returns a set with at least one
// key when it succeeds, and says why of every key it skipped.
func FuzzParseJWKSet(f *testing.F) {
	for _, seed := range []string{`{}`, `{"keys":null}`, `{"keys":[]}`, entraSet, keycloakSet,
		`{"keys":[` + rfc7515A3Key + `,` + rfc7520Key + `]}`, `{"keys":[{"kty":"OKP","crv":"X25519","x":"` + rfc8037X + `"}]}`,
	} {
		f.Add(seed)
	}
	cfg := jwtdemo.JWKSetConfig{AlgorithmByKeyType: map[string]jwtdemo.Algorithm{"RSA": jwtdemo.RS256, "EC": jwtdemo.ES256, "OKP": jwtdemo.EdDSA}}
	f.Fuzz(func(t *testing.T, data string) {
		set, skipped, err := jwtdemo.ParseJWKSet([]byte(data), cfg)
		if err != nil {
			if !errors.Is(err, jwtdemo.ErrKey) && !errors.Is(err, jwtdemo.ErrInvalidConfig) {
				t.Fatalf("error wraps neither ErrKey nor ErrInvalidConfig: %v", err)
			}
			return
		}
		if len(set.Keys()) == 0 {
			t.Fatal("a set without keys was accepted")
		}
		for _, s := range skipped {
			if !errors.Is(s.Reason, jwtdemo.ErrKey) {
				t.Fatalf("skipped key %d: reason is not ErrKey: %v", s.Index, s.Reason)
			}
		}
		for _, k := range set.Keys() {
			if k.CanSign() && k.Algorithm()[0] != 'H' {
				t.Fatal("an asymmetric key imported with its private part")
			}
		}
	})
}
