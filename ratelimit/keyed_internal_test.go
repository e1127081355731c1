package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestShardAgainstMap drives one shard with random inserts, updates and
// deletions and checks it against a map after every step.
func TestShardAgainstMap(t *testing.T) {
	g, err := NewGCRA(1, time.Second, 1)
	require.NoError(t, err)
	tb := newTable[int64](gcraCore{g.b}, 1, 1<<20)
	sh := &tb.shards[0]
	model := map[uint64]int64{}
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 20000 {
		h := uint64(r.IntN(300))*0x9E3779B97F4A7C15 | 1 // spread, never 0
		if r.IntN(3) == 0 && sh.n > 0 {
			i, found := sh.find(h)
			if found {
				sh.deleteAt(i)
				delete(model, h)
			}
		} else if sh.slots != nil {
			if i, found := sh.find(h); found {
				sh.slots[i].s = int64(step)
				model[h] = int64(step)
				continue
			}
			tb.insertLocked(sh, h, int64(step), 0)
			model[h] = int64(step)
		} else {
			tb.insertLocked(sh, h, int64(step), 0)
			model[h] = int64(step)
		}
		require.Equal(t, len(model), sh.n, "step %d", step)
	}
	for h, v := range model {
		i, found := sh.find(h)
		require.True(t, found)
		require.Equal(t, v, sh.slots[i].s)
	}
}

// TestSweepChangesNoDecision plays a trace against two Keyed tables of
// every algorithm, sweeping one of them before every request: forgetting
// the keys that are full again must change no Decision.
func TestSweepChangesNoDecision(t *testing.T) {
	templates := []Algorithm{}
	add := func(a Algorithm, err error) {
		require.NoError(t, err)
		templates = append(templates, a)
	}
	add(NewFixedWindow(3, time.Second))
	add(NewSlidingLog(3, time.Second))
	add(NewSlidingWindow(3, time.Second))
	add(NewTokenBucket(3, time.Second, 3))
	add(NewLeakyBucket(3, time.Second, 3))
	add(NewGCRA(3, time.Second, 3))
	for _, tpl := range templates {
		kept, swept := tpl.newStore(4, 400), tpl.newStore(4, 400)
		r := rand.New(rand.NewPCG(3, 4))
		now := int64(1) << 60
		forgotten := 0
		for step := range 2000 {
			now += r.Int64N(int64(400 * time.Millisecond))
			h := uint64(r.IntN(8)+1) << 58 // spread over the shards
			n := r.IntN(4)
			before := swept.len()
			swept.sweep(now)
			forgotten += before - swept.len()
			want, wantErr := kept.decide(h, now, n)
			got, err := swept.decide(h, now, n)
			require.Equal(t, want, got, "%T step %d", tpl, step)
			require.Equal(t, wantErr, err)
		}
		require.Positive(t, forgotten, "%T: the sweep forgot nothing, so the test shows nothing", tpl)
	}
}

// TestShardSharesAddUp checks that the shards' shares of MaxKeys add up to
// it exactly, for sizes that do and do not divide evenly, and that a shard
// still fills one 64-byte cache line.
func TestShardSharesAddUp(t *testing.T) {
	require.Equal(t, uintptr(64), unsafe.Sizeof(shard[int64]{}))
	require.Equal(t, uintptr(64), unsafe.Sizeof(shard[logState]{}))
	for _, c := range []struct{ shards, maxKeys int }{{1, 1}, {1, 31}, {2, 33}, {32, 1000}, {64, 5000}, {64, 1 << 20}, {64, 1<<20 + 63}} {
		tb := newTable[int64](gcraCore{}, c.shards, c.maxKeys)
		sum, least, most := 0, c.maxKeys, 0
		for i := range tb.shards {
			share := tb.shards[i].share
			sum += share
			least, most = min(least, share), max(most, share)
		}
		require.Equal(t, c.maxKeys, sum, "%+v", c)
		require.LessOrEqual(t, most-least, 1, "%+v: shares as even as they can be", c)
	}
}
