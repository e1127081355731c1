package pgtest_test

import (
	"context"
	"testing"

	"github.com/backendkit/backendkit/internal/pgtest"
)

// TestDatabasesAreSeparate checks that two databases made for one test are
// distinct: a table made in one is absent from the other.
func TestDatabasesAreSeparate(t *testing.T) {
	dbs := pgtest.Databases(t, 2)
	ctx := context.Background()
	if _, err := dbs[0].ExecContext(ctx, `CREATE TABLE only_here (x int)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := dbs[1].QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_here'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a table made in one database is visible in the other")
	}
	if err := dbs[0].QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_here'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("table not found where it was made: n=%d err=%v", n, err)
	}
}

// TestDatabaseIsDropped checks that a test's database is gone after it.
func TestDatabaseIsDropped(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) { name = pgtest.Name(pgtest.DSN(t)) })
	admin := pgtest.New(t)
	var n int
	if err := admin.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if name == "" || n != 0 {
		t.Fatalf("database %q still exists after its test (count %d)", name, n)
	}
}
