package redisshard

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// moveFixture is a Store on node "a" holding keys k0…k(n-1) = "old",
// with a second server ready to be added as node "b".
type moveFixture struct {
	ctx     context.Context
	servers []*redistest.Server
	store   *Store
	keys    []string
}

func newMoveFixture(t *testing.T, n, batchSize int) *moveFixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	servers := redistest.Nodes(t, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{BatchSize: batchSize})
	require.NoError(t, err)
	f := &moveFixture{ctx: ctx, servers: servers, store: store}
	for i := range n {
		k := fmt.Sprintf("k%d", i)
		require.NoError(t, store.Set(ctx, k, "old", 0))
		f.keys = append(f.keys, k)
	}
	return f
}

func (f *moveFixture) addB(t *testing.T) MoveStats {
	t.Helper()
	stats, err := f.store.AddNode(f.ctx, Node{Node: sharding.Node{Name: "b"}, Client: f.servers[1].Client})
	require.NoError(t, err)
	return stats
}

// fastForward makes d pass on both servers.
func (f *moveFixture) fastForward(d time.Duration) {
	for _, srv := range f.servers {
		srv.FastForward(d)
	}
}

// stored returns the raw values of key on a and b ("" when absent).
func (f *moveFixture) stored(t *testing.T, key string) [2]string {
	t.Helper()
	var out [2]string
	for i, srv := range f.servers {
		v, err := srv.Client.Get(f.ctx, srv.Prefix+key).Result()
		if err != nil {
			require.ErrorIs(t, err, redis.Nil)
			continue
		}
		out[i] = v
	}
	return out
}

// leavingA returns the keys that the store's ring no longer places on a,
// of those that are still on a: keys whose move is pending.
func (f *moveFixture) leavingA(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, k := range f.keys {
		home, err := f.store.Ring().Lookup(k)
		require.NoError(t, err)
		if home != "a" && f.stored(t, k)[0] != "" {
			out = append(out, k)
		}
	}
	return out
}

// TestSetWithTTLDuringMoveLeavesNoStaleValue overwrites, with a time to
// live, keys whose move to a new node is pending, and lets that time pass
// before the move reaches them: the keys must be gone, during the move and
// after it, and the overwritten value must never come back.
func TestSetWithTTLDuringMoveLeavesNoStaleValue(t *testing.T) {
	f := newMoveFixture(t, 100, 1)
	var overwritten, staleDuring, staleAfter, leftOver []string
	var midReads []string // values read in the middle of a Set
	f.store.midWrite = func(key string) {
		v, err := f.store.Get(f.ctx, key)
		if err != nil {
			v = err.Error()
		}
		midReads = append(midReads, key+"="+v)
	}
	f.store.afterBatch = func() {
		if overwritten != nil {
			return
		}
		overwritten = f.leavingA(t)
		for _, k := range overwritten {
			require.NoError(t, f.store.Set(f.ctx, k, "new", time.Second))
			got, err := f.store.Get(f.ctx, k)
			require.NoError(t, err)
			require.Equalf(t, "new", got, "%s right after its Set", k)
		}
		f.fastForward(2 * time.Second)
		for _, k := range overwritten {
			if got, err := f.store.Get(f.ctx, k); !errors.Is(err, ErrNotFound) {
				staleDuring = append(staleDuring, fmt.Sprintf("%s=%q (err %v)", k, got, err))
			}
		}
	}
	stats := f.addB(t)
	t.Logf("%+v; %d keys overwritten during the move", stats, len(overwritten))
	require.NotEmpty(t, overwritten, "the first batch leaves keys to move")
	require.Len(t, midReads, len(overwritten), "reads in the middle of a Set")
	for _, r := range midReads {
		assert.Regexp(t, `=(old|new)$`, r, "a read in the middle of a Set returns the old or the new value")
	}
	for _, k := range overwritten {
		if got, err := f.store.Get(f.ctx, k); !errors.Is(err, ErrNotFound) {
			staleAfter = append(staleAfter, fmt.Sprintf("%s=%q (err %v)", k, got, err))
		}
		if on := f.stored(t, k); on != [2]string{} {
			leftOver = append(leftOver, fmt.Sprintf("%s on a, b: %q", k, on))
		}
	}
	assert.Emptyf(t, staleDuring, "%d of %d expired keys read during the move", len(staleDuring), len(overwritten))
	assert.Emptyf(t, staleAfter, "%d of %d expired keys read after the move", len(staleAfter), len(overwritten))
	assert.Emptyf(t, leftOver, "%d of %d expired keys stored after the move", len(leftOver), len(overwritten))
}

