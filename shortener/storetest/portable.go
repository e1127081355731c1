package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// PortableFactory opens a fresh, empty shortener.Portable reading now.
type PortableFactory func(t *testing.T, now func() time.Time) shortener.Portable

// RunPortable checks Export, Import and Purge: every record, tombstones
// and clicks included, moves from one store to a fresh one unchanged.
func RunPortable(t *testing.T, f PortableFactory) {
	t.Helper()
	t.Run("export-import-purge", func(t *testing.T) {
		ctx := context.Background()
		c := NewClock(Epoch)
		from, to := f(t, c.Now), f(t, c.Now)
		must(t, from.Create(ctx, link(c, "live", 0)), "create")
		must(t, from.Create(ctx, link(c, "dead", 0)), "create")
		must(t, from.Create(ctx, link(c, "soon", time.Minute)), "create")
		must(t, from.AddClicks(ctx, map[string]int64{"live": 7, "dead": 2}), "add clicks")
		must(t, from.Delete(ctx, "dead"), "delete")
		c.Advance(time.Hour)

		seen := map[string]shortener.Record{}
		must(t, from.Export(ctx, func(r shortener.Record) error {
			if _, dup := seen[r.Link.Code]; dup {
				t.Fatalf("Export gave %s twice", r.Link.Code)
			}
			seen[r.Link.Code] = r
			return to.Import(ctx, r)
		}), "export into import")
		if len(seen) != 3 || !seen["dead"].Deleted || seen["live"].Deleted || seen["live"].Clicks != 7 {
			t.Fatalf("exported %+v, want live (7 clicks), dead (deleted, 2 clicks) and soon", seen)
		}
		got, err := to.Get(ctx, "live")
		must(t, err, "get of an imported link")
		sameLink(t, got, link(NewClock(Epoch), "live", 0))
		_, err = to.Get(ctx, "dead")
		want(t, err, shortener.ErrGone, "an imported tombstone")
		_, err = to.Get(ctx, "soon")
		want(t, err, shortener.ErrGone, "an imported expired link")
		want(t, to.Create(ctx, link(c, "dead", 0)), shortener.ErrCodeTaken, "create over an imported tombstone")
		for code, w := range map[string]int64{"live": 7, "dead": 2} {
			n, err := to.Clicks(ctx, code)
			must(t, err, "clicks")
			if n != w {
				t.Fatalf("%s has %d clicks after the move, want %d", code, n, w)
			}
		}
		want(t, to.Import(ctx, seen["live"]), shortener.ErrCodeTaken, "a second import")

		rec, err := from.Record(ctx, "dead")
		must(t, err, "record of a tombstone")
		if !rec.Deleted || rec.Clicks != 2 || rec.Link.URL != seen["dead"].Link.URL {
			t.Fatalf("Record(dead) = %+v, want the tombstone with 2 clicks", rec)
		}
		_, err = from.Record(ctx, "never")
		want(t, err, shortener.ErrNotFound, "record of an unknown code")
		must(t, from.Purge(ctx, "dead"), "purge")
		_, err = from.Get(ctx, "dead")
		want(t, err, shortener.ErrNotFound, "get after purge")
		must(t, from.Purge(ctx, "never"), "purge of an unknown code")
		stop := errors.New("stop")
		n := 0
		if err := from.Export(ctx, func(shortener.Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Fatalf("Export after fn's error: %v after %d calls", err, n)
		}
	})
}
