package redisshard_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/sharding/redisshard"
)

// A go-redis Ring whose shards are chosen by our consistent-hash ring.
func ExampleConsistentHash() {
	rdb := redis.NewRing(&redis.RingOptions{
		Addrs: map[string]string{
			"cache-a": "127.0.0.1:6379",
			"cache-b": "127.0.0.1:6380",
			"cache-c": "127.0.0.1:6381",
		},
		NewConsistentHash: redisshard.ConsistentHash(0),
	})
	defer rdb.Close()
	_ = rdb.Set(context.Background(), "user:42", "Ada", time.Hour).Err()
}

// Adding a node to a Store while it serves traffic.
func ExampleStore_AddNode() {
	ctx := context.Background()
	client := func(addr string) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr}) }
	store, err := redisshard.New(redisshard.Config{Prefix: "app:"},
		redisshard.Node{Name: "db-a", Client: client("127.0.0.1:6379")},
		redisshard.Node{Name: "db-b", Client: client("127.0.0.1:6380")},
	)
	if err != nil {
		panic(err)
	}
	// Other goroutines may Get and Set throughout.
	stats, err := store.AddNode(ctx, redisshard.Node{Name: "db-c", Client: client("127.0.0.1:6381")})
	if err != nil {
		// Reads stay correct; store.Resume(ctx) finishes the move.
		panic(err)
	}
	fmt.Printf("moved %d of %d keys scanned\n", stats.Moved, stats.Scanned)
}
