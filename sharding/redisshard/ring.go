package redisshard

import (
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/sharding"
)

// ConsistentHash returns a value for the NewConsistentHash option of
// go-redis's [redis.RingOptions], so a [redis.Ring] places keys on a
// [sharding.Ring] with virtualNodes points per shard
// ([sharding.DefaultVirtualNodes] unless there is a reason to pick
// another) instead of its default rendezvous hash. It returns an error
// wrapping [ErrInvalidConfig] for a virtualNodes that [sharding.NewRing]
// refuses (below 1, or too large).
//
// The ring is built from the names of the live shards (the keys of
// RingOptions.Addrs), so a client that uses it places every key exactly as
// a [sharding.Ring] over the same names does: other programs can compute a
// key's shard with the sharding package alone. go-redis hashes only the
// part of a key inside {braces} when there is one, and so does the ring
// it gets. Should the names be unusable (an empty name), every lookup
// returns "" and the Ring reports its shards as down.
func ConsistentHash(virtualNodes int) (func(shards []string) redis.ConsistentHash, error) {
	if _, err := sharding.NewRing(virtualNodes); err != nil {
		return nil, refused(err)
	}
	return func(shards []string) redis.ConsistentHash {
		r, err := sharding.NewRing(virtualNodes, sharding.Named(shards...)...)
		if err != nil {
			return noShards{}
		}
		return ringHash{r}
	}, nil
}

type ringHash struct{ ring *sharding.Ring }

// Get returns the shard for key, or "" when there are no shards, which
// go-redis reads as "all shards down".
func (h ringHash) Get(key string) string {
	name, err := h.ring.Lookup(key)
	if err != nil {
		return ""
	}
	return name
}

type noShards struct{}

func (noShards) Get(string) string { return "" }
