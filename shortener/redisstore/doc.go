// Package redisstore is a [shortener.Store] in Redis, the NoSQL answer
// beside the SQL store: a hash per link, a reservation per code that never
// expires, Lua scripts for every write, on a single server or a Redis
// Cluster, through go-redis v9.
//
// # Interview card
//
// Question. Section 4 of the guide, designing the URL shortener, names a
// "Database: store URL mappings, index on short URL", and the databases
// section asks "SQL vs NoSQL: when would you choose each?". This package
// is the NoSQL half of that answer, behind the same shortener.Store
// interface as the SQL store, so the two can be measured side by side.
//
// Answer in five lines.
//
//  1. The access pattern is a key-value lookup by code: Redis answers it
//     from memory in one round trip, with no query planner or index to get
//     wrong; the key is the index.
//  2. "Create if absent" must be atomic: one Lua script checks the
//     reservation and writes it with the link, so of 1000 concurrent
//     creates of one alias exactly one wins.
//  3. Expiry is checked on every read against the service's clock; the
//     link's hash also gets a TTL (expiry plus a grace) so Redis frees the
//     URL, but the reservation never expires: a code is never reissued and
//     an expired link answers "gone", not "unknown".
//  4. Anything not by code needs its own structure: "recent links" is a
//     bounded sorted set, written in the create script on one server and
//     best-effort on a Cluster, where it cannot share every code's slot.
//  5. Redis is memory-bound and only as durable as its persistence
//     settings: size it for every link, and run AOF (appendfsync everysec)
//     or accept losing the last seconds of links on a crash.
//
// Trade-offs of the two stores for this data:
//
//	                  SQL (database/sql)               Redis (this package)
//	lookup by code    B-tree primary key; a query      the key itself; HMGET, one round
//	                  and a plan per read              trip, no plan
//	create-if-absent  a unique key and INSERT ... ON   one Lua script over the link and
//	                  CONFLICT, in a transaction       its reservation (same hash tag)
//	other queries     any index, joins, ad-hoc SQL     none: each needs a structure of
//	                  (by owner, by date, reports)     its own (the recent sorted set)
//	expiry            a column and a WHERE; rows       checked on read; the data's TTL
//	                  purged by a job                  frees memory without a job
//	size              disk; the working set in RAM     all of it in RAM (about 210 B
//	                                                   per link beside its URL)
//	durability        fsync per commit (WAL)           RDB snapshots and/or AOF; a
//	                                                   failover can lose acknowledged
//	                                                   writes (replication is async)
//	scaling out       sharding by hand (shardstore)    Redis Cluster: slots per code
//	pick it for       the default: links with owners,  the hot path at high rates, a
//	                  queries, reports, durability     cache in front of SQL, or a
//	                                                   store whose only query is by code
//
// Numbers worth quoting, medians of six runs of go test -run '^$' -bench
// Store -count 6 ./shortener/redisstore on the 2-core AMD EPYC VM (Go
// 1.26.8) against a local Redis 7.0 (REDIS_ADDR) that other work shared,
// where a bare GET from redis-benchmark's C client takes 71 µs (p50): the
// loopback round trip dominates everything. A Get takes 149 µs serially
// and 49 µs per operation from parallel goroutines, against 113 and 48 µs
// for the bare HMGET it sends (1.32 and 1.03 times as long: the checks
// and decoding cost little beside the trip); a Create, one EVALSHA, takes
// 117 µs serially and 109 µs in parallel. A link costs about 210 bytes
// beside its URL (MEMORY USAGE: 168 bytes for the data of a 43-byte URL,
// 88 for the reservation), plus its entry in the bounded recent list.
// Miniredis figures measure its Lua interpreter and are not to be quoted
// for a server.
//
// Follow-ups.
//
//   - Why two keys per code, not one hash? The data may expire (a TTL is
//     per key, not per field), the reservation must not. Both carry the
//     code as their hash tag, prefix{code}:l and prefix{code}:r, so one
//     script may touch both on a Cluster. A code holding '}' is tagged by
//     its hash instead, so it cannot end the tag early.
//   - Why check expiry on read when Redis has a TTL? Redis expires by its
//     own clock and lazily; the service's clock decides, so a link is
//     never served past its ExpiresAt, however late Redis removes it. The
//     grace (Config.Grace, a day by default) covers skew between the two.
//   - Where are the clicks? On the reservation, so a deleted or expired
//     link keeps its count. AddClicks is one pipeline of scripts that
//     skip codes without a live link; clicks are batched by
//     shortener.ClickCounter, never written per redirect.
//   - What does a Cluster change? Every script touches only one code's
//     keys, so it runs on that code's node. The recent list is one key:
//     on a Cluster it is written by a second command after the create
//     script, so a crash or a failure between the two leaves a link out
//     of Recent (counted by RecentErrors; the link itself is stored), and
//     its node takes every create's ZADD.
//   - What if someone else wrote the keys? Data that is not a link (a key
//     of another type, a field that does not parse) is an error wrapping
//     ErrCorrupt, left as it is: never a panic and never served.
//
// # Conventions
//
//   - New(client, prefix, cfg): the client and prefix are required, the
//     prefix must not hold braces; the zero Config means every default;
//     bad arguments wrap [ErrInvalidConfig].
//   - The answers are package shortener's sentinels, wrapped with the
//     code; failures of Redis wrap [shortener.ErrStoreUnavailable] and the
//     client's error; data that is not a link wraps [ErrCorrupt].
//   - Every code and link is checked (shortener.CheckCode, Link.Check)
//     before Redis sees it.
//   - Time comes from Config.Now; stored times are microseconds, in UTC.
//   - A zero or nil Store returns [ErrNotInitialized] from every method.
//   - The Store owns nothing: the client is the caller's to close.
//   - Tests run on miniredis, the server at REDIS_ADDR and the Cluster at
//     REDIS_CLUSTER_ADDRS, through internal/redistest.
//
// # Keys
//
// Under prefix p, code c has p+"{"+c+"}:l", a hash of u (the URL), c (the
// creation time) and e (the expiry, absent for never), with a TTL when the
// link expires; and p+"{"+c+"}:r", a hash of n (the clicks), with no TTL.
// The recent list is p+"recent", a sorted set of codes scored by creation
// time in microseconds, trimmed to Config.RecentSize.
package redisstore
