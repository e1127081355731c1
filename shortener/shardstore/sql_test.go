package shardstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/backendkit/backendkit/internal/pgtest"
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/shardstore"
	"github.com/backendkit/backendkit/shortener/sqlstore"
	"github.com/backendkit/backendkit/shortener/storetest"
	_ "modernc.org/sqlite"
)

// TestConformanceSQL runs the suite over three SQLite files and, with
// POSTGRES_DSN, three PostgreSQL databases: the guide's sharded database.
func TestConformanceSQL(t *testing.T) {
	open := map[string]func(t *testing.T) (*sql.DB, sqlstore.Dialect){
		"sqlite": func(t *testing.T) (*sql.DB, sqlstore.Dialect) {
			db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "links.db")))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db, sqlstore.SQLite
		},
		"postgres": func(t *testing.T) (*sql.DB, sqlstore.Dialect) { return pgtest.New(t), sqlstore.Postgres },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run("engine="+engine, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
				var sh []shardstore.Shard
				for i := range 3 {
					db, d := open[engine](t)
					st, err := sqlstore.Open(context.Background(), db, d, sqlstore.Config{Now: now})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { st.Close() })
					sh = append(sh, shardstore.Shard{Name: fmt.Sprintf("db%d", i), Store: st})
				}
				s, err := shardstore.New(sh, shardstore.Config{})
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}
