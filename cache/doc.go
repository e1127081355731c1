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
// [S3FIFO] is the default. Its Get takes only a shard's read lock and
// writes nothing shared when the entry is already known to be popular, so
// reads scale with cores; and its policy survives scans (a batch job, a
// crawler) that make LRU forget every frequently read key.
//
// [LRU] is the guide's answer, kept because it is the policy people know
// and reason about: it evicts exactly the least recently used entry, which
// suits workloads where recency is the only signal (recently created items
// read for a while, then never again). Every call takes one exclusive lock,
// because a Get moves the entry to the front of a list, so parallel reads
// queue on that lock.
//
// # Why S3-FIFO
//
// Three scan-resistant policies were candidates: W-TinyLFU (Caffeine,
// otter), S3-FIFO and SIEVE. W-TinyLFU has the best published hit ratios,
// but it needs a frequency sketch updated on every read and an LRU window,
// so a lock-free read must go through buffers that a maintenance step
// drains. S3-FIFO and SIEVE need only a small counter per entry on a read.
// BenchmarkHitRatio in this package compares the policies on Zipf, scan
// and recency workloads.
//
// # Expiry
//
// Each entry may have a time to live: Set applies Config.DefaultTTL and
// SetWithTTL a given one, where zero means never and a negative value
// means already expired. A read never returns an expired entry (it removes
// it); a background sweep removes expired entries that nobody reads, a
// bounded batch at a time. The sweep's goroutine starts only when the
// first entry with a time to live is stored, and Close stops it.
//
// # Consistency
//
// Both caches are safe for concurrent use and linearizable per key; Len
// never exceeds the capacity. OnEvict runs after locks are released, on
// the goroutine that removed the entry, so it may call the cache.
package cache
