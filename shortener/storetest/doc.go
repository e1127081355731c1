// Package storetest is the conformance suite of shortener.Store: every
// store of the module runs it, on every engine it supports, so that the
// Service above can rely on one contract whichever store holds the links.
//
// A store's test calls Run with a Factory that opens a fresh, empty store
// reading the suite's clock:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) shortener.Store {
//			s, err := mystore.New(mystore.Config{Now: now})
//			require.NoError(t, err)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// # Conventions
//
// Each subtest asks the Factory for a store of its own and moves its own
// Clock, so subtests can be selected with -run and never depend on one
// another. Times are whole microseconds in UTC, the precision every store
// keeps.
package storetest
