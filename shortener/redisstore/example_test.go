package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/redisstore"
)

// A link on an embedded Redis: created, resolved, expired, and its code
// still reserved after Redis has dropped the data.
func Example() {
	m, err := miniredis.Run()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	client := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer client.Close()

	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store, err := redisstore.New(client, "links:", redisstore.Config{
		Now:   func() time.Time { return now },
		Grace: time.Hour,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	l := shortener.Link{Code: "docs", URL: "https://go.dev/doc/", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	fmt.Println("create:", store.Create(ctx, l))
	got, err := store.Get(ctx, "docs")
	fmt.Println("get:", got.URL, err)
	fmt.Println("keys:", m.Keys())

	now = now.Add(25 * time.Hour) // the link expired an hour ago
	m.FastForward(25 * time.Hour) // and Redis has dropped its URL
	fmt.Println("keys:", m.Keys())
	_, err = store.Get(ctx, "docs")
	fmt.Println("get:", errors.Is(err, shortener.ErrGone))
	err = store.Create(ctx, shortener.Link{Code: "docs", URL: "https://example.com/", CreatedAt: now})
	fmt.Println("create again:", errors.Is(err, shortener.ErrCodeTaken))
	// Output:
	// create: <nil>
	// get: https://go.dev/doc/ <nil>
	// keys: [links:recent links:{docs}:l links:{docs}:r]
	// keys: [links:recent links:{docs}:r]
	// get: true
	// create again: true
}
