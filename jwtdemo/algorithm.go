package jwtdemo

import "crypto"

// Algorithm is a JWS signature algorithm name as it appears in the alg
// header parameter (RFC 7518 §3.1, RFC 8037 §3.1).
type Algorithm string

// The algorithms this package signs and verifies. There is deliberately no
// constant for "none".
const (
	HS256 Algorithm = "HS256" // HMAC with SHA-256
	HS384 Algorithm = "HS384" // HMAC with SHA-384
	HS512 Algorithm = "HS512" // HMAC with SHA-512
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256
	RS384 Algorithm = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384
	RS512 Algorithm = "RS512" // RSASSA-PKCS1-v1_5 with SHA-512
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256, salt as long as the hash
	PS384 Algorithm = "PS384" // RSASSA-PSS with SHA-384, salt as long as the hash
	PS512 Algorithm = "PS512" // RSASSA-PSS with SHA-512, salt as long as the hash
	ES256 Algorithm = "ES256" // ECDSA on P-256 with SHA-256
	ES384 Algorithm = "ES384" // ECDSA on P-384 with SHA-384
	ES512 Algorithm = "ES512" // ECDSA on P-521 with SHA-512
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037)
)

type family uint8

const (
	familyHMAC family = iota + 1
	familyRSA
	familyPSS
	familyECDSA
	familyEdDSA
)

// algorithms lists every supported algorithm; an alg not in it is refused.
var algorithms = [...]struct {
	alg    Algorithm
	family family
	hash   crypto.Hash
}{
	{HS256, familyHMAC, crypto.SHA256},
	{HS384, familyHMAC, crypto.SHA384},
	{HS512, familyHMAC, crypto.SHA512},
	{RS256, familyRSA, crypto.SHA256},
	{RS384, familyRSA, crypto.SHA384},
	{RS512, familyRSA, crypto.SHA512},
	{PS256, familyPSS, crypto.SHA256},
	{PS384, familyPSS, crypto.SHA384},
	{PS512, familyPSS, crypto.SHA512},
	{ES256, familyECDSA, crypto.SHA256},
	{ES384, familyECDSA, crypto.SHA384},
	{ES512, familyECDSA, crypto.SHA512},
	{EdDSA, familyEdDSA, 0},
}

// lookup returns the family and hash of a supported algorithm. The match is
// exact: "hs256" is not HS256.
func (a Algorithm) lookup() (family, crypto.Hash, bool) {
	for _, d := range algorithms {
		if d.alg == a {
			return d.family, d.hash, true
		}
	}
	return 0, 0, false
}
