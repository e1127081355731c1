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
package redistest
