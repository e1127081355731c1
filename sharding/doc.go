// Package sharding maps keys to nodes: a consistent-hash ring with virtual
// nodes and weights, the algorithms it is usually compared with, tools that
// measure how evenly each spreads load and how many keys each moves when
// nodes come and go, and a planner that says exactly what to copy where.
//
// # Interview card
//
// Question. "What is database sharding?" (the guide, section "2. Database
// Concepts"). The guide's answer: "Horizontal partitioning of data", "Data
// split across multiple databases", "Based on shard key (e.g., user_id,
// region)", with the challenges "Complex joins", "Data rebalancing" and
// "Maintaining consistency".
//
// Answer in five lines.
//
//  1. Sharding splits one data set over several servers by a shard key, so
//     each stores and serves a part: capacity and writes grow with servers.
//  2. A placement maps a key to its shard: by range (ordered, scans stay on
//     one shard) or by hash (even spread, no range scans); this package is
//     the hash side.
//  3. hash mod n is even but moves almost every key when n changes;
//     consistent hashing (a ring with virtual nodes) moves about 1/n.
//  4. Rebalancing copies what moved while the data is in use, so reads and
//     writes during the copy need a protocol (redisshard's, or Redis
//     Cluster's ASK redirections).
//  5. What it costs: cross-shard joins become scatter-gather, cross-shard
//     transactions need 2PC or sagas, and one hot key stays on one shard.
//
// Trade-offs. Lookup is the cost and the median time in ns at 10 / 100
// nodes, re-measured on a shared machine (see below); peak/mean is the
// busiest node's load over the mean at 10 / 100 nodes; moved is the share
// of keys that change node when an 11th node joins 10, and in brackets the
// share that moves between two nodes present before and after (the least
// possible is 9.09% and 0).
//
//	placement        lookup, ns        memory                peak/mean    moved          pick it for
//	Ring, 160 points O(1)      42/55   16 B a point + index  1.135/1.221  8.72% (0)      any join/leave order; range copies
//	Jump             O(log n)  37/50   none                  1.003/1.023  9.18% (0)      fixed shards that grow at the end
//	Rendezvous       O(n)      90/411  O(n)                  1.004/1.023  9.11% (0)      tens of nodes, weights, any removal
//	Maglev, M=65537  O(1)      16/18   4 B × M = 256 KiB     1.000/1.001  9.18% (0.29%)  load balancers (rebuild O(M log M))
//	BoundedLoads     map, lock ~200    ring + 2 entries/key  1.124/1.213  8.62% (0)      sticky sessions; one owner of state
//	ModN             O(1)      18/21   none                  1.005/1.019  91.0% (81.8%)  nothing that changes n: the baseline
//
// Numbers worth quoting. Balance and movement depend only on the code, not
// the machine (ring and Maglev exact; jump, rendezvous and mod-n sampled
// over 2²⁰ keys, which alone adds about 0.3% to the standard deviation at
// 10 nodes and 1% at 100; movement sampled over 2¹⁶ keys):
//
//	go test -run '^$' -bench 'BenchmarkLookup|BenchmarkAddNode' ./sharding
//
//	                   balance, 10 nodes   balance, 100 nodes   keys moved by adding a node
//	placement          stddev  peak/mean   stddev  peak/mean    to 10 nodes      to 100 nodes
//	ring (160 points)   6.6%    1.135       8.8%    1.221        8.72%            1.09%
//	jump                0.2%    1.003       1.1%    1.023        9.18%            1.01%
//	rendezvous          0.3%    1.004       1.0%    1.023        9.11%            0.97%
//	maglev (M=65537)    0.007%  1.000       0.07%   1.001        9.18% (0.29%)    1.56% (0.60%)
//	bounded (c=1.25)    6.0%    1.124       9.3%    1.213        8.62%            1.16%
//	mod-n               0.3%    1.005       0.9%    1.019        91.0% (81.8%)    99.0% (98.1%)
//
// The least possible movement is 1/11 = 9.09% and 1/101 = 0.99%. With 1000
// points per node the ring's standard deviation at 10 nodes is 2.4%,
// peak-to-mean 1.037 (TestRingBalanceExact); with one point per node a
// ring's busiest node of ten gets 2.0 times the mean, and bounded loads
// with c = 1.25 caps it at 1.249 (TestBoundedLoadsCapsHotArc).
//
// Lookup times, measured on a quiet machine (2-core AMD EPYC VM, Go
// 1.26.8) against the libraries people use, in the nested benchmarks
// module: the ring takes 37.2, 51.0 and 145.9 ns at 10, 100 and 1000 nodes
// and allocates nothing, groupcache's consistenthash 179.0, 296.3 and 629.6
// ns with one allocation (0.17–0.23×); Jump takes 48.3, 62.1 and 71.9 ns,
// go-jump on the same hash 48.5, 66.5 and 81.8:
//
//	cd benchmarks && go test -run '^$' -bench BenchmarkLookup -count 5 ./sharding
//
// The lookup times in the table above were re-measured on the same VM
// while other work shared it, so they are good to ±30% at best:
//
//	go test -run '^$' -bench 'BenchmarkLookup/[a-z-]+/nodes=(10|100)$' -count 3 ./sharding
//
// Follow-ups.
//
//   - How do you choose a shard key? By cardinality (far more distinct
//     values than shards, or some shards stay empty), even spread of data
//     and traffic per value (one tenant with 40% of the traffic is a hot
//     shard), and presence in every query (a query without it must ask
//     every shard). Avoid monotonic keys (timestamps, auto-increment ids)
//     for range sharding: every insert lands on the last range. Hashing
//     the key ([Hash64], as every placement here does) spreads them, at
//     the price of range scans.
//   - What about a hot key? No shard key splits one key: all its traffic
//     goes to the one node that owns it, whatever the placement. Replicate
//     its reads (read replicas of that shard), cache it in front (package
//     cache), or salt it: store it as key#0 … key#k on different shards and
//     read any one (sum them, for a counter). [BoundedLoads] (bounded.go)
//     spreads load, not a single key: no node holds more than ⌈c × mean⌉
//     keys, however the hashes fall.
//   - How do you join across shards? Denormalise (keep the joined fields
//     with the row), co-locate by a common key (shard orders and their
//     items by customer id; in Redis, a hash tag: "{user:42}:cart" and
//     "{user:42}:orders" share a slot, and go-redis hashes only the tag
//     before asking the ring of redisshard.ConsistentHash), scatter-gather
//     (ask every shard and merge, as slow as the slowest), or join in the
//     application (ids from one shard, one batched lookup per other shard).
//   - How do you stay consistent while data moves? A write during a move
//     must not be lost or undone: redisshard.Store
//     (sharding/redisshard/store.go) writes the old node first, only if
//     the key is still there, then the new; reads new, old, new; and locks
//     a key's stripe while its batch is copied. Its doc gives the
//     argument. Transactions across shards need
//     two-phase commit or sagas (compensating steps); Redis Cluster keeps a
//     multi-key command atomic only inside one slot, which hash tags
//     arrange.
//   - What does rebalancing cost? The keys that move, copied while the
//     data is in use. Going from n-1 to n nodes a ring moves about 1/n of
//     the keys, mod-N about (n-1)/n: 8.72% against 91.0% from 10 to 11
//     nodes, 1.09% against 99.0% from 100 to 101 (BenchmarkAddNode).
//     [PlanRing] lists the exact hash ranges each node hands to which, so
//     a move scans only the senders (redisshard does).
//   - Why virtual nodes? One point per node gives arcs of very unequal
//     length (a busiest node at 2.0 times the mean among ten); p points
//     per node bring the standard deviation of load to about 1/√p: 6.6%
//     and peak-to-mean 1.135 at 160 points and 10 nodes, 2.4% and 1.037 at
//     1000, for 16 bytes a point. Weights are numbers of points
//     ([Node.Weight]).
//   - What happens when a node fails? On a ring its arcs pass to the next
//     points clockwise, spread over many nodes thanks to virtual nodes;
//     rendezvous spreads them over all nodes; Jump can drop only its last
//     bucket, so it suits logical shards that replicas stand behind.
//     Failover itself (replicas, promotion) is the database's job.
//
// # Conventions
//
//   - Constructors take what defines the placement positionally
//     (NewRing(virtualNodes, nodes...), NewMaglev(size, names...)) and the
//     rest in a config struct whose zero value means the documented
//     defaults (NewBoundedLoads(names, cfg)); they validate and return
//     errors wrapping [ErrInvalidConfig].
//   - No implicit defaults in positional arguments: pass
//     [DefaultVirtualNodes], [DefaultMaglevSize] or [MaglevSizeFor]; zero
//     is an error.
//   - Errors say "sharding:" once: sentinels wrapped first, detail after
//     ("sharding: duplicate node: \"a\"").
//   - A zero [Ring], [Maglev] or [BoundedLoads] fails with
//     [ErrNotInitialized] (an error, or a panic where a method has no
//     error result); a zero [Jump], [ModN] or [Rendezvous] is a placement
//     with no nodes, ready to grow.
//   - [Node] is the one node type, with Name and Weight;
//     redisshard.Node embeds it.
//   - Nothing here owns a goroutine, so nothing has Close; placements are
//     immutable except BoundedLoads, which locks.
//
// # The placements
//
// All of them satisfy [Locator] (Lookup a key, list the Members) and none
// allocates on lookup.
//
//   - [Ring]: consistent hashing with virtual nodes (Karger et al. 1997).
//     Adding or removing any node moves only the keys of the arcs that
//     change hands, about 1/n; weights are numbers of points. Balance
//     depends on the points per node (see the figures above).
//   - [Jump]: jump consistent hash (Lamping and Veach 2014). No memory,
//     perfect balance, minimal movement, but nodes are numbered buckets:
//     only the last can be removed (its API has RemoveLast and no Remove).
//   - [Rendezvous]: highest random weight (Thaler and Ravishankar 1996),
//     weighted by the logarithmic method. Minimal movement for any change
//     and near-perfect balance, at O(n) per lookup; go-redis's Ring uses
//     it by default.
//   - [Maglev]: Google's load-balancer table (Eisenbud et al. 2016).
//     Near-perfect balance and O(1) lookups from a prime table of at least
//     100 slots per node, at the price of a little extra movement (some of
//     it between nodes that did not change) and an O(M log M) rebuild.
//   - [BoundedLoads]: consistent hashing with bounded loads (Mirrokni,
//     Thorup and Zadimoghaddam 2016). A ring whose nodes refuse keys beyond
//     ⌈c × mean⌉, so no node is ever overloaded whatever the hashes do; the
//     placement is stateful (it depends on what was placed before), so one
//     process must own it.
//   - [ModN]: hash mod n, the whiteboard answer, kept as the baseline: it
//     is perfectly balanced, and adding one node to ten moves 91% of the
//     keys, almost all between nodes that were there all along.
//
// # Measuring
//
// [MeasureBalance] and [MeasureMovement] sample any [Locator] with a set of
// keys; [Ring.Balance] and [PlanRing] compute a ring's figures exactly from
// arc lengths, and [Maglev.Shares] from the table. [PlanKeys] lists the keys
// that move between any two placements. The package benchmarks report
// these figures next to the lookup times, through b.ReportMetric
// (stddev-%, peak/mean, moved-%, survivors-%). Bounded loads is measured
// on 2¹⁶ placed keys.
//
// # The hash
//
// Every placement hashes keys with [Hash64], XXH64 with seed 0, written
// here from its specification and checked against another
// implementation's test vectors.
// A sharding hash must be the same in every process and on every machine,
// or two clients would disagree about where a key lives: that rules out
// hash/maphash, which is documented to differ between processes (its seed
// is random: maphash.Comparable and maphash.String both take a Seed, and a
// Seed cannot be made from a fixed value). It must mix every input bit
// into the high bits that the ring's bucket table and Maglev's slot use:
// FNV-1a, the standard library's other 64-bit hash, does not. Its last
// step multiplies by 2⁴⁰ + 0x1b3, so a change in the last byte reaches
// bits 0–17 and 40–48 and the top bits only through carries: flipping one
// bit of the last byte of "user:0" … "user:99999" changes the top 16 bits
// of the hash for 0.35% of the keys, and the 100,000 keys share 9,725
// distinct top-16-bit values where a good hash gives about 51,000. CRC-32,
// which groupcache uses, has 32 bits: with 10⁵ points and more, collisions
// become likely (groupcache's ring then silently gives the position to the
// node added last). XXH64 passes SMHasher, reads 8 bytes per step, and has
// a fixed specification, which is what lets testdata/golden.tsv pin the
// mapping.
package sharding
