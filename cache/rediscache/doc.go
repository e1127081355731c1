// Package rediscache is the Redis side of package cache's strategies: a
// cache [Tier] in Redis with fill leases and version tags, a [Store] that
// keeps the source of truth in Redis, an invalidation [Bus] on pub/sub,
// and a two-tier cache ([TwoTier]: a local S3FIFO in front of Redis, kept
// coherent by the Bus), on go-redis v9.
//
// # Interview card
//
// Question. The guide's section 3, "Caching", asks "How would you handle
// cache invalidation?" and lists "TTL (Time-To-Live) … Event-Based:
// Invalidate on data updates, Publish-subscribe pattern … Version Tags:
// Track content versions, Update on changes"; its section 4 puts "Redis
// for frequent URLs" in front of the URL shortener's database.
//
// Answer in five lines.
//
//  1. Every entry has a TTL, with jitter: the bound on staleness when
//     everything else fails.
//  2. On every write, publish the key on a Redis channel; every instance
//     drops its local copy. Pub/sub loses messages while disconnected, so
//     number them and flush the local tier on a gap or a reconnect.
//  3. A group of keys ("every link of user 42") gets a version tag: a
//     Redis counter the entries record; one INCR makes them all stale, no
//     scan.
//  4. A load that started before a write must not overwrite it: fill
//     under a lease token with a compare-and-set in Lua (memcache leases).
//  5. When Redis is down, decide: serve local copies, go to the database
//     through a limiter so every process does not stampede it, or fail.
//
// Trade-offs:
//
//	approach        cost per read            consistency                      pick when
//	Tier (Redis)    one round trip (GET, or  shared by every instance; a      several instances, one truth
//	                MGET/pipeline with tags) write is seen by the next read   for the cache
//	TwoTier         a local S3FIFO hit, no   local copies may lag a write by  hot keys read far more often
//	                round trip; Redis on a   one pub/sub delivery; a lost     than written (the shortener's
//	                local miss               message is caught at the next    links)
//	                                         gap or reconnect, else LocalTTL
//	version tags    +1 key read per tag      a bump is seen by the next read  invalidating groups of keys
//	                (same round trip)        (pipeline: not atomic across     whose members you cannot list
//	                                         slots; MGET: atomic in one slot)
//	TTL only        nothing                  stale for up to the TTL          values that rarely change
//
// Numbers worth quoting, from one -count 10 run on the 2-core AMD EPYC VM
// (Go 1.26.8) while other work shared it (cd benchmarks && go test -run
// '^$' -bench '^BenchmarkHit$' -count 10 ./cachestrategy): a read-through
// hit on TwoTier's local copy takes 244.3 ns and allocates nothing;
// go-redis/cache's Once with its local TinyLFU of the same capacity and
// TTL takes 969.1 ns and 5 allocations (0.25 times as long); neither
// talks to Redis on a hit. Package cache's card has the rest.
//
// Follow-ups.
//
//   - Why not delete the key in every instance and trust pub/sub? It is
//     at-most-once: a subscriber that is reconnecting misses what was sent
//     meanwhile, and go-redis drops messages when its buffer stays full
//     (go-redis/cache #96 left local copies stale that way). The Bus
//     flushes on resubscription and on a gap in a sender's sequence
//     numbers (TestDroppedConnectionFlushes cuts a proxy of its own between
//     one instance and Redis; TestBusSequenceGapFlushes).
//   - What is in a message? The sender's instance id (its own echo is
//     ignored), its sequence number, and the keys or a flush request. A
//     Bus sends one message at a time, so that two concurrent writes
//     cannot overtake each other on the way and read as a gap
//     (TestBusConcurrentPublishesKeepOrder).
//   - Why a fill token and not just "SET if absent"? A Delete leaves the
//     key absent, so an older load's SET NX would still win. The token is
//     stored at Reserve, removed by Delete and Set, and compared by the
//     fill script before it stores (TestLeasesAcrossProcesses).
//   - What if the codec fails? Get returns an error wrapping ErrCodec and
//     deletes the entry: never a zero value as if it were cached (gocache
//     #222; TestCodecErrorIsAnErrorAndEvicts).
//   - Does it work on a Redis Cluster? Every script touches an entry and
//     its lease, which share a hash tag; tags live in their own slots and
//     are read in one pipeline (one MGET when they share the entry's slot).
//     The whole suite runs on a real three-master Cluster in CI.
//
// # Conventions
//
//   - Constructors: NewTier(client, prefix, cfg), NewStore(client, prefix,
//     cfg), NewBus(client, channel, cfg), NewTwoTier(client, prefix,
//     localCapacity, cfg); the zero Config means every default (JSON
//     codec); bad arguments wrap [ErrInvalidConfig]. A prefix must not hold
//     braces: the package adds the hash tags.
//   - Errors wrap their sentinel first and say "rediscache:" once; Redis's
//     errors wrap [ErrRedis], the codec's [ErrCodec].
//   - Bus and TwoTier have Close(ctx) error: they wait for the Bus's
//     goroutine, which runs the callbacks; Tier and Store own nothing.
//   - The methods of a zero value return an error wrapping
//     [ErrNotInitialized], or panic with it when they have no error result.
//   - Tests run on miniredis, the server at REDIS_ADDR and the Cluster at
//     REDIS_CLUSTER_ADDRS, through internal/redistest.
//
// # Keys
//
// Under a prefix p, key k's entry is p+"v{"+k+"}" and its lease
// p+"l{"+k+"}": one hash tag, so one slot. A key that is empty or holds a
// '}' is tagged by its hash instead. Tag t's version is p+"t{"+t+"}".
// Store keeps values at p+"s{"+k+"}", with no TTL.
//
// # Outages
//
// Errors writing Redis or publishing are returned, never swallowed. When a
// read fails, TwoTier returns the error together with its local copy, if
// any, and cache.ReadThroughConfig.OnTierError decides: serve it, load
// through the per-process limit, or fail.
package rediscache
