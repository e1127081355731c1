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
// Not here yet: adding or removing a shard while serving. The ring and
// sharding.PlanRing say which codes move; moving them needs every store to
// export its codes with their tombstones and clicks, which the
// shortener.Store interface does not offer. Membership is fixed at New.
//
// # Conventions
//
// New validates its shards; the store does not own them (close them
// yourself after Close); errors name the shard they came from.
package shardstore
