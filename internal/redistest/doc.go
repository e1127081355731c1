// Package redistest hands tests a Redis to talk to: the real server named by
// the REDIS_ADDR environment variable when it is set (as CI does), or else a
// fresh embedded miniredis.
//
// Every Redis-backed test in this module goes through [New], so one test body
// runs on the embedded engine during everyday `go test ./...` and on the real
// engine in CI:
//
//	func TestSomething(t *testing.T) {
//		r := redistest.New(t)
//		key := r.Key("user:42") // unique to this test
//		r.Client.Set(ctx, key, "v", time.Minute)
//		r.FastForward(2 * time.Minute) // the key has now expired, on either engine
//	}
//
// # Isolation
//
// `go test ./...` runs packages in parallel against the one real server, so a
// test never flushes a database. Instead each [Server] has a unique key
// prefix; [Server.Key] builds keys under it, and when the test ends every key
// under the prefix is deleted. The prefix holds no braces, so a caller may
// add a hash tag of its own ("{user:42}") to keep keys in one cluster slot.
//
// # Time
//
// [Server.FastForward] moves key expiry forward on both engines: miniredis
// advances its clock; on a real server, whose clock cannot be moved, every
// key under the test's prefix has its remaining time to live shortened by
// the same amount (and is deleted when that reaches zero). The server's TIME
// command does not move on a real server, so a test that needs exact
// instants (a rate-limit decision at t0, t0+1s, …) uses [NewMiniredis],
// which always gives the embedded engine and its settable clock.
//
// # Several servers
//
// [Nodes] hands out n independent servers for tests that spread keys over
// several nodes: the real servers listed in REDIS_ADDRS (comma-separated)
// when that lists at least n, else n embedded ones.
//
// # Cluster
//
// [NewCluster] hands out a [Cluster]: a *redis.ClusterClient on the real
// Redis Cluster whose nodes REDIS_CLUSTER_ADDRS lists (CI starts three
// masters), else on miniredis's emulation of a one-node cluster. Under
// CI=true a missing cluster fails the test instead of falling back, so the
// cluster suites cannot pass in CI without the real engine.
//
// A cluster-safe test follows three rules:
//
//   - Build every key with [Cluster.Key]. The prefix holds no braces, so it
//     does not pin the test's keys to one slot: they spread over the masters
//     as a user's keys would, and the cleanup scans every master.
//   - Keys that one script, transaction or multi-key command touches must
//     share a hash tag, the first "{…}" in the name: Key("{user:42}:a") and
//     Key("{user:42}:b"). [Slot] computes a key's slot, to assert it.
//   - Don't rely on the emulation to catch a mistake on its own: miniredis
//     does not check slots, so the client [NewCluster] gives out there
//     refuses cross-slot scripts and multi-key commands with [ErrCrossSlot],
//     as a real node answers CROSSSLOT; go-redis itself refuses a
//     transaction across slots (redis.ErrCrossSlot) on either engine.
package redistest
