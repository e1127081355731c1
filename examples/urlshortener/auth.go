package main

import (
	"fmt"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
)

// writeScope is the scope a token needs for the write endpoints.
const writeScope = "links:write"

// tokenLeeway is the clock skew tolerated on a token's times.
const tokenLeeway = 30 * time.Second

func hsKey(secret []byte) (*jwtdemo.Key, error) {
	key, err := jwtdemo.NewKey(jwtdemo.HS256, "", secret)
	if err != nil {
		return nil, fmt.Errorf("urlshortener: the JWT secret: %w", err)
	}
	return key, nil
}

// newVerifier accepts HS256 tokens signed with secret that carry an exp
// (the verifier always requires one); the scope is the middleware's check.
func newVerifier(secret []byte, now func() time.Time) (*jwtdemo.Verifier, error) {
	key, err := hsKey(secret)
	if err != nil {
		return nil, err
	}
	set, err := jwtdemo.NewKeySet(key)
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %w", err)
	}
	v, err := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys: set, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}, Leeway: tokenLeeway, Now: now,
	})
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %w", err)
	}
	return v, nil
}

// signToken returns a token signed with secret, valid from now for ttl,
// with the space-separated scope.
func signToken(secret []byte, now time.Time, ttl time.Duration, scope string) (string, error) {
	key, err := hsKey(secret)
	if err != nil {
		return "", err
	}
	s, err := jwtdemo.NewSigner(key)
	if err != nil {
		return "", fmt.Errorf("urlshortener: %w", err)
	}
	tok, err := s.Sign(jwtdemo.Claims{
		Subject:   "urlshortener",
		IssuedAt:  jwtdemo.NewNumericDate(now),
		ExpiresAt: jwtdemo.NewNumericDate(now.Add(ttl)),
		Scope:     jwtdemo.Scope(scope),
	})
	if err != nil {
		return "", fmt.Errorf("urlshortener: signing the token: %w", err)
	}
	return tok, nil
}
