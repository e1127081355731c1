package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/sqlstore"
)

// TestShardedDatabases: with -db given three times, links spread over the
// three databases by code, every one resolves, and they still do when the
// flags come in another order (a shard is placed by its name, not its
// position).
func TestShardedDatabases(t *testing.T) {
	dir := t.TempDir()
	dbs := []string{filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "c.db")}
	in := start(t, options{}, "-db", dbs[0], "-db", dbs[1], "-db", dbs[2], "-create-rate", "0", "-codes", "counter")
	assert.Contains(t, in.logs.String(), `database="3 shards: sqlite `)
	codes := make([]string, 60)
	for i := range codes {
		codes[i] = in.create(fmt.Sprintf(`{"url":"https://example.com/%d"}`, i))
	}
	for i, c := range codes {
		assert.Equal(t, fmt.Sprintf("https://example.com/%d", i), in.get("/"+c).header.Get("Location"))
	}
	assert.Len(t, in.get("/api/v1/links?limit=100").json(t)["links"], 60, "Recent merges the shards")
	assert.Contains(t, string(in.get("/metrics").body), `go_sql_open_connections{db_name="shard2"}`)
	require.NoError(t, in.m.Close())

	// Each database holds a share.
	total := 0
	for _, path := range dbs {
		n := countLinks(t, path)
		assert.Positive(t, n, "%s holds no link", filepath.Base(path))
		total += n
	}
	assert.Equal(t, 60, total)

	again := start(t, options{}, "-db", dbs[2], "-db", dbs[0], "-db", dbs[1])
	for i, c := range codes {
		assert.Equal(t, http.StatusFound, again.get("/"+c).status, "link %d after reordering the flags", i)
	}
}

func countLinks(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT count(*) FROM links").Scan(&n))
	return n
}

// TestCounterCodesSurviveRestart: -codes counter takes its blocks from the
// database, so a restarted process goes on after the last block it took
// (an embedded Redis, or memory, would start again from zero, and every
// code would cost a collision before a free one).
func TestCounterCodesSurviveRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "links.db")
	var firsts []uint64
	seen := map[string]bool{}
	for round := range 2 {
		in := start(t, options{}, "-db", db, "-codes", "counter", "-create-rate", "0")
		assert.Contains(t, in.logs.String(), "sequential")
		for i := range 5 {
			code := in.create(`{"url":"https://example.com/"}`)
			assert.False(t, seen[code], "round %d reissued %s", round, code)
			seen[code] = true
			id, err := shortener.Decode(code)
			require.NoError(t, err)
			if i == 0 {
				firsts = append(firsts, id)
			}
		}
		require.NoError(t, in.m.Close())
	}
	assert.GreaterOrEqual(t, firsts[1], firsts[0]+counterBlock, "the second process took the next block")

	// With a key, the codes are the Feistel permutation's: at most seven
	// characters, still never reissued.
	in := start(t, options{env: map[string]string{EnvCodesKey: "0123456789abcdef0123456789abcdef"}},
		"-db", db, "-codes", "counter", "-create-rate", "0")
	assert.Contains(t, in.logs.String(), "obfuscated by a keyed Feistel permutation")
	for range 5 {
		code := in.create(`{"url":"https://example.com/"}`)
		assert.False(t, seen[code])
		assert.LessOrEqual(t, len(code), 7)
		seen[code] = true
	}
}
