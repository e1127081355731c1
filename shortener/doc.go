// Package shortener is the core of a URL shortener: base62 codes, the
// generators behind them, the validation that decides what may be
// shortened and which aliases may be claimed, the Store interface that
// the databases implement (in subpackages), and the Service that puts a
// read-through cache in front of a Store.
//
// # Interview card
//
// Question. Section 4, "System Design", of the guide asks "Design a URL
// shortener service" and lists as its second component "Encoding Service:
// Generate short URL, Base62 encoding or Hash function". This package is
// that component; the API layer is built on it. The same design names a
// "Database: store URL mappings, index on short URL" and a "Cache Layer:
// Redis for frequent URLs, LRU cache policy", on the path "URL → Load
// Balancer → API Servers → Cache → Database": Service is that path from
// the API server down (the second half of this card).
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
// The service: cache in front of the database. Answer in five lines:
//
//  1. A redirect reads an in-process cache, then Redis, then the database,
//     through one read-through cache (package cache's ReadThrough over a
//     rediscache.TwoTier): one database read per missing code at a time,
//     however many redirects miss it.
//  2. Cache the "no" answers too: an unknown code is cached negatively and
//     a deleted or expired one as a tombstone, so enumerating codes or
//     following dead links reaches the database once per code.
//  3. Every write goes to the database first, then invalidates the code on
//     every instance (a Redis DEL and a pub/sub message); a create
//     invalidates as well, so a code probed before its link existed does
//     not stay "unknown" anywhere.
//  4. A link's own expiry is checked on every cache hit, so a cached link
//     is never served past its ExpiresAt, whatever the cache's TTL.
//  5. Redis down: go to the database, at most OutageLoads reads at once per
//     instance, and turn the rest away rather than stampede it. Clicks are
//     counted in memory and written in batches, never on the redirect's
//     path.
//
// What each part of Resolve costs and what it protects
// (service_bench_test.go, service_*_test.go):
//
//	path                     what it does                      protects against                  proven by
//	local hit                S3FIFO read, expiry check, one    nothing to protect: the common    BenchmarkResolve/path=local-hit
//	                         click counted in memory           case, no I/O, no allocation
//	Redis hit                one round trip (the local copy    a cold instance (deploy, scale    BenchmarkResolve/path=redis-hit
//	                         missed or was invalidated)        out) hitting the database
//	store                    one point read by primary key     (the source of truth)             BenchmarkResolve/path=store
//	negative entry           "unknown" cached for NegativeTTL  enumeration of codes              TestServiceCachesUnknownCodes
//	tombstone entry          "gone" cached for CacheTTL        dead links hammering the store    TestServiceCachesGoneCodes
//	expiry on every hit      Link.Expired(Now) before serving  a cache TTL longer than the link  TestServiceCachedLinkNever...
//	invalidate on write      tier Delete: Redis DEL + pub/sub  stale links on other instances    TestServicesShareRedis
//	LoadOnTierError          ≤ OutageLoads store reads at once a Redis outage becoming a         TestServiceTierOutage*
//	                         per instance; the rest refused    database outage
//
// Numbers worth quoting (2-core AMD EPYC VM, Go 1.26.8, medians of ten
// runs of go test -run '^$' -bench 'BenchmarkResolve/(baseline|path=local-hit)'
// -count 10 -benchtime 200ms ./shortener, on a shared machine under a load
// average of about 1.5, so only ratios within the run mean much; 10 000
// links): a bare S3FIFO Get of the entries the cache holds takes 92 ns;
// Resolve from the local cache without click counting 119 ns (1.29 times
// that), and with the default click recorder 212 ns (2.31 times; 192
// against 45 ns with parallel callers), with no allocation per call (the
// recorder's flush allocates its batch: 19 bytes per click amortised).
// The difference is the click: a lookup of the code's counter in a
// sync.Map (a second hash of the code, about a third of Resolve in
// pprof), and the flush's work on the other core. Clicks are written
// every second, or at once when 100 000 are pending, so a crash loses at
// most that: one second's or 100 000 clicks, whichever is less.
// A Resolve through Redis
// (the tier without its local layer) takes 37 µs on the Redis server at
// hand and 47 µs on miniredis; one that reaches a store kept in a map
// 7.9 µs and 13 allocations (the read-through's one load per code: a
// goroutine and singleflight), before any database round trip.
//
// Follow-ups:
//
//   - Why cache "not found"? Codes are short, so they can be walked: a
//     crawler trying every seven-character code would send every try to
//     the database. The negative entry (NegativeTTL, a tenth of CacheTTL
//     by default) makes each unknown code cost one read, and S3FIFO's
//     small queue keeps such one-off entries from evicting the hot links.
//     Rate limiting is still needed: a negative entry per code bounds the
//     database's work, not the cache's.
//   - A link is created on instance A right after instance B cached
//     "unknown" for its code: does B answer 404? Only until the
//     invalidation reaches B: Shorten deletes the code from the tier,
//     which on a TwoTier deletes it in Redis at once and tells every
//     instance to drop its local copy over pub/sub (one delivery, about a
//     round trip). A lost message is caught by the Bus's sequence numbers
//     (a flush) or ends with the local TTL.
//   - The write reached the database but Redis did not answer the
//     invalidation: then what? The write stands (it cannot be taken back)
//     and the call returns an error wrapping ErrCacheUnavailable, with the
//     link, so the caller knows other instances may serve the old value
//     until their entry's TTL (and the TwoTier's LocalTTL) runs out. A
//     retry of the same write invalidates again.
//   - A load reads the old link from the database, an update lands, and
//     then the load fills the cache: stale forever? No: the load took a
//     lease before reading, and the update's invalidation revoked it, so
//     the fill is dropped (TestServiceConcurrentWritesAndResolves).
//   - SQL or NoSQL for the links? What the service asks of a store is
//     small: a point read by code, an atomic insert-if-absent (the unique
//     key decides between two nodes issuing the same code), tombstones,
//     and counters added in batches. A relational database gives all of
//     it with a primary key and INSERT … ON CONFLICT DO NOTHING, plus
//     secondary indexes and ad hoc queries (links by owner, recent links)
//     for free; a key-value store such as Redis gives it with a hash per
//     link and a conditional set, with lower latency but its data in
//     memory. The Store interface is the same either way, and every store
//     passes the same conformance suite (shortener/storetest).
//   - When is one database not enough, and how do you shard? Reads
//     rarely reach the database (the cache absorbs them), so it is writes
//     and size that outgrow one node. A link is only ever looked up by its
//     code, so shard by code with a consistent-hash ring (package
//     sharding): a lookup touches one shard, and adding a shard moves
//     only the links the ring assigns to it. Listing "recent links"
//     becomes a merge over shards.
//   - How would you optimise the database queries? Mostly by not making
//     them: the local cache answers hits without I/O, negative entries
//     answer misses, one load per code at a time (singleflight) collapses
//     concurrent misses, and clicks are added in one batched write per
//     flush instead of one UPDATE per redirect. What reaches the database
//     is a point read on the primary key, as a prepared statement over a
//     configured connection pool; check the plan with EXPLAIN that it is
//     an index lookup, not a scan.
//
// # Conventions
//
//   - New…(required args, cfg): NewCounter(src, blockSize, cfg),
//     NewFeistel(key, cfg), NewRandom(length, cfg), NewTimeOrdered(node,
//     cfg), NewIssuer(gen, taken, cfg), NewURLValidator(cfg),
//     NewAliases(cfg), NewService(store, cfg); a zero Config means the
//     defaults; bad arguments are errors wrapping ErrInvalidConfig.
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
//   - Of the encoding types, none owns a goroutine, so none has Close;
//     waits (a block from the source, a clock that stepped back) take a
//     context. The Service owns its read-through loads and, by default,
//     a click counter's flusher: Close(ctx) waits for them.
//   - Time is an input: every Config that decides expiry has Now (nil
//     means time.Now), so tests move a fake clock instead of sleeping.
//   - The root package imports no Redis: the Redis block source is
//     shortener/redisid, the stores are subpackages, and the Service
//     takes a cache.Tier, which a rediscache.TwoTier satisfies.
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
//
// # Service
//
// [Service] ties the pieces together. Shorten validates the URL
// ([URLValidator]), the alias when one is given ([Aliases]) and the
// expiry, issues a code otherwise ([Issuer]; by default random codes of
// [DefaultCodeLen] characters, checked against the store, and issued again
// when Create finds the code taken), stores the link with CreatedAt in
// UTC to the microsecond, and invalidates the code in the cache. Resolve
// is the redirect: a [cache.ReadThrough] over ServiceConfig.Tier (by
// default an in-process cache.Local over an S3FIFO; in a deployment a
// rediscache.TwoTier, whose Bus carries the invalidations between
// instances). Update (PUT) replaces URL and expiry, Patch changes the
// fields it is given, Delete leaves a tombstone; each writes the store,
// then invalidates. Stats adds the clicks the store has and those the
// ClickRecorder holds.
//
// Errors: a refused URL wraps [ErrInvalidURL] and its own sentinel, a
// refused alias [ErrInvalidAlias], a bad code or expiry [ErrInvalidLink];
// then [ErrCodeTaken], [ErrNotFound], [ErrGone] and [ErrStoreUnavailable]
// as the store answered them (the store's error is returned as it is,
// with the engine's cause). [ErrCacheUnavailable] means a write is in the
// store but its invalidation was not published (the result is returned
// beside the error), or that Resolve could use neither the failing tier
// nor, within OutageLoads, the store.
//
// What the cache keeps, and for how long: a link for CacheTTL (an hour by
// default), but never served past its own ExpiresAt, which is checked on
// every hit by ServiceConfig.Now; a gone code for CacheTTL, since it never
// comes back; an unknown code for NegativeTTL. A cached entry of an
// expired link answers ErrGone until it leaves the cache: the read-through
// takes one TTL for every value, so a link's expiry cannot shorten its
// entry, and it lingers, answering "gone", for up to CacheTTL, counted
// against the capacity.
//
// Clicks: Resolve tells ServiceConfig.Clicks of each link it serves (not
// of unknown, gone or expired codes). The default is a click counter over
// the store that the Service closes; Stats is exact once it has flushed,
// and otherwise lags by at most its flush interval for clicks on other
// instances. Clicks recorded but not yet written when a link is deleted
// are dropped by the store, which adds clicks to live links only.
package shortener