// TestSetRacingTheCopyLeavesNoStaleValue overwrites a key, with a time to
// live, after the move has read it from its old node and before it writes
// the copy, and lets that time pass: the copy must not bring back the
// overwritten value. The Set must wait for the copy; the test sees it
// either wait (stripeWait) or finish.
func TestSetRacingTheCopyLeavesNoStaleValue(t *testing.T) {
	f := newMoveFixture(t, 50, 10)
	var (
		key       string
		setDone   = make(chan error, 1)
		waiting   = make(chan struct{})
		waitOnce  sync.Once
		setWaited bool
	)
	f.store.stripeWait = func() { waitOnce.Do(func() { close(waiting) }) }
	f.store.beforeCopy = func(keys []string) {
		if key != "" {
			return
		}
		key = keys[0]
		go func() { setDone <- f.store.Set(f.ctx, key, "new", time.Second) }()
		select {
		case <-waiting:
			setWaited = true
		case err := <-setDone:
			setDone <- err // for the check below
			// The Set did not wait: let its value expire before the copy.
			f.fastForward(2 * time.Second)
		}
	}
	f.addB(t)
	require.NotEmpty(t, key, "the move copied a batch")
	require.NoError(t, <-setDone)
	t.Logf("key %s; the Set waited for the copy: %v", key, setWaited)
	f.fastForward(2 * time.Second)
	got, err := f.store.Get(f.ctx, key)
	require.ErrorIsf(t, err, ErrNotFound, "%s was overwritten with a value that expired, got %q", key, got)
	require.Equalf(t, [2]string{}, f.stored(t, key), "%s on a, b", key)
}

// TestDelDuringMoveNeverShowsAnOlderValue reads keys in the middle of
// their Del, during a move: a read may return the value being deleted or
// nothing, never a value overwritten before the Del.
func TestDelDuringMoveNeverShowsAnOlderValue(t *testing.T) {
	f := newMoveFixture(t, 100, 1)
	var deleted []string
	var midReads []string
	f.store.afterBatch = func() {
		if deleted != nil {
			return
		}
		deleted = f.leavingA(t)
		for _, k := range deleted {
			require.NoError(t, f.store.Set(f.ctx, k, "new", 0))
		}
		f.store.midWrite = func(key string) {
			v, err := f.store.Get(f.ctx, key)
			if errors.Is(err, ErrNotFound) {
				v = "not found"
			}
			midReads = append(midReads, key+"="+v)
		}
		for _, k := range deleted {
			require.NoError(t, f.store.Del(f.ctx, k))
		}
		f.store.midWrite = nil
	}
	f.addB(t)
	require.NotEmpty(t, deleted, "the first batch leaves keys to move")
	require.NotEmpty(t, midReads, "reads in the middle of a Del")
	var older, back []string
	for _, r := range midReads {
		if !strings.HasSuffix(r, "=new") && !strings.HasSuffix(r, "=not found") {
			older = append(older, r)
		}
	}
	for _, k := range deleted {
		_, err := f.store.Get(f.ctx, k)
		if on := f.stored(t, k); !errors.Is(err, ErrNotFound) || on != [2]string{} {
			back = append(back, fmt.Sprintf("%s: %v, on a, b: %q", k, err, on))
		}
	}
	assert.Emptyf(t, older, "%d of %d reads in the middle of a Del returned an overwritten value", len(older), len(midReads))
	assert.Emptyf(t, back, "%d of %d deleted keys still there", len(back), len(deleted))
}

