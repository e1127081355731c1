package jwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// The same secret, claims and instant for every library.
var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Unix(1_700_000_000, 0)
)

const (
	kid      = "2026-11"
	issuer   = "https://auth.example.com"
	audience = "https://api.example.com"
	subject  = "user-8d3f2a"
	jti      = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
)

func ourClaims() jwtdemo.Claims {
	return jwtdemo.Claims{
		Issuer:    issuer,
		Subject:   subject,
		Audience:  jwtdemo.Audience{audience},
		ExpiresAt: jwtdemo.NewNumericDate(now.Add(time.Hour)),
		IssuedAt:  jwtdemo.NewNumericDate(now),
		ID:        jti,
	}
}

func peerClaims() *gojwt.RegisteredClaims {
	return &gojwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   subject,
		Audience:  gojwt.ClaimStrings{audience},
		ExpiresAt: gojwt.NewNumericDate(now.Add(time.Hour)),
		IssuedAt:  gojwt.NewNumericDate(now),
		ID:        jti,
	}
}

type fixture struct {
	signer   *jwtdemo.Signer
	verifier *jwtdemo.Verifier
	parser   *gojwt.Parser
	keyfunc  gojwt.Keyfunc
}

func newFixture(tb testing.TB) fixture {
	tb.Helper()
	key, err := jwtdemo.NewKey(jwtdemo.HS256, kid, secret)
	require.NoError(tb, err)
	signer, err := jwtdemo.NewSigner(key)
	require.NoError(tb, err)
	set, err := jwtdemo.NewKeySet(key)
	require.NoError(tb, err)
	verifier, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys:       set,
		Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256},
		Issuer:     issuer,
		Audience:   audience,
		Required:   []string{"iat"},
	})
	require.NoError(tb, err)
	// golang-jwt configured as its documentation recommends: an explicit
	// method list, expiry required, issuer and audience checked, iat
	// checked, the clock injected as ours is.
	parser := gojwt.NewParser(
		gojwt.WithValidMethods([]string{"HS256"}),
		gojwt.WithExpirationRequired(),
		gojwt.WithIssuedAt(),
		gojwt.WithIssuer(issuer),
		gojwt.WithAudience(audience),
		gojwt.WithTimeFunc(func() time.Time { return now }),
	)
	keyfunc := func(t *gojwt.Token) (any, error) {
		if t.Header["kid"] != kid {
			return nil, errors.New("unknown kid")
		}
		return secret, nil
	}
	return fixture{signer, verifier, parser, keyfunc}
}

func (f fixture) peerSign(claims *gojwt.RegisteredClaims) (string, error) {
	t := gojwt.NewWithClaims(gojwt.SigningMethodHS256, claims)
	t.Header["kid"] = kid
	return t.SignedString(secret)
}

// TestSameToken pins what the benchmarks rely on: each library accepts the
// other's token and reads the same claims from it.
func TestSameToken(t *testing.T) {
	f := newFixture(t)
	ours, err := f.signer.Sign(ourClaims())
	require.NoError(t, err)
	peer, err := f.peerSign(peerClaims())
	require.NoError(t, err)
	for _, tok := range []string{ours, peer} {
		c, err := f.verifier.VerifyAt(tok, now)
		require.NoError(t, err)
		var pc gojwt.RegisteredClaims
		_, err = f.parser.ParseWithClaims(tok, &pc, f.keyfunc)
		require.NoError(t, err)
		require.Equal(t, pc.Subject, c.Subject)
		require.Equal(t, pc.ExpiresAt.Unix(), c.ExpiresAt.Unix())
		require.Equal(t, pc.ID, c.ID)
	}
	// Both refuse a token whose signature was tampered with.
	bad := ours[:len(ours)-2] + "AA"
	_, err = f.verifier.VerifyAt(bad, now)
	require.ErrorIs(t, err, jwtdemo.ErrSignature)
	_, err = f.parser.ParseWithClaims(bad, &gojwt.RegisteredClaims{}, f.keyfunc)
	require.ErrorIs(t, err, gojwt.ErrTokenSignatureInvalid)
}

// loop runs op b.N times on one locked thread and reports, besides the
// wall time, the thread's CPU time per op as cpu-ns/op: on a machine
// shared with other work, wall time is inflated by waiting for a CPU, CPU
// time is not. Garbage collection done by background workers on other
// threads is not in cpu-ns/op; assists are.
func loop(b *testing.B, op func() error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	start, ok := threadCPU()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if end, ok2 := threadCPU(); ok && ok2 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkVerify verifies one HS256 token and validates its claims.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	tok, err := f.signer.Sign(ourClaims())
	require.NoError(b, err)
	input := []byte(tok[:strings.LastIndexByte(tok, '.')])
	b.Run("backendkit-hs256", func(b *testing.B) {
		loop(b, func() error {
			_, err := f.verifier.VerifyAt(tok, now)
			return err
		})
	})
	b.Run("golang-jwt", func(b *testing.B) {
		loop(b, func() error {
			_, err := f.parser.ParseWithClaims(tok, &gojwt.RegisteredClaims{}, f.keyfunc)
			return err
		})
	})
	b.Run("hmac-sha256-only", func(b *testing.B) { macOnly(b, input) })
}

// macOnly is the floor: the HMAC-SHA256 of the signing input with a
// reused, keyed state, and nothing else.
func macOnly(b *testing.B, input []byte) {
	h := hmac.New(sha256.New, secret)
	var sum [sha256.Size]byte
	loop(b, func() error {
		h.Reset()
		h.Write(input)
		h.Sum(sum[:0])
		return nil
	})
}

// BenchmarkSign signs the same claims with the same key.
func BenchmarkSign(b *testing.B) {
	f := newFixture(b)
	tok, err := f.signer.Sign(ourClaims())
	require.NoError(b, err)
	input := []byte(tok[:strings.LastIndexByte(tok, '.')])
	b.Run("backendkit-hs256", func(b *testing.B) {
		c := ourClaims()
		loop(b, func() error {
			_, err := f.signer.Sign(c)
			return err
		})
	})
	b.Run("golang-jwt", func(b *testing.B) {
		c := peerClaims()
		loop(b, func() error {
			_, err := f.peerSign(c)
			return err
		})
	})
	b.Run("hmac-sha256-only", func(b *testing.B) { macOnly(b, input) })
}

// BenchmarkVerifyParallel verifies from every goroutine with one shared
// verifier or parser.
func BenchmarkVerifyParallel(b *testing.B) {
	f := newFixture(b)
	tok, err := f.signer.Sign(ourClaims())
	require.NoError(b, err)
	b.Run("backendkit-hs256", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.verifier.VerifyAt(tok, now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("golang-jwt", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.parser.ParseWithClaims(tok, &gojwt.RegisteredClaims{}, f.keyfunc); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
