// Package inmem keeps a URL shortener's links in the memory of one
// process: the shortener.Store with nothing to run, for tests, examples and
// a single instance that may lose its links on restart.
//
// # Interview card
//
// Question. The guide's URL shortener asks where the mappings live, and
// "SQL vs NoSQL". A map behind a lock is the baseline both answers are
// measured against: the fastest store, and the one that loses everything
// when the process stops and shares nothing with a second instance.
//
//	store            durability        shared by instances   cost of a Get
//	inmem            none              no                    a map lookup under a read lock
//	sqlstore         a file or server  yes (PostgreSQL)      an index lookup and a round trip
//	redisstore       Redis's settings  yes                   a round trip
//
// Memory is bounded: MaxLinks counts live links and tombstones alike, since
// a tombstone must stay for its code never to be reissued; at the bound
// Create fails with ErrFull rather than evicting anything.
//
// # Conventions
//
// New validates its Config; Close makes later calls fail with
// shortener.ErrClosed; time is an input (Config.Now).
package inmem
