// Package sharding measures the placements of backendkit's sharding
// package against the Go libraries people reach for: the consistent-hash
// ring of github.com/golang/groupcache/consistenthash and the jump hash of
// github.com/dgryski/go-jump, on the same keys.
//
// groupcache gets as many virtual nodes per node as backendkit's ring
// (sharding.DefaultVirtualNodes) and its own hash, CRC-32, as it ships.
// go-jump takes a 64-bit key, not a string, so it gets the same 64-bit hash
// of the key that backendkit's Jump computes (sharding.Hash64): the lines
// differ only in the jump itself and what wraps it.
package sharding
