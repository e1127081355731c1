package sharding

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKeys returns n distinct keys shaped like real ones.
func testKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("user:%d", i)
	}
	return keys
}

// names returns "node-00", "node-01", … .
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("node-%02d", i)
	}
	return out
}

// owners returns each key's node.
func owners(t testing.TB, l Locator, keys []string) []string {
	t.Helper()
	out := make([]string, len(keys))
	for i, k := range keys {
		n, err := l.Lookup(k)
		require.NoError(t, err)
		out[i] = n
	}
	return out
}
