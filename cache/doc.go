// Package cache holds generic in-memory caches: the LRU cache the guide
// names for the cache layer of its URL shortener ("Design a URL shortener
// service": Cache Layer, LRU cache policy), and S3FIFO, a cache that keeps
// more of what is read often and stays fast when many goroutines read at
// once. They are the store under the guide's caching strategies ("Explain
// different caching strategies", "How would you handle cache
// invalidation?"): TTL expiry, explicit deletion for event-based
// invalidation, and an eviction callback.
//
// # Which one to pick
//
// [S3FIFO] is the default. Its Get takes no lock and writes to the entry
// only to mark it read, once per pass of its queue, so reads scale with
// cores; so does a Set that replaces the value of a cached key (with no
// time to live), which needs no lock either; and its policy survives scans (a batch job, a crawler) that make LRU forget
// every frequently read key, while staying close to LRU when recency is
// all there is. A Set that replaces a value writes it in place when it is
// a pointer (or map, channel, function) or a 4- or 8-byte value without
// pointers, such as an int or a float64; any other value, such as a string
// or a larger struct, is copied into a new allocation on every update, so
// that Gets without a lock never see half of one.
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
// bit per entry on a read. The choice between them came from hit-ratio
// runs (BenchmarkHitRatio here for SIEVE, and in the benchmarks module for
// the peers; 100,000 keys, 200,000 reads, fixed seeds), at capacities of
// 0.1%, 1% and 10% of the keys:
//
//	workload (capacity 1%)        LRU    SIEVE  S3FIFO  otter (W-TinyLFU)
//	Zipf(0.99)                    48.9   57.1   58.1    56.5
//	Zipf with scans               38.6   45.4   46.4    44.4
//	LRU stack model (recency)     42.4   17.8   41.6    23.4
//
// SIEVE matches S3-FIFO on Zipf and scans but collapses when only recency
// predicts reuse, because a new key it evicts gets no second chance. The
// paper's S3-FIFO, with a small queue fixed at 10% and two-bit counters,
// trailed LRU there too (by 6.4 points at 1% and 3.0 at 10%); the
// adaptive small queue and single access bit described on [S3FIFO] bring
// it within a point of LRU at every capacity measured (0.75 at 1%, 0.7 at
// 10%) and gain a little on Zipf as well (58.1 against 57.8), 9.2 points
// over LRU and 1.6 over otter at 1%.
//
// # Statistics
//
// Stats always counts evictions and expirations. Hits and misses are
// counted only when Config.RecordStats is set, as in otter, Caffeine and
// Ristretto: a counter that every Get writes is memory both cores write,
// and moving its cache line between them cost S3FIFO's parallel Gets a
// quarter to a half of their throughput on two cores (BenchmarkGetParallel
// and BenchmarkMixedParallel, /s3fifo-stats against /s3fifo, show the
// price on your machine).
//
// # Expiry
//
// Each entry may have a time to live: Set applies Config.DefaultTTL and
// SetWithTTL a given one, where zero means never and a negative value
// means already expired; a value too large to add to the clock, up to
// math.MaxInt64, stops at the last instant the clock can hold, about 292
// years after the cache was created. A read never returns an expired entry (it removes
// it); a background sweep removes expired entries that nobody reads, a
// bounded batch at a time. The sweep's goroutine starts only when the
// first entry with a time to live is stored, and Close stops it and waits
// for it, except when OnEvict calls Close on the sweep's goroutine: the
// sweep then stops after the batch it is reporting.
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
