package shardstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/inmem"
	"github.com/backendkit/backendkit/shortener/shardstore"
	"github.com/backendkit/backendkit/shortener/storetest"
)

func shards(t *testing.T, now func() time.Time, n int) ([]shardstore.Shard, []*inmem.Store) {
	var out []shardstore.Shard
	var stores []*inmem.Store
	for i := range n {
		s, err := inmem.New(inmem.Config{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		out = append(out, shardstore.Shard{Name: fmt.Sprintf("s%d", i), Store: s})
		stores = append(stores, s)
	}
	return out, stores
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
		sh, _ := shards(t, now, 3)
		s, err := shardstore.New(sh, shardstore.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestLinksSpreadAndStayOnTheirShard checks that links land on the shard
// the ring names, and that every shard gets a share.
func TestLinksSpreadAndStayOnTheirShard(t *testing.T) {
	ctx := context.Background()
	sh, stores := shards(t, time.Now, 3)
	s, err := shardstore.New(sh, shardstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		code := fmt.Sprintf("c%d", i)
		if err := s.Create(ctx, shortener.Link{Code: code, URL: "https://e.com", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		name, err := s.Shard(code)
		if err != nil {
			t.Fatal(err)
		}
		for j, st := range stores {
			_, err := st.Get(ctx, code)
			if (fmt.Sprintf("s%d", j) == name) != (err == nil) {
				t.Fatalf("code %s: owner %s, but shard s%d answers %v", code, name, j, err)
			}
		}
	}
	for j, st := range stores {
		if n := st.Len(); n < 700 || n > 1300 {
			t.Fatalf("shard s%d holds %d of 3000 links", j, n)
		}
	}
}

func TestNewRefusesBadShards(t *testing.T) {
	sh, _ := shards(t, time.Now, 2)
	for _, bad := range [][]shardstore.Shard{
		nil,
		{{Name: "", Store: sh[0].Store}},
		{{Name: "a"}},
		{{Name: "a", Store: sh[0].Store}, {Name: "a", Store: sh[1].Store}},
	} {
		if _, err := shardstore.New(bad, shardstore.Config{}); !errors.Is(err, shardstore.ErrInvalidConfig) {
			t.Fatalf("New(%v) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

// BenchmarkShardedGet measures the ring lookup's overhead over one shard.
func BenchmarkShardedGet(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("shards=%d/engine=inmem", n), func(b *testing.B) {
			var sh []shardstore.Shard
			for i := range n {
				st, _ := inmem.New(inmem.Config{})
				sh = append(sh, shardstore.Shard{Name: fmt.Sprintf("s%d", i), Store: st})
			}
			s, err := shardstore.New(sh, shardstore.Config{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			codes := make([]string, 10_000)
			for i := range codes {
				codes[i] = fmt.Sprintf("c%d", i)
				_ = s.Create(ctx, shortener.Link{Code: codes[i], URL: "https://e.com", CreatedAt: time.Now()})
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Get(ctx, codes[i%len(codes)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("baseline=inmem-get", func(b *testing.B) {
		st, _ := inmem.New(inmem.Config{})
		ctx := context.Background()
		codes := make([]string, 10_000)
		for i := range codes {
			codes[i] = fmt.Sprintf("c%d", i)
			_ = st.Create(ctx, shortener.Link{Code: codes[i], URL: "https://e.com", CreatedAt: time.Now()})
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := st.Get(ctx, codes[i%len(codes)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
