package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/cache/rediscache"
)

const (
	linkKey = "abc"
	linkTTL = time.Hour
)

// step is one action of part 3, by instance A or B.
type step struct {
	who   string // "A" or "B"
	write string // the value A writes; empty for a read
}

var steps = []step{
	{"A", "v1"},
	{"B", ""},
	{"B", ""},
	{"A", "v2"},
	{"B", ""},
	{"B", ""},
}

// read is what one read of part 3 returned.
type read struct {
	value  string
	result cache.Result
}

// coherenceResult is what part 3 measured: for each setup, what each step
// read (nothing for writes).
type coherenceResult struct {
	local, twoTier []read
	// the loads the database served in each setup
	localLoads, twoTierLoads uint64
}

// instance is one process of the service: a write-through cache over the
// shared database.
type instance interface {
	Get(ctx context.Context, key string) (string, cache.Result, error)
	Set(ctx context.Context, key, v string) error
}

// playSteps runs steps on a and b, calling told after each write for the
// other instance to hear of it, and returns what each step read.
func playSteps(ctx context.Context, a, b instance, told func() error) ([]read, error) {
	var reads []read
	for _, s := range steps {
		inst := a
		if s.who == "B" {
			inst = b
		}
		if s.write != "" {
			if err := inst.Set(ctx, linkKey, s.write); err != nil {
				return nil, err
			}
			if err := told(); err != nil {
				return nil, err
			}
			reads = append(reads, read{})
			continue
		}
		v, res, err := inst.Get(ctx, linkKey)
		if err != nil {
			return nil, err
		}
		reads = append(reads, read{v, res})
	}
	return reads, nil
}

// playCoherence runs the same steps on two setups: a local cache per
// instance and nothing else, then rediscache.TwoTier (a local cache in
// front of Redis, with invalidation events on pub/sub).
func playCoherence(ctx context.Context) (coherenceResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var r coherenceResult

	// Local caches only.
	db := cache.NewMemoryStore[string]()
	var insts [2]*cache.WriteThrough[string]
	for i := range insts {
		m, err := cache.NewS3FIFO(1000, cache.Config[string, cache.Entry[string]]{})
		if err != nil {
			return r, err
		}
		defer m.Close()
		tier, err := cache.NewLocal[string](m)
		if err != nil {
			return r, err
		}
		w, err := cache.NewWriteThrough[string](db, tier, linkTTL, cache.ReadThroughConfig{})
		if err != nil {
			return r, err
		}
		defer w.Close(context.WithoutCancel(ctx))
		insts[i] = w
	}
	reads, err := playSteps(ctx, insts[0], insts[1], func() error { return nil })
	if err != nil {
		return r, fmt.Errorf("local caches: %w", err)
	}
	r.local, r.localLoads = reads, db.Stats().Loads

	// TwoTier on an embedded Redis.
	mr, err := miniredis.Run()
	if err != nil {
		return r, err
	}
	defer mr.Close()
	db = cache.NewMemoryStore[string]()
	told := make(chan []string, len(steps))
	for i := range insts {
		client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		defer client.Close()
		var cfg rediscache.TwoTierConfig[string]
		if i == 1 {
			cfg.OnInvalidate = func(keys []string) { told <- keys }
		}
		tier, err := rediscache.NewTwoTier[string](client, "links:", 1000, cfg)
		if err != nil {
			return r, err
		}
		defer tier.Close(context.WithoutCancel(ctx))
		// Local copies are used only once the bus is subscribed.
		if err := tier.Ready(ctx); err != nil {
			return r, err
		}
		w, err := cache.NewWriteThrough[string](db, tier, linkTTL, cache.ReadThroughConfig{})
		if err != nil {
			return r, err
		}
		defer w.Close(context.WithoutCancel(ctx))
		insts[i] = w
	}
	reads, err = playSteps(ctx, insts[0], insts[1], func() error {
		// Wait for B to hear of A's write, as a real deployment would
		// within one pub/sub delivery.
		select {
		case keys := <-told:
			if len(keys) != 1 || keys[0] != linkKey {
				return fmt.Errorf("instance B was told of %q", keys)
			}
			return nil
		case <-ctx.Done():
			return errors.New("instance B never heard of the write")
		}
	})
	if err != nil {
		return r, fmt.Errorf("two tiers: %w", err)
	}
	r.twoTier, r.twoTierLoads = reads, db.Stats().Loads
	return r, nil
}

// stale counts the reads that returned something other than the last
// value written before them.
func stale(reads []read) int {
	n, last := 0, ""
	for i, s := range steps {
		if s.write != "" {
			last = s.write
		} else if reads[i].value != last {
			n++
		}
	}
	return n
}

func (r coherenceResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 3: two instances, one database, a local cache in each\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("Instances A and B of a service each keep a local cache (an S3-FIFO) and write through it to one database, with a TTL of %s. A writes version v1 of link %s, B reads it twice, A writes v2, B reads it twice more. First with the local caches alone, then with rediscache.TwoTier: the local cache in front of a Redis shared by both (embedded here), every write publishing an invalidation event that makes the other instance drop its copy. A read says where its value came from: hit is a cache (local or Redis), loaded the database.", hours(linkTTL), linkKey), 80))
	fmt.Fprintf(w, "  %-3s %-16s %-24s %s\n", "", "step", "local caches only", "TwoTier with events")
	for i, s := range steps {
		what := "reads " + linkKey
		if s.write != "" {
			what = "writes " + s.write
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-3d %-16s %-24s %s", i+1, s.who+" "+what, r.describe(r.local, i), r.describe(r.twoTier, i)), " "))
	}
	fmt.Fprintf(w, "\n%s\n", wrap("What to notice: "+r.conclusion(), 80))
}

// describe says what step i read in one setup.
func (r coherenceResult) describe(reads []read, i int) string {
	if steps[i].write != "" {
		return ""
	}
	s := reads[i].value + " (" + reads[i].result.String() + ")"
	last := ""
	for _, st := range steps[:i] {
		if st.write != "" {
			last = st.write
		}
	}
	if reads[i].value != last {
		s += " STALE"
	}
	return s
}

func (r coherenceResult) conclusion() string {
	ls, ts := stale(r.local), stale(r.twoTier)
	s := ""
	if ls > 0 {
		s = fmt.Sprintf("with local caches alone, B read the old value %s after A had changed it, and would go on doing so until its copy's TTL of %s ran out: nothing told it of the write. ", times(ls), hours(linkTTL))
	} else {
		s = "with local caches alone, B never read an old value here. "
	}
	if ts == 0 {
		s += fmt.Sprintf("With TwoTier, A's write reached B as an event, B dropped its copy, and every read saw the last write (%d database loads: the values came from Redis).", r.twoTierLoads)
	} else {
		s += fmt.Sprintf("With TwoTier, B still read an old value %s.", times(ts))
	}
	return s
}

// hours formats d as a number of hours.
func hours(d time.Duration) string {
	if d == time.Hour {
		return "one hour"
	}
	return fmt.Sprintf("%g hours", d.Hours())
}

// times says how many times something happened.
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
