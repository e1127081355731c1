//go:build !race

// The race detector makes sync.Pool drop items at random and changes
// escape analysis, so allocation counts are only meaningful without it.

package jwtdemo

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t1 = time.Unix(1_700_000_000, 0)

// TestAllocations pins the allocation budget of the hot paths.
func TestAllocations(t *testing.T) {
	key, err := NewKey(HS256, "k", []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	s, err := NewSigner(key)
	require.NoError(t, err)
	set, err := NewKeySet(key)
	require.NoError(t, err)
	v, err := NewVerifier(VerifierConfig{Keys: set, Algorithms: []Algorithm{HS256}, Issuer: "iss", Audience: "aud"})
	require.NoError(t, err)
	c := Claims{Issuer: "iss", Subject: "sub", Audience: Audience{"aud"}, ExpiresAt: NewNumericDate(t1.Add(time.Hour)), ID: "id"}
	tok, err := s.Sign(c)
	require.NoError(t, err)
	_, err = v.VerifyAt(tok, t1)
	require.NoError(t, err)
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _ = s.Sign(c) }), 1.0, "sign")
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _ = v.VerifyAt(tok, t1) }), 1.0, "verify")
}
