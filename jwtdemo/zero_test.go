package jwtdemo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireNotInitialized checks that err wraps ErrNotInitialized and says
// which type was used without its constructor.
func requireNotInitialized(t *testing.T, err error, msg, call string) {
	t.Helper()
	require.Error(t, err, call)
	assert.ErrorIs(t, err, jwtdemo.ErrNotInitialized, call)
	assert.Equal(t, msg, err.Error(), call)
}

// requirePanicsNotInitialized checks that f panics with an error wrapping
// ErrNotInitialized whose text is msg.
func requirePanicsNotInitialized(t *testing.T, f func(), msg, call string) {
	t.Helper()
	var r any
	func() {
		defer func() { r = recover() }()
		f()
	}()
	err, ok := r.(error)
	require.True(t, ok, "%s: panic value %v (%T), want an error", call, r, r)
	assert.ErrorIs(t, err, jwtdemo.ErrNotInitialized, call)
	assert.Equal(t, msg, err.Error(), call)
}

// TestZeroVerifier: every method of a Verifier not made by NewVerifier
// (the zero value, or a nil pointer) fails with ErrNotInitialized, without
// dereferencing what it lacks.
func TestZeroVerifier(t *testing.T) {
	const msg = "jwtdemo: not initialized: Verifier used without NewVerifier"
	tok := forge(secret, `{"alg":"HS256"}`, validPayload)
	for name, v := range map[string]*jwtdemo.Verifier{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(tok)
			requireNotInitialized(t, err, msg, "Verify")
			_, err = v.VerifyAt(tok, t0)
			requireNotInitialized(t, err, msg, "VerifyAt")
			_, _, err = v.VerifyJWS(tok)
			requireNotInitialized(t, err, msg, "VerifyJWS")
			_, _, err = jwtdemo.VerifyAs[appClaims](v, tok, t0)
			requireNotInitialized(t, err, msg, "VerifyAs")
			// A token too long for any verifier is still a misuse first.
			_, err = v.VerifyAt(string(make([]byte, 2<<20)), t0)
			requireNotInitialized(t, err, msg, "VerifyAt, huge token")
		})
	}
}

// TestZeroSigner: Signer's methods with an error result fail with
// ErrNotInitialized; Key, which has none, panics with that error.
func TestZeroSigner(t *testing.T) {
	const msg = "jwtdemo: not initialized: Signer used without NewSigner"
	for name, s := range map[string]*jwtdemo.Signer{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Sign(jwtdemo.Claims{Subject: "u", ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
			requireNotInitialized(t, err, msg, "Sign")
			_, err = s.SignJSON(map[string]any{"sub": "u"})
			requireNotInitialized(t, err, msg, "SignJSON")
			_, err = s.SignPayload([]byte("payload"))
			requireNotInitialized(t, err, msg, "SignPayload")
			requirePanicsNotInitialized(t, func() { s.Key() }, msg, "Key")
		})
	}
}

// TestZeroKey: a Key not made by NewKey is bound to no algorithm and holds
// no material. Its accessors panic rather than answer "" or false for a
// key that does not exist; MarshalJWK fails; the constructors that take a
// key refuse it as configuration.
func TestZeroKey(t *testing.T) {
	const msg = "jwtdemo: not initialized: Key used without NewKey"
	for name, k := range map[string]*jwtdemo.Key{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			requirePanicsNotInitialized(t, func() { k.Algorithm() }, msg, "Algorithm")
			requirePanicsNotInitialized(t, func() { k.KeyID() }, msg, "KeyID")
			requirePanicsNotInitialized(t, func() { k.CanSign() }, msg, "CanSign")
			requirePanicsNotInitialized(t, func() { k.Public() }, msg, "Public")
			_, err := k.MarshalJWK()
			requireNotInitialized(t, err, msg, "MarshalJWK")
		})
	}
	zero := &jwtdemo.Key{}
	_, err := jwtdemo.NewSigner(zero)
	assert.ErrorIs(t, err, jwtdemo.ErrInvalidConfig, "NewSigner")
	_, err = jwtdemo.NewKeySet(zero)
	assert.ErrorIs(t, err, jwtdemo.ErrInvalidConfig, "NewKeySet")
	var set jwtdemo.KeySet
	assert.ErrorIs(t, set.Add(zero), jwtdemo.ErrInvalidConfig, "KeySet.Add")
	assert.Empty(t, set.Keys(), "a refused key is not added")
}

// TestZeroKeySet: the zero KeySet is an empty set ready to use, like a
// zero container/list: every method works on it, and a verifier made with
// it verifies once a key is added.
func TestZeroKeySet(t *testing.T) {
	var set jwtdemo.KeySet
	_, ok := set.Lookup("")
	assert.False(t, ok, "Lookup")
	assert.Empty(t, set.Keys(), "Keys")
	assert.False(t, set.Remove("k"), "Remove")
	jwks, err := set.MarshalPublicJWKS()
	require.NoError(t, err, "MarshalPublicJWKS")
	assert.JSONEq(t, `{"keys":[]}`, string(jwks))

	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: &set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}})
	require.NoError(t, err)
	tok := forge(secret, `{"alg":"HS256","kid":"k"}`, validPayload)
	_, err = v.VerifyAt(tok, t0)
	assert.ErrorIs(t, err, jwtdemo.ErrUnknownKey, "empty set")

	key, err := jwtdemo.NewKey(jwtdemo.HS256, "k", secret)
	require.NoError(t, err)
	require.NoError(t, set.Add(key), "Add")
	_, err = v.VerifyAt(tok, t0)
	assert.NoError(t, err, "after Add")
	got, ok := set.Lookup("k")
	require.True(t, ok, "Lookup after Add")
	assert.Equal(t, "k", got.KeyID())
	assert.Len(t, set.Keys(), 1)
	assert.True(t, set.Remove("k"), "Remove after Add")
	_, err = v.VerifyAt(tok, t0)
	assert.True(t, errors.Is(err, jwtdemo.ErrUnknownKey), "after Remove: %v", err)
}
