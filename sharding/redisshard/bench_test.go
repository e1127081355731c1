package redisshard

import (
	"context"
	"fmt"
	"testing"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// engine names the Redis the benchmarks ran on, for their names:
// engine=redis on a real server ($REDIS_ADDR), engine=miniredis otherwise.
func engine(s *redistest.Server) string {
	if s.Real() {
		return "engine=redis"
	}
	return "engine=miniredis"
}

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
	b.Run("steady/"+engine(servers[0]), func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := store.Get(ctx, keys[i%n]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	// Switch the ring to a and b without moving anything: the keys that
	// now belong to b are read from b (miss), then a.
	next, err := store.ring.Add(nodeOf("b"))
	if err != nil {
		b.Fatal(err)
	}
	store.mu.Lock()
	store.clients["b"] = servers[1].Client
	store.prev, store.ring = store.ring, next
	store.mu.Unlock()
	var pending []string
	for _, k := range keys {
		if home, _ := next.Lookup(k); home == "b" {
			pending = append(pending, k)
		}
	}
	b.Run("dual-read/"+engine(servers[0]), func(b *testing.B) {
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
	b.Run("steady/"+engine(servers[0]), func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := store.Set(ctx, keys[i%n], "v", 0); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	// Switch the ring to a and b without moving anything, as in
	// BenchmarkGet.
	next, err := store.ring.Add(nodeOf("b"))
	if err != nil {
		b.Fatal(err)
	}
	store.mu.Lock()
	store.clients["b"] = servers[1].Client
	store.prev, store.ring = store.ring, next
	store.mu.Unlock()
	var pending []string
	for _, k := range keys {
		if home, _ := next.Lookup(k); home == "b" {
			pending = append(pending, k)
		}
	}
	b.Run("moving/"+engine(servers[0]), func(b *testing.B) {
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
