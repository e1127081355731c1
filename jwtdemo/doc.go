// Package jwtdemo signs and verifies JSON Web Tokens with nothing but the
// standard library's crypto, so that every step is in view, and refuses by
// construction the tokens that broke real libraries.
//
// # Interview card
//
// Question (the guide, section "6. Security"): "Explain JWT (JSON Web
// Tokens)". The guide's answer lists the structure ("Header (algorithm,
// token type)", "Payload (claims)", "Signature"), the uses
// ("Authentication", "Information exchange", "Stateless sessions") and
// three "Security Considerations": "Token expiration", "Secure storage",
// "HTTPS transmission". The next question there, "How do you handle API
// security?", names JWT for authentication and "Scope-based access" for
// authorization, which [Middleware] does. The guide has no code to keep as
// a baseline; what it leaves out is verification, where the attacks are,
// and that is most of this package.
//
// Answer in five lines:
//
//  1. A JWT is base64url(header).base64url(claims).signature: signed so
//     its holder cannot change it, not encrypted, so anyone can read it.
//  2. A server trusts the claims by checking the signature, with no
//     lookup: stateless sessions, but a token cannot be taken back before
//     its exp, so access tokens live minutes and carry a jti.
//  3. Verification is where the attacks are: the server pins the
//     algorithms (never alg none, never the token choosing HMAC over RSA),
//     picks the key by kid, compares MACs in constant time, checks exp,
//     nbf, iss, aud and typ.
//  4. HS256 when one service issues and verifies; EdDSA, ES256 or RS256
//     when many verify and only the issuer may sign, with the public keys
//     published as a JWK Set and rotated by kid.
//  5. Send it only over HTTPS in "Authorization: Bearer"; pair the short
//     access token with a refresh token kept server-side, which is what
//     logout and revocation act on.
//
// Trade-offs of the algorithms here. Times are rough: the CPU time per
// operation (cpu-ns/op) of in-package BenchmarkVerify and BenchmarkSign,
// -benchtime 3000x -count 3, on the 2-core machine while it was shared,
// when wall time per operation ran up to three times longer. Allocation
// counts are exact, from the same runs; TestAllocationsByCase pins those
// of verifying HS256, EdDSA, RS256 and ES256:
//
//	alg    verify, allocs  sign, allocs  signature  verify key   who can mint     pick it when
//	HS256  ~1 µs, 1        ~1 µs, 1      43 chars   32 B secret  every verifier   one service issues and verifies
//	EdDSA  ~60 µs, 1       ~30 µs, 3     86 chars   32 B         only the issuer  many verifiers that all support Ed25519
//	ES256  ~90 µs, 25      ~45 µs, 70    86 chars   64 B         only the issuer  as EdDSA, where Ed25519 is not supported
//	RS256  ~40 µs, 14      ~1.3 ms, 7    342 chars  256 B        only the issuer  the widest support (OIDC's default)
//	PS256  ~40 µs, 18      ~1.3 ms, 12   342 chars  256 B        only the issuer  RSA, where every verifier takes PSS
//
// EdDSA and ECDSA verify at about twice the cost of signing; RSA is the
// other way round, its public exponent small and its private one not, so
// an RSA issuer pays some thirty verifications per token it signs.
//
// Whatever the algorithm, a verifier holds its key set and the last four
// header segments that passed its checks, nothing per token or per user;
// a token is a few hundred bytes, refused unread beyond
// [DefaultMaxTokenSize] (8 KiB) unless configured.
//
// Numbers worth quoting (2-core AMD EPYC VM, Go 1.26.8, on an idle
// machine; the figures of the repository's README, the first three the
// medians of twenty runs):
//
//	HS256 verify with claim validation  1.11 µs, 192 B, 1 alloc   golang-jwt/jwt/v5: 16.3 µs, 53 allocs
//	HS256 sign                          1.11 µs, 320 B, 1 alloc   golang-jwt/jwt/v5: 10.7 µs, 34 allocs
//	bare HMAC-SHA256 of the same bytes  0.44 µs                   verify and sign are 2.53 times it
//	base64url of a 220-char payload     ~55 ns decode, ~45 ns encode with AVX2 (165 and 155 without)
//
// The first three lines come from, at the repository root,
//
//	cd benchmarks && go test -run '^$' -bench '^Benchmark(Verify|Sign)$' -count 20 -benchtime 200000x ./jwt
//
// and the last from go test -run '^$' -bench Base64 ./jwtdemo. On the machine busy with
// other work, CPU time per operation gave verify 2.0 and sign 2.2 times
// the bare HMAC (0.67 and 0.76 µs against 0.33 and 0.34 µs).
//
// Follow-ups:
//
//   - How do you revoke a JWT before it expires? Keep a deny-list keyed
//     on the jti claim, each entry living until the token's exp (a Redis
//     SET jti EX exp−now), checked after verification (in the handler, on
//     [ClaimsFromContext]'s ID); short lifetimes keep the list small. Never key it on the token's bytes or
//     their hash: ECDSA tokens are malleable, a second string with the
//     same claims verifies too (TestECDSASignaturesAreMalleable).
//   - What are refresh tokens for? A long-lived, opaque, random token,
//     stored server-side (hashed) and exchanged for a new access token.
//     Rotate it on every use; a refresh token presented again after it
//     was rotated means it was stolen, so revoke its whole family. It
//     need not be a JWT: the server looks it up anyway.
//   - How does logout work if tokens are stateless? Delete the refresh
//     token (its family) server-side, put the access token's jti on the
//     deny-list until its exp, and have the client drop both (clear the
//     cookie).
//   - Where should a browser keep the tokens? The refresh token in an
//     HttpOnly, Secure, SameSite=Strict cookie scoped to the refresh
//     path; the access token in memory only, never localStorage, which
//     any XSS can read. A cookie is sent automatically, so the refresh
//     endpoint needs CSRF defence (SameSite, an Origin check or a CSRF
//     token); a bearer header is not, so API calls that use it are not
//     exposed to CSRF.
//   - What are algorithm confusion and alg=none? A verifier that trusts
//     the header's alg accepts unsigned tokens, or verifies HS256 with an
//     RSA public key as the secret, which anyone can then forge. Here
//     [VerifierConfig].Algorithms is an allow-list, each [Key] is bound to
//     one algorithm ([NewKey]), and none is refused in any casing
//     (Verifier.checkHeader in verifier.go; TestKeyConfusion,
//     TestVerifyRefusesAttacks).
//   - How do you rotate keys? Give each key a kid; publish the public keys
//     with [KeySet.MarshalPublicJWKS] at /.well-known/jwks.json; add the
//     new key, sign with it, remove the old one once the tokens it signed
//     have expired (ExampleKeySet_rotation). Verifiers import a JWK Set
//     with [ParseJWKSet]; the set is read on every token, so a change
//     takes effect at once. An unknown kid fails: refetch the set then,
//     rate-limited, rather than trying every key.
//   - How do you check permissions? The scope claim: [Middleware] with
//     Scopes answers 403 with error="insufficient_scope" and the scopes
//     needed (RFC 6750 §3.1).
//   - HS256 or RS256? See "Choosing" below; why verify costs one
//     allocation, see "Performance".
//
// # Conventions
//
//   - Constructors: NewKey(alg, kid, material), NewSigner(key),
//     NewKeySet(keys...), NewVerifier(VerifierConfig),
//     Middleware(MiddlewareConfig); zero config fields mean the documented
//     defaults; no options; bad configuration wraps [ErrInvalidConfig].
//   - Errors: sentinels "jwtdemo: …", detail after the sentinel, the
//     prefix said once however much is wrapped.
//   - Middleware: one package-level [Middleware]; refusals go to
//     WriteError, by default an RFC 9457 problem+json response.
//   - Zero values: a [Verifier], [Signer] or [Key] not made by its
//     constructor fails with [ErrNotInitialized] (panics with it where a
//     method has no error result); the zero [KeySet] is an empty set
//     ready to use.
//   - Close: nothing here owns a goroutine or a connection, so nothing has
//     Close.
//   - Time is an input: [Verifier.VerifyAt] takes now; Verify uses
//     VerifierConfig.Now.
//
// # The three parts
//
// A token is three base64url segments joined by dots (RFC 7515 §7.1):
//
//	eyJhbGciOiJIUzI1NiIsImtpZCI6IjIwMjYtMTEifQ   header:  {"alg":"HS256","kid":"2026-11"}
//	.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxNzAwMDAzNjAwfQ   payload: {"sub":"user-42","exp":1700003600}
//	.<43 characters>                               signature over the first two segments
//
// The header names the algorithm and the key (kid); the payload carries
// the claims (who the token is about, who issued it, for whom, until when);
// the signature is computed over the first two segments exactly as they
// are written. Anyone can read the payload: base64url is an encoding, not
// encryption.
//
// # Signed, not encrypted
//
// A JWT is signed so that its holder cannot change it: a server that
// issued "sub: user-42, exp: in an hour" can later trust those claims
// without a database lookup, which is what makes stateless sessions
// possible. It is not encrypted because the claims are not secret to the
// holder (they describe the holder), and because what a bearer token must
// resist is forgery, not reading. Put nothing in a JWT that its holder must
// not see; send it only over HTTPS, since whoever holds it is its subject
// until it expires; keep its lifetime short for the same reason.
//
// # What a verifier checks, and what each check stops
//
// These checks are always made; there is no option to turn one off.
//
//   - alg "none" in any casing is refused: an unsigned token would verify
//     as if signed, the first of the flaws found in several JWT libraries
//     in 2015.
//   - Only the algorithms the verifier lists are accepted, and each [Key]
//     verifies only the one algorithm it was made for: this stops key
//     confusion, where an RS256 public key, which is public, is used as an
//     HS256 secret to forge tokens (CVE-2015-9235 in node's jsonwebtoken).
//   - HMAC secrets shorter than the hash output are refused on sign and
//     verify (RFC 7518 §3.2): short secrets fall to offline guessing.
//   - The MAC is compared in constant time: a comparison that stops at the
//     first differing byte leaks, through timing, how much of a forgery is
//     right.
//   - base64url is strict (no padding, no + or /, no whitespace, canonical
//     trailing bits): each segment has one encoding of its bytes, so the
//     segments cannot be re-encoded into another token that still checks,
//     and two parsers cannot decode them differently.
//   - That does not make a token's string unique. ECDSA signatures are
//     malleable: whoever holds an ES256, ES384 or ES512 token can replace
//     s by n−s and get a second token string, with the same claims, that
//     verifies as well (this package accepts both, as other signers send
//     either; it signs with the low s itself). So revocation lists and
//     replay checks key on the jti claim, never on the token's bytes or a
//     hash of them.
//   - Exactly three segments: a JWE or a JSON serialization is not read as
//     a signed JWT.
//   - The size is checked before anything is decoded: a giant token cannot
//     make the server allocate and parse megabytes.
//   - ECDSA signatures must be exactly twice the key size, raw r‖s, with
//     r and s in [1, n−1]: this stops DER confusion and the zero-signature
//     forgery of CVE-2022-21449.
//   - The signature is checked over the segments exactly as received, not
//     over a re-encoding of what was parsed.
//   - An unknown crit header is refused (RFC 7515 §4.1.11): the signer
//     declared an extension this verifier does not understand.
//   - jku, x5u and an embedded jwk are never used to find a key: they let
//     the token name the key that verifies it.
//   - The key is chosen by kid, and an unknown kid fails: trying every key
//     would let an attacker hunt for a weak one and multiply the cost of
//     each request.
//   - Claims are read only after the signature holds, so a forged token is
//     always reported as ErrSignature, never as expired or wrong audience.
//   - exp is required and a token whose exp equals now is expired; nbf and
//     iat must not be in the future; a small leeway, at most five minutes,
//     absorbs clock skew. These stop replay of old tokens and use of tokens
//     before their time.
//   - Numeric dates must be JSON numbers from 1970 to 9999: "exp": "never"
//     or 1e300 is refused, not read as zero or as forever.
//   - A registered claim given twice is refused, and so is a member whose
//     name encoding/json would match to a registered claim without being
//     exactly its name ("Sub", "ISS", "\u017fcope" with the long s that
//     folds onto s): encoding/json, which [VerifyAs] and [Claims.Decode]
//     use, would read it into that claim, handing the caller a subject,
//     audience or expiry nobody checked. The header parameters read (alg,
//     kid, typ, crit) follow the same rule. So the registered claims a
//     caller reads, through any of them, are the ones validated.
//   - Issuer and audience, when configured, must match: a token issued for
//     one service is not accepted by another.
//   - The token type, when configured ([VerifierConfig].Types), must match
//     the typ header, compared as a media type (RFC 7515 §4.1.9): with
//     "at+jwt" an ID token from the same issuer and key is not taken for
//     an access token (RFC 8725 §3.11, RFC 9068 §4).
//
// # Choosing
//
// HS256 is the fastest and simplest, for a service that both issues and
// verifies its own tokens: every verifier holds the secret, so every
// verifier can also mint tokens. When verifiers must not be able to sign
// (many services, one issuer), use a public-key algorithm: EdDSA (Ed25519)
// is fast, small and deterministic; ES256 is as small and widely
// supported; RS256 and PS256 are the most widely supported and the largest
// and slowest to sign. [KeySet] publishes the public keys as a JWK Set and
// carries rotation: add the new key, sign with it, remove the old one once
// the tokens it signed have expired.
//
// # Performance
//
// Verification of the registered claims uses no reflection: the header is
// decoded into a stack buffer (and the last four distinct header segments
// are remembered with the key each selected, so tokens that repeat one, as
// all tokens signed with one key do, skip it), the payload straight into
// the one allocation its strings share (with the array of a single-valued
// aud), and both are read by a small strict JSON reader, which takes
// claims written the usual way (compact, registered claims only, plain
// ASCII strings, integer dates) in one pass, eight bytes at a time where
// it can; HMAC states are pooled per key. Base64url goes 32 characters at
// a time with AVX2 on CPUs that have it (assembly, left out with
// -tags purego), otherwise through tables. Claims of the caller's own are
// read with encoding/json only when asked for ([Claims.Decode],
// [VerifyAs]).
//
// A verification allocates once for HMAC and EdDSA tokens whose aud is a
// single string, however up to four distinct headers alternate (the two
// kids of a rotation among them); a header not among the four remembered
// costs one allocation more for the entry that remembers it and one for
// each copy the entry keeps, of the segment, the kid and the typ (three
// more for a header of this package's Signer with a kid); an aud array
// costs one more (two in all). The public-key arithmetic allocates inside crypto/rsa and
// crypto/ecdsa: 14 allocations for RS256 and 25 for ES256 on P-256
// (TestAllocationsByCase pins these counts). Signing with an HMAC key encodes the claims without
// reflection and builds the token in its own buffer, which becomes the
// returned string: one allocation.
//
// The benchmarks compare every algorithm with the bare HMAC over the same
// bytes, and the benchmarks module compares HS256 with golang-jwt/jwt/v5,
// with a 165-byte payload (figures in the interview card). What stands
// above the MAC in verify is mostly reading the claims out of freshly
// allocated memory (about 0.2 µs), the allocation itself (0.12 µs) and
// the base64 (0.1 µs with the vector decoder).
package jwtdemo
