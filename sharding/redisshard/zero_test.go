package redisshard

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/redistest"
	"github.com/backendkit/backendkit/sharding"
)

// TestZeroStore calls every method of a zero Store: each returns an error
// wrapping ErrNotInitialized, or panics with one when it has no error
// result.
func TestZeroStore(t *testing.T) {
	ctx := context.Background()
	srv := redistest.New(t)
	var s Store
	const want = "redisshard: Store used without New"
	for _, tc := range []struct {
		name string
		call func() error // nil error: the method has none and must panic
	}{
		{"Ring", func() error { _ = s.Ring(); return nil }},
		{"Moving", func() error { _ = s.Moving(); return nil }},
		{"Get", func() error { _, err := s.Get(ctx, "k"); return err }},
		{"Set", func() error { return s.Set(ctx, "k", "v", 0) }},
		{"Del", func() error { return s.Del(ctx, "k") }},
		{"AddNode", func() error {
			_, err := s.AddNode(ctx, Node{Node: sharding.Node{Name: "a"}, Client: srv.Client})
			return err
		}},
		{"RemoveNode", func() error { _, err := s.RemoveNode(ctx, "a"); return err }},
		{"Resume", func() error { _, err := s.Resume(ctx); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				err = tc.call()
			}()
			if recovered != nil {
				perr, ok := recovered.(error)
				require.Truef(t, ok, "panic value %v (%T) is not an error", recovered, recovered)
				err = perr
			}
			require.Error(t, err, "the zero value must fail loudly")
			assert.ErrorIs(t, err, ErrNotInitialized)
			assert.Equal(t, want, err.Error())
		})
	}
}
