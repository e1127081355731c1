package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// Clock is a fake clock the suite moves by hand; it is safe for
// simultaneous use by multiple goroutines.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading t0.
func NewClock(t0 time.Time) *Clock { return &Clock{now: t0} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Factory opens a fresh, empty store whose expiry decisions read now. It
// registers the store's cleanup with t.Cleanup.
type Factory func(t *testing.T, now func() time.Time) shortener.Store

// Epoch is where every subtest's Clock starts.
var Epoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Concurrency is how many goroutines race to create one alias.
const Concurrency = 1000

// Run runs the conformance suite against the stores f opens.
func Run(t *testing.T, f Factory) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := NewClock(Epoch)
			c.run(t, f(t, clock.Now), clock)
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s shortener.Store, c *Clock)
}{
	{"create-get", testCreateGet},
	{"unknown", testUnknown},
	{"update", testUpdate},
	{"delete-tombstone", testDeleteTombstone},
	{"expiry", testExpiry},
	{"recent", testRecent},
	{"clicks", testClicks},
	{"invalid-input", testInvalidInput},
	{"one-of-many-creates-wins", testOneOfManyCreates},
	{"clicks-exact-under-concurrency", testClicksConcurrent},
	{"cancelled-context", testCancelled},
}

func link(c *Clock, code string, ttl time.Duration) shortener.Link {
	l := shortener.Link{Code: code, URL: "https://example.com/" + code, CreatedAt: c.Now().Truncate(time.Microsecond)}
	if ttl > 0 {
		l.ExpiresAt = l.CreatedAt.Add(ttl)
	}
	return l
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func want(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want an error wrapping %v", what, err, target)
	}
}

func sameLink(t *testing.T, got, want shortener.Link) {
	t.Helper()
	if got.Code != want.Code || got.URL != want.URL || !got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("got link %+v, want %+v", got, want)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt %v is not in UTC", got.CreatedAt)
	}
}

func testCreateGet(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	l := link(c, "abc", time.Hour)
	l.CreatedAt = l.CreatedAt.Add(123 * time.Microsecond)
	l.ExpiresAt = l.ExpiresAt.Add(456 * time.Microsecond)
	must(t, s.Create(ctx, l), "create")
	got, err := s.Get(ctx, "abc")
	must(t, err, "get")
	sameLink(t, got, l)
	want(t, s.Create(ctx, link(c, "abc", 0)), shortener.ErrCodeTaken, "second create")
	got, err = s.Get(ctx, "abc")
	must(t, err, "get after a refused create")
	sameLink(t, got, l)
	// Codes are case-sensitive: base62 uses both cases.
	must(t, s.Create(ctx, link(c, "ABC", 0)), "create of another case")
}

func testUnknown(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	_, err := s.Get(ctx, "nope")
	want(t, err, shortener.ErrNotFound, "get")
	want(t, s.Update(ctx, link(c, "nope", 0)), shortener.ErrNotFound, "update")
	want(t, s.Delete(ctx, "nope"), shortener.ErrNotFound, "delete")
	_, err = s.Clicks(ctx, "nope")
	want(t, err, shortener.ErrNotFound, "clicks")
	must(t, s.AddClicks(ctx, map[string]int64{"nope": 3}), "add clicks to an unknown code")
	_, err = s.Get(ctx, "nope")
	want(t, err, shortener.ErrNotFound, "get after add clicks")
}

func testUpdate(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	l := link(c, "upd", time.Hour)
	must(t, s.Create(ctx, l), "create")
	c.Advance(time.Minute)
	u := shortener.Link{Code: "upd", URL: "https://example.org/new", CreatedAt: c.Now()}
	must(t, s.Update(ctx, u), "update without expiry")
	got, err := s.Get(ctx, "upd")
	must(t, err, "get")
	sameLink(t, got, shortener.Link{Code: "upd", URL: u.URL, CreatedAt: l.CreatedAt})
	u.ExpiresAt = c.Now().Add(time.Hour).Truncate(time.Microsecond)
	must(t, s.Update(ctx, u), "update with expiry")
	got, err = s.Get(ctx, "upd")
	must(t, err, "get")
	sameLink(t, got, shortener.Link{Code: "upd", URL: u.URL, CreatedAt: l.CreatedAt, ExpiresAt: u.ExpiresAt})
}

