// Package cache holds generic in-memory caches, [LRU] and [S3FIFO], with
// TTL expiry, explicit deletion and an eviction callback, and the caching
// strategies that stand on them: [ReadThrough], [Aside] (cache-aside),
// [WriteThrough] and [WriteBehind], over small interfaces for the cache
// tier ([Tier]; [Local] in process, cache/rediscache in Redis) and the
// source of truth ([Store], [Loader]).
//
// # Interview card
//
// Question. The guide's section 3, "Caching", asks "Explain different
// caching strategies" (cache-aside, write-through, write-behind,
// read-through) and "How would you handle cache invalidation?" (TTL,
// event-based, version tags); its section 4, "Design a URL shortener
// service", puts a "Cache Layer: Redis for frequent URLs, LRU cache
// policy" between the API servers and the database. This package answers
// the eviction policy, TTL expiry and the four strategies with code;
// cache/rediscache answers event-based invalidation (pub/sub) and version
// tags, and puts a local tier in front of Redis.
//
// Answer in five lines.
//
//  1. Cache-aside: read the cache, on a miss load from the database and
//     fill it; read-through is the same loop inside the cache, with one
//     load per missing key (singleflight) so a miss cannot stampede, and
//     a lease so that a write during the load is not overwritten by it.
//  2. Write-through writes the database and then the cache in the same
//     call (consistent, slower writes); write-behind writes the cache and
//     flushes to the database later in bounded batches (fast writes, loses
//     what was not flushed when the process dies).
//  3. Invalidate with a TTL on everything (the bound on staleness), plus
//     an event on every write that makes each instance delete its copy,
//     or a version in the key, so that a write makes old entries
//     unreachable and they age out.
//  4. Bound the cache by capacity and pick the eviction policy: LRU is the
//     one people know, but one scan flushes it; S3-FIFO keeps what is read
//     often, survives scans and reads without a lock.
//  5. For the URL shortener: an in-process cache in each API server, then
//     Redis shared by all of them, then the database; a link rarely
//     changes, so a TTL and a delete when it does are enough.
//
// Which strategy when. Each row names the failure it is there for:
//
//	strategy       what the code does                     failure it handles               pick when
//	read-through   ReadThrough.Get: tier, else one load    a hot key expiring sends every   reads dominate; you want the
//	               per key (singleflight), fill under a    caller to the database at once   loop, timeouts, stale-if-error
//	               lease; stale-if-error, negative cache,  (stampede); a slow or failing    and counting written once
//	               jitter, early refresh                   database; an invalidation lost
//	                                                       to a load in flight
//	cache-aside    Aside.Get / Fill / Invalidate: the      the cache being down or wrong    the caller must decide per read
//	               caller reads, loads and fills itself     never stops reads: the database  (which source, which TTL); the
//	                                                       is always the next step          simplest thing to explain
//	write-through  WriteThrough.Set: store, then tier;     reads after a write seeing the   a write must be visible to the
//	               on a tier error the entry is deleted    old value (stale after write)    next read, and writes are rare
//	write-behind   WriteBehind.Set: tier and a bounded     write latency and write load on  many writes to few keys (counters,
//	               queue; coalesced, batched, retried,     the database (one row per key    last-seen); losing the last
//	               dead-lettered                           per flush, not per write)        FlushDelay of writes is acceptable
//	TTL + jitter   every entry expires; +[0, 10%) random   stale forever after a lost       always: it bounds every other
//	                                                       invalidation; keys written       failure
//	                                                       together expiring together
//	events         rediscache.Bus: publish keys on write,  other instances serving their    several instances, each with a
//	               drop them everywhere; flush on gaps     local copy after a write         local tier (rediscache.TwoTier)
//	version tags   rediscache.Tier.BumpTag: one INCR       invalidating a group of keys     "every link of user 42", where
//	               makes every entry of the tag stale      (all of a user's) without        listing the keys is expensive
//	                                                       finding them
//
// Trade-offs of the caches here. Memory is the heap held per entry at full
// capacity, with string keys and int values, not counting the keys' bytes
// (go test -run '^$' -bench BenchmarkMemoryPerEntry ./cache, measured on
// the same VM while it was shared, which moves times but not bytes):
//
//	            Get                          memory/entry  hit ratio                     pick when
//	LRU         one exclusive lock, moves    134 B         exact recency; one scan       recency is the only signal, or
//	            the entry to the list front                empties it of everything      you must explain the policy
//	S3FIFO      no lock; one atomic Or, at   182 B         keeps frequent keys through   the default: many readers,
//	            most once per queue pass     (ghosts       scans; within a point of LRU  skewed keys, scans mixed in
//	                                         included)     when only recency counts
//	TTL (both)  one deadline compare         a heap slot   stale for at most the TTL     every value that can change
//	            per read                     if it has one
//
// Numbers worth quoting, measured on a quiet 2-core AMD EPYC VM with Go
// 1.26.8. Hit ratio, 100,000 keys, 200,000 reads, capacity 1% of the keys
// (go test -run '^$' -bench BenchmarkHitRatio ./cache, and for otter the
// same command in the benchmarks module):
//
//	workload                      LRU    SIEVE  S3FIFO  otter (W-TinyLFU)
//	Zipf(0.99)                    48.9   57.1   58.1    56.5
//	Zipf with scans               38.6   45.4   46.4    44.4
//	LRU stack model (recency)     42.4   17.8   41.6    23.4
//
// At 0.1% capacity on Zipf(0.99), S3FIFO hits 39.7% of reads and LRU
// 27.7%; at 10%, 73.8% and 71.4%. Throughput on Zipf(0.99) string keys,
// 65,536 keys, capacity 16,384, medians of six runs, ns/op, no allocation
// in any of them (cd benchmarks && go test -run '^$' -bench . -count 6
// ./cache):
//
//	benchmark               S3FIFO  LRU    golang-lru  otter
//	BenchmarkGet            113.8   146.0  223.9       211.4
//	BenchmarkGetParallel     52.1   187.5  253.0        88.5
//	BenchmarkMixedParallel  103.9   320.6  352.4       166.3
//
// Counting hits and misses (Config.RecordStats) makes S3FIFO's parallel
// Gets take about twice as long: 96.5 against 47.8 ns
// (go test -run '^$' -bench BenchmarkGetParallel -count 6 ./cache,
// /s3fifo-stats against /s3fifo).
//
// The strategies, re-measured on the same VM while other work shared it
// (load average 2 to 3 on its 2 cores), medians of -count 10 within one
// run (link is a struct of two strings and two instants, the shape of the
// shortener's Link):
//
//	hit path (16,384 Zipf keys, all cached, 1 h TTL)        ns/op  allocs
//	BenchmarkHit/s3fifo/value=string (bare Get, same TTL)   117.1  0
//	BenchmarkHit/read-through/value=string                  139.7  0
//	BenchmarkHit/s3fifo/value=link                          137.3  0
//	BenchmarkHit/read-through/value=link                    140.9  0
//	cachestrategy BenchmarkHit/backendkit-s3fifo            109.8  0
//	cachestrategy BenchmarkHit/backendkit-read-through      132.9  0
//	cachestrategy BenchmarkHit/otter (loading Get)          159.1  0
//	cachestrategy .../backendkit-two-tier (local hit)       244.3  0
//	cachestrategy .../go-redis-cache (Once, TinyLFU)        969.1  5
//
// A read-through hit costs 1.19 times a bare S3FIFO Get of the same
// entries (1.03 with the struct value) and 0.84 times otter's loading
// Get. Over that morning's runs the first ratio moved between 0.95
// and 1.19 (four runs), the same ratio in cachestrategy between 1.07 and
// 1.21, and the one to otter between 0.52 and 0.86 (three runs each).
// It used to cost twice a bare Get, and the profile put the difference
// not in the lookup but in copying: the 40-byte Entry came back by value
// through three calls (S3FIFO, Local, ReadThrough), each copy two
// overlapping 16-byte moves whose loads waited for the stores just made
// (store-to-load forwarding fails on a partial overlap). Over a Local on
// an S3FIFO, Get now reads the Entry's fields where the S3FIFO holds it,
// which is never written once stored (a Set stores a new one), and copies
// out only the Value. What remains is the larger entry: 96 bytes against
// 80 with a bare string value, since an Entry keeps its expiry, load time
// and negative mark beside the value (the S3FIFO's own deadline is the
// stale window's end, not the same instant). The two-tier cache's local
// hit costs 0.25 times go-redis/cache's (which decodes msgpack on every
// hit). (go test -run '^$' -bench '^Benchmark(Hit|Write)$' -count 10
// ./cache; cd benchmarks && go test -run '^$' -bench '^BenchmarkHit$'
// -count 10 ./cachestrategy.)
//
// Writes, Zipf(0.99) over 10,000 keys, to a store whose every write call
// sleeps 200 µs (about 1 ms here): write-through writes 1 row per write
// and takes 1.13 ms; write-behind, flushing 100 ms after the oldest
// queued write, writes 0.058 rows per write (coalescing) and takes 774 ns
// (BenchmarkWrite). Stampedes: 64 goroutines, Zipf(0.99) over 1,000
// keys, 10 ms TTL, a 1 ms loader: read-through 0.23 to 0.24 loader calls
// per Get, 25,000 to 29,000 a second; cache-aside 0.29 to 0.31, 36,000 to
// 46,000 a second (two runs of go test -run '^$' -bench
// BenchmarkReadThroughStampede -benchtime 2s ./cache). Most of those loads
// are of keys read less than once per TTL, which no strategy saves.
//
// Follow-ups.
//
//   - Why is LRU not scan-resistant, and what does S3FIFO do about it? LRU
//     puts every new key at the front, so a scan of as many keys as the
//     capacity, each read once, pushes every hot key out (TestScanResistance:
//     after a scan of ten times the capacity, LRU keeps none of 500 hot
//     keys, S3FIFO all of them).
//     S3FIFO admits new keys to a small FIFO queue, promotes to the main
//     queue only those read again while there, and remembers the hashes of
//     the ones it evicts in a ghost queue so that a key that comes back goes
//     straight to main (s3fifo.go: evictLocked, and the ghost lookup in
//     SetWithTTL): 46.4% against 38.6% with scans, and 41.6% against 42.4%
//     when only recency counts, because its small queue adapts.
//   - Hit ratio or throughput? A policy that writes shared state on every
//     read must lock: LRU's Get moves the entry, so two cores reading at
//     once get less done than one (187.5 against 146.0 ns/op). S3FIFO's Get takes
//     no lock and writes only an access bit, once per pass, and writes go
//     to independently locked shards, so parallel Gets take 52.1 ns; even a
//     shared hit counter halves that throughput, which is why RecordStats
//     is off by default.
//   - What happens on a miss for a hot key (stampede, thundering herd)?
//     Every request that misses goes to the database at once. ReadThrough
//     makes one load per key with golang.org/x/sync/singleflight, the
//     others waiting for its result (TestReadThroughOneLoadForAThousandMisses:
//     1000 goroutines, one loader call); EarlyRefresh goes further and
//     reloads a hot key shortly before it expires, on one caller, while the
//     rest keep reading the current value (TestReadThroughEarlyRefresh).
//   - What does read-through add to a hit? Next to nothing, if the hit
//     path does not copy: returning a struct by value through a few layers
//     of calls cost more than the hash lookup under them (a hit took twice
//     a bare Get until ReadThrough read the cached Entry in place; see the
//     figures above). Allocation-free is not enough: measure with the
//     value type you will store (TestReadThroughHitAllocatesNothing,
//     BenchmarkHit/.../value=link).
//   - The first caller's request is cancelled: do the others fail? Not
//     here (otter #124): each caller waits on its own context, and the load
//     runs on context.WithoutCancel of the first one's, bounded by
//     LoadTimeout (TestReadThroughFirstCallerCancelledFailsNobodyElse).
//   - A write lands while a load of the same key is in flight: which
//     wins? The write. The load took a lease (Tier.Reserve) before reading
//     the database; Delete and Set revoke it, so the load's older value is
//     returned to its callers but not stored (Guava #1881;
//     TestReadThroughInvalidationDuringLoadWins, and in Redis a Lua
//     compare-and-set on a fill token, rediscache's
//     TestReadThroughOnRedisInvalidationDuringLoadWins). A Get that starts
//     after the write returned does not join that load
//     (singleflight's Forget): it would get the older value
//     (TestGetAfterInvalidationDoesNotJoinOlderLoad).
//   - The database is down: ReadThroughConfig.StaleIfError serves the last
//     value, reported as Stale, for a window after it expires; loader
//     errors are never cached; a not-found answer is, for NegativeTTL.
//   - Why jitter TTLs? Entries set together (a warm-up, a deploy) expire
//     together and miss together. The strategies add a random part of up
//     to Jitter (10% by default) to every entry's TTL
//     (TestReadThroughJitter); with the bare caches, use SetWithTTL, which
//     takes a TTL per entry.
//   - What does write-behind lose when the process dies? Every write the
//     store has not acknowledged: the queue (at most MaxPending keys, none
//     older than about FlushDelay while the store keeps up) and the batch
//     being written. Flush and Close write everything out
//     (TestWriteBehindClose); a batch that keeps failing goes to
//     DeadLetter after MaxAttempts and leaves the tier.
//   - Is memory bounded? Capacity counts entries, not bytes, so the bound
//     in bytes is the capacity times the largest entry: size it for the
//     values you store (a byte-weighted capacity is not built here). Memory
//     follows the entries stored (an empty cache of 16 million entries
//     allocates little, TestEmptyCacheIsSmall); S3FIFO's ghost queues hold
//     hashes only, at most two per unit of capacity; expired entries
//     count until a read, the sweep or eviction removes them.
//   - What does OnEvict guarantee? Exactly one call for every value that
//     leaves the cache (evicted, expired or deleted), with that value, even
//     when a lock-free S3FIFO Set races with the removal (leftValue waits
//     for a store that registered before the removal); a value a Set overwrites has not left
//     and is not reported. It runs after the locks are released, on the
//     goroutine that removed the entry or on the sweep's, so it may call
//     the cache, Close included (TestOnEvictReportsEachValueOnce,
//     TestRemovalWaitsForRegisteredSet, TestCloseFromOnEvictOnTheSweep).
//   - How do many instances stay consistent? cache/rediscache's Bus
//     publishes the keys of every write on a Redis channel and every
//     instance drops its local copy; since pub/sub loses messages while a
//     subscriber is disconnected, a resubscription or a gap in a sender's
//     sequence numbers flushes the whole local tier, and the TTL bounds
//     what is left. Version tags invalidate a group of keys with one INCR.
//   - Redis is down: what now? ReadThroughConfig.OnTierError: serve the
//     local copy (ServeLocalOnTierError), go to the database at most
//     OutageLoads loads at a time per process (LoadOnTierError), or fail
//     (FailOnTierError, the default); rediscache's TestRedisOutagePolicies.
//
// # Conventions
//
//   - Constructors: NewLRU(capacity, cfg) and NewS3FIFO(capacity, cfg);
//     NewReadThrough(tier, loader, ttl, cfg), NewAside(tier, ttl, cfg),
//     NewWriteThrough(store, tier, ttl, cfg), NewWriteBehind(store, tier,
//     ttl, cfg), NewLocal(map); the zero Config means every default; bad
//     arguments wrap [ErrInvalidConfig].
//   - Errors wrap their sentinel first and say "cache:" once; a failed
//     load or write wraps the cause too ([ErrLoad], [ErrStore], [ErrTier]).
//   - LRU.Close and S3FIFO.Close have no error result: closing cannot
//     fail; they wait for the sweep, which first reports the batch it is on
//     (at most 64 OnEvict calls). ReadThrough, WriteThrough and WriteBehind
//     have Close(ctx) error: they wait for loads and store writes, user
//     code that may block.
//   - A zero LRU or S3FIFO is a bug: every method panics with an error
//     wrapping [ErrNotInitialized] that names the constructor. The methods
//     of a zero strategy, Local or MemoryStore return that error, and panic
//     with it when they have no error result.
//   - Keys of the strategies are strings: Redis's, and singleflight's.
//   - Time to live is measured on the monotonic clock; tests move it with
//     testing/synctest.
//
// # Strategies
//
// A [Tier] is a cache the strategies read and fill: Get, Set, Delete, and
// Reserve and Fill, the lease protocol that lets an invalidation during a
// load win. [Local] is the in-process one, over an S3FIFO or LRU holding
// [Entry] values; its leases are generations in a fixed array of 1024
// stripes, so they cost no memory per key. An Entry is a value or a
// negative entry with the instant it stops being fresh; the tier keeps it
// longer, for the stale-if-error window.
//
// Every read-through Get says what it returned ([Result]: Hit, Loaded,
// Negative, Stale, Failed), and Stats counts each (hits only with
// RecordStats, since that counter is on the fast path). Errors the caller
// does not get (a failed fill, the loader error behind a Stale result) go
// to OnError and TierErrors. [MemoryStore] is a Store in a map for tests,
// examples and benchmarks.
//
// # Which cache to pick
//
// [S3FIFO] is the default. Its Get takes no lock and writes to the entry
// only to mark it read, once per pass of its queue, so reads scale with
// cores; so does a Set that replaces the value of a cached key (with no
// time to live), which needs no lock either; and its policy survives scans
// (a batch job, a crawler) that make LRU forget every frequently read key,
// while staying close to LRU when recency is all there is. A Set that
// replaces a value writes it in place when it is a pointer (or map,
// channel, function) or a 4- or 8-byte value without pointers, such as an
// int or a float64; any other value, such as a string or a larger struct,
// is copied into a new allocation on every update, so that Gets without a
// lock never see half of one.
//
// [LRU] is the guide's answer, kept because it is the policy people know
// and reason about: it evicts exactly the least recently used entry, and
// nothing beats it when recency is the only signal. Every call takes one
// exclusive lock, because a Get moves the entry to the front of a list, so
// parallel reads queue on that lock, and one scan empties it of everything
// else (the package's scan example shows both).
//
// # Why S3-FIFO
//
// Three scan-resistant policies were candidates: W-TinyLFU (Caffeine,
// otter), S3-FIFO and SIEVE. W-TinyLFU needs a frequency sketch updated on
// every read and an LRU window, so a read without a lock must go through
// buffers that a maintenance step drains; S3-FIFO and SIEVE need only one
// bit per entry on a read. The choice between them came from the hit-ratio
// runs in the card (BenchmarkHitRatio here for SIEVE, and in the
// benchmarks module for the peers; fixed seeds), at capacities of 0.1%, 1%
// and 10% of the keys. SIEVE matches S3-FIFO on Zipf and scans but
// collapses when only recency predicts reuse, because a new key it evicts
// gets no second chance. The paper's S3-FIFO, with a small queue fixed at
// 10% and two-bit counters, trailed LRU there too (by 6.4 points at 1% and
// 3.0 at 10%); the adaptive small queue and single access bit described on
// [S3FIFO] bring it within a point of LRU at every capacity measured (0.75
// at 1%, 0.7 at 10%) and gain a little on Zipf as well (58.1 against
// 57.8), 9.2 points over LRU and 1.6 over otter at 1%.
//
// # Statistics
//
// Stats always counts evictions and expirations. Hits and misses are
// counted only when Config.RecordStats is set, as in otter, Caffeine and
// Ristretto: a counter that every Get writes is memory both cores write,
// and moving its cache line between them costs S3FIFO's parallel Gets
// throughput (the card's figures; BenchmarkGetParallel and
// BenchmarkMixedParallel, /s3fifo-stats against /s3fifo, show the price
// on your machine).
//
// # Expiry
//
// Each entry may have a time to live: Set applies Config.DefaultTTL and
// SetWithTTL a given one, where zero means never and a negative value
// means already expired; a value too large to add to the clock, up to
// math.MaxInt64, stops at the last instant the clock can hold, about 292
// years after the cache was created. A read never returns an expired entry
// (it removes it); a background sweep removes expired entries that nobody
// reads, a bounded batch at a time. The sweep's goroutine starts only when
// the first entry with a time to live is stored, and Close stops it and
// waits for it, except when OnEvict calls Close on the sweep's goroutine:
// the sweep then stops after the batch it is reporting.
//
// # Consistency
//
// Both caches are safe for concurrent use and linearizable per key; Len
// never exceeds the capacity. OnEvict is called exactly once for every
// value that leaves the cache, with that value, even when an S3FIFO Set
// without the lock races with the removal; a value overwritten by a Set
// has not left. It runs after locks are released, on the goroutine that
// removed the entry, so it may call the cache.
package cache
