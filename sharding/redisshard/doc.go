// Package redisshard spreads keys over several Redis servers with the
// consistent-hash ring of package sharding, and moves them between servers
// while the servers are in use: the guide's "data rebalancing" done on
// real data, without losing a write or bringing back an overwritten one.
//
// # Interview card
//
// Question. "What is database sharding?" (the guide, section "2. Database
// Concepts"), and of its challenges "Data rebalancing" and "Maintaining
// consistency" in particular. Package sharding's card answers the question
// and its follow-ups; this one is about moving data that is in use.
//
// Answer in five lines.
//
//  1. Changing the shards moves the keys whose node changes, about 1/n of
//     them on a ring, and the data stays in use while they move.
//  2. Switch every client to the new ring at once; until the copy is done,
//     read the new node, then the old one, then the new one again.
//  3. Write the old node first, only if the key is still there (SET XX),
//     then the new one: the old copy is never newer, and expires first.
//  4. Copy without overwriting (SET NX) with the remaining time to live,
//     then delete the old copy, while a lock keeps writes of those keys out.
//  5. This needs every client to go through one Store; across processes,
//     Redis Cluster does it on the server (MIGRATING slots, ASK redirects).
//
// Trade-offs.
//
//	approach                        cost per operation              moves data  pick it for
//	go-redis Ring + ConsistentHash  one round trip                  no          caches: a moved key is a miss
//	Store, steady state             one round trip                  -           servers behind one client process
//	Store, key being moved          read up to 3, write 2 in turn   yes         (the same Store, during a move)
//	Redis Cluster                   one round trip, ASK when moved  yes         many clients in many processes
//
// Numbers worth quoting. Adding a third node to a Store of two holding 1000
// keys moves 277 of them, scanning only the 1000 on the two senders
// (ExampleStore_AddNode). Times, measured while other work shared the
// machine (2-core AMD EPYC VM, Go 1.26.8), medians of three runs on a real
// redis-server 7 and on miniredis:
//
//	engine=redis:     Get 27 µs steady, 112 µs as a dual read; Set 43 µs steady, 175 µs while its key moves
//	engine=miniredis: Get 29 µs steady,  62 µs as a dual read; Set 28 µs steady,  57 µs while its key moves
//
//	REDIS_ADDR=… REDIS_ADDRS=… go test -run '^$' -bench . -count 3 ./sharding/redisshard
//
// (without the variables the benchmarks run on miniredis). A steady Get
// allocates 8 times and a dual read 36 on redis-server.
//
// Follow-ups.
//
//   - Why not write the new node first? A read could then find the old
//     value on the old node behind a new value that has just expired;
//     deleting the old copy first would leave a moment with the key on
//     neither node. [Store] gives the whole argument; move_test.go tests
//     each interleaving with hooks, not sleeps.
//   - What if the move fails half-way? Reads stay correct, writes keep
//     going to both nodes, and [Store.Resume] finishes the move
//     (TestResumeAfterFailedMove); a read error in a batch fails the move
//     instead of deleting keys it could not read.
//   - How much does a move scan? Only the nodes that hand keys over, from
//     [sharding.PlanRing], in pipelined batches ([Config.BatchSize]).
//   - Can a node be a Redis Cluster? Yes: a *redis.ClusterClient that
//     reads from the masters; the Store's commands have one key each, and
//     a move out of a cluster scans every master (TestClusterAsANode). A
//     go-redis Ring cannot: its SCAN reaches one shard.
//   - What about multi-key operations and hot keys? The Store has none
//     (single keys only); with go-redis's Ring or Redis Cluster, hash tags
//     keep related keys on one node. A hot key stays on one node here as
//     anywhere: see package sharding's card.
//
// # Conventions
//
//   - Constructors take what defines the Store positionally, New(prefix,
//     nodes, cfg), and the rest in [Config], whose zero value means the
//     documented defaults; they validate and return errors wrapping
//     [ErrInvalidConfig].
//   - [Node] embeds [sharding.Node] (Name, Weight) and adds the client.
//   - No implicit defaults in positional arguments: ConsistentHash takes
//     [sharding.DefaultVirtualNodes] explicitly; zero is an error.
//   - Errors say "redisshard:" once; a refusal from package sharding reads
//     "redisshard: sharding: …" and wraps both packages' sentinels.
//   - A zero [Store] fails with [ErrNotInitialized] (an error, or a panic
//     where a method has no error result).
//   - The Store owns no goroutine and does not close the clients it is
//     given, so it has no Close.
//   - Benchmarks name the engine they ran on: engine=miniredis or
//     engine=redis.
//
// # Using it
//
//   - [ConsistentHash] plugs the ring into go-redis's own sharded client:
//     set RingOptions.NewConsistentHash and a [redis.Ring] places keys
//     exactly as a sharding.Ring over the same shard names does. go-redis
//     does not move data when shards change (it is built for caches, where
//     a key that seems to vanish is a miss); that is what the Store adds.
//   - [Store] is a small string store over named nodes whose AddNode and
//     RemoveNode copy the keys that change node while reads and writes go
//     on, by the protocol above. Every client must use the same Store;
//     across processes the same effect needs the server's help, which is
//     what Redis Cluster's MIGRATING/IMPORTING slots and ASK redirections
//     provide.
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
// master. TestClusterAsANode runs this on a real cluster in CI. The
// cluster client must read from the masters (New and AddNode refuse one
// with ReadOnly, RouteByLatency or RouteRandomly), and a go-redis Ring is
// not a node (its SCAN reaches one shard picked at random): its shards
// are.
package redisshard
