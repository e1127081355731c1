package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/backendkit/backendkit/jwtdemo"
)

// rotationStep is one moment of the rotation and what the verifier said
// about the old and the new token then.
type rotationStep struct {
	what           string
	published      []string // kids in the verifier's key set
	oldErr, newErr error
	hasNew         bool // whether a new token exists yet
}

// rotationResult is what part 2 measured.
type rotationResult struct {
	steps []rotationStep
	jwks  string // the published key set at the end
}

// playRotation rotates the issuer's ES256 key: add the new key to the
// set the verifiers read, sign with it, then drop the old one.
func playRotation(cfg config) (rotationResult, error) {
	var r rotationResult
	oldKey, oldPublic, err := newES256("2026-10")
	if err != nil {
		return r, err
	}
	newKey, newPublic, err := newES256("2026-11")
	if err != nil {
		return r, err
	}
	keys, err := jwtdemo.NewKeySet(oldPublic)
	if err != nil {
		return r, err
	}
	v, err := newVerifier(keys, jwtdemo.ES256)
	if err != nil {
		return r, err
	}
	sign := func(k *jwtdemo.Key) (string, error) {
		s, err := jwtdemo.NewSigner(k)
		if err != nil {
			return "", err
		}
		return s.Sign(claims(cfg))
	}
	oldToken, err := sign(oldKey)
	if err != nil {
		return r, err
	}
	var newToken string
	record := func(what string) {
		st := rotationStep{what: what, hasNew: newToken != ""}
		for _, k := range keys.Keys() {
			st.published = append(st.published, k.KeyID())
		}
		_, st.oldErr = v.VerifyAt(oldToken, now)
		if st.hasNew {
			_, st.newErr = v.VerifyAt(newToken, now)
		}
		r.steps = append(r.steps, st)
	}
	record("the old key signs")
	if err := keys.Add(newPublic); err != nil {
		return r, err
	}
	if newToken, err = sign(newKey); err != nil {
		return r, err
	}
	record("new key published, then signing")
	keys.Remove(oldKey.KeyID())
	record("old key removed (its tokens expired)")
	jwks, err := keys.MarshalPublicJWKS()
	if err != nil {
		return r, err
	}
	r.jwks = string(jwks)
	return r, nil
}

func (r rotationResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 2: rotating the signing key\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap("Each key has an id (kid) that the tokens it signs carry in their header, and verifiers read a key set (published as a JWK Set at /.well-known/jwks.json). The issuer rotates from key 2026-10 to 2026-11: first it publishes the new key, then signs with it, and removes the old key once every token it signed has expired.", 80))
	fmt.Fprintf(w, "  %-38s %-18s %-26s %s\n", "step", "key set", "token signed by 2026-10", "by 2026-11")
	for _, s := range r.steps {
		newText := "-"
		if s.hasNew {
			newText = short(s.newErr)
		}
		fmt.Fprintf(w, "  %-38s %-18s %-26s %s\n", s.what, strings.Join(s.published, ", "), short(s.oldErr), newText)
	}
	fmt.Fprintf(w, "\n  the key set published at the end: %.70s…\n", r.jwks)
	fmt.Fprintf(w, "\n%s\n\n", wrap("What to notice: "+r.conclusion(), 80))
}

// short names err's sentinel, or says "accepted".
func short(err error) string {
	switch {
	case err == nil:
		return "accepted"
	case errors.Is(err, jwtdemo.ErrUnknownKey):
		return "refused: unknown key"
	case errors.Is(err, jwtdemo.ErrExpired):
		return "refused: token expired"
	default:
		return "refused: " + err.Error()
	}
}

func (r rotationResult) conclusion() string {
	both := r.steps[1].oldErr == nil && r.steps[1].newErr == nil
	last := r.steps[len(r.steps)-1]
	s := ""
	if both {
		s = "while both keys were published, tokens from either verified, so nobody was logged out by the rotation; "
	} else {
		s = "while both keys were published, not every token verified; "
	}
	if errors.Is(last.oldErr, jwtdemo.ErrUnknownKey) && last.newErr == nil {
		s += "once the old key was removed, its tokens failed as signed by an unknown key and the new ones kept working. The verifier read the key set on every token, so no restart was needed."
	} else {
		s += fmt.Sprintf("after the old key was removed, the old token was %s and the new one %s.", short(last.oldErr), short(last.newErr))
	}
	return s
}
