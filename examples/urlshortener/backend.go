package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// namedDB is one database the service pings for /readyz and reports in
// /metrics.
type namedDB struct {
	name string
	db   *sql.DB
}

// backend is the store behind the Service: one database, or several as
// shards, and what the rest of the program needs of them.
type backend struct {
	store shortener.Store
	// blocks hands out the counter's blocks when -codes counter: the
	// first database's sequence, so with shards the first -db must stay
	// first.
	blocks   shortener.BlockSource
	dbs      []namedDB
	describe string
	closers  []func() error
}

// ping reports the first database that does not answer.
func (b *backend) ping(ctx context.Context) error {
	for _, d := range b.dbs {
		if err := d.db.PingContext(ctx); err != nil {
			return fmt.Errorf("database %s: %w", d.name, err)
		}
	}
	return nil
}

func (b *backend) close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i]())
	}
	return errors.Join(errs...)
}

// isPostgres reports whether dsn names a PostgreSQL database rather than an
// SQLite file.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// redactDSN returns dsn without its password, for the logs and the
// shards' names.
func redactDSN(dsn string) string {
	if !isPostgres(dsn) {
		return "sqlite " + dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres (unparsable DSN)"
	}
	return "postgres " + u.Redacted()
}

// openBackend opens every database and builds the store over them; on an
// error it closes what it opened.
func openBackend(ctx context.Context, dsns []string, now func() time.Time) (_ *backend, err error) {
	b := &backend{}
	defer func() {
		if err != nil {
			_ = b.close()
		}
	}()
	stores := make([]shortener.Store, len(dsns))
	descs := make([]string, len(dsns))
	for i, dsn := range dsns {
		name := "db"
		if len(dsns) > 1 {
			name = fmt.Sprintf("shard%d", i)
		}
		st, db, err := openSQL(ctx, dsn, now)
		if err != nil {
			return nil, fmt.Errorf("urlshortener: %s (%s): %w", name, redactDSN(dsn), err)
		}
		b.closers = append(b.closers, db.Close, st.close)
		b.dbs = append(b.dbs, namedDB{name, db})
		stores[i], descs[i] = st.store, redactDSN(dsn)
		if i == 0 {
			b.blocks = st.blocks
		}
	}
	if len(stores) == 1 {
		b.store, b.describe = stores[0], descs[0]
		return b, nil
	}
	b.store, err = shardStore(stores, descs)
	if err != nil {
		return nil, fmt.Errorf("urlshortener: sharding: %w", err)
	}
	b.describe = fmt.Sprintf("%d shards: %s", len(dsns), strings.Join(descs, "; "))
	return b, nil
}
