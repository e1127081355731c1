// Package sqlstore keeps a URL shortener's links in a SQL database through
// database/sql: SQLite (modernc.org/sqlite, pure Go, the embedded default)
// or PostgreSQL (github.com/jackc/pgx/v5/stdlib). It imports no driver: the
// program that opens the *sql.DB does.
//
// # Interview card
//
// Question. The guide's URL shortener lists "Database: store URL mappings,
// index on short URL", and asks "How would you optimize database queries?"
// and "SQL vs NoSQL". This package is the SQL answer; shortener/redisstore
// is the NoSQL one, behind the same shortener.Store interface.
//
// Answer in five lines:
//
//  1. One row per code, the code its primary key: a redirect is one index
//     lookup (ResolveStatement; the tests assert the plan uses the key).
//  2. Create is INSERT … ON CONFLICT DO NOTHING: the primary key decides
//     between concurrent creators, with no read-then-write race.
//  3. A deleted or expired link keeps its row (deleted_us, expires_us), so
//     a code is never reissued and a redirect can answer "gone".
//  4. Statements are prepared once; the pool is sized (PoolConfig), never
//     left at database/sql's unlimited default; DB stats are exported.
//  5. Clicks are batched by the caller (shortener.ClickCounter) and written
//     in one transaction per flush, off the redirect's path.
//
// Trade-offs:
//
//	engine       durability            concurrency                    pick it for
//	SQLite/WAL   a file; survives a    one writer at a time, readers  one instance, no server
//	             process crash         beside it; busy_timeout waits  to run (the default)
//	PostgreSQL   a server; replicas    many writers; row locks        several instances, real
//	             and backups           (MVCC)                         deployments
//
// Why integer microseconds rather than TIMESTAMP columns? Both engines
// store and compare them exactly and identically, and PostgreSQL's
// precision is the microsecond anyway; the Link round-trips unchanged.
//
// Why a counter row rather than a sequence? NextBlock takes blocks of any
// size in one UPDATE … RETURNING, atomic on both engines; a PostgreSQL
// sequence fixes its increment when it is created.
//
// Follow-ups:
//
//   - Hot links? The cache in front (shortener.Service) serves them; the
//     database sees misses, writes and click batches.
//   - Expired rows forever? They are the tombstones that stop reissuing;
//     a purge may clear their url column but must keep the code.
//   - A migration that fails half-way? Each runs in a transaction with its
//     schema_migrations row: both engines roll DDL back, so the schema is
//     as it was (TestFailedMigrationLeavesTheSchema).
//
// # Conventions
//
// Open validates its Config and returns ErrInvalidConfig; every input is
// checked with shortener.Link.Check or shortener.CheckCode before the
// database sees it; engine errors wrap shortener.ErrStoreUnavailable and
// the driver's error; Close closes the statements, not the caller's
// *sql.DB. Time is an input (Config.Now).
package sqlstore
