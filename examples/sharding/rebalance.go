package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/sharding"
	"github.com/backendkit/backendkit/sharding/redisshard"
)

const storePrefix = "app:"

// rebalanceResult is what part 2 measured.
type rebalanceResult struct {
	keys, writers int
	servers       []string
	before, after map[string]int // keys held by each server
	stats         redisshard.MoveStats
	moveTime      time.Duration
	writes        int64 // writes acknowledged in all
	writesInMove  int64 // writes that began and ended while the move ran
	lost          int   // keys whose value is not the last acknowledged write
	onTwoServers  int   // keys found on more than one server after the move
	onWrongServer int   // keys not on the server the ring names
}

// playRebalance fills a redisshard.Store over cfg.Servers embedded Redis
// servers, adds one more while cfg.Writers goroutines keep writing, and
// checks every key afterwards.
func playRebalance(ctx context.Context, cfg config) (rebalanceResult, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r := rebalanceResult{keys: cfg.StoredKeys, writers: cfg.Writers}

	mrs := map[string]*miniredis.Miniredis{}
	var nodes []redisshard.Node
	for i := range cfg.Servers + 1 {
		mr, err := miniredis.Run()
		if err != nil {
			return r, err
		}
		defer mr.Close()
		client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		defer client.Close()
		name := fmt.Sprintf("redis-%d", i)
		mrs[name] = mr
		r.servers = append(r.servers, name)
		nodes = append(nodes, redisshard.Node{Node: sharding.Node{Name: name}, Client: client})
	}
	store, err := redisshard.New(storePrefix, nodes[:cfg.Servers], redisshard.Config{})
	if err != nil {
		return r, err
	}
	key := func(i int) string { return fmt.Sprintf("user:%d", i) }
	// want[i] is the last value acknowledged for key i; each writer owns
	// the keys i with i % writers == its number, so no two write one key.
	want := make([]string, cfg.StoredKeys)
	for i := range want {
		want[i] = "initial"
		if err := store.Set(ctx, key(i), want[i], 0); err != nil {
			return r, err
		}
	}
	r.before = counts(mrs)

	// Writers overwrite their keys in turn until the move is over.
	var moving, done atomic.Bool
	var writes, inMove atomic.Int64
	errs := make([]error, cfg.Writers)
	var wg sync.WaitGroup
	started := make(chan struct{}, cfg.Writers)
	for w := range cfg.Writers {
		wg.Go(func() {
			for round, i := 0, w; !done.Load(); round++ {
				v := fmt.Sprintf("writer %d, round %d", w, round)
				during := moving.Load()
				if err := store.Set(ctx, key(i), v, 0); err != nil {
					errs[w] = err
					return
				}
				want[i] = v
				writes.Add(1)
				if during && moving.Load() {
					inMove.Add(1)
				}
				if round == 0 {
					started <- struct{}{}
				}
				if i += cfg.Writers; i >= cfg.StoredKeys {
					i = w
				}
			}
		})
	}
	for range cfg.Writers {
		<-started // every writer is writing
	}
	moving.Store(true)
	start := time.Now()
	r.stats, err = store.AddNode(ctx, nodes[cfg.Servers])
	r.moveTime = time.Since(start)
	moving.Store(false)
	done.Store(true)
	wg.Wait()
	if err != nil {
		return r, fmt.Errorf("adding %s: %w", nodes[cfg.Servers].Name, err)
	}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	r.writes, r.writesInMove = writes.Load(), inMove.Load()
	r.after = counts(mrs)

	// Every key: the last acknowledged value, on one server, the ring's.
	ring := store.Ring()
	for i := range want {
		k := key(i)
		v, err := store.Get(ctx, k)
		if err != nil && !errors.Is(err, redisshard.ErrNotFound) {
			return r, err
		}
		if v != want[i] {
			r.lost++
		}
		home, err := ring.Lookup(k)
		if err != nil {
			return r, err
		}
		held := 0
		for name, mr := range mrs {
			if mr.Exists(storePrefix + k) {
				held++
				if name != home {
					r.onWrongServer++
				}
			}
		}
		if held > 1 {
			r.onTwoServers++
		}
	}
	return r, nil
}

// counts returns the number of keys each server holds.
func counts(mrs map[string]*miniredis.Miniredis) map[string]int {
	c := map[string]int{}
	for name, mr := range mrs {
		c[name] = len(mr.Keys())
	}
	return c
}

func (r rebalanceResult) print(w io.Writer) {
	n := len(r.servers)
	fmt.Fprintf(w, "Part 2: moving live data to a new Redis server\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("A redisshard.Store keeps %d keys on %d embedded Redis servers, placed by a consistent-hash ring. %s joins while %d goroutines keep overwriting keys, each remembering the last value the store acknowledged. The store copies only the keys whose server changed, while reads try the new server, then the old, then the new again, and writes go to the old server first (if the key is still there), then the new.", r.keys, n-1, r.servers[n-1], r.writers), 80))
	fmt.Fprintf(w, "  %-10s %8s %8s\n", "server", "before", "after")
	for _, s := range r.servers {
		fmt.Fprintf(w, "  %-10s %8d %8d\n", s, r.before[s], r.after[s])
	}
	fmt.Fprintln(w)
	rows := [][2]string{
		{"keys scanned on the servers handing keys over", fmt.Sprint(r.stats.Scanned)},
		{"keys copied to the new server", fmt.Sprint(r.stats.Moved)},
		{"keys a write had already put there", fmt.Sprint(r.stats.Superseded)},
		{"writes acknowledged in all", fmt.Sprint(r.writes)},
		{"writes made while the move ran", fmt.Sprint(r.writesInMove)},
		{"keys whose last write was lost", fmt.Sprint(r.lost)},
		{"keys on two servers after the move", fmt.Sprint(r.onTwoServers)},
		{"keys on a server the ring does not name", fmt.Sprint(r.onWrongServer)},
	}
	for _, row := range rows {
		fmt.Fprintf(w, "  %-48s %8s\n", row[0], row[1])
	}
	fmt.Fprintf(w, "\n%s\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r rebalanceResult) conclusion() string {
	var b strings.Builder
	moved := r.stats.Moved + r.stats.Superseded
	fmt.Fprintf(&b, "the move took %v and relocated %d of the %d keys (%s; a fair share for the new server is %s). ",
		r.moveTime.Round(time.Millisecond), moved, r.keys, percent(float64(moved)/float64(r.keys)), percent(1/float64(len(r.servers))))
	switch {
	case r.lost == 0 && r.onTwoServers == 0 && r.onWrongServer == 0:
		fmt.Fprintf(&b, "Of the %d writes acknowledged, %d of them while keys were moving, none was lost, and every key ended on exactly the server the new ring names.", r.writes, r.writesInMove)
	default:
		fmt.Fprintf(&b, "%d keys lost their last write, %d sit on two servers and %d on the wrong one.", r.lost, r.onTwoServers, r.onWrongServer)
	}
	return b.String()
}
