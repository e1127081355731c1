package jwtdemo_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registered pairs each registered claim name with a valid JSON value for
// it and another valid value that reads differently.
var registered = []struct{ name, value, other string }{
	{"iss", `"https://issuer.example"`, `"https://evil.example"`},
	{"sub", `"alice"`, `"admin"`},
	{"aud", `"api"`, `["api","admin-api"]`},
	{"exp", sec(time.Hour), sec(100 * 24 * time.Hour)},
	{"nbf", sec(-time.Hour), sec(-2 * time.Hour)},
	{"iat", sec(-time.Hour), sec(-2 * time.Hour)},
	{"jti", `"id-1"`, `"id-2"`},
	{"scope", `"read"`, `"read write admin"`},
}

// caseVariants returns every spelling of name that encoding/json matches
// to it other than name itself: each ASCII letter in either case, and each
// s or k also as the rune that folds onto it (U+017F LATIN SMALL LETTER
// LONG S, U+212A KELVIN SIGN).
func caseVariants(name string) []string {
	out := []string{""}
	for _, c := range name {
		var next []string
		alts := []string{string(c), strings.ToUpper(string(c))}
		switch c {
		case 's':
			alts = append(alts, "\u017f")
		case 'k':
			alts = append(alts, "\u212a")
		}
		for _, prefix := range out {
			for _, a := range alts {
				next = append(next, prefix+a)
			}
		}
		out = next
	}
	return out[1:] // out[0] is name itself
}

// TestFoldedClaimNamesRefused: encoding/json reads a member whose name
// differs from a registered claim's only by case (or by the two Unicode
// folds it applies) into that claim's field, so a token carrying one
// would hand VerifyAs's T, or Claims.Decode, a subject, issuer, audience,
// date or scope that the validator never saw. Every such token is
// refused, alone or beside the exact name, in either order, with the name
// written plainly or with escapes.
func TestFoldedClaimNamesRefused(t *testing.T) {
	v := claimsVerifier(t, nil)
	for _, c := range registered {
		// exact is the claim under its own name; exp is always there.
		exact := `"exp":` + sec(time.Hour) + `,"` + c.name + `":` + c.value
		if c.name == "exp" {
			exact = `"exp":` + c.value
		}
		for _, variant := range caseVariants(c.name) {
			for _, payload := range []string{
				`{` + exact + `,"` + variant + `":` + c.other + `}`,
				`{"` + variant + `":` + c.other + `,` + exact + `}`,
				`{"exp":` + sec(time.Hour) + `,"` + variant + `":` + c.other + `}`,
				`{"exp":` + sec(time.Hour) + `,"` + escapeName(variant) + `":` + c.other + `}`,
			} {
				tok := forge(secret, `{"alg":"HS256"}`, payload)
				got, claims, err := jwtdemo.VerifyAs[appClaims](v, tok, t0)
				if !assert.ErrorIs(t, err, jwtdemo.ErrMalformed, payload) && err == nil {
					t.Logf("validated %s; VerifyAs's T holds %s", claimsDiff(claims, jwtdemo.Claims{}), claimsDiff(got.Claims, jwtdemo.Claims{}))
				}
			}
		}
	}
}

// escapeName writes every character of name as a \u escape.
func escapeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// TestFoldedHeaderNamesRefused: the same rule for the header parameters
// the verifier reads, so that "Kid" or "TYP" is not one thing here and
// another in a parser that folds.
func TestFoldedHeaderNamesRefused(t *testing.T) {
	v := hsVerifier(t, "")
	for _, name := range []string{"alg", "kid", "typ", "crit"} {
		for _, variant := range caseVariants(name) {
			h := `{"alg":"HS256","` + variant + `":"x"}`
			_, err := v.VerifyAt(forge(secret, h, validPayload), t0)
			assert.ErrorIs(t, err, jwtdemo.ErrMalformed, h)
		}
	}
}

// TestVerifyAsReturnsTheValidatedClaims: for tokens that verify, the
// registered claims of VerifyAs's T, of Claims.Decode and of encoding/json
// on the payload are the ones the validator checked.
func TestVerifyAsReturnsTheValidatedClaims(t *testing.T) {
	v := claimsVerifier(t, nil)
	for _, payload := range []string{
		`{"iss":"i","sub":"s","aud":["a","b"],"exp":` + sec(time.Hour) + `,"nbf":` + sec(-time.Hour) + `,"iat":` + sec(-time.Hour) + `,"jti":"j","scope":"x y","role":"r","Role":"q"}`,
		`{"\u0073ub":"escaped","exp":` + sec(time.Hour) + `.25,"subject":"not sub","SUB_":"x","sub\u0000":"y"}`,
	} {
		tok := forge(secret, `{"alg":"HS256"}`, payload)
		got, c, err := jwtdemo.VerifyAs[appClaims](v, tok, t0)
		require.NoError(t, err, payload)
		requireSameClaims(t, c, got.Claims)
		var decoded appClaims
		require.NoError(t, c.Decode(&decoded))
		requireSameClaims(t, c, decoded.Claims)
		var std appClaims
		require.NoError(t, json.Unmarshal([]byte(payload), &std))
		requireSameClaims(t, c, std.Claims)
	}
}

// requireSameClaims compares the registered claims of two Claims.
func requireSameClaims(t testing.TB, want, got jwtdemo.Claims) {
	t.Helper()
	if d := claimsDiff(want, got); d != "" {
		t.Fatalf("registered claims differ: %s", d)
	}
}

// claimsDiff describes how the registered claims of a and b differ, or
// returns "" when they are the same.
func claimsDiff(a, b jwtdemo.Claims) string {
	var d []string
	if a.Issuer != b.Issuer {
		d = append(d, fmt.Sprintf("iss %q / %q", a.Issuer, b.Issuer))
	}
	if a.Subject != b.Subject {
		d = append(d, fmt.Sprintf("sub %q / %q", a.Subject, b.Subject))
	}
	if len(a.Audience) != len(b.Audience) || (len(a.Audience) > 0 && strings.Join(a.Audience, "\x00") != strings.Join(b.Audience, "\x00")) {
		d = append(d, fmt.Sprintf("aud %q / %q", a.Audience, b.Audience))
	}
	for _, p := range []struct {
		name string
		x, y jwtdemo.NumericDate
	}{{"exp", a.ExpiresAt, b.ExpiresAt}, {"nbf", a.NotBefore, b.NotBefore}, {"iat", a.IssuedAt, b.IssuedAt}} {
		if !p.x.Equal(p.y.Time) {
			d = append(d, fmt.Sprintf("%s %v / %v", p.name, p.x.Time, p.y.Time))
		}
	}
	if a.ID != b.ID {
		d = append(d, fmt.Sprintf("jti %q / %q", a.ID, b.ID))
	}
	if a.Scope != b.Scope {
		d = append(d, fmt.Sprintf("scope %q / %q", a.Scope, b.Scope))
	}
	return strings.Join(d, "; ")
}
