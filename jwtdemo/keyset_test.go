package jwtdemo_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func hsKey(t testing.TB, kid string) *jwtdemo.Key {
	t.Helper()
	k, err := jwtdemo.NewKey(jwtdemo.HS256, kid, []byte(fmt.Sprintf("%-32s", "secret of "+kid)))
	require.NoError(t, err)
	return k
}

func TestKeySet(t *testing.T) {
	a, b := hsKey(t, "a"), hsKey(t, "b")
	_, err := jwtdemo.NewKeySet(a, hsKey(t, "a"))
	require.ErrorIs(t, err, jwtdemo.ErrInvalidConfig, "two keys with one kid")
	_, err = jwtdemo.NewKeySet(nil)
	require.ErrorIs(t, err, jwtdemo.ErrInvalidConfig)

	set, err := jwtdemo.NewKeySet(a)
	require.NoError(t, err)
	require.NoError(t, set.Add(b))
	assert.ErrorIs(t, set.Add(hsKey(t, "b")), jwtdemo.ErrInvalidConfig, "no silent replacement")
	assert.Equal(t, []*jwtdemo.Key{a, b}, set.Keys())
	got, ok := set.Lookup("b")
	assert.True(t, ok)
	assert.Same(t, b, got)
	assert.True(t, set.Remove("a"))
	assert.False(t, set.Remove("a"))
	_, ok = set.Lookup("a")
	assert.False(t, ok)
}

// TestUnknownKIDHasNoFallback: with two keys in the set, a token naming
// neither, or naming none when every key has a kid, fails without any key
// being tried, even though one of them would verify it.
func TestUnknownKIDHasNoFallback(t *testing.T) {
	a := hsKey(t, "a")
	v := verifierFor(t, a, hsKey(t, "b"))
	sa, err := jwtdemo.NewSigner(a)
	require.NoError(t, err)
	tok, err := sa.Sign(jwtdemo.Claims{ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
	require.NoError(t, err)
	_, err = v.VerifyAt(tok, t0)
	require.NoError(t, err)

	secretA := []byte(fmt.Sprintf("%-32s", "secret of a"))
	for _, h := range []string{`{"alg":"HS256"}`, `{"alg":"HS256","kid":"c"}`, `{"alg":"HS256","kid":""}`} {
		_, err := v.VerifyAt(forge(secretA, h, validPayload), t0)
		assert.ErrorIs(t, err, jwtdemo.ErrUnknownKey, h)
	}
}

// TestRotationUnderLoad verifies tokens from many goroutines while keys
// are added and removed. Invariant: a token signed by a key in the set
// always verifies, and one whose key was removed always fails with
// ErrUnknownKey; nothing else ever happens.
func TestRotationUnderLoad(t *testing.T) {
	const generations = 20
	keys := make([]*jwtdemo.Key, generations)
	tokens := make([]string, generations)
	for i := range keys {
		keys[i] = hsKey(t, fmt.Sprintf("k%d", i))
		s, err := jwtdemo.NewSigner(keys[i])
		require.NoError(t, err)
		tokens[i], err = s.Sign(jwtdemo.Claims{Subject: fmt.Sprint(i), ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour))})
		require.NoError(t, err)
	}
	set, err := jwtdemo.NewKeySet(keys[0])
	require.NoError(t, err)
	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}})
	require.NoError(t, err)

	// oldest and newest bracket the generations in the set: oldest..newest
	// are present while a verifier reads them (a key is added before the
	// newest index moves and removed after the oldest index moves).
	var oldest, newest atomic.Int64
	var wrong atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				lo, hi := oldest.Load(), newest.Load()
				i := lo + int64(n+w)%(hi-lo+1)
				c, err := v.VerifyAt(tokens[i], t0)
				switch {
				case err == nil && c.Subject == fmt.Sprint(i):
				case errors.Is(err, jwtdemo.ErrUnknownKey) && oldest.Load() > i:
				default:
					wrong.Add(1)
				}
			}
		})
	}
	for i := 1; i < generations; i++ {
		require.NoError(t, set.Add(keys[i]))
		newest.Store(int64(i))
		if i >= 3 {
			oldest.Store(int64(i - 2))
			set.Remove(keys[i-3].KeyID())
		}
	}
	close(stop)
	wg.Wait()
	assert.Zero(t, wrong.Load())
	_, err = v.VerifyAt(tokens[0], t0)
	assert.ErrorIs(t, err, jwtdemo.ErrUnknownKey)
}
