package redisshard

import (
	"context"
	"fmt"
	"testing"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// BenchmarkGet compares a read in steady state (one round trip) with the
// dual read of a key whose move is pending: its new node misses, and its
// old node answers (two round trips).
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	servers := redistest.Nodes(b, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 1024
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
		if err := store.Set(ctx, keys[i], "v", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("steady/"+servers[0].Engine(), func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := store.Get(ctx, keys[i%n]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	// The keys that now belong to b are read from b (miss), then a.
	pending := pretendMoveToB(b, store, servers[1], keys)
	b.Run("dual-read/"+servers[0].Engine(), func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := store.Get(ctx, pending[i%len(pending)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkSet compares a write in steady state (one round trip) with a
// write of a key whose move is pending, which goes to its old node (SET
// XX) and then its new node (two round trips, one after the other).
func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	servers := redistest.Nodes(b, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 1024
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	b.Run("steady/"+servers[0].Engine(), func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := store.Set(ctx, keys[i%n], "v", 0); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	pending := pretendMoveToB(b, store, servers[1], keys)
	b.Run("moving/"+servers[0].Engine(), func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := store.Set(ctx, pending[i%len(pending)], "v", 0); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func nodeOf(name string) sharding.Node { return sharding.Node{Name: name} }

// pretendMoveToB switches store's ring from a alone to a and b (on bSrv)
// without moving anything, as if a move to b were pending, and returns the
// keys that now belong to b.
func pretendMoveToB(b *testing.B, store *Store, bSrv *redistest.Server, keys []string) []string {
	b.Helper()
	next, err := store.ring.Add(nodeOf("b"))
	if err != nil {
		b.Fatal(err)
	}
	store.mu.Lock()
	store.clients["b"] = bSrv.Client
	store.prev, store.ring = store.ring, next
	store.mu.Unlock()
	var pending []string
	for _, k := range keys {
		if home, _ := next.Lookup(k); home == "b" {
			pending = append(pending, k)
		}
	}
	return pending
}
