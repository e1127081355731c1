// Package sharding maps keys to nodes: a consistent-hash ring with virtual
// nodes and weights, the algorithms it is usually compared with, tools that
// measure how evenly each spreads load and how many keys each moves when
// nodes come and go, and a planner that says exactly what to copy where.
//
// It answers the guide's question "What is database sharding?", whose
// answer names a shard key and lists data rebalancing and maintaining
// consistency as the challenges. The shard key is hashed; the placement
// decides which node owns each hash; rebalancing is what a change of
// membership makes the placement move, which this package measures. The
// subpackage redisshard moves real data between Redis nodes while clients
// keep reading and writing.
//
// # The placements
//
// All of them satisfy [Locator] (Lookup a key, list the Members) and none
// allocates on lookup.
//
//   - [Ring]: consistent hashing with virtual nodes (Karger et al. 1997).
//     Adding or removing any node moves only the keys of the arcs that
//     change hands, about 1/n; weights are numbers of points. Balance
//     depends on the points per node: the standard deviation of load is
//     about 1/√points (8% at the default 160, 2.4% at 1000). Pick it when
//     nodes join and leave in any order and you want range-based
//     migration: [PlanRing] lists the exact hash ranges to copy.
//   - [Jump]: jump consistent hash (Lamping and Veach 2014). No memory,
//     perfect balance, minimal movement, but nodes are numbered buckets:
//     only the last can be removed (its API has RemoveLast and no Remove).
//     Pick it for a fixed list of shards whose replicas handle failures.
//   - [Rendezvous]: highest random weight (Thaler and Ravishankar 1996),
//     weighted by the logarithmic method. Minimal movement for any change
//     and near-perfect balance, at O(n) per lookup. Pick it for tens of
//     nodes; go-redis's Ring uses it by default.
//   - [Maglev]: Google's load-balancer table (Eisenbud et al. 2016).
//     Near-perfect balance and O(1) lookups from a prime table of at least
//     100 slots per node, at the price of a little extra movement (some of
//     it between nodes that did not change) and an O(M log M) rebuild.
//     Pick it for connection-level load balancing.
//   - [BoundedLoads]: consistent hashing with bounded loads (Mirrokni,
//     Thorup and Zadimoghaddam 2016). A ring whose nodes refuse keys beyond
//     ⌈c × mean⌉, so no node is ever overloaded whatever the hashes do; the
//     placement is stateful (it depends on what was placed before), so one
//     process must own it. Pick it in a load balancer with sticky sessions.
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
// these figures next to the lookup times (go test -bench .). Their
// figures, which depend only on the code and not on the machine:
//
//	                   balance, 10 nodes   balance, 100 nodes   keys moved by adding a node
//	placement          stddev  peak/mean   stddev  peak/mean    to 10 nodes      to 100 nodes
//	ring (160 points)   6.6%    1.135       8.8%    1.221        8.72%            1.09%
//	jump                0.2%*   1.003*      1.1%*   1.023*       9.18%            1.01%
//	rendezvous          0.3%*   1.004*      1.0%*   1.023*       9.11%            0.97%
//	maglev (M=65537)    0.007%  1.000       0.07%   1.001        9.18% (0.29%)    1.56% (0.60%)
//	bounded (c=1.25)    6.0%    1.124       9.3%    1.213        8.62%            1.16%
//	mod-n               0.3%*   1.005*      0.9%*   1.019*       91.0% (81.8%)    99.0% (98.1%)
//
// The minimum movement is 1/11 = 9.09% and 1/101 = 0.99%; in brackets, the
// keys that moved between two nodes that were there before and after
// (none for the others). The ring's figures are exact; Maglev's balance is
// exact; the others are sampled, over 2²⁰ keys for balance (*: sampling
// alone adds about 0.3% at 10 nodes and 1% at 100, so these three are as
// balanced as a sample can show) and 2¹⁶ keys for movement. Bounded loads
// is measured on 2¹⁶ placed keys. With 1000 points per node the ring's
// standard deviation at 10 nodes falls to 2.4%, peak-to-mean 1.037.
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
// Seed cannot be made from a fixed value). It must mix every input bit into the high bits that the ring's
// bucket table and Maglev's slot use: FNV-1a, the standard library's other
// 64-bit hash, does not. Its last step multiplies by 2⁴⁰ + 0x1b3, so a
// change in the last byte reaches bits 0–17 and 40–48 and the top bits
// only through carries: flipping one bit of the last byte of "user:0" …
// "user:99999" changes the top 16 bits of the hash for 0.35% of the keys,
// and the 100,000 keys share 9,725 distinct top-16-bit values where a good
// hash gives about 51,000. CRC-32, which groupcache uses, has 32 bits: with
// 10⁵ points and more, collisions become likely (groupcache's ring then
// silently gives the position to the node added last). XXH64 passes SMHasher, reads 8 bytes per step, and has a fixed
// specification, which is what lets testdata/golden.tsv pin the mapping.
package sharding
