package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
)

// now is the fixed instant at which tokens are issued and verified.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const (
	issuer   = "https://auth.example.com"
	audience = "orders-api"
)

// hmacSecret is the HS256 key of the example; a real one comes from a
// secret store, 32 random bytes at least.
var hmacSecret = []byte("example secret, 32 bytes or more")

// claims returns the claims of a token for cfg's subject issued at now.
func claims(cfg config) jwtdemo.Claims {
	return jwtdemo.Claims{
		Issuer:    issuer,
		Subject:   cfg.Subject,
		Audience:  jwtdemo.Audience{audience},
		IssuedAt:  jwtdemo.NewNumericDate(now),
		ExpiresAt: jwtdemo.NewNumericDate(now.Add(cfg.TTL)),
	}
}

// issued is one algorithm's token and what verifying it gave.
type issued struct {
	alg             jwtdemo.Algorithm
	token           string
	header, payload string // decoded
	signatureChars  int
	subject         string
	err             error
	expiredErr      error // verifying at the expiry instant
	private         bool  // whether the verifier's key could sign
}

// issueResult is what part 1 measured.
type issueResult struct {
	ttl    time.Duration
	tokens []issued
}

// newVerifier returns a verifier of keys for the algorithms, checking the
// example's issuer and audience.
func newVerifier(keys *jwtdemo.KeySet, algs ...jwtdemo.Algorithm) (*jwtdemo.Verifier, error) {
	return jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys: keys, Algorithms: algs, Issuer: issuer, Audience: audience,
	})
}

// newES256 returns a new ES256 key pair under kid, as a signing key and
// its public half.
func newES256(kid string) (*jwtdemo.Key, *jwtdemo.Key, error) {
	k, _, err := newES256Raw(kid)
	if err != nil {
		return nil, nil, err
	}
	return k, k.Public(), nil
}

// newES256Raw returns a new ES256 signing key under kid and its
// crypto/ecdsa material.
func newES256Raw(kid string) (*jwtdemo.Key, *ecdsa.PrivateKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	k, err := jwtdemo.NewKey(jwtdemo.ES256, kid, priv)
	if err != nil {
		return nil, nil, err
	}
	return k, priv, nil
}

// playIssue signs one token with HS256 and one with ES256 and verifies
// each with the key a verifier would hold: the same secret, or the public
// key.
func playIssue(cfg config) (issueResult, error) {
	r := issueResult{ttl: cfg.TTL}
	hs, err := jwtdemo.NewKey(jwtdemo.HS256, "hs-2026-11", hmacSecret)
	if err != nil {
		return r, err
	}
	es, esPublic, err := newES256("es-2026-11")
	if err != nil {
		return r, err
	}
	for _, pair := range [][2]*jwtdemo.Key{{hs, hs}, {es, esPublic}} {
		signer, err := jwtdemo.NewSigner(pair[0])
		if err != nil {
			return r, err
		}
		token, err := signer.Sign(claims(cfg))
		if err != nil {
			return r, err
		}
		keys, err := jwtdemo.NewKeySet(pair[1])
		if err != nil {
			return r, err
		}
		v, err := newVerifier(keys, pair[1].Algorithm())
		if err != nil {
			return r, err
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			return r, fmt.Errorf("%s token has %d parts", pair[0].Algorithm(), len(parts))
		}
		header, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			return r, err
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return r, err
		}
		c, verr := v.VerifyAt(token, now.Add(time.Second))
		_, expErr := v.VerifyAt(token, now.Add(cfg.TTL))
		r.tokens = append(r.tokens, issued{
			alg: pair[0].Algorithm(), token: token, header: string(header), payload: string(payload),
			signatureChars: len(parts[2]), subject: c.Subject, err: verr, expiredErr: expErr,
			private: pair[1].CanSign(),
		})
	}
	return r, nil
}

func (r issueResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 1: issuing and verifying\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("A token is three base64url parts: a header, the claims, and a signature over the first two. It is signed, not encrypted: anyone can read the claims. The issuer signs one token with HS256 (an HMAC with a shared secret) and one with ES256 (ECDSA on P-256); the verifier holds the same secret for the first and only the public key for the second. Both tokens say who they are about (sub), who issued them (iss), for whom (aud), and until when (exp, %v after issue).", r.ttl), 80))
	for _, t := range r.tokens {
		fmt.Fprintf(w, "  %s token, %d characters:\n", t.alg, len(t.token))
		fmt.Fprintf(w, "    header     %s\n", t.header)
		fmt.Fprintf(w, "    claims     %s\n", t.payload)
		fmt.Fprintf(w, "    signature  %d characters\n", t.signatureChars)
		verifier := "the same secret"
		if !t.private {
			verifier = "the public key alone"
		}
		fmt.Fprintf(w, "    verified with %s, a second after issue: %s (sub %q)\n", verifier, errText(t.err), t.subject)
		fmt.Fprintf(w, "    verified at its exp: %s\n\n", short(t.expiredErr))
	}
	fmt.Fprintf(w, "%s\n\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r issueResult) conclusion() string {
	var ok, bad []string
	for _, t := range r.tokens {
		if t.err == nil && errors.Is(t.expiredErr, jwtdemo.ErrExpired) {
			ok = append(ok, string(t.alg))
		} else {
			bad = append(bad, string(t.alg))
		}
	}
	s := ""
	if len(ok) > 0 {
		s = fmt.Sprintf("%s verified and expired on time. ", strings.Join(ok, " and "))
	}
	if len(bad) > 0 {
		s += fmt.Sprintf("%s did not behave: see the table. ", strings.Join(bad, " and "))
	}
	for _, t := range r.tokens {
		if t.alg == jwtdemo.ES256 && !t.private && t.err == nil {
			s += "The ES256 verifier held no private key, so it could check tokens but never mint one: that is why many services verify with ES256 or EdDSA while only the issuer signs; with HS256 every verifier could also forge."
		}
	}
	return strings.TrimSpace(s)
}
