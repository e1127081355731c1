package jwtdemo_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func claimsVerifier(t *testing.T, mutate func(*jwtdemo.VerifierConfig)) *jwtdemo.Verifier {
	t.Helper()
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret)
	require.NoError(t, err)
	set, err := jwtdemo.NewKeySet(key)
	require.NoError(t, err)
	cfg := jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := jwtdemo.NewVerifier(cfg)
	require.NoError(t, err)
	return v
}

func sec(d time.Duration) string { return itoa(t0.Add(d).Unix()) }

func TestClaimsValidation(t *testing.T) {
	strict := func(c *jwtdemo.VerifierConfig) {
		c.Issuer = "https://issuer.example"
		c.Audience = "api"
		c.Required = []string{"sub", "iat"}
		c.Leeway = 30 * time.Second
	}
	base := `"iss":"https://issuer.example","sub":"u","aud":"api","iat":` + sec(0)
	cases := []struct {
		name    string
		payload string
		config  func(*jwtdemo.VerifierConfig)
		want    error
	}{
		{"valid", `{"exp":` + sec(time.Hour) + `}`, nil, nil},
		{"exp equals now", `{"exp":` + sec(0) + `}`, nil, jwtdemo.ErrExpired},
		{"exp one second ahead", `{"exp":` + sec(time.Second) + `}`, nil, nil},
		{"exp in the past", `{"exp":` + sec(-time.Second) + `}`, nil, jwtdemo.ErrExpired},
		{"exp missing", `{"sub":"u"}`, nil, jwtdemo.ErrMissingClaim},
		{"exp a string", `{"exp":"` + sec(time.Hour) + `"}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp null", `{"exp":null}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp true", `{"exp":true}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp negative", `{"exp":-1}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp past year 9999", `{"exp":253402300800}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp 1e300", `{"exp":1e300}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp overflowing int64", `{"exp":99999999999999999999999}`, nil, jwtdemo.ErrInvalidClaim},
		{"exp with a fraction", `{"exp":` + sec(0) + `.5}`, nil, nil},
		{"exp in exponent form", `{"exp":1.8e9}`, nil, nil},
		{"exp not JSON (leading zero)", `{"exp":0123}`, nil, jwtdemo.ErrMalformed},
		{"exp not JSON (hex)", `{"exp":0x10}`, nil, jwtdemo.ErrMalformed},
		{"exp twice", `{"exp":` + sec(time.Hour) + `,"exp":` + sec(-time.Hour) + `}`, nil, jwtdemo.ErrMalformed},
		{"nbf in the future", `{"exp":` + sec(time.Hour) + `,"nbf":` + sec(time.Second) + `}`, nil, jwtdemo.ErrNotYetValid},
		{"nbf equals now", `{"exp":` + sec(time.Hour) + `,"nbf":` + sec(0) + `}`, nil, nil},
		{"iat in the future", `{"exp":` + sec(time.Hour) + `,"iat":` + sec(time.Second) + `}`, nil, jwtdemo.ErrIssuedInFuture},
		{"iat a string", `{"exp":` + sec(time.Hour) + `,"iat":"now"}`, nil, jwtdemo.ErrInvalidClaim},
		{"strict: valid", `{` + base + `,"exp":` + sec(time.Hour) + `}`, strict, nil},
		{"strict: exp within leeway", `{` + base + `,"exp":` + sec(-29*time.Second) + `}`, strict, nil},
		{"strict: exp past leeway", `{` + base + `,"exp":` + sec(-30*time.Second) + `}`, strict, jwtdemo.ErrExpired},
		{"strict: nbf within leeway", `{` + base + `,"exp":` + sec(time.Hour) + `,"nbf":` + sec(30*time.Second) + `}`, strict, nil},
		{"strict: nbf past leeway", `{` + base + `,"exp":` + sec(time.Hour) + `,"nbf":` + sec(31*time.Second) + `}`, strict, jwtdemo.ErrNotYetValid},
		{"strict: audience in an array", `{"iss":"https://issuer.example","sub":"u","aud":["web","api"],"iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, nil},
		{"strict: wrong audience", `{"iss":"https://issuer.example","sub":"u","aud":["web"],"iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrAudience},
		{"strict: empty audience array", `{"iss":"https://issuer.example","sub":"u","aud":[],"iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrAudience},
		{"strict: audience not a string", `{"iss":"https://issuer.example","sub":"u","aud":[1],"iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrInvalidClaim},
		{"strict: audience missing", `{"iss":"https://issuer.example","sub":"u","iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrMissingClaim},
		{"strict: wrong issuer", `{"iss":"https://evil.example","sub":"u","aud":"api","iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrIssuer},
		{"strict: issuer escaped equals", `{"iss":"https:\/\/issuer.example","sub":"u","aud":"api","iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, nil},
		{"strict: sub missing", `{"iss":"https://issuer.example","aud":"api","iat":` + sec(0) + `,"exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrMissingClaim},
		{"strict: iat missing", `{"iss":"https://issuer.example","sub":"u","aud":"api","exp":` + sec(time.Hour) + `}`, strict, jwtdemo.ErrMissingClaim},
		{"claims not an object", `["exp"]`, nil, jwtdemo.ErrMalformed},
		{"claims not JSON", `{"exp":` + sec(time.Hour) + `,}`, nil, jwtdemo.ErrMalformed},
		{"claims nested too deep", `{"exp":` + sec(time.Hour) + `,"x":` + nested(40) + `}`, nil, jwtdemo.ErrMalformed},
		{"claims nested within bounds", `{"exp":` + sec(time.Hour) + `,"x":` + nested(20) + `}`, nil, nil},
		{"sub with invalid UTF-8", "{\"exp\":" + sec(time.Hour) + ",\"sub\":\"\xc3\x28\"}", nil, jwtdemo.ErrMalformed},
		{"sub with a raw control character", "{\"exp\":" + sec(time.Hour) + ",\"sub\":\"a\x01\"}", nil, jwtdemo.ErrMalformed},
		{"unknown claims of every type", `{"exp":` + sec(time.Hour) + `,"a":[1,-2.5e-3,true,false,null,{"b":"\u00e9\ud83d\ude00"}]}`, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := claimsVerifier(t, tc.config)
			_, err := v.VerifyAt(forge(secret, `{"alg":"HS256"}`, tc.payload), t0)
			if tc.want == nil {
				require.NoError(t, err)
				assert.True(t, json.Valid([]byte(tc.payload)), "accepted claims must be valid JSON")
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func nested(depth int) string {
	s := "1"
	for range depth {
		s = "[" + s + "]"
	}
	return s
}

// TestBadSignatureIsNeverReportedAsAClaimError: a token that is expired,
// for the wrong audience and from the wrong issuer, with a bad signature,
// fails as ErrSignature and nothing else.
func TestBadSignatureIsNeverReportedAsAClaimError(t *testing.T) {
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) { c.Issuer = "me"; c.Audience = "api" })
	payload := `{"iss":"you","aud":"web","exp":` + sec(-time.Hour) + `,"nbf":` + sec(time.Hour) + `}`
	_, err := v.VerifyAt(forge([]byte("not the verifier's secret, 32 b."), `{"alg":"HS256"}`, payload), t0)
	require.ErrorIs(t, err, jwtdemo.ErrSignature)
	for _, e := range []error{jwtdemo.ErrExpired, jwtdemo.ErrNotYetValid, jwtdemo.ErrIssuer, jwtdemo.ErrAudience, jwtdemo.ErrMalformed} {
		assert.NotErrorIs(t, err, e)
	}
	// The same token correctly signed fails on its claims.
	_, err = v.VerifyAt(forge(secret, `{"alg":"HS256"}`, payload), t0)
	assert.ErrorIs(t, err, jwtdemo.ErrExpired)
}

// TestSignEncodesLikeEncodingJSON: the reflection-free encoder writes what
// encoding/json writes for the same Claims, escapes included, and the
// verifier reads back what was signed.
func TestSignEncodesLikeEncodingJSON(t *testing.T) {
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "k", secret)
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	v := verifierFor(t, key)
	for _, c := range []jwtdemo.Claims{
		{ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))},
		{
			Issuer: "https://issuer.example", Subject: "quote\" backslash\\ tab\t nl\n ctl\x01 é 😀 </script>",
			Audience: jwtdemo.Audience{"a", "b"}, ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour)),
			NotBefore: jwtdemo.NewNumericDate(t0), IssuedAt: jwtdemo.NewNumericDate(t0.Add(-time.Minute)),
			ID: "id-1", Scope: "read write",
		},
		{Audience: jwtdemo.Audience{"only"}, ExpiresAt: jwtdemo.NewNumericDate(time.Unix(0, 0))},
	} {
		tok, err := s.Sign(c)
		require.NoError(t, err)
		_, payload, err := v.VerifyJWS(tok)
		require.NoError(t, err)
		var ours, theirs map[string]any
		require.NoError(t, json.Unmarshal(payload, &ours))
		std, err := json.Marshal(c)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(std, &theirs))
		assert.Equal(t, theirs, ours)

		if c.ExpiresAt.Unix() > t0.Unix() {
			got, err := v.VerifyAt(tok, t0)
			require.NoError(t, err)
			c2 := got
			assert.Equal(t, c.Subject, c2.Subject)
			assert.Equal(t, c.Audience, c2.Audience)
			assert.True(t, c.NotBefore.Equal(c2.NotBefore.Time))
			assert.Equal(t, c.Scope, c2.Scope)
		}
	}
	_, err = s.Sign(jwtdemo.Claims{Subject: "\xff"})
	assert.ErrorIs(t, err, jwtdemo.ErrInvalidClaim, "invalid UTF-8 is refused, not sent")
	for _, c := range []jwtdemo.Claims{
		{Issuer: "a\xc0\xafb"}, {ID: "\xed\xa0\x80"}, {Scope: "read \xe2\x82"},
		{Audience: jwtdemo.Audience{"\xff"}}, {Audience: jwtdemo.Audience{"a", "b\x80"}},
	} {
		_, err = s.Sign(c)
		assert.ErrorIs(t, err, jwtdemo.ErrInvalidClaim, "%+v", c)
	}
	_, err = s.Sign(jwtdemo.Claims{ExpiresAt: jwtdemo.NewNumericDate(time.Unix(-1, 0))})
	assert.ErrorIs(t, err, jwtdemo.ErrInvalidClaim)
}

type appClaims struct {
	jwtdemo.Claims
	Role  string   `json:"role"`
	Teams []string `json:"teams"`
}

func TestCustomClaims(t *testing.T) {
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret)
	require.NoError(t, err)
	s, err := jwtdemo.NewSigner(key)
	require.NoError(t, err)
	v := verifierFor(t, key)
	in := appClaims{
		Claims: jwtdemo.Claims{Subject: "u-1", Audience: jwtdemo.Audience{"api"}, ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))},
		Role:   "admin", Teams: []string{"a", "b"},
	}
	tok, err := s.SignJSON(in)
	require.NoError(t, err)

	out, c, err := jwtdemo.VerifyAs[appClaims](v, tok, t0)
	require.NoError(t, err)
	assert.Equal(t, "u-1", c.Subject)
	assert.Equal(t, in.Role, out.Role)
	assert.Equal(t, in.Teams, out.Teams)
	assert.Equal(t, in.Audience, out.Audience)
	assert.Equal(t, in.ExpiresAt.Unix(), out.ExpiresAt.Unix())

	m, _, err := jwtdemo.VerifyAs[map[string]any](v, tok, t0)
	require.NoError(t, err)
	assert.Equal(t, "admin", m["role"])

	// Claims are validated whatever T is.
	_, _, err = jwtdemo.VerifyAs[appClaims](v, tok, t0.Add(time.Hour))
	assert.ErrorIs(t, err, jwtdemo.ErrExpired)

	_, err = s.SignJSON([]string{"not", "an", "object"})
	assert.ErrorIs(t, err, jwtdemo.ErrInvalidClaim)
	var zero jwtdemo.Claims
	assert.ErrorIs(t, zero.Decode(&m), jwtdemo.ErrInvalidClaim)
}

func TestNumericDateJSON(t *testing.T) {
	var d jwtdemo.NumericDate
	require.NoError(t, json.Unmarshal([]byte(`1700000000.25`), &d))
	assert.Equal(t, time.Unix(1700000000, 250_000_000), d.Time)
	for _, bad := range []string{`"1700000000"`, `-5`, `1e300`, `null`, `{}`} {
		assert.Error(t, json.Unmarshal([]byte(bad), &d), bad)
	}
	b, err := json.Marshal(jwtdemo.NewNumericDate(time.Unix(1700000000, 999)))
	require.NoError(t, err)
	assert.Equal(t, "1700000000", string(b))

	var a jwtdemo.Audience
	require.NoError(t, json.Unmarshal([]byte(`"x"`), &a))
	assert.Equal(t, jwtdemo.Audience{"x"}, a)
	require.NoError(t, json.Unmarshal([]byte(`["x","y"]`), &a))
	assert.Equal(t, jwtdemo.Audience{"x", "y"}, a)
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &a))
}

func TestHasScope(t *testing.T) {
	c := jwtdemo.Claims{Scope: "read write:all  admin"}
	for s, want := range map[string]bool{"read": true, "write:all": true, "admin": true, "write": false, "": false, "rea": false} {
		assert.Equal(t, want, c.HasScope(s), s)
	}
}
