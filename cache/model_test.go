package cache_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache"
)

// model is a reference cache written for clarity, not speed: a map plus
// slices used as lists. The model test drives it and a real cache with the
// same random operations and compares every result.
type model interface {
	get(k string, now time.Time) (int, bool)
	set(k string, v int, ttl time.Duration, now time.Time)
	del(k string) bool
	len() int
	evictions() []string
}

type modelEntry struct {
	value    int
	deadline time.Time // zero: never
	freq     int       // S3-FIFO only
}

func (e *modelEntry) expired(now time.Time) bool {
	return !e.deadline.IsZero() && !now.Before(e.deadline)
}

func expiry(ttl time.Duration, now time.Time) time.Time {
	if ttl > 0 {
		return now.Add(ttl)
	}
	return time.Time{}
}

// lruModel keeps keys in order, most recently used first.
type lruModel struct {
	capacity int
	m        map[string]*modelEntry
	order    []string
	log      []string
}

func (l *lruModel) touch(k string) {
	i := slices.Index(l.order, k)
	l.order = slices.Insert(slices.Delete(l.order, i, i+1), 0, k)
}

func (l *lruModel) remove(k string, r cache.Reason) {
	l.log = append(l.log, fmt.Sprintf("%s=%d %v", k, l.m[k].value, r))
	delete(l.m, k)
	i := slices.Index(l.order, k)
	l.order = slices.Delete(l.order, i, i+1)
}

func (l *lruModel) get(k string, now time.Time) (int, bool) {
	e, ok := l.m[k]
	if !ok {
		return 0, false
	}
	if e.expired(now) {
		l.remove(k, cache.Expired)
		return 0, false
	}
	l.touch(k)
	return e.value, true
}

func (l *lruModel) set(k string, v int, ttl time.Duration, now time.Time) {
	if e, ok := l.m[k]; ok {
		if ttl < 0 {
			l.remove(k, cache.Expired)
			return
		}
		e.value, e.deadline = v, expiry(ttl, now)
		l.touch(k)
		return
	}
	if ttl < 0 {
		return
	}
	if len(l.m) >= l.capacity {
		l.remove(l.order[len(l.order)-1], cache.Evicted)
	}
	l.m[k] = &modelEntry{value: v, deadline: expiry(ttl, now)}
	l.order = slices.Insert(l.order, 0, k)
}

func (l *lruModel) del(k string) bool {
	if _, ok := l.m[k]; !ok {
		return false
	}
	l.remove(k, cache.Deleted)
	return true
}

func (l *lruModel) len() int            { return len(l.m) }
func (l *lruModel) evictions() []string { return l.log }

// s3fifoModel follows the package doc's description of S3FIFO: a small
// and a main FIFO queue (oldest first here), one access bit per entry, a
// ghost queue of keys evicted from each, and a small queue whose target
// size moves towards the queue whose ghost was hit, by the ratio of the
// ghosts' sizes (as ARC adapts its target).
type s3fifoModel struct {
	capacity, smallCap     int
	ghostCap, mainGhostCap int
	m                      map[string]*modelEntry
	small, main            []string
	// ghost and mainGhost hold the keys of the last evictions from each
	// queue, "" for a key since taken back.
	ghost, mainGhost []string
	log              []string
}

func newS3FIFOModel(capacity int) *s3fifoModel {
	small := max(1, capacity*15/100)
	return &s3fifoModel{
		capacity: capacity, smallCap: small,
		ghostCap: max(1, capacity-small), mainGhostCap: capacity,
		m: map[string]*modelEntry{},
	}
}

func (s *s3fifoModel) bump(e *modelEntry) { e.freq = 1 }

func remember(ghost []string, k string, n int) []string {
	ghost = append(ghost, k)
	if len(ghost) > n {
		ghost = ghost[1:]
	}
	return ghost
}

// take forgets k if ghost holds it and reports whether it did.
func take(ghost []string, k string) bool {
	if i := slices.Index(ghost, k); i >= 0 {
		ghost[i] = ""
		return true
	}
	return false
}

func live(ghost []string) int {
	n := 0
	for _, k := range ghost {
		if k != "" {
			n++
		}
	}
	return n
}

func (s *s3fifoModel) remove(k string, r cache.Reason) {
	s.log = append(s.log, fmt.Sprintf("%s=%d %v", k, s.m[k].value, r))
	delete(s.m, k)
	if i := slices.Index(s.small, k); i >= 0 {
		s.small = slices.Delete(s.small, i, i+1)
	} else {
		i := slices.Index(s.main, k)
		s.main = slices.Delete(s.main, i, i+1)
	}
}

func (s *s3fifoModel) get(k string, now time.Time) (int, bool) {
	e, ok := s.m[k]
	if !ok {
		return 0, false
	}
	if e.expired(now) {
		s.remove(k, cache.Expired)
		return 0, false
	}
	s.bump(e)
	return e.value, true
}

