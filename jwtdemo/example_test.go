package jwtdemo_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
)

// The issuer signs; the API verifies with the same key, checking the
// issuer and audience as well as the signature and the expiry.
func Example() {
	secret := []byte("a secret of at least 32 bytes!!!")
	key, _ := jwtdemo.NewKey(jwtdemo.HS256, "2026-11", secret)
	signer, _ := jwtdemo.NewSigner(key)

	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	token, _ := signer.Sign(jwtdemo.Claims{
		Issuer:    "https://auth.example.com",
		Subject:   "user-42",
		Audience:  jwtdemo.Audience{"orders-api"},
		ExpiresAt: jwtdemo.NewNumericDate(now.Add(15 * time.Minute)),
	})

	keys, _ := jwtdemo.NewKeySet(key)
	verifier, _ := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys:       keys,
		Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256},
		Issuer:     "https://auth.example.com",
		Audience:   "orders-api",
	})
	claims, err := verifier.VerifyAt(token, now.Add(time.Minute))
	fmt.Println(claims.Subject, err)

	_, err = verifier.VerifyAt(token, now.Add(15*time.Minute))
	fmt.Println(errors.Is(err, jwtdemo.ErrExpired))

	tampered := token[:len(token)-1] + "A"
	_, err = verifier.VerifyAt(tampered, now.Add(15*time.Minute))
	fmt.Println(errors.Is(err, jwtdemo.ErrSignature), errors.Is(err, jwtdemo.ErrExpired))
	// Output:
	// user-42 <nil>
	// true
	// true false
}

// Rotation: the new key signs, tokens signed with the old key still verify
// until it is removed from the set, and then fail as an unknown key.
func ExampleKeySet_rotation() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	claims := jwtdemo.Claims{Subject: "user-42", ExpiresAt: jwtdemo.NewNumericDate(now.Add(time.Hour))}

	oldKey, _ := jwtdemo.NewKey(jwtdemo.HS256, "2026-10", []byte("October's secret, 32 bytes long."))
	keys, _ := jwtdemo.NewKeySet(oldKey)
	verifier, _ := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: keys, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}})
	oldSigner, _ := jwtdemo.NewSigner(oldKey)
	oldToken, _ := oldSigner.Sign(claims)

	// Rotate: add the new key, then sign with it.
	newKey, _ := jwtdemo.NewKey(jwtdemo.HS256, "2026-11", []byte("November's secret, 32 bytes ...."))
	_ = keys.Add(newKey)
	newSigner, _ := jwtdemo.NewSigner(newKey)
	newToken, _ := newSigner.Sign(claims)

	_, errOld := verifier.VerifyAt(oldToken, now)
	_, errNew := verifier.VerifyAt(newToken, now)
	fmt.Println("both keys:", errOld, errNew)

	// Once the old tokens have expired, remove the old key.
	keys.Remove("2026-10")
	_, errOld = verifier.VerifyAt(oldToken, now)
	_, errNew = verifier.VerifyAt(newToken, now)
	fmt.Println("new key only:", errors.Is(errOld, jwtdemo.ErrUnknownKey), errNew)
	// Output:
	// both keys: <nil> <nil>
	// new key only: true <nil>
}

// Middleware admits requests with a valid bearer token that holds the
// scopes, passing the claims on; it answers 403 when a scope is missing
// and 401 without a token, each with its challenge and a problem document.
func ExampleMiddleware() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	key, _ := jwtdemo.NewKey(jwtdemo.HS256, "", []byte("a secret of at least 32 bytes!!!"))
	keys, _ := jwtdemo.NewKeySet(key)
	verifier, _ := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{
		Keys: keys, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256},
		Now: func() time.Time { return now },
	})
	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := jwtdemo.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "orders of %s", claims.Subject)
	})
	mw, err := jwtdemo.Middleware(jwtdemo.MiddlewareConfig{Verifier: verifier, Scopes: []string{"orders:read"}})
	if err != nil {
		panic(err)
	}
	handler := mw(orders)

	signer, _ := jwtdemo.NewSigner(key)
	show := func(req *http.Request) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Header().Get("WWW-Authenticate"))))
		fmt.Println(strings.TrimSpace(rec.Body.String()))
	}
	for _, scope := range []string{"orders:read", "profile"} {
		token, _ := signer.Sign(jwtdemo.Claims{Subject: "user-42", Scope: jwtdemo.Scope(scope), ExpiresAt: jwtdemo.NewNumericDate(now.Add(time.Hour))})
		req := httptest.NewRequest("GET", "/orders", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		show(req)
	}
	show(httptest.NewRequest("GET", "/orders", nil))
	// Output:
	// 200
	// orders of user-42
	// 403 Bearer error="insufficient_scope", scope="orders:read"
	// {"type":"about:blank","title":"Forbidden","status":403,"detail":"The bearer token does not grant every scope this resource requires.","instance":"/orders"}
	// 401 Bearer
	// {"type":"about:blank","title":"Unauthorized","status":401,"detail":"The request carries no bearer token.","instance":"/orders"}
}

// A claims type of the caller's own embeds Claims; VerifyAs validates the
// registered claims and decodes the rest.
func ExampleVerifyAs() {
	type session struct {
		jwtdemo.Claims
		Role string `json:"role"`
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	key, _ := jwtdemo.NewKey(jwtdemo.HS256, "", []byte("a secret of at least 32 bytes!!!"))
	signer, _ := jwtdemo.NewSigner(key)
	token, _ := signer.SignJSON(session{
		Claims: jwtdemo.Claims{Subject: "user-42", ExpiresAt: jwtdemo.NewNumericDate(now.Add(time.Hour))},
		Role:   "admin",
	})
	keys, _ := jwtdemo.NewKeySet(key)
	verifier, _ := jwtdemo.NewVerifier(jwtdemo.VerifierConfig{Keys: keys, Algorithms: []jwtdemo.Algorithm{jwtdemo.HS256}})
	s, _, err := jwtdemo.VerifyAs[session](verifier, token, now)
	fmt.Println(s.Subject, s.Role, err)
	// Output: user-42 admin <nil>
}