// failAfterMiss makes the first pipeline of GETs it sees, once armed,
// go the way a connection that breaks part-way goes: its first key has
// really gone (deleted just before), so its GET answers nil, and every
// command after the first key's two fails with a network error. Exec then
// reports the first command's error, redis.Nil.
type failAfterMiss struct {
	armed   bool
	deleted string // the key deleted before the pipeline ran
	raw     *redis.Client
}

var errInjected = errors.New("injected: connection reset")

func (*failAfterMiss) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*failAfterMiss) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *failAfterMiss) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !h.armed || len(cmds) < 4 || cmds[0].Name() != "get" {
			return next(ctx, cmds)
		}
		h.armed = false
		h.deleted = cmds[0].Args()[1].(string)
		if err := h.raw.Del(ctx, h.deleted).Err(); err != nil {
			return err
		}
		if err := next(ctx, cmds[:2]); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		for _, c := range cmds[2:] {
			c.SetErr(errInjected)
		}
		return cmds[0].Err()
	}
}

// TestMoveReadErrorIsNotTakenForAMissingKey breaks the connection to the
// old node part-way through reading a batch whose first key has gone: the
// move must fail, not take the unread keys for gone and delete them, and
// Resume must then finish it with every key in place.
func TestMoveReadErrorIsNotTakenForAMissingKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	hook := &failAfterMiss{raw: servers[0].Client}
	client := servers[0].NewClient()
	client.AddHook(hook)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: client}}, Config{BatchSize: 10})
	require.NoError(t, err)
	const n = 100
	for i := range n {
		require.NoError(t, store.Set(ctx, fmt.Sprintf("k%d", i), strconv.Itoa(i), 0))
	}
	hook.armed = true
	_, err = store.AddNode(ctx, Node{Node: sharding.Node{Name: "b"}, Client: servers[1].Client})
	require.ErrorIs(t, err, errInjected, "a move whose read fails")
	require.NotEmpty(t, hook.deleted, "the hook ran")
	_, err = store.Resume(ctx)
	require.NoError(t, err)
	var lost []string
	for i := range n {
		k := fmt.Sprintf("k%d", i)
		got, err := store.Get(ctx, k)
		if servers[0].Prefix+k == hook.deleted {
			assert.ErrorIs(t, err, ErrNotFound, "the key deleted before the read")
			continue
		}
		if err != nil || got != strconv.Itoa(i) {
			lost = append(lost, fmt.Sprintf("%s=%q (%v)", k, got, err))
		}
	}
	assert.Emptyf(t, lost, "%d keys lost", len(lost))
}

