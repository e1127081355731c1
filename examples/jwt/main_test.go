package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/jwtdemo"
)

var small = config{Subject: "user-7", TTL: 5 * time.Minute}

// TestRun runs the program as main does and checks that it narrates the
// three parts and their conclusions.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, small))
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Part 1", "Part 2", "Part 3",
		"HS256 and ES256 verified and expired on time",
		"once the old key was removed, its tokens failed as signed by an unknown key",
		"all 8 attacks were refused",
		`"sub":"user-7"`,
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "NOT REFUSED")
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{Subject: "", TTL: time.Minute},
		{Subject: strings.Repeat("x", 65), TTL: time.Minute},
		{Subject: "u", TTL: 0},
		{Subject: "u", TTL: 25 * time.Hour},
	} {
		assert.Error(t, run(context.Background(), &bytes.Buffer{}, cfg), "%+v", cfg)
	}
}

// TestIssueFacts: both tokens verify a second after issue, with the
// subject, and are expired at their exp; the ES256 verifier holds no
// private key.
func TestIssueFacts(t *testing.T) {
	r, err := playIssue(small)
	require.NoError(t, err)
	require.Len(t, r.tokens, 2)
	for _, tok := range r.tokens {
		assert.NoError(t, tok.err, tok.alg)
		assert.Equal(t, "user-7", tok.subject, tok.alg)
		assert.ErrorIs(t, tok.expiredErr, jwtdemo.ErrExpired, tok.alg)
		assert.Equal(t, 3, strings.Count(tok.token, ".")+1)
	}
	assert.Equal(t, jwtdemo.HS256, r.tokens[0].alg)
	assert.True(t, r.tokens[0].private, "an HMAC verifier holds the signing secret")
	assert.Equal(t, jwtdemo.ES256, r.tokens[1].alg)
	assert.False(t, r.tokens[1].private, "the ES256 verifier holds the public key only")
	assert.Equal(t, 43, r.tokens[0].signatureChars)
	assert.Equal(t, 86, r.tokens[1].signatureChars)
}

// TestRotationFacts: both tokens verify while both keys are published;
// after the old key goes, its token is an unknown key and the new one
// still verifies.
func TestRotationFacts(t *testing.T) {
	r, err := playRotation(small)
	require.NoError(t, err)
	require.Len(t, r.steps, 3)
	assert.NoError(t, r.steps[0].oldErr)
	assert.NoError(t, r.steps[1].oldErr)
	assert.NoError(t, r.steps[1].newErr)
	assert.ErrorIs(t, r.steps[2].oldErr, jwtdemo.ErrUnknownKey)
	assert.NoError(t, r.steps[2].newErr)
	assert.Equal(t, []string{"2026-11"}, r.steps[2].published)
	assert.Contains(t, r.jwks, `"kid":"2026-11"`)
	assert.NotContains(t, r.jwks, `"d":`, "no private part is published")
}

// TestAttacksRefused: every attack is refused with its own sentinel.
func TestAttacksRefused(t *testing.T) {
	r, err := playAttacks(small)
	require.NoError(t, err)
	want := map[string]error{
		"alg none":               jwtdemo.ErrAlgorithm,
		"alg none, other casing": jwtdemo.ErrAlgorithm,
		"key confusion":          jwtdemo.ErrAlgorithm,
		"expired":                jwtdemo.ErrExpired,
		"tampered claims":        jwtdemo.ErrSignature,
		"forged signature":       jwtdemo.ErrSignature,
		"wrong audience":         jwtdemo.ErrAudience,
		"oversized":              jwtdemo.ErrTooLarge,
	}
	require.Len(t, r.attacks, len(want))
	for _, a := range r.attacks {
		assert.ErrorIs(t, a.got, want[a.name], a.name)
		assert.True(t, a.refused(), a.name)
	}
	assert.Contains(t, r.conclusion(), "all 8 attacks were refused")
}

// TestConclusionsFollowTheFacts: other measurements say other things.
func TestConclusionsFollowTheFacts(t *testing.T) {
	at := attacksResult{attacks: []attack{
		{name: "alg none", want: jwtdemo.ErrAlgorithm, got: nil},
		{name: "expired", want: jwtdemo.ErrExpired, got: errors.New("something else")},
		{name: "tampered", want: jwtdemo.ErrSignature, got: jwtdemo.ErrSignature},
	}}
	assert.Contains(t, at.conclusion(), "2 of 3 attacks were not refused as they must be: alg none, expired")

	is := issueResult{tokens: []issued{{alg: jwtdemo.HS256, private: true}, {alg: jwtdemo.ES256, expiredErr: jwtdemo.ErrExpired}}}
	assert.Contains(t, is.conclusion(), "HS256 did not behave")

	ro := rotationResult{steps: []rotationStep{{}, {oldErr: jwtdemo.ErrUnknownKey}, {newErr: jwtdemo.ErrSignature}}}
	assert.Contains(t, ro.conclusion(), "not every token verified")
	assert.Contains(t, ro.conclusion(), "the old token was accepted")
}