func (s *s3fifoModel) evict() {
	for {
		if len(s.small) >= s.smallCap || len(s.main) == 0 {
			k := s.small[0]
			s.small = s.small[1:]
			if e := s.m[k]; e.freq > 0 {
				e.freq = 0
				s.main = append(s.main, k)
				continue
			}
			s.ghost = remember(s.ghost, k, s.ghostCap)
			s.small = append(s.small, k) // so that remove finds it
			s.remove(k, cache.Evicted)
			return
		}
		k := s.main[0]
		s.main = s.main[1:]
		if e := s.m[k]; e.freq > 0 {
			e.freq--
			s.main = append(s.main, k)
			continue
		}
		s.mainGhost = remember(s.mainGhost, k, s.mainGhostCap)
		s.main = append(s.main, k)
		s.remove(k, cache.Evicted)
		return
	}
}

func (s *s3fifoModel) set(k string, v int, ttl time.Duration, now time.Time) {
	if e, ok := s.m[k]; ok {
		if ttl < 0 {
			s.remove(k, cache.Expired)
			return
		}
		e.value, e.deadline = v, expiry(ttl, now)
		s.bump(e)
		return
	}
	if ttl < 0 {
		return
	}
	if len(s.m) >= s.capacity {
		s.evict()
	}
	s.m[k] = &modelEntry{value: v, deadline: expiry(ttl, now)}
	switch {
	case take(s.ghost, k):
		s.smallCap = min(s.smallCap+max(1, live(s.mainGhost)/max(1, live(s.ghost))), max(1, s.capacity-1))
		s.main = append(s.main, k)
	case take(s.mainGhost, k):
		s.smallCap = max(s.smallCap-max(1, live(s.ghost)/max(1, live(s.mainGhost))), 1)
		s.main = append(s.main, k)
	default:
		s.small = append(s.small, k)
	}
}

func (s *s3fifoModel) del(k string) bool {
	if _, ok := s.m[k]; !ok {
		return false
	}
	s.remove(k, cache.Deleted)
	return true
}

func (s *s3fifoModel) len() int            { return len(s.m) }
func (s *s3fifoModel) evictions() []string { return s.log }

// TestAgainstModel runs random sequences of Get, Set, SetWithTTL, Delete
// and clock steps against each cache and its model, and requires the same
// result from every call, the same evictions in the same order, and the
// same length. Keys come from a small space so that operations collide,
// and capacities are small so that eviction is frequent. The sweep is set
// far beyond the test's span so that only reads and writes remove entries,
// as in the models.
func TestAgainstModel(t *testing.T) {
	models := map[string]func(capacity int) model{
		"lru":    func(n int) model { return &lruModel{capacity: n, m: map[string]*modelEntry{}} },
		"s3fifo": func(n int) model { return newS3FIFOModel(n) },
	}
	forEach(t, func(t *testing.T, im impl) {
		for seed := range uint64(16) {
			synctest.Test(t, func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 7))
				capacity := 1 + r.IntN(40)
				keys := capacity + 1 + r.IntN(3*capacity)
				var log evictLog
				c, err := im.new(capacity, cache.Config[string, int]{Shards: 1, OnEvict: log.record,
					SweepInterval: 1000 * time.Hour,
				})
				require.NoError(t, err)
				defer c.Close()
				m := models[im.name](capacity)
				seen := 0 // evictions compared so far

				for step := range 3000 {
					k := fmt.Sprint("k", r.IntN(keys))
					now := time.Now()
					var what string
					switch op := r.IntN(100); {
					case op < 50:
						what = "get " + k
						gv, gok := c.Get(k)
						mv, mok := m.get(k, now)
						require.Equal(t, mok, gok, "seed %d step %d: %s", seed, step, what)
						require.Equal(t, mv, gv, "seed %d step %d: %s", seed, step, what)
					case op < 80:
						what = "set " + k
						c.Set(k, step)
						m.set(k, step, 0, now)
					case op < 90:
						ttl := time.Duration(r.IntN(20)-2) * time.Second
						what = fmt.Sprintf("set %s ttl %v", k, ttl)
						c.SetWithTTL(k, step, ttl)
						m.set(k, step, ttl, now)
					case op < 97:
						what = "delete " + k
						require.Equal(t, m.del(k), c.Delete(k), "seed %d step %d: %s", seed, step, what)
					default:
						what = "sleep"
						time.Sleep(time.Duration(r.IntN(3000)) * time.Millisecond)
					}
					require.Equal(t, m.len(), c.Len(), "seed %d step %d: after %s", seed, step, what)
					want, got := m.evictions()[seen:], log.since(seen)
					require.Equal(t, want, got, "seed %d step %d: evictions after %s", seed, step, what)
					seen += len(want)
				}
			})
		}
	})
}
