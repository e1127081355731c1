// Package redisshard spreads keys over several Redis servers with the
// consistent-hash ring of package sharding, and moves them between servers
// while the servers are in use: the guide's "data rebalancing" done on
// real data, without losing a write or bringing back an overwritten one.
//
// Two ways in:
//
//   - [ConsistentHash] plugs the ring into go-redis's own sharded client:
//     set RingOptions.NewConsistentHash and a [redis.Ring] places keys
//     exactly as a sharding.Ring over the same shard names does. go-redis
//     does not move data when shards change (it is built for caches, where
//     a key that seems to vanish is a miss); that is what the Store adds.
//   - [Store] is a small string store over named nodes whose AddNode and
//     RemoveNode copy the keys that change node while reads and writes go
//     on. Reads stay correct during a move by a dual read (new node, old
//     node, new node again); a write to a key that is changing node goes
//     to the old node first, only if the key is still there (SET XX), then
//     to the new node, so the old copy is never older than the new one and
//     expires first; copies never overwrite (SET NX), and a per-key lock
//     keeps a copy from interleaving with a write of the same key. The
//     Store's documentation gives the argument. Every client must use the
//     same Store; across processes the same effect needs the server's
//     help, which is what Redis Cluster's MIGRATING/IMPORTING slots and ASK
//     redirections provide.
//
// A move scans only the nodes that hand keys over (from
// [sharding.PlanRing]) and copies in pipelined batches of GET and PTTL,
// SET NX with the remaining time to live, and DEL.
//
// A node may itself be a Redis Cluster (a *redis.ClusterClient), which is
// how a deployment that has outgrown one server moves onto Cluster: add the
// cluster as a node, remove the single server, and the keys are copied over
// while the Store stays in use. The Store sends single-key commands only,
// so each stays in one hash slot; a move out of a cluster scans every
// master. TestClusterAsANode runs this on a real cluster in CI.
package redisshard
