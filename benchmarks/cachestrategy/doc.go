// Package cachestrategy measures backendkit's read-through cache against
// the loading caches a service author would otherwise pick, in the same
// run and on the same keys (Zipf(0.99) over 16,384 keys, every one cached,
// capacity 32,768, one-hour TTL):
//
//   - backendkit-read-through: cache.ReadThrough over an in-process S3FIFO;
//     backendkit-s3fifo is the bare S3FIFO Get under it;
//   - otter: maypok86/otter v2's Cache.Get with a Loader, ExpiryWriting of
//     the same TTL and MaximumSize of the same capacity, otherwise its
//     defaults;
//   - backendkit-two-tier: cache.ReadThrough over rediscache.TwoTier, whose
//     local S3FIFO answers every read here;
//   - go-redis-cache: go-redis/cache v9's Once with its local TinyLFU tier
//     configured to the same capacity and TTL (it has none by default), in
//     front of the same Redis; it decodes the cached bytes (msgpack) on
//     every hit.
//
// The Redis-backed ones say their engine in the name (engine=redis for the
// server at REDIS_ADDR, else engine=miniredis); on a hit neither talks to
// Redis. loader-calls/op says how many reads reached the loader.
//
//	cd benchmarks && go test -run '^$' -bench . -count 10 ./cachestrategy
package cachestrategy
