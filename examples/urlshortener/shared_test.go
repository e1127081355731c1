package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/pgtest"
	"github.com/backendkit/backendkit/internal/redistest"
)

// sharedDB is one database for several instances: PostgreSQL (a database
// of the test's own) when POSTGRES_DSN is set, else one SQLite file.
func sharedDB(t *testing.T) string {
	t.Helper()
	if pgAvailable() {
		return pgtest.DSN(t)
	}
	return filepath.Join(t.TempDir(), "shared.db")
}

// pgAvailable reports whether the tests run on PostgreSQL: when
// POSTGRES_DSN is set, and always under CI=true, where pgtest fails the
// test if it is not.
func pgAvailable() bool {
	return os.Getenv(pgtest.EnvDSN) != "" || os.Getenv("CI") == "true"
}

// TestTwoInstances: two API servers on one Redis and one database. A link
// created on one resolves on the other; a create, PATCH or DELETE on one
// is what the other's next redirect answers once the invalidation has
// arrived (a negative entry included); the rate limit is one for both.
func TestTwoInstances(t *testing.T) {
	r := redistest.New(t)
	db := sharedDB(t)
	args := []string{"-db", db, "-redis", r.Addr(), "-redis-prefix", r.Key("svc:"),
		"-create-rate", "1", "-create-burst", "4"}
	a, b := start(t, options{}, args...), start(t, options{}, args...)

	code := a.create(`{"url":"https://example.com/one"}`)
	rep := b.get("/" + code)
	require.Equal(t, http.StatusFound, rep.status, "%s", rep.body)
	assert.Equal(t, "https://example.com/one", rep.header.Get("Location"))

	// B caches "unknown" for a code; A's create of it reaches B.
	requireProblem(t, b.get("/later"), http.StatusNotFound)
	requireProblem(t, b.get("/later"), http.StatusNotFound) // from the negative entry
	a.create(`{"url":"https://example.com/later","alias":"later"}`)
	b.heard("later")
	assert.Equal(t, http.StatusFound, b.get("/later").status)

	// A PATCH on A: B's cached copy is dropped.
	rep = a.do(req{method: "PATCH", path: "/api/v1/links/" + code, ctype: "application/merge-patch+json",
		body: `{"url":"https://example.com/two"}`})
	require.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
	b.heard(code)
	assert.Equal(t, "https://example.com/two", b.get("/"+code).header.Get("Location"))

	// A DELETE on A: B answers 410.
	require.Equal(t, http.StatusNoContent, a.do(req{method: "DELETE", path: "/api/v1/links/" + code}).status)
	b.heard(code)
	requireProblem(t, b.get("/"+code), http.StatusGone)

	// Four writes were allowed between them; the fifth, on either, is not.
	requireProblem(t, b.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"https://example.com/"}`}), http.StatusTooManyRequests)
	requireProblem(t, a.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"https://example.com/"}`}), http.StatusTooManyRequests)

	// Clicks on both instances add up in the database.
	c := start(t, options{}, append(args, "-create-rate", "0")...)
	code = c.create(`{"url":"https://example.com/clicks"}`)
	for range 3 {
		require.Equal(t, http.StatusFound, a.get("/"+code).status)
		require.Equal(t, http.StatusFound, b.get("/"+code).status)
	}
	require.NoError(t, a.m.Close())
	require.NoError(t, b.m.Close())
	assert.Equal(t, float64(6), c.get("/api/v1/links/" + code).json(t)["clicks"])
}

// TestRedisCluster: with -redis-cluster the cache, the bus and the shared
// limits run on a Redis Cluster (the real one at REDIS_CLUSTER_ADDRS, or
// internal/redistest's emulation).
func TestRedisCluster(t *testing.T) {
	c := redistest.NewCluster(t)
	args := []string{"-db", sharedDB(t), "-redis-prefix", c.Key("svc:"), "-create-rate", "1", "-create-burst", "2"}
	for _, addr := range c.Addrs() {
		args = append(args, "-redis-cluster", addr)
	}
	a, b := start(t, options{}, args...), start(t, options{}, args...)
	assert.Contains(t, a.logs.String(), `redis="cluster `)
	code := a.create(`{"url":"https://example.com/cluster"}`)
	assert.Equal(t, http.StatusFound, b.get("/"+code).status)
	require.Equal(t, http.StatusNoContent, a.do(req{method: "DELETE", path: "/api/v1/links/" + code}).status)
	b.heard(code)
	requireProblem(t, b.get("/"+code), http.StatusGone)
	requireProblem(t, b.do(req{method: "POST", path: "/api/v1/links", ctype: "application/json",
		body: `{"url":"https://example.com/"}`}), http.StatusTooManyRequests)
	assert.Equal(t, http.StatusOK, b.get("/readyz").status)
}
