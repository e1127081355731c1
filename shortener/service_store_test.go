package shortener_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

// newStore returns the Store the Service's tests run over.
func newStore(t testing.TB, now func() time.Time) shortener.Store { return newFakeStore(now) }

func newBenchStore(b *testing.B) shortener.Store { return newStore(b, time.Now) }

// fakeStore is a Store in a map, with tombstones.
type fakeStore struct {
	now func() time.Time

	mu     sync.Mutex // protects the fields below
	links  map[string]shortener.Link
	gone   map[string]bool
	clicks map[string]int64
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{now: now, links: map[string]shortener.Link{}, gone: map[string]bool{}, clicks: map[string]int64{}}
}

func (f *fakeStore) Create(_ context.Context, l shortener.Link) error {
	if err := l.Check(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.links[l.Code]; ok || f.gone[l.Code] {
		return shortener.ErrCodeTaken
	}
	f.links[l.Code] = l
	return nil
}

func (f *fakeStore) liveLocked(code string) (shortener.Link, error) {
	l, ok := f.links[code]
	switch {
	case f.gone[code]:
		return shortener.Link{}, shortener.ErrGone
	case !ok:
		return shortener.Link{}, shortener.ErrNotFound
	case l.Expired(f.now()):
		return shortener.Link{}, shortener.ErrGone
	}
	return l, nil
}

func (f *fakeStore) Get(_ context.Context, code string) (shortener.Link, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.liveLocked(code)
}

func (f *fakeStore) Update(_ context.Context, l shortener.Link) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, err := f.liveLocked(l.Code)
	if err != nil {
		return err
	}
	old.URL, old.ExpiresAt = l.URL, l.ExpiresAt
	f.links[l.Code] = old
	return nil
}

func (f *fakeStore) Delete(_ context.Context, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.liveLocked(code); err != nil {
		return err
	}
	delete(f.links, code)
	f.gone[code] = true
	return nil
}

func (f *fakeStore) Recent(_ context.Context, n int) ([]shortener.Link, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []shortener.Link
	for c := range f.links {
		if l, err := f.liveLocked(c); err == nil {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out[:min(n, len(out))], nil
}

func (f *fakeStore) AddClicks(_ context.Context, counts map[string]int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c, n := range counts {
		f.clicks[c] += n
	}
	return nil
}

func (f *fakeStore) Clicks(_ context.Context, code string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clicks[code], nil
}

func newExampleStore(now func() time.Time) shortener.Store { return newFakeStore(now) }
