package sharding

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notInitializedCase is one method of a zero value: call returns the
// method's error, or nil when it has none (and must panic instead).
type notInitializedCase struct {
	name string
	call func() error
}

// checkNotInitialized calls every method of a zero value and checks that
// each fails loudly: an error wrapping ErrNotInitialized with the text
// want, or a panic with that error when the method has no error result.
func checkNotInitialized(t *testing.T, want string, cases []notInitializedCase) {
	t.Helper()
	for _, tc := range cases {
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

func TestZeroRing(t *testing.T) {
	var r Ring
	ok, err := NewRing(DefaultVirtualNodes, Named("a")...)
	require.NoError(t, err)
	checkNotInitialized(t, "sharding: Ring used without NewRing", []notInitializedCase{
		{"Lookup", func() error { _, err := r.Lookup("k"); return err }},
		{"LookupHash", func() error { _, err := r.LookupHash(1); return err }},
		{"Members", func() error { _ = r.Members(); return nil }},
		{"Nodes", func() error { _ = r.Nodes(); return nil }},
		{"VirtualNodes", func() error { _ = r.VirtualNodes(); return nil }},
		{"Points", func() error { _ = r.Points(); return nil }},
		{"Add", func() error { _, err := r.Add(Node{Name: "a"}); return err }},
		{"Remove", func() error { _, err := r.Remove("a"); return err }},
		{"Shares", func() error { _ = r.Shares(); return nil }},
		{"Balance", func() error { _ = r.Balance(); return nil }},
		{"PlanRing/before", func() error { _, err := PlanRing(&r, ok); return err }},
		{"PlanRing/after", func() error { _, err := PlanRing(ok, &r); return err }},
		{"PlanRing/nil", func() error { _, err := PlanRing(nil, ok); return err }},
	})
}

func TestZeroMaglev(t *testing.T) {
	var m Maglev
	checkNotInitialized(t, "sharding: Maglev used without NewMaglev", []notInitializedCase{
		{"Lookup", func() error { _, err := m.Lookup("k"); return err }},
		{"Members", func() error { _ = m.Members(); return nil }},
		{"Size", func() error { _ = m.Size(); return nil }},
		{"Shares", func() error { _ = m.Shares(); return nil }},
		{"Add", func() error { _, err := m.Add("a"); return err }},
		{"Remove", func() error { _, err := m.Remove("a"); return err }},
	})
}

func TestZeroBoundedLoads(t *testing.T) {
	var b BoundedLoads
	checkNotInitialized(t, "sharding: BoundedLoads used without NewBoundedLoads", []notInitializedCase{
		{"Capacity", func() error { _ = b.Capacity(); return nil }},
		{"Lookup", func() error { _, err := b.Lookup("k"); return err }},
		{"Release", func() error { _ = b.Release("k"); return nil }},
		{"Loads", func() error { _ = b.Loads(); return nil }},
		{"Len", func() error { _ = b.Len(); return nil }},
		{"Members", func() error { _ = b.Members(); return nil }},
		{"Clone", func() error { _ = b.Clone(); return nil }},
		{"Add", func() error { return b.Add("a") }},
		{"Remove", func() error { return b.Remove("a") }},
	})
}

// TestUsefulZeroValues: a zero Jump, ModN or Rendezvous is a placement
// with no nodes, the same as its constructor called with none, and
// growing it works.
func TestUsefulZeroValues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		zero   Locator
		grow   func() (Locator, error)
		remove func() error
		built  func(names ...string) (Locator, error)
	}{
		{
			name:   "Jump",
			zero:   &Jump{},
			grow:   func() (Locator, error) { var j Jump; return j.Add("a") },
			remove: func() error { var j Jump; _, err := j.RemoveLast(); return err },
			built:  func(n ...string) (Locator, error) { return NewJump(n...) },
		},
		{
			name:   "ModN",
			zero:   &ModN{},
			grow:   func() (Locator, error) { var m ModN; return m.Add("a") },
			remove: func() error { var m ModN; _, err := m.Remove("a"); return err },
			built:  func(n ...string) (Locator, error) { return NewModN(n...) },
		},
		{
			name:   "Rendezvous",
			zero:   &Rendezvous{},
			grow:   func() (Locator, error) { var r Rendezvous; return r.Add(Node{Name: "a"}) },
			remove: func() error { var r Rendezvous; _, err := r.Remove("a"); return err },
			built:  func(n ...string) (Locator, error) { return NewRendezvous(Named(n...)...) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.zero.Lookup("k")
			assert.ErrorIs(t, err, ErrNoNodes)
			assert.Empty(t, tc.zero.Members())
			err = tc.remove()
			assert.True(t, errors.Is(err, ErrNoNodes) || errors.Is(err, ErrUnknownNode), "remove from a zero value: %v", err)
			grown, err := tc.grow()
			require.NoError(t, err)
			want, err := tc.built("a")
			require.NoError(t, err)
			assert.Equal(t, want.Members(), grown.Members())
			for i := range 10 {
				k := fmt.Sprint("k", i)
				got, err := grown.Lookup(k)
				require.NoError(t, err)
				assert.Equal(t, "a", got)
			}
		})
	}
}
