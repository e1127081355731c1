// Package shortener is the encoding service of a URL shortener: base62
// codes, the generators behind them, and the validation that decides what
// may be shortened and which aliases may be claimed.
//
// # Interview card
//
// Question. Section 4, "System Design", of the guide asks "Design a URL
// shortener service" and lists as its second component "Encoding Service:
// Generate short URL, Base62 encoding or Hash function". This package is
// that component; the API layer, database and cache are built on it.
//
// Answer in five lines:
//
//  1. A code is a number in base62: seven characters hold 62^7 ≈ 3.5 ×
//     10^12 links, 96 years at 100 M new links a day.
//  2. The number comes from a counter handed out in blocks by a shared
//     source (Redis INCRBY, a database sequence), so a new link costs no
//     round trip and two nodes never collide; a crash leaves gaps, never
//     reuse.
//  3. A counter is guessable, so pass it through a keyed bijection (a
//     Feistel network): still collision-free, but consecutive links get
//     unrelated codes. Or draw random codes and retry the rare collision.
//  4. The store's unique index is the authority: a generated code that
//     meets a custom alias or a retired link is skipped, and no code is
//     ever issued twice, even after its link expired.
//  5. Validate before storing: http(s) only, normalised host, no
//     credentials, no private or metadata addresses in any spelling, not
//     the service's own host, not a denied one.
//
// Trade-offs of the generators (bench_test.go):
//
//	generator           cost per code           length        guessable  collisions      pick it for
//	Counter             one CAS; one source     grows: 7      yes: next  none            internal links, when
//	                    round trip per block    up to 3.5e12  = last+1                   order does not leak much
//	Counter + Feistel   + 8 mixing rounds       at most 7     no (key    none, by        public links: the default
//	                                            (Domain 62^7) secret)    construction
//	Random (7 chars)    crypto/rand read, and   fixed         no         birthday odds;  no shared source at all;
//	                    a store check per try                            Issuer retries  secret-ish links (longer)
//	TimeOrdered         clock read; 4096 per    10-11 chars   partly     none per node   ids that sort by time, no
//	                    ms per node                           (time)                     shared source, one node id
//	hash of the URL     a hash; truncation to   fixed         no, but    truncation      not offered: see the
//	(not offered)       7 chars collides        by choice     derivable  collides        follow-ups
//
// Numbers worth quoting (2-core AMD EPYC VM, Go 1.26.8, medians of ten
// runs of go test -run '^$' -bench . -count 10 ./shortener, measured on a
// shared machine under a load average of 8 to 11, so the absolute figures
// are pessimistic; the ratios compare lines of the same run): Encode
// 46 ns (strconv.FormatUint(v, 36): 76 ns, 0.60×), Append 18.5 ns with
// no allocation (strconv.AppendUint: 31 ns, 0.60×), Decode 21 ns with no
// allocation (strconv.ParseUint(s, 36, 64): 36 ns, 0.58×), over a mix of
// small, seven-character and full 64-bit ids. Counter.NextID 12.6 ns,
// 79 M ids/s serially (and in parallel); a code from the obfuscated
// counter 88 ns, of which the Feistel permutation is 40; a random
// seven-character code from crypto/rand 360 ns; TimeOrdered 333 ns, 3 M
// ids/s per node (at most 4096 per millisecond). Validate 690 ns and one
// allocation for a typical https link, 1.1 µs on a mix with IDN hosts and
// refusals.
//
// Follow-ups:
//
//   - Base62 or a hash? A hash of the URL (MD5, SHA-256) truncated to
//     seven characters keeps 42 bits, and the birthday bound gives even
//     odds of a collision by 2.2 M links; each needs detection and a
//     re-hash anyway, and one URL shortened by two owners with different
//     expiry must get two codes, so the "dedup for free" is a bug. A
//     counter is collision-free by construction and shorter.
//   - Counter, random or time-ordered? Counter: shortest codes, no
//     collision, but it needs a shared source (see Counter, BlockSource)
//     and leaks order unless obfuscated (Feistel). Random: no
//     coordination, but collisions grow with the square of the links
//     (odds below) and each try costs a store lookup (Issuer).
//     Time-ordered (TimeOrdered): no shared source, ids sort by time,
//     but 10-11 characters and every node needs a unique node id.
//   - Why blocks? An INCR per link is a round trip per link to one hot
//     key. A block of 1000 ids costs one INCRBY per 1000 links; a node
//     that crashes loses the rest of its block, a gap nobody notices
//     (Counter.fetch).
//   - What if Redis restarts empty? An embedded or unpersisted Redis
//     starts the key again at zero, and INCRBY would reissue every code.
//     So the source is never the authority: Counter has a Floor (one more
//     than the highest id the store has issued, read at start) and raises
//     its own floor after each block; a block below it is refused with
//     ErrSourceBehind, or the source is raised first when it is a Raiser
//     (redisid.Source.Raise), then checked again. With several nodes
//     that is not enough on its own: a floor knows the store and the
//     node's own blocks, not the blocks other nodes still hold, so two
//     nodes can get overlapping ids after such a restart; the unique
//     index on the code catches them (Issuer, TakenFunc).
//   - Can someone enumerate the links? With a plain counter, yes: code+1
//     is the next link, and the codes say how many links exist (the
//     German tank problem). That matters when links point at private
//     documents, or their volume is a business secret. Feistel maps ids
//     onto [0, Domain) by a keyed bijection; random codes at 100 M links
//     of 62^7 are hit by 1 guess in 35 000, so still rate-limit lookups
//     and never shorten a secret (use 12+ random characters for those).
//   - Custom aliases? Aliases.Validate: 3-64 characters of
//     [A-Za-z0-9_-], case-sensitive like the codes, not a reserved route
//     in any casing. An alias lives in the same namespace as generated
//     codes, so Issuer skips a generated code that an alias already took.
//   - What must validation refuse? javascript:, data: and every scheme
//     but http(s) (stored XSS on redirect), the service's own host
//     (loops), credentials ("https://paypal.com@evil.example" is
//     phishing), private and metadata addresses in every spelling parsers
//     disagree on ("http://0x7f.1/", "http://2130706433/",
//     "[::ffff:169.254.169.254]") for the day the service fetches
//     previews, and mixed-script hosts ("pаypal.com" with a Cyrillic а).
//     URLValidator.Validate lists the order of checks; url_test.go holds
//     the hostile table.
//   - Does validating the host stop SSRF? Only for IP literals. A name
//     can resolve to 127.0.0.1 (or change its answer between check and
//     use), so anything that fetches the URL must check the address it
//     connects to (net.Dialer's Control hook), not the name.
//
// # Conventions
//
//   - New…(required args, cfg): NewCounter(src, blockSize, cfg),
//     NewFeistel(key, cfg), NewRandom(length, cfg), NewTimeOrdered(node,
//     cfg), NewIssuer(gen, taken, cfg), NewURLValidator(cfg),
//     NewAliases(cfg); a zero Config means the defaults; bad arguments are
//     errors wrapping ErrInvalidConfig.
//   - Errors say "shortener:" once: a sentinel, then the detail
//     ("shortener: URL too long: 2049 bytes, limit 2048").
//   - Every refusal has its own sentinel, and each also matches its class
//     (ErrInvalidCode, ErrInvalidURL, ErrInvalidAlias) with errors.Is.
//   - A refusal never repeats the refused text; it names positions,
//     lengths, ports or the normalised host only.
//   - Zero values fail loudly: every method of a zero or nil value returns
//     an error wrapping ErrNotInitialized ("shortener: Counter used
//     without NewCounter"), Aliases.IsReserved panics with it. The zero
//     MemorySource is useful: it starts at 0.
//   - No type owns a goroutine, so none has Close; waits (a block from
//     the source, a clock that stepped back) take a context.
//   - The root package imports no Redis: the Redis block source is
//     shortener/redisid.
//
// # Base62
//
// [Encode] and [Decode] map every uint64 to one code and back, over
// [Alphabet] (digits, upper case, lower case: ASCII order, so codes of one
// length sort as their numbers). 0 is "0"; math.MaxUint64 is
// "LygHa16AHYF", [MaxEncodedLen] characters. Decode refuses an empty
// string, a character outside the alphabet, a leading zero and overflow,
// each with its own error, so a code has exactly one spelling. [Append]
// writes into a caller's buffer without allocating.
//
// # Generators
//
// Every generator is a [Generator] (Next returns a code). [Counter] takes
// blocks of ids from a [BlockSource]: [MemorySource] in one process,
// shortener/redisid on Redis, or the store's own sequence. Its optional
// [Feistel] obfuscator is a keyed bijection on [0, Domain), so obfuscated
// codes stay unique and, with Domain 62^7, at most seven characters.
// [Random] draws codes of a fixed length from crypto/rand. [TimeOrdered]
// packs 41 bits of milliseconds, 10 of node and 12 of sequence; a clock
// that steps back by up to MaxBackward is waited out, further is
// ErrClockBackward, and an id is never repeated.
//
// [Issuer] puts a generator in front of the store: it skips reserved words
// and codes the [TakenFunc] reports taken, at most MaxAttempts times. The
// TakenFunc must report retired codes (expired or deleted links) as taken,
// and the insert's unique index still decides: on a duplicate-key error,
// issue again.
//
// Collision odds of random codes, for n links among N = 62^L codes: the
// chance that one new code collides is n/N, and the expected number of
// colliding pairs is n²/2N.
//
//	length  N                 links   a new code collides  colliding pairs  P(any collision)
//	6       5.7 × 10^10       1 M     1 in 56 800          8.8              99.98 %
//	6       5.7 × 10^10       100 M   1 in 568             88 000           100 %
//	7       3.5 × 10^12       1 M     1 in 3.5 M           0.14             13 %
//	7       3.5 × 10^12       100 M   1 in 35 000          1 420            100 %
//
// So collisions are certain and must be handled, but retries are cheap:
// at 100 M links of seven characters, the chance that all eight of
// Issuer's attempts collide is 1 in 35 000^8. Key-space arithmetic: 62^6
// ≈ 5.7 × 10^10 lasts 568 days at 100 M links a day; 62^7 ≈ 3.5 × 10^12
// lasts 96 years; 62^11 > 2^64 holds any uint64.
//
// When guessable codes matter: a counter's codes can be walked (code+1)
// and reveal the number of links; that exposes links meant to be shared
// with few people and the service's volume. Use the Feistel-obfuscated
// counter or random codes for public services; neither makes a short link
// a secret, since 7 characters can be guessed at scale.
//
// # URL validation
//
// [URLValidator.Validate] refuses what must not be shortened and returns
// the normalised URL, the one to store; [URLValidator.Validate]'s doc
// lists the checks in order and [NormalizeHost] the host normalisation
// (lower case, trailing dot removed, IDNA2008 lookup profile from
// golang.org/x/net/idna, every IPv4 spelling browsers accept turned into
// a dotted quad). IP literals in loopback, link-local, unspecified,
// multicast, reserved and cloud-metadata ranges are always refused,
// including IPv4-mapped, NAT64, 6to4 and IPv4-compatible IPv6 forms;
// private ranges and intranet names are refused unless
// URLConfig.AllowPrivate. Mixed-script labels are refused (UTS #39's
// highly restrictive level); a label wholly in another script that looks
// Latin ("аррӏе" in Cyrillic) is not detected here.
//
// # Aliases
//
// [Aliases.Validate] accepts 3 to 64 characters of [A-Za-z0-9_-] that are
// not a reserved word ([DefaultReserved] plus AliasConfig.Reserved).
// Aliases are case-sensitive; reserved words are refused in any casing.
package shortener
