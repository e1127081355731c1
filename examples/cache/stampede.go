package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backendkit/backendkit/cache"
)

const (
	hotKey   = "link:home"
	hotValue = "https://example.com/"
)

// settle is how long after the last caller has asked the cache the
// database answers.
const settle = 50 * time.Millisecond

// slowDB is the source of truth of the stampede: a load of the hot key
// answers only settle after every caller has asked the cache for it, the
// situation in which a stampede happens (a query slower than the burst of
// requests is long), made so that the count does not depend on how fast
// the machine starts goroutines.
type slowDB struct {
	callers  int
	asked    atomic.Int64 // callers that have asked the cache
	loads    atomic.Int64 // loads the database served
	released chan struct{}
}

func newSlowDB(callers int) *slowDB {
	return &slowDB{callers: callers, released: make(chan struct{})}
}

// ask records that one more caller has asked the cache.
func (db *slowDB) ask() {
	if db.asked.Add(1) == int64(db.callers) {
		time.AfterFunc(settle, func() { close(db.released) })
	}
}

// load is the database query: it counts itself and answers settle after
// the last caller has asked, or fails when ctx ends first.
func (db *slowDB) load(ctx context.Context, key string) (string, error) {
	db.loads.Add(1)
	if key != hotKey {
		return "", cache.ErrNotFound
	}
	select {
	case <-db.released:
		return hotValue, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// stampedeResult is what part 2 measured.
type stampedeResult struct {
	callers           int
	asideLoads        int64
	readThroughLoads  int64
	asideHits         int                  // cache-aside callers that found the value cached
	readThroughByKind map[cache.Result]int // what each read-through Get reported
}

// playStampede makes callers goroutines miss one key at once through
// cache-aside and then through read-through.
func playStampede(ctx context.Context, callers int) (stampedeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r := stampedeResult{callers: callers, readThroughByKind: map[cache.Result]int{}}

	newTier := func() (*cache.Local[string], func(), error) {
		m, err := cache.NewS3FIFO(1000, cache.Config[string, cache.Entry[string]]{})
		if err != nil {
			return nil, nil, err
		}
		tier, err := cache.NewLocal[string](m)
		if err != nil {
			m.Close()
			return nil, nil, err
		}
		return tier, m.Close, nil
	}

	// Cache-aside: each caller reads the cache, and on a miss the
	// database, then fills the cache.
	tier, closeTier, err := newTier()
	if err != nil {
		return r, err
	}
	defer closeTier()
	aside, err := cache.NewAside[string](tier, time.Hour, cache.AsideConfig{})
	if err != nil {
		return r, err
	}
	db := newSlowDB(callers)
	var hits atomic.Int64
	err = together(callers, func() error {
		db.ask()
		v, ok, lease, err := aside.Get(ctx, hotKey)
		if err != nil {
			return err
		}
		if ok {
			hits.Add(1)
		} else {
			if v, err = db.load(ctx, hotKey); err != nil {
				return err
			}
			if _, err := aside.Fill(ctx, hotKey, lease, v); err != nil {
				return err
			}
		}
		if v != hotValue {
			return fmt.Errorf("cache-aside returned %q", v)
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("cache-aside: %w", err)
	}
	r.asideLoads, r.asideHits = db.loads.Load(), int(hits.Load())

	// Read-through: the cache calls the loader, once per key at a time.
	tier, closeTier2, err := newTier()
	if err != nil {
		return r, err
	}
	defer closeTier2()
	db = newSlowDB(callers)
	rt, err := cache.NewReadThrough[string](tier, db.load, time.Hour, cache.ReadThroughConfig{})
	if err != nil {
		return r, err
	}
	defer rt.Close(context.WithoutCancel(ctx))
	var mu sync.Mutex
	err = together(callers, func() error {
		db.ask()
		v, res, err := rt.Get(ctx, hotKey)
		if err != nil {
			return err
		}
		if v != hotValue {
			return fmt.Errorf("read-through returned %q", v)
		}
		mu.Lock()
		r.readThroughByKind[res]++
		mu.Unlock()
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("read-through: %w", err)
	}
	r.readThroughLoads = db.loads.Load()
	if calls := rt.Stats().LoaderCalls; calls != uint64(r.readThroughLoads) {
		return r, fmt.Errorf("read-through counted %d loader calls, the database %d", calls, r.readThroughLoads)
	}
	return r, nil
}

// together runs f on n goroutines released at the same moment and
// returns the errors they returned.
func together(n int, f func() error) error {
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f()
		})
	}
	close(start)
	wg.Wait()
	return errors.Join(errs...)
}

func (r stampedeResult) print(w io.Writer) {
	fmt.Fprintf(w, "Part 2: a stampede on one key\n\n")
	fmt.Fprintf(w, "%s\n\n", wrap(fmt.Sprintf("%d goroutines ask for the same key at the same moment, and the cache does not have it. The database is slow: a query for the key answers %v after the last of the %d requests has arrived, as when a popular entry expires under load. First through cache-aside (cache.Aside: read the cache, on a miss read the database and fill the cache), then through read-through (cache.ReadThrough, which joins concurrent misses of one key into one load).", r.callers, settle, r.callers), 80))
	fmt.Fprintf(w, "  %-30s %14s %14s\n", "strategy", "database loads", "callers")
	fmt.Fprintf(w, "  %-30s %14d %14d\n", "cache-aside", r.asideLoads, r.callers)
	fmt.Fprintf(w, "  %-30s %14d %14d\n", "read-through", r.readThroughLoads, r.callers)
	fmt.Fprintf(w, "\n%s\n\n", wrap("What to notice: "+r.conclusion(), 80))
}

func (r stampedeResult) conclusion() string {
	s := fmt.Sprintf("cache-aside sent %d of the %d misses to the database (%s)", r.asideLoads, r.callers, percent(float64(r.asideLoads)/float64(r.callers)))
	if r.asideHits > 0 {
		s += fmt.Sprintf("; only %d came late enough to find the value cached", r.asideHits)
	}
	s += fmt.Sprintf(". Read-through made %d load", r.readThroughLoads)
	if r.readThroughLoads != 1 {
		s += "s"
	}
	s += fmt.Sprintf(" for all %d callers", r.callers)
	if joined := r.readThroughByKind[cache.Loaded]; joined > 1 {
		s += fmt.Sprintf(": %d of them waited for that one load and shared its result", joined-1)
	}
	if hits := r.readThroughByKind[cache.Hit]; hits > 0 {
		s += fmt.Sprintf(", %d found it cached", hits)
	}
	return s + "."
}
