package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
)

// attack is one forged or bad token and the error it must be refused with.
type attack struct {
	name string
	how  string
	want error
	got  error
}

// attacksResult is what part 3 measured.
type attacksResult struct {
	attacks []attack
}

// segments returns the base64url encoding of each value's JSON.
func segments(vs ...any) ([]string, error) {
	var out []string
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out = append(out, base64.RawURLEncoding.EncodeToString(b))
	}
	return out, nil
}

// playAttacks tries each classic attack on a verifier of ES256 tokens.
func playAttacks(cfg config) (attacksResult, error) {
	var r attacksResult
	key, priv, err := newES256Raw("es-2026-11")
	if err != nil {
		return r, err
	}
	public := key.Public()
	keys, err := jwtdemo.NewKeySet(public)
	if err != nil {
		return r, err
	}
	v, err := newVerifier(keys, jwtdemo.ES256)
	if err != nil {
		return r, err
	}
	// A verifier whose allow-list also names HS256, as a service that
	// takes both kinds might be configured: the key confusion attack's
	// best chance.
	both, err := newVerifier(keys, jwtdemo.ES256, jwtdemo.HS256)
	if err != nil {
		return r, err
	}
	signer, err := jwtdemo.NewSigner(key)
	if err != nil {
		return r, err
	}
	good, err := signer.Sign(claims(cfg))
	if err != nil {
		return r, err
	}
	if _, err := v.VerifyAt(good, now); err != nil {
		return r, fmt.Errorf("the genuine token was refused: %w", err)
	}
	parts := strings.Split(good, ".")

	admin := claims(cfg)
	admin.Subject = "admin"
	seg, err := segments(admin,
		map[string]string{"alg": "none", "kid": "es-2026-11"},
		map[string]string{"alg": "nOnE", "kid": "es-2026-11"},
		map[string]string{"alg": "HS256", "kid": "es-2026-11"})
	if err != nil {
		return r, err
	}
	adminPayload := seg[0]

	// alg none: no signature at all.
	none := seg[1] + "." + adminPayload + "."
	noneCased := seg[2] + "." + adminPayload + "."

	// Key confusion: the public key is public, so an attacker uses its PEM
	// text as an HMAC secret and asks for HS256, hoping the verifier
	// feeds the same bytes to HMAC.
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return r, err
	}
	pemText := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	confusedInput := seg[3] + "." + adminPayload
	mac := hmac.New(sha256.New, pemText)
	mac.Write([]byte(confusedInput))
	confused := confusedInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	// Expired: genuinely signed, an hour past its exp.
	expired := good

	// Tampered: the genuine signature on claims changed to sub "admin".
	tampered := parts[0] + "." + adminPayload + "." + parts[2]

	// Forged: signed by the attacker's own ES256 key under the real kid.
	attackerKey, _, err := newES256("es-2026-11")
	if err != nil {
		return r, err
	}
	attacker, err := jwtdemo.NewSigner(attackerKey)
	if err != nil {
		return r, err
	}
	forged, err := attacker.Sign(admin)
	if err != nil {
		return r, err
	}

	// Wrong audience: a genuine token for another service.
	other := claims(cfg)
	other.Audience = jwtdemo.Audience{"billing-api"}
	otherToken, err := signer.Sign(other)
	if err != nil {
		return r, err
	}

	// Oversized: claims padded past the verifier's size limit.
	huge := parts[0] + "." + strings.Repeat("A", jwtdemo.DefaultMaxTokenSize) + "." + parts[2]

	type try struct {
		name, how string
		v         *jwtdemo.Verifier
		token     string
		at        time.Time
		want      error
	}
	for _, t := range []try{
		{"alg none", `header {"alg":"none"}, claims sub "admin", no signature`, v, none, now, jwtdemo.ErrAlgorithm},
		{"alg none, other casing", `header {"alg":"nOnE"}, as above`, v, noneCased, now, jwtdemo.ErrAlgorithm},
		{"key confusion", "HS256 with the ES256 public key's PEM as the secret, to a verifier listing ES256 and HS256", both, confused, now, jwtdemo.ErrAlgorithm},
		{"expired", "a genuine token presented an hour after its exp", v, expired, now.Add(cfg.TTL + time.Hour), jwtdemo.ErrExpired},
		{"tampered claims", `sub changed to "admin", the genuine signature kept`, v, tampered, now, jwtdemo.ErrSignature},
		{"forged signature", "signed with the attacker's own ES256 key under the real kid", v, forged, now, jwtdemo.ErrSignature},
		{"wrong audience", "a genuine token issued for billing-api", v, otherToken, now, jwtdemo.ErrAudience},
		{"oversized", fmt.Sprintf("claims padded past %d bytes", jwtdemo.DefaultMaxTokenSize), v, huge, now, jwtdemo.ErrTooLarge},
	} {
		_, err := t.v.VerifyAt(t.token, t.at)
		r.attacks = append(r.attacks, attack{name: t.name, how: t.how, want: t.want, got: err})
	}
	return r, nil
}

// refused reports whether a was refused with the error it should be.
func (a attack) refused() bool { return a.got != nil && errors.Is(a.got, a.want) }

func (r attacksResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 3: the classic attacks\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap("Each token below is presented to a verifier that accepts ES256 tokens from the issuer for orders-api. Each is a known way to fool a careless verifier: trusting the header's alg, feeding a public key to HMAC, believing claims before checking the signature, skipping a claim, or decoding whatever arrives.", 80))
	for i, a := range r.attacks {
		mark := "refused as it must be"
		if !a.refused() {
			mark = "NOT REFUSED AS IT MUST BE (wanted " + a.want.Error() + ")"
		}
		fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(wrap(fmt.Sprintf("%d. %s: %s", i+1, a.name, a.how), 76), "\n", "\n     "))
		fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(wrap(mark+": "+errText(a.got), 73), "\n", "\n       "))
	}
	fmt.Fprintf(w, "\n%s\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r attacksResult) conclusion() string {
	var failed []string
	sentinels := map[error]bool{}
	for _, a := range r.attacks {
		if a.refused() {
			sentinels[a.want] = true
		} else {
			failed = append(failed, a.name)
		}
	}
	if len(failed) > 0 {
		return fmt.Sprintf("%d of %d attacks were not refused as they must be: %s.", len(failed), len(r.attacks), strings.Join(failed, ", "))
	}
	return fmt.Sprintf("all %d attacks were refused, each with an error a caller can tell apart with errors.Is (%d different sentinels). The algorithm is checked against the allow-list and the key's own algorithm before anything else, so alg none and key confusion never reach a signature check; the signature is checked before any claim is believed, so the tampered and forged tokens fail there, and the size before anything is decoded.",
		len(r.attacks), len(sentinels))
}
