// Package cache measures backendkit's in-memory caches against
// hashicorp/golang-lru (an LRU behind one mutex) and maypok86/otter (an
// adaptive W-TinyLFU cache with lock-free reads), in the same run and on the
// same keys: throughput of Get, Set and a 75%-read mix, serial and parallel,
// on Zipf-distributed keys; and hit ratio on Zipf, scan and recency
// workloads at capacities of 0.1%, 1% and 10% of the key space.
package cache
