package jwtdemo_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
)

// nTokens distinct tokens (one per user) are cycled through, as a server
// sees many users, not one token over and over. Public-key algorithms,
// whose cost is the arithmetic, not the bytes, get fewer so that the setup
// stays short.
const (
	nTokens     = 256
	nSlowTokens = 8
)

func benchClaims(i int) jwtdemo.Claims {
	return jwtdemo.Claims{
		Issuer:    "https://auth.example.com",
		Subject:   fmt.Sprintf("user-%06d", i),
		Audience:  jwtdemo.Audience{"https://api.example.com"},
		ExpiresAt: jwtdemo.NewNumericDate(t0.Add(time.Hour)),
		IssuedAt:  jwtdemo.NewNumericDate(t0),
		ID:        fmt.Sprintf("f47ac10b-58cc-4372-a567-%012d", i),
	}
}

type benchSetup struct {
	alg      string
	signer   *jwtdemo.Signer
	verifier *jwtdemo.Verifier
	tokens   []string
}

var allSetups = sync.OnceValues(func() ([]benchSetup, error) {
	keys, err := newTestKeys()
	if err != nil {
		return nil, err
	}
	var out []benchSetup
	for _, k := range keys {
		s, err := jwtdemo.NewSigner(k)
		if err != nil {
			return nil, err
		}
		set, err := jwtdemo.NewKeySet(k.Public())
		if err != nil {
			return nil, err
		}
		v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
			Keys: set, Algorithms: []jwtdemo.Algorithm{k.Algorithm()},
			Issuer: "https://auth.example.com", Audience: "https://api.example.com",
			Required: []string{"iat"},
		})
		if err != nil {
			return nil, err
		}
		n := nSlowTokens
		if strings.HasPrefix(string(k.Algorithm()), "HS") {
			n = nTokens
		}
		tokens := make([]string, n)
		for i := range tokens {
			if tokens[i], err = s.Sign(benchClaims(i)); err != nil {
				return nil, err
			}
		}
		out = append(out, benchSetup{strings.ToLower(string(k.Algorithm())), s, v, tokens})
	}
	return out, nil
})

func setups(b *testing.B) []benchSetup {
	b.Helper()
	s, err := allSetups()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// signingInputs returns the header.payload part of each token: what the
// MAC is computed over.
func signingInputs(tokens []string) [][]byte {
	out := make([][]byte, len(tokens))
	for i, t := range tokens {
		out[i] = []byte(t[:strings.LastIndexByte(t, '.')])
	}
	return out
}

// macOnly is the floor: the HMAC-SHA256 of the same bytes with a reused,
// keyed state, and nothing else.
func macOnly(b *testing.B, inputs [][]byte) {
	h := hmac.New(sha256.New, make([]byte, 32))
	var sum [sha256.Size]byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.Reset()
		h.Write(inputs[i%len(inputs)])
		h.Sum(sum[:0])
		i++
	}
}

// reportCPU locks the benchmark to its thread and returns the function,
// to be deferred, that reports the thread's CPU time per operation as
// cpu-ns/op: on a machine busy with other work, wall time per operation
// also counts the time spent waiting for a core.
func reportCPU(b *testing.B) func() {
	runtime.LockOSThread()
	start, ok := threadCPU()
	return func() {
		if end, ok2 := threadCPU(); ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
		runtime.UnlockOSThread()
	}
}

// BenchmarkVerify verifies a token and validates its claims (exp, iat,
// issuer, audience), for each algorithm.
func BenchmarkVerify(b *testing.B) {
	all := setups(b)
	for _, s := range all {
		b.Run(s.alg, func(b *testing.B) {
			defer reportCPU(b)()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.verifier.VerifyAt(s.tokens[i%len(s.tokens)], t0); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("hmac-sha256-only", func(b *testing.B) { macOnly(b, signingInputs(all[0].tokens)) })
}

// BenchmarkVerifyParallel shares one verifier between goroutines.
func BenchmarkVerifyParallel(b *testing.B) {
	s := setups(b)[0] // HS256
	b.Run(s.alg, func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.verifier.VerifyAt(s.tokens[i%len(s.tokens)], t0); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}

// BenchmarkSign signs the claims of distinct users, for each algorithm.
func BenchmarkSign(b *testing.B) {
	all := setups(b)
	claims := make([]jwtdemo.Claims, nTokens)
	for i := range claims {
		claims[i] = benchClaims(i)
	}
	for _, s := range all {
		b.Run(s.alg, func(b *testing.B) {
			defer reportCPU(b)()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.signer.Sign(claims[i%nTokens]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("hmac-sha256-only", func(b *testing.B) { macOnly(b, signingInputs(all[0].tokens)) })
}

// BenchmarkSignParallel shares one signer between goroutines.
func BenchmarkSignParallel(b *testing.B) {
	s := setups(b)[0]
	c := benchClaims(0)
	b.Run(s.alg, func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.signer.Sign(c); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
