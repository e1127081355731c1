// Package shardstore spreads a URL shortener's links over several stores,
// of any kind, with package sharding's consistent-hash ring, keyed by code.
//
// # Interview card
//
// Question. "What is database sharding?" and the URL shortener's database
// that outgrows one server. The shard key is the code: every read and
// write of a link names it, so each goes to exactly one shard, found by a
// ring lookup in memory (no directory service, no extra round trip).
//
// What it trades:
//
//	operation       cost                                  note
//	Get, Create,    one ring lookup + the shard's own     atomic per code, since one shard
//	Update, Delete  operation                             owns the code
//	Recent          every shard's Recent, merged          scatter-gather: as slow as the
//	                                                      slowest shard
//	AddClicks       one call per shard that has codes     a flush stays one write per shard
//
// Why a ring, not mod-N? Adding an eleventh shard to ten moves about 1/11
// of the codes with a ring and about 10/11 with mod-N (package sharding's
// card measures it).
//
// Adding a shard (AddShard) moves only the records the new ring gives it,
// the ranges sharding.PlanRing computes, while the store serves: a read of
// a moving code tries the old shard and then the new, a write takes the
// code's stripe and goes where the record is, and the mover takes the
// stripe, imports the record (with its tombstone and clicks) into the new
// shard and only then purges it from the old, so no read ever misses a
// link (TestAddShardMovesOnlyWhatTheRingSays: 4 000 links, readers and
// creators running throughout). Moving needs stores that can export and
// import records (shortener.Portable: inmem and sqlstore; not redisstore
// yet). The move is coordinated inside one Store: other instances sharing
// the shards must pause their writes, or route them through the instance
// that moves.
//
// # Conventions
//
// New validates its shards; the store does not own them (close them
// yourself after Close); errors name the shard they came from.
package shardstore
