package cache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/backendkit/backendkit/cache"
)

// Cache-aside: the caller reads the cache, reads the database on a miss
// and fills the cache itself; a writer writes the database and then
// deletes the cached copy. Every step is in the caller's code.
func ExampleAside() {
	ctx := context.Background()
	db := cache.NewMemoryStore[string]()
	_ = db.Write(ctx, []cache.Item[string]{{Key: "abc", Value: "https://example.com/a"}})

	m, _ := cache.NewS3FIFO[string, cache.Entry[string]](1000, cache.Config[string, cache.Entry[string]]{})
	defer m.Close()
	tier, _ := cache.NewLocal[string](m)
	aside, _ := cache.NewAside[string](tier, time.Hour, cache.AsideConfig{})

	resolve := func(code string) (string, error) {
		url, ok, lease, err := aside.Get(ctx, code)
		if ok || err != nil {
			return url, err // a hit (or a cached not-found)
		}
		url, err = db.Load(ctx, code) // the miss: read the source of truth
		switch {
		case errors.Is(err, cache.ErrNotFound):
			_, _ = aside.FillNotFound(ctx, code, lease)
			return "", err
		case err != nil:
			return "", err
		}
		_, _ = aside.Fill(ctx, code, lease, url) // dropped if invalidated meanwhile
		return url, nil
	}

	fmt.Println(resolve("abc"))
	fmt.Println(resolve("abc"))
	_, err := resolve("nope")
	fmt.Println(err)

	// A write: the database first, then drop the cached copy.
	_ = db.Write(ctx, []cache.Item[string]{{Key: "abc", Value: "https://example.com/b"}})
	_ = aside.Invalidate(ctx, "abc")
	fmt.Println(resolve("abc"))
	fmt.Printf("%+v\n", db.Stats())
	// Output:
	// https://example.com/a <nil>
	// https://example.com/a <nil>
	// cache: not found: key "nope"
	// https://example.com/b <nil>
	// {Loads:3 Writes:2 Rows:2}
}

// Read-through: the same reads, with the loop inside the cache. Misses of
// one key at once make one load; Result says what each Get was.
func ExampleReadThrough() {
	ctx := context.Background()
	db := cache.NewMemoryStore[string]()
	_ = db.Write(ctx, []cache.Item[string]{{Key: "abc", Value: "https://example.com/a"}})

	m, _ := cache.NewS3FIFO[string, cache.Entry[string]](1000, cache.Config[string, cache.Entry[string]]{})
	defer m.Close()
	tier, _ := cache.NewLocal[string](m)
	rt, _ := cache.NewReadThrough[string](tier, db.Load, time.Hour, cache.ReadThroughConfig{
		StaleIfError: 10 * time.Minute, // serve the last value for 10 minutes if the database fails
	})
	defer rt.Close(ctx)

	for _, code := range []string{"abc", "abc", "nope", "nope"} {
		url, res, err := rt.Get(ctx, code)
		fmt.Println(res, url, err)
	}
	fmt.Printf("%+v\n", db.Stats())
	// Output:
	// loaded https://example.com/a <nil>
	// hit https://example.com/a <nil>
	// negative  cache: not found
	// negative  cache: not found
	// {Loads:2 Writes:1 Rows:1}
}

// Write-through: the database first, then the cache, in the caller's call.
func ExampleWriteThrough() {
	ctx := context.Background()
	db := cache.NewMemoryStore[string]()
	m, _ := cache.NewS3FIFO[string, cache.Entry[string]](1000, cache.Config[string, cache.Entry[string]]{})
	defer m.Close()
	tier, _ := cache.NewLocal[string](m)
	w, _ := cache.NewWriteThrough[string](db, tier, time.Hour, cache.ReadThroughConfig{})
	defer w.Close(ctx)

	_ = w.Set(ctx, "abc", "https://example.com/a")
	url, res, err := w.Get(ctx, "abc")
	fmt.Println(res, url, err)
	fmt.Printf("%+v\n", db.Stats())
	// Output:
	// hit https://example.com/a <nil>
	// {Loads:0 Writes:1 Rows:1}
}
