package sharding

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.tsv from the current code")

const goldenFile = "golden.tsv"

// goldenRows computes the golden table: for 300 keys, the key's Hash64 and
// its node under each stateless placement over node-00 … node-09 with
// default settings. Every client of a sharded store must compute exactly
// this, so a change to any of it is a breaking change.
func goldenRows(t *testing.T) [][]string {
	t.Helper()
	ring, err := NewRing(DefaultVirtualNodes, Named(names(10)...)...)
	require.NoError(t, err)
	jump, err := NewJump(names(10)...)
	require.NoError(t, err)
	hrw, err := NewRendezvous(Named(names(10)...)...)
	require.NoError(t, err)
	maglev, err := NewMaglev(DefaultMaglevSize, names(10)...)
	require.NoError(t, err)
	modn, err := NewModN(names(10)...)
	require.NoError(t, err)
	locators := []Locator{ring, jump, hrw, maglev, modn}

	rows := [][]string{{"key", "hash64", "ring", "jump", "rendezvous", "maglev", "mod-n"}}
	for _, key := range testKeys(300) {
		row := []string{key, fmt.Sprintf("%016x", Hash64(key))}
		for _, l := range locators {
			n, err := l.Lookup(key)
			require.NoError(t, err)
			row = append(row, n)
		}
		rows = append(rows, row)
	}
	return rows
}

// TestGolden fails when the mapping of keys to nodes changes. Run
// go test -run TestGolden -update to accept a deliberate change, and
// treat it as a breaking one.
func TestGolden(t *testing.T) {
	rows := goldenRows(t)
	path := filepath.Join("testdata", goldenFile)
	if *update {
		var b strings.Builder
		b.WriteString("# key → node for node-00 … node-09 with default settings; see golden_test.go.\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var got [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			got = append(got, strings.Split(line, "\t"))
		}
	}
	require.NoError(t, sc.Err())
	require.Len(t, got, len(rows))
	for i := range rows {
		require.Equalf(t, got[i], rows[i], "row %d of %s (want from file, got from code)", i, path)
	}
}
