package rediscache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
)

// Two instances of a service, each with a local S3FIFO in front of one
// Redis: a write on one drops the other's local copy through the
// invalidation bus.
func ExampleTwoTier() {
	ctx := context.Background()
	mr, _ := miniredis.Run() // a real deployment dials its Redis
	defer mr.Close()
	db := cache.NewMemoryStore[string]() // the source of truth

	told := make(chan []string, 10)
	var clients []*redis.Client
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	instance := func(cfg rediscache.TwoTierConfig[string]) (*rediscache.TwoTier[string], *cache.WriteThrough[string]) {
		client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		clients = append(clients, client)
		tier, _ := rediscache.NewTwoTier[string](client, "links:", 10_000, cfg)
		_ = tier.Ready(ctx) // the local copies are used once the bus is subscribed
		w, _ := cache.NewWriteThrough[string](db, tier, time.Hour, cache.ReadThroughConfig{
			OnTierError: cache.ServeLocalOnTierError, // Redis down: serve local copies
		})
		return tier, w
	}
	tierA, a := instance(rediscache.TwoTierConfig[string]{})
	tierB, b := instance(rediscache.TwoTierConfig[string]{OnInvalidate: func(keys []string) { told <- keys }})
	defer tierA.Close(ctx)
	defer tierB.Close(ctx)
	defer a.Close(ctx)
	defer b.Close(ctx)

	_ = a.Set(ctx, "abc", "https://example.com/a") // database, Redis, A's local copy
	fmt.Println("B told of", <-told)
	url, res, _ := b.Get(ctx, "abc") // from Redis, now also in B's local copy
	fmt.Println(res, url)
	url, res, _ = b.Get(ctx, "abc")
	fmt.Println(res, url)

	_ = a.Set(ctx, "abc", "https://example.com/b")
	fmt.Println("B told of", <-told) // B dropped its local copy
	url, res, _ = b.Get(ctx, "abc")
	fmt.Println(res, url)
	fmt.Printf("database: %+v\n", db.Stats())
	// Output:
	// B told of [abc]
	// hit https://example.com/a
	// hit https://example.com/a
	// B told of [abc]
	// hit https://example.com/b
	// database: {Loads:0 Writes:2 Rows:2}
}
