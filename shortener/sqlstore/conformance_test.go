package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/storetest"
)

// TestConformance runs the Store conformance suite on SQLite and, when
// POSTGRES_DSN is set (always under CI=true), on PostgreSQL.
func TestConformance(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
			s, err := Open(context.Background(), e.open(t), e.dialect, Config{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}

func TestPortable(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		storetest.RunPortable(t, func(t *testing.T, now func() time.Time) shortener.Portable {
			s, err := Open(context.Background(), e.open(t), e.dialect, Config{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}