func testDeleteTombstone(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	must(t, s.Create(ctx, link(c, "del", 0)), "create")
	must(t, s.AddClicks(ctx, map[string]int64{"del": 5}), "add clicks")
	must(t, s.Delete(ctx, "del"), "delete")
	_, err := s.Get(ctx, "del")
	want(t, err, shortener.ErrGone, "get of a deleted link")
	want(t, s.Delete(ctx, "del"), shortener.ErrGone, "second delete")
	want(t, s.Update(ctx, link(c, "del", 0)), shortener.ErrGone, "update of a deleted link")
	want(t, s.Create(ctx, link(c, "del", 0)), shortener.ErrCodeTaken, "create of a deleted code")
	must(t, s.AddClicks(ctx, map[string]int64{"del": 1}), "add clicks to a deleted link")
	n, err := s.Clicks(ctx, "del")
	must(t, err, "clicks of a tombstone")
	if n != 5 {
		t.Fatalf("a tombstone has %d clicks, want the 5 it had (a gone link counts none)", n)
	}
}

func testExpiry(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	must(t, s.Create(ctx, link(c, "soon", time.Minute)), "create")
	must(t, s.Create(ctx, link(c, "never", 0)), "create")
	c.Advance(time.Minute - time.Microsecond)
	_, err := s.Get(ctx, "soon")
	must(t, err, "get a microsecond before expiry")
	c.Advance(time.Microsecond)
	_, err = s.Get(ctx, "soon")
	want(t, err, shortener.ErrGone, "get at the expiry instant")
	want(t, s.Create(ctx, link(c, "soon", 0)), shortener.ErrCodeTaken, "create of an expired code")
	want(t, s.Update(ctx, link(c, "soon", 0)), shortener.ErrGone, "update of an expired link")
	want(t, s.Delete(ctx, "soon"), shortener.ErrGone, "delete of an expired link")
	c.Advance(365 * 24 * time.Hour)
	_, err = s.Get(ctx, "soon")
	want(t, err, shortener.ErrGone, "get a year after expiry")
	_, err = s.Get(ctx, "never")
	must(t, err, "a link without expiry a year on")
}

func testRecent(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	for i := range 6 {
		ttl := time.Duration(0)
		if i == 1 {
			ttl = time.Second
		}
		must(t, s.Create(ctx, link(c, fmt.Sprintf("r%d", i), ttl)), "create")
		c.Advance(10 * time.Second)
	}
	must(t, s.Delete(ctx, "r3"), "delete")
	got, err := s.Recent(ctx, 3)
	must(t, err, "recent")
	var codes []string
	for _, l := range got {
		codes = append(codes, l.Code)
	}
	if strings.Join(codes, ",") != "r5,r4,r2" {
		t.Fatalf("Recent(3) = %v, want [r5 r4 r2]: newest first, no deleted or expired link", codes)
	}
	got, err = s.Recent(ctx, 100)
	must(t, err, "recent")
	if len(got) != 4 {
		t.Fatalf("Recent(100) returned %d links, want the 4 live ones", len(got))
	}
	got, err = s.Recent(ctx, 0)
	if err == nil && len(got) != 0 {
		t.Fatalf("Recent(0) returned %d links", len(got))
	}
}

func testClicks(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	must(t, s.Create(ctx, link(c, "a", 0)), "create")
	must(t, s.Create(ctx, link(c, "b", 0)), "create")
	n, err := s.Clicks(ctx, "a")
	must(t, err, "clicks")
	if n != 0 {
		t.Fatalf("a new link has %d clicks", n)
	}
	must(t, s.AddClicks(ctx, map[string]int64{"a": 3, "b": 1, "nope": 9}), "add clicks")
	must(t, s.AddClicks(ctx, map[string]int64{"a": 2}), "add clicks")
	must(t, s.AddClicks(ctx, nil), "add no clicks")
	for code, w := range map[string]int64{"a": 5, "b": 1} {
		n, err := s.Clicks(ctx, code)
		must(t, err, "clicks")
		if n != w {
			t.Fatalf("%s has %d clicks, want %d", code, n, w)
		}
	}
}

