package shardstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backendkit/backendkit/sharding"
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/inmem"
	"github.com/backendkit/backendkit/shortener/shardstore"
)

// TestAddShardMovesOnlyWhatTheRingSays adds a fourth shard to three while
// readers read every link and writers race to create the same new codes:
// no read of an existing link fails, each new code is created once, the
// moved records are exactly those whose owner changed, and tombstones and
// clicks move with their codes.
func TestAddShardMovesOnlyWhatTheRingSays(t *testing.T) {
	ctx := context.Background()
	sh, _ := shards(t, time.Now, 3)
	s, err := shardstore.New(sh, shardstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const links = 4000
	now := time.Now()
	var codes []string
	for i := range links {
		c := fmt.Sprintf("k%d", i)
		codes = append(codes, c)
		if err := s.Create(ctx, shortener.Link{Code: c, URL: "https://e.com/" + c, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < links; i += 10 {
		if err := s.AddClicks(ctx, map[string]int64{codes[i]: int64(i)}); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			if err := s.Delete(ctx, codes[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := map[string]string{}
	for _, c := range codes {
		before[c], _ = s.Shard(c)
	}

	done := make(chan struct{})
	var readers sync.WaitGroup
	var reads atomic.Int64
	for g := range 4 {
		readers.Go(func() {
			for i := g; ; i = (i + 4) % links {
				select {
				case <-done:
					return
				default:
				}
				_, err := s.Get(ctx, codes[i])
				want := i%20 != 0
				if want && err != nil || !want && !errors.Is(err, shortener.ErrGone) {
					t.Errorf("read of %s during the move: %v", codes[i], err)
					return
				}
				reads.Add(1)
			}
		})
	}
	var wins atomic.Int64
	var creators sync.WaitGroup
	creators.Go(func() {
		// Codes that exist, moving or not: never created again.
		for i := links - 1; i >= 0; i -= 3 {
			err := s.Create(ctx, shortener.Link{Code: codes[i], URL: "https://e.com/again", CreatedAt: time.Now()})
			if !errors.Is(err, shortener.ErrCodeTaken) {
				t.Errorf("create of existing %s during the move: %v", codes[i], err)
				return
			}
		}
	})
	for range 2 {
		creators.Go(func() {
			for i := range 500 {
				err := s.Create(ctx, shortener.Link{Code: fmt.Sprintf("new%d", i), URL: "https://e.com/n", CreatedAt: time.Now()})
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, shortener.ErrCodeTaken):
					t.Errorf("create during the move: %v", err)
				}
			}
		})
	}

	fourth, _ := inmem.New(inmem.Config{})
	t.Cleanup(fourth.Close)
	rep, err := s.AddShard(ctx, shardstore.Shard{Name: "s3", Store: fourth})
	creators.Wait()
	close(done)
	readers.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if wins.Load() != 500 {
		t.Fatalf("%d of 500 codes created during the move, each by two creators: want each created once", wins.Load())
	}

	after := map[string]string{}
	moved := 0
	for _, c := range codes {
		after[c], _ = s.Shard(c)
		if after[c] != before[c] {
			moved++
			if after[c] != "s3" {
				t.Fatalf("%s moved from %s to %s, not to the new shard", c, before[c], after[c])
			}
		}
	}
	total := 0
	for _, n := range rep.Moved {
		total += n
	}
	if total != moved {
		t.Fatalf("AddShard moved %d records, the ring says %d changed owner", total, moved)
	}
	if moved < links/8 || moved > links*3/8 {
		t.Fatalf("%d of %d moved: a fourth shard should take about a quarter", moved, links)
	}
	ring, _ := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Named("s0", "s1", "s2", "s3")...)
	for i, c := range codes {
		owner, _ := ring.Lookup(c)
		if owner != after[c] {
			t.Fatalf("%s is on %s, a ring of the four says %s", c, after[c], owner)
		}
		if owner == "s3" {
			if _, err := fourth.Record(ctx, c); err != nil {
				t.Fatalf("%s is not on the new shard: %v", c, err)
			}
		}
		n, err := s.Clicks(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(0); i%10 == 0 && n != int64(i) || i%10 != 0 && n != want {
			t.Fatalf("%s has %d clicks after the move", c, n)
		}
		if i%20 == 0 {
			if err := s.Create(ctx, shortener.Link{Code: c, URL: "https://e.com", CreatedAt: time.Now()}); !errors.Is(err, shortener.ErrCodeTaken) {
				t.Fatalf("a moved tombstone let %s be created again: %v", c, err)
			}
		}
	}
	if fourth.Len() != moved+countOn(s, 500, "s3") {
		t.Fatalf("the new shard holds %d records, want %d moved plus the new codes it owns", fourth.Len(), moved)
	}
	if reads.Load() == 0 {
		t.Fatal("no read ran during the move")
	}
}

func countOn(s *shardstore.Store, n int, shard string) int {
	c := 0
	for i := range n {
		if name, _ := s.Shard(fmt.Sprintf("new%d", i)); name == shard {
			c++
		}
	}
	return c
}
