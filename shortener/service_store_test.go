package shortener_test

import (
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/inmem"
)

// newStore returns the Store the Service's tests run over.
func newStore(t testing.TB, now func() time.Time) shortener.Store {
	s, err := inmem.New(inmem.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func newBenchStore(b *testing.B) shortener.Store { return newStore(b, time.Now) }

func newExampleStore(now func() time.Time) shortener.Store {
	s, _ := inmem.New(inmem.Config{Now: now})
	return s
}