// TestCopyLivesNoLongerThanTheOriginal stops the move's clock between
// reading a batch and copying it: each copy's time to live is what
// remained when it was read less the time since, and a key whose life ran
// out meanwhile is not copied (and its old copy is deleted).
func TestCopyLivesNoLongerThanTheOriginal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := redistest.Nodes(t, 2)
	store, err := New(servers[0].Prefix, []Node{{Node: sharding.Node{Name: "a"}, Client: servers[0].Client}}, Config{})
	require.NoError(t, err)
	const n = 50
	for i := range n {
		ttl := time.Hour
		if i%2 == 1 {
			ttl = 10 * time.Minute // runs out while the copy waits
		}
		require.NoError(t, store.Set(ctx, fmt.Sprintf("k%d", i), "v", ttl))
	}
	t0 := time.Now()
	clock := t0
	store.now = func() time.Time { return clock }
	store.beforeCopy = func([]string) { clock = clock.Add(20 * time.Minute) }
	stats, err := store.AddNode(ctx, Node{Node: sharding.Node{Name: "b"}, Client: servers[1].Client})
	require.NoError(t, err)
	require.Positive(t, stats.Moved)
	keys, err := scanAll(ctx, servers[1], servers[1].Prefix)
	require.NoError(t, err)
	require.Len(t, keys, stats.Moved)
	for _, k := range keys {
		i, err := strconv.Atoi(strings.TrimPrefix(k, servers[1].Prefix+"k"))
		require.NoError(t, err)
		require.Zerof(t, i%2, "%s, whose life ran out before the copy, was copied", k)
		ttl, err := servers[1].Client.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Greater(t, ttl, 39*time.Minute, k)
		assert.LessOrEqual(t, ttl, 40*time.Minute, k)
	}
	left, err := scanAll(ctx, servers[0], servers[0].Prefix)
	require.NoError(t, err)
	for _, k := range left {
		home, err := store.Ring().Lookup(strings.TrimPrefix(k, servers[0].Prefix))
		require.NoError(t, err)
		assert.Equalf(t, "a", home, "%s left behind on a", k)
	}
	t.Logf("%+v; %d keys stayed on a", stats, len(left))
}

// TestNewValueExpiringMidSetDoesNotBringBackTheOld reads a key whose move
// is pending in the middle of a Set with a time to live, lets that time
// pass, and reads it again: once a read has found the new value and the
// new value has expired, the value it replaced must not come back. This is
// why a Set writes the old node first: the new node first would leave the
// replaced value on the old node, behind a new one that has expired.
func TestNewValueExpiringMidSetDoesNotBringBackTheOld(t *testing.T) {
	f := newMoveFixture(t, 100, 1)
	var set, back []string
	read := func(key string) string {
		v, err := f.store.Get(f.ctx, key)
		if errors.Is(err, ErrNotFound) {
			return "not found"
		}
		require.NoError(t, err)
		return v
	}
	f.store.afterBatch = func() {
		if set != nil {
			return
		}
		set = f.leavingA(t)
		f.store.midWrite = func(key string) {
			before := read(key)
			f.fastForward(2 * time.Second)
			if after := read(key); before == "new" && after == "old" {
				back = append(back, key)
			}
		}
		for _, k := range set {
			require.NoError(t, f.store.Set(f.ctx, k, "new", time.Second))
		}
		f.store.midWrite = nil
	}
	f.addB(t)
	require.NotEmpty(t, set, "the first batch leaves keys to move")
	assert.Emptyf(t, back, "%d of %d keys showed their new value, then their old one once it expired", len(back), len(set))
}

// TestDelRacingTheCopyIsNotUndone deletes a key after the move has read it
// from its old node and before it writes the copy: the copy must not bring
// the deleted value back. The Del must wait for the copy; the test sees it
// either wait (stripeWait) or finish first.
func TestDelRacingTheCopyIsNotUndone(t *testing.T) {
	f := newMoveFixture(t, 50, 10)
	var (
		key       string
		delDone   = make(chan error, 1)
		waiting   = make(chan struct{})
		waitOnce  sync.Once
		delWaited bool
	)
	f.store.stripeWait = func() { waitOnce.Do(func() { close(waiting) }) }
	f.store.beforeCopy = func(keys []string) {
		if key != "" {
			return
		}
		key = keys[0]
		go func() { delDone <- f.store.Del(f.ctx, key) }()
		select {
		case <-waiting:
			delWaited = true
		case err := <-delDone:
			delDone <- err // for the check below
		}
	}
	f.addB(t)
	require.NotEmpty(t, key, "the move copied a batch")
	require.NoError(t, <-delDone)
	t.Logf("key %s; the Del waited for the copy: %v", key, delWaited)
	got, err := f.store.Get(f.ctx, key)
	require.ErrorIsf(t, err, ErrNotFound, "%s was deleted, got %q", key, got)
	require.Equalf(t, [2]string{}, f.stored(t, key), "%s on a, b", key)
}
