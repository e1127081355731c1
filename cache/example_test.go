package cache_test

import (
	"fmt"
	"time"

	"github.com/backendkit/backendkit/cache"
)

func ExampleLRU() {
	c, err := cache.NewLRU(2, cache.Config[string, string]{
		RecordStats: true,
		OnEvict: func(key, value string, reason cache.Reason) {
			fmt.Println(reason, key)
		},
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	c.Set("a", "1")
	c.Set("b", "2")
	c.Get("a")      // a is now the most recently used
	c.Set("c", "3") // full: evicts b, the least recently used
	_, ok := c.Get("b")
	fmt.Println("b cached:", ok)
	fmt.Printf("%+v\n", c.Stats())
	// Output:
	// evicted b
	// b cached: false
	// {Hits:1 Misses:1 Evictions:1 Expirations:0}
}

// The cache in front of a slow store, as the URL shortener uses it: read
// the cache, and on a miss read the store and remember the answer for an
// hour.
func ExampleS3FIFO() {
	store := map[string]string{"abc123": "https://example.com/a/long/path"}
	reads := 0

	c, err := cache.NewS3FIFO(10_000, cache.Config[string, string]{
		DefaultTTL: time.Hour,
	})
	if err != nil {
		panic(err)
	}
	defer c.Close() // stops the sweep that the TTL started

	resolve := func(code string) string {
		if url, ok := c.Get(code); ok {
			return url
		}
		reads++
		url := store[code]
		c.Set(code, url)
		return url
	}
	for range 3 {
		fmt.Println(resolve("abc123"))
	}
	fmt.Println("store reads:", reads)
	// Output:
	// https://example.com/a/long/path
	// https://example.com/a/long/path
	// https://example.com/a/long/path
	// store reads: 1
}

// A scan of keys read once, as a batch job makes, flushes every hot key out
// of an LRU of the same size; S3-FIFO keeps them.
func ExampleS3FIFO_scan() {
	lru, _ := cache.NewLRU(100, cache.Config[int, bool]{})
	s3, _ := cache.NewS3FIFO(100, cache.Config[int, bool]{Shards: 1})
	for _, c := range []interface {
		Get(int) (bool, bool)
		Set(int, bool)
	}{lru, s3} {
		for range 3 { // keys 0 to 49 are read often
			for k := range 50 {
				if _, ok := c.Get(k); !ok {
					c.Set(k, true)
				}
			}
		}
		for k := 1000; k < 2000; k++ { // the scan
			c.Set(k, true)
		}
		kept := 0
		for k := range 50 {
			if _, ok := c.Get(k); ok {
				kept++
			}
		}
		fmt.Printf("%T kept %d of 50 hot keys\n", c, kept)
	}
	// Output:
	// *cache.LRU[int,bool] kept 0 of 50 hot keys
	// *cache.S3FIFO[int,bool] kept 50 of 50 hot keys
}
