package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/sqlstore"
	_ "modernc.org/sqlite"
)

// Example keeps links in an SQLite file: create, resolve, delete, and the
// tombstone that keeps the code.
func Example() {
	dir, _ := os.MkdirTemp("", "sqlstore")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "links.db")))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, db, sqlstore.SQLite, sqlstore.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	l := shortener.Link{Code: "docs", URL: "https://go.dev/doc/", CreatedAt: time.Now()}
	fmt.Println("create:", store.Create(ctx, l))
	got, _ := store.Get(ctx, "docs")
	fmt.Println("resolve:", got.URL)
	fmt.Println("delete:", store.Delete(ctx, "docs"))
	_, err = store.Get(ctx, "docs")
	fmt.Println("gone:", errors.Is(err, shortener.ErrGone))
	fmt.Println("reissued:", !errors.Is(store.Create(ctx, l), shortener.ErrCodeTaken))
	// Output:
	// create: <nil>
	// resolve: https://go.dev/doc/
	// delete: <nil>
	// gone: true
	// reissued: false
}
