// Package pgtest gives each test a PostgreSQL database of its own on the
// server at POSTGRES_DSN, created for it and dropped when it ends, as
// internal/redistest gives each test its own key prefix.
//
// Without POSTGRES_DSN a test that asks for a database is skipped with the
// reason, except under CI=true, where a missing server is a failure: CI can
// never pass by skipping.
//
// # Conventions
//
// Every helper takes the testing.TB first and registers its own cleanup.
// Databases are named pgtest_<random hex>, so tests of several packages
// share one server without meeting.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// EnvDSN is the environment variable naming the server.
const EnvDSN = "POSTGRES_DSN"

// ServerDSN returns POSTGRES_DSN, skipping t when it is unset (failing it
// under CI=true).
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %s is not set, and CI=true: .ci/run starts a PostgreSQL server and sets it", EnvDSN)
		}
		t.Skipf("pgtest: %s is not set: no PostgreSQL server to test on", EnvDSN)
	}
	return dsn
}

// DSN creates a database of its own for t and returns its data source
// name; the database is dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := ServerDSN(t)
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL: %q", EnvDSN, server)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "pgtest_" + hex.EncodeToString(b[:])

	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("pgtest: open %s: %v", EnvDSN, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// New opens a database of its own for t through the pgx driver; it is
// closed and dropped when t ends.
func New(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", DSN(t))
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Databases opens n databases of their own for t, for a store sharded
// over several.
func Databases(t testing.TB, n int) []*sql.DB {
	t.Helper()
	out := make([]*sql.DB, n)
	for i := range out {
		out[i] = New(t)
	}
	return out
}

// Name returns the database name of a DSN made by DSN.
func Name(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}