func testInvalidInput(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	long := strings.Repeat("a", shortener.MaxCodeLen+1)
	now := c.Now()
	bad := []shortener.Link{
		{Code: "", URL: "https://e.com", CreatedAt: now},
		{Code: long, URL: "https://e.com", CreatedAt: now},
		{Code: "a\x00b", URL: "https://e.com", CreatedAt: now},
		{Code: "ok", URL: "https://e.com/" + strings.Repeat("x", shortener.MaxStoredURLLen), CreatedAt: now},
		{Code: "ok", URL: "", CreatedAt: now},
		{Code: "ok", URL: "https://e.com"},
		{Code: "ok", URL: "https://e.com", CreatedAt: now, ExpiresAt: now},
	}
	for _, l := range bad {
		want(t, s.Create(ctx, l), shortener.ErrInvalidLink, fmt.Sprintf("create %+v", l))
	}
	for _, code := range []string{"", long, "a\x00b", "\xff\xfe"} {
		_, err := s.Get(ctx, code)
		want(t, err, shortener.ErrInvalidLink, fmt.Sprintf("get %q", code))
		want(t, s.Delete(ctx, code), shortener.ErrInvalidLink, fmt.Sprintf("delete %q", code))
		_, err = s.Clicks(ctx, code)
		want(t, err, shortener.ErrInvalidLink, fmt.Sprintf("clicks %q", code))
		want(t, s.Update(ctx, shortener.Link{Code: code, URL: "https://e.com", CreatedAt: now}), shortener.ErrInvalidLink, fmt.Sprintf("update %q", code))
		want(t, s.AddClicks(ctx, map[string]int64{code: 1}), shortener.ErrInvalidLink, fmt.Sprintf("add clicks %q", code))
	}
	_, err := s.Get(ctx, "ok")
	want(t, err, shortener.ErrNotFound, "a refused create stored something")
}

func testOneOfManyCreates(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	var wins, taken atomic.Int64
	var winner atomic.Value
	errs := make(chan error, Concurrency)
	var wg sync.WaitGroup
	for i := range Concurrency {
		wg.Go(func() {
			l := link(c, "claimed", 0)
			l.URL = fmt.Sprintf("https://example.com/%d", i)
			switch err := s.Create(ctx, l); {
			case err == nil:
				wins.Add(1)
				winner.Store(l.URL)
			case errors.Is(err, shortener.ErrCodeTaken):
				taken.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a loser got %v, not ErrCodeTaken", err)
	}
	if wins.Load() != 1 || taken.Load() != Concurrency-1 {
		t.Fatalf("%d of %d creates of one alias won and %d were refused as taken; want exactly 1 and %d", wins.Load(), Concurrency, taken.Load(), Concurrency-1)
	}
	got, err := s.Get(ctx, "claimed")
	must(t, err, "get")
	if got.URL != winner.Load() {
		t.Fatalf("the alias resolves to %s, not to the winner's %s", got.URL, winner.Load())
	}
}

func testClicksConcurrent(t *testing.T, s shortener.Store, c *Clock) {
	ctx := context.Background()
	must(t, s.Create(ctx, link(c, "hot", 0)), "create")
	must(t, s.Create(ctx, link(c, "warm", 0)), "create")
	const writers = 50
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			if err := s.AddClicks(ctx, map[string]int64{"hot": 3, "warm": 1}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for code, w := range map[string]int64{"hot": 3 * writers, "warm": writers} {
		n, err := s.Clicks(ctx, code)
		must(t, err, "clicks")
		if n != w {
			t.Fatalf("%s has %d clicks after %d concurrent batches, want %d", code, n, writers, w)
		}
	}
}

func testCancelled(t *testing.T, s shortener.Store, c *Clock) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Create(ctx, link(c, "late", 0)); err == nil {
		// A store that answers without waiting may succeed; it must then
		// hold the link.
		if _, err := s.Get(context.Background(), "late"); err != nil {
			t.Fatalf("a create that succeeded on a cancelled context stored nothing: %v", err)
		}
	}
	if _, err := s.Get(ctx, "late"); err != nil && errors.Is(err, shortener.ErrInvalidLink) {
		t.Fatalf("a cancelled get was taken for bad input: %v", err)
	}
}
