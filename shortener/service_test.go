package shortener_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

// fakeStore is a Store in a map, with tombstones, for the Service's tests.
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

func (f *fakeStore) Recent(context.Context, int) ([]shortener.Link, error) { return nil, nil }

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

func TestServiceShortenResolve(t *testing.T) {
	ctx := context.Background()
	st := newFakeStore(time.Now)
	s, err := shortener.NewService(st, shortener.ServiceConfig{})
	require.NoError(t, err)
	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "https://example.com/a"})
	require.NoError(t, err)
	assert.Len(t, l.Code, shortener.DefaultCodeLen)
	got, err := s.Resolve(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, l, got)
	require.NoError(t, s.Close(ctx))
	n, err := st.Clicks(ctx, l.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}
