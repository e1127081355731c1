package redisshard_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/sharding"
	"github.com/backendkit/backendkit/sharding/redisshard"
)

// A go-redis Ring whose shards are chosen by our consistent-hash ring. The
// shards here are embedded servers; in production they are the addresses
// of real ones.
func ExampleConsistentHash() {
	names := []string{"cache-a", "cache-b", "cache-c"}
	servers := map[string]*miniredis.Miniredis{}
	addrs := map[string]string{}
	for _, name := range names {
		m, err := miniredis.Run()
		if err != nil {
			fmt.Println(err)
			return
		}
		defer m.Close()
		servers[name], addrs[name] = m, m.Addr()
	}

	newHash, err := redisshard.ConsistentHash(sharding.DefaultVirtualNodes)
	if err != nil {
		fmt.Println(err)
		return
	}
	rdb := redis.NewRing(&redis.RingOptions{
		Addrs:             addrs,
		NewConsistentHash: newHash,
	})
	defer rdb.Close()
	if err := rdb.Set(context.Background(), "user:42", "Ada", time.Hour).Err(); err != nil {
		fmt.Println(err)
		return
	}

	for _, name := range names {
		if servers[name].Exists("user:42") {
			fmt.Println("go-redis put user:42 on", name)
		}
	}
	// Any program can find the shard with package sharding alone.
	ring, err := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Named(names...)...)
	if err != nil {
		fmt.Println(err)
		return
	}
	home, err := ring.Lookup("user:42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sharding.Ring places it on", home)
	// Output:
	// go-redis put user:42 on cache-c
	// sharding.Ring places it on cache-c
}

// Adding a node to a Store while it serves traffic. The nodes here are
// embedded servers; in production they are real ones.
func ExampleStore_AddNode() {
	ctx := context.Background()
	var nodes []redisshard.Node
	for _, name := range []string{"db-a", "db-b", "db-c"} {
		m, err := miniredis.Run()
		if err != nil {
			fmt.Println(err)
			return
		}
		defer m.Close()
		client := redis.NewClient(&redis.Options{Addr: m.Addr()})
		defer client.Close()
		nodes = append(nodes, redisshard.Node{Node: sharding.Node{Name: name}, Client: client})
	}

	store, err := redisshard.New("app:", nodes[:2], redisshard.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 1000 {
		if err := store.Set(ctx, fmt.Sprintf("user:%d", i), fmt.Sprint(i), 0); err != nil {
			fmt.Println(err)
			return
		}
	}

	// Other goroutines may Get, Set and Del throughout.
	stats, err := store.AddNode(ctx, nodes[2])
	if err != nil {
		// Reads stay correct; store.Resume(ctx) finishes the move.
		fmt.Println(err)
		return
	}
	// About a third of the keys now belong to db-c, and only those move.
	fmt.Printf("moved %d of %d keys scanned\n", stats.Moved, stats.Scanned)
	v, err := store.Get(ctx, "user:7")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("user:7 =", v)
	// Output:
	// moved 277 of 1000 keys scanned
	// user:7 = 7
}
