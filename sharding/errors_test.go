package sharding

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorTexts calls everything in the package that returns an error
// and checks each error's text: it starts with the package's prefix, says
// it once, and wraps the sentinel that names the cause.
func TestErrorTexts(t *testing.T) {
	ring, err := NewRing(DefaultVirtualNodes, Named("a", "b")...)
	require.NoError(t, err)
	emptyRing, err := NewRing(DefaultVirtualNodes)
	require.NoError(t, err)
	jump, err := NewJump("a")
	require.NoError(t, err)
	emptyJump, err := NewJump()
	require.NoError(t, err)
	maglev, err := NewMaglev(DefaultMaglevSize, "a")
	require.NoError(t, err)
	emptyMaglev, err := NewMaglev(DefaultMaglevSize)
	require.NoError(t, err)
	modn, err := NewModN("a")
	require.NoError(t, err)
	emptyModN, err := NewModN()
	require.NoError(t, err)
	hrw, err := NewRendezvous(Named("a")...)
	require.NoError(t, err)
	emptyHRW, err := NewRendezvous()
	require.NoError(t, err)
	full, err := NewBoundedLoads([]string{"a"}, BoundedLoadsConfig{MaxKeys: 1})
	require.NoError(t, err)
	_, err = full.Lookup("k1")
	require.NoError(t, err)
	emptyBounded, err := NewBoundedLoads(nil, BoundedLoadsConfig{})
	require.NoError(t, err)

	second := func(_ any, err error) error { return err }
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"NewRing/zero virtual nodes", second(NewRing(0, Named("a")...)), ErrInvalidConfig},
		{"NewRing/too many virtual nodes", second(NewRing(maxPoints + 1)), ErrInvalidConfig},
		{"NewRing/too many points", second(NewRing(maxPoints/2, Named("a", "b", "c")...)), ErrInvalidConfig},
		{"NewRing/heavy node", second(NewRing(DefaultVirtualNodes, Node{Name: "a", Weight: maxPoints})), ErrInvalidConfig},
		{"NewRing/empty name", second(NewRing(DefaultVirtualNodes, Node{})), ErrInvalidNode},
		{"NewRing/NaN weight", second(NewRing(DefaultVirtualNodes, Node{Name: "a", Weight: math.NaN()})), ErrInvalidNode},
		{"NewRing/duplicate", second(NewRing(DefaultVirtualNodes, Named("a", "a")...)), ErrDuplicateNode},
		{"Ring.Lookup/empty", second(emptyRing.Lookup("k")), ErrNoNodes},
		{"Ring.LookupHash/empty", second(emptyRing.LookupHash(1)), ErrNoNodes},
		{"Ring.Add/duplicate", second(ring.Add(Node{Name: "a"})), ErrDuplicateNode},
		{"Ring.Remove/unknown", second(ring.Remove("z")), ErrUnknownNode},
		{"Ring/zero", second((&Ring{}).Lookup("k")), ErrNotInitialized},
		{"NewJump/duplicate", second(NewJump("a", "a")), ErrDuplicateNode},
		{"Jump.Lookup/empty", second(emptyJump.Lookup("k")), ErrNoNodes},
		{"Jump.Add/duplicate", second(jump.Add("a")), ErrDuplicateNode},
		{"Jump.RemoveLast/empty", second(emptyJump.RemoveLast()), ErrNoNodes},
		{"NewMaglev/zero size", second(NewMaglev(0, "a")), ErrInvalidConfig},
		{"NewMaglev/small table", second(NewMaglev(997, names(10)...)), ErrInvalidConfig},
		{"NewMaglev/empty name", second(NewMaglev(DefaultMaglevSize, "")), ErrInvalidNode},
		{"Maglev.Lookup/empty", second(emptyMaglev.Lookup("k")), ErrNoNodes},
		{"Maglev.Add/duplicate", second(maglev.Add("a")), ErrDuplicateNode},
		{"Maglev.Remove/unknown", second(maglev.Remove("z")), ErrUnknownNode},
		{"Maglev/zero", second((&Maglev{}).Lookup("k")), ErrNotInitialized},
		{"NewModN/duplicate", second(NewModN("a", "a")), ErrDuplicateNode},
		{"ModN.Lookup/empty", second(emptyModN.Lookup("k")), ErrNoNodes},
		{"ModN.Remove/unknown", second(modn.Remove("z")), ErrUnknownNode},
		{"NewRendezvous/negative weight", second(NewRendezvous(Node{Name: "a", Weight: -1})), ErrInvalidNode},
		{"Rendezvous.Lookup/empty", second(emptyHRW.Lookup("k")), ErrNoNodes},
		{"Rendezvous.Remove/unknown", second(hrw.Remove("z")), ErrUnknownNode},
		{"NewBoundedLoads/load factor", second(NewBoundedLoads([]string{"a"}, BoundedLoadsConfig{LoadFactor: 1})), ErrInvalidConfig},
		{"NewBoundedLoads/MaxKeys", second(NewBoundedLoads([]string{"a"}, BoundedLoadsConfig{MaxKeys: -1})), ErrInvalidConfig},
		{"NewBoundedLoads/VirtualNodes", second(NewBoundedLoads([]string{"a"}, BoundedLoadsConfig{VirtualNodes: -1})), ErrInvalidConfig},
		{"NewBoundedLoads/duplicate", second(NewBoundedLoads([]string{"a", "a"}, BoundedLoadsConfig{})), ErrDuplicateNode},
		{"BoundedLoads.Lookup/full", second(full.Lookup("k2")), ErrFull},
		{"BoundedLoads.Lookup/empty", second(emptyBounded.Lookup("k")), ErrNoNodes},
		{"BoundedLoads.Add/duplicate", full.Clone().Add("a"), ErrDuplicateNode},
		{"BoundedLoads.Remove/unknown", full.Clone().Remove("z"), ErrUnknownNode},
		{"BoundedLoads/zero", second((&BoundedLoads{}).Lookup("k")), ErrNotInitialized},
		{"PlanRing/empty", second(PlanRing(ring, emptyRing)), ErrNoNodes},
		{"PlanRing/zero", second(PlanRing(&Ring{}, ring)), ErrNotInitialized},
		{"PlanKeys/empty", second(PlanKeys(ring, emptyRing, []string{"k"})), ErrNoNodes},
		{"MeasureBalance/empty", second(MeasureBalance(emptyJump, []string{"k"})), ErrNoNodes},
		{"MeasureMovement/empty", second(MeasureMovement(jump, emptyJump, []string{"k"})), ErrNoNodes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			msg := tc.err.Error()
			assert.Truef(t, errors.Is(tc.err, tc.want), "%q does not wrap %q", msg, tc.want)
			assert.Truef(t, strings.HasPrefix(msg, "sharding: "), "%q does not start with the package prefix", msg)
			assert.Equalf(t, 1, strings.Count(msg, "sharding:"), "%q says the prefix more than once", msg)
		})
	}
}
