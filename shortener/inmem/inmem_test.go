package inmem_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/inmem"
	"github.com/backendkit/backendkit/shortener/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
		s, err := inmem.New(inmem.Config{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	})
}

// TestFullKeepsTombstones checks the bound counts tombstones: a deleted
// code still takes its place, so it can never be reissued.
func TestFullKeepsTombstones(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := inmem.New(inmem.Config{MaxLinks: 2, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"a", "b"} {
		if err := s.Create(ctx, shortener.Link{Code: c, URL: "https://e.com", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	err = s.Create(ctx, shortener.Link{Code: "c", URL: "https://e.com", CreatedAt: now})
	if !errors.Is(err, inmem.ErrFull) {
		t.Fatalf("create past MaxLinks: %v, want ErrFull", err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len %d, want 2", s.Len())
	}
}

func TestConfigAndLifecycle(t *testing.T) {
	if _, err := inmem.New(inmem.Config{MaxLinks: -1}); !errors.Is(err, inmem.ErrInvalidConfig) {
		t.Fatalf("negative MaxLinks: %v", err)
	}
	var zero inmem.Store
	if _, err := zero.Get(context.Background(), "x"); !errors.Is(err, inmem.ErrNotInitialized) {
		t.Fatalf("zero Store: %v", err)
	}
	s, _ := inmem.New(inmem.Config{})
	s.Close()
	s.Close()
	if _, err := s.Get(context.Background(), "x"); !errors.Is(err, shortener.ErrClosed) {
		t.Fatalf("closed Store: %v", err)
	}
}

func ExampleStore() {
	s, _ := inmem.New(inmem.Config{})
	defer s.Close()
	ctx := context.Background()
	_ = s.Create(ctx, shortener.Link{Code: "go", URL: "https://go.dev/", CreatedAt: time.Now()})
	l, _ := s.Get(ctx, "go")
	_ = s.Delete(ctx, "go")
	_, err := s.Get(ctx, "go")
	fmt.Println(l.URL)
	fmt.Println(errors.Is(err, shortener.ErrGone))
	// Output:
	// https://go.dev/
	// true
}

func TestPortable(t *testing.T) {
	storetest.RunPortable(t, func(t *testing.T, now func() time.Time) shortener.Portable {
		s, err := inmem.New(inmem.Config{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	})
}
