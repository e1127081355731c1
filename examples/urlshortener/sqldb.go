package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/sqlstore"
)

// sqlOpened is one database's store.
type sqlOpened struct {
	store  shortener.Store
	blocks shortener.BlockSource
	close  func() error
}

// openSQL opens dsn (a postgres:// DSN, or else an SQLite file path),
// checks that it answers, and opens the store on it, applying its
// migrations.
func openSQL(ctx context.Context, dsn string, now func() time.Time) (*sqlOpened, *sql.DB, error) {
	driver, source, dialect := "sqlite", sqlstore.SQLiteDSN(dsn), sqlstore.SQLite
	if isPostgres(dsn) {
		driver, source, dialect = "pgx", dsn, sqlstore.Postgres
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%w: %w", shortener.ErrStoreUnavailable, err)
	}
	st, err := sqlstore.Open(ctx, db, dialect, sqlstore.Config{Now: now})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return &sqlOpened{store: st, blocks: st, close: st.Close}, db, nil
}
