// Package redisid is the shared block source of [shortener.Counter] on
// Redis: one INCRBY per block of ids, so every node that shares the key
// gets blocks that never overlap.
//
// # Why Redis must not decide alone
//
// An INCRBY counter is only as durable as the Redis that holds it. An
// embedded Redis, or one without persistence, restarts with the key gone,
// and the next INCRBY starts again at zero: every code would be issued a
// second time. So the counter has a floor from the store (one more than
// the highest id ever issued), and each block is checked against it: a
// block below the floor is refused, the key is raised past the floor with
// [Source.Raise], and the next block is checked again. Redis then hands
// out blocks; the store's unique index still decides. It must: a floor
// knows only the store and one node's own blocks, so after such a restart
// under several running nodes, one can be raised into a block another
// still serves, and only the unique index stops the second insert of a
// code.
//
// # Conventions
//
//   - NewSource(client, key): both required; errors wrap ErrInvalidConfig.
//   - Errors say "redisid:" once: a sentinel, then the detail.
//   - A zero or nil Source returns ErrNotInitialized from every method.
//   - One key, so it works unchanged on a Redis Cluster; give it a hash
//     tag only if other keys must share its slot.
package redisid
