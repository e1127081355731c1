package ratelimit_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHammer has 64 goroutines race for a limit of 1000, through AllowN at
// one instant and through Allow at a rate too slow to refill during the
// test: exactly 1000 must get through, whatever the interleaving.
func TestHammer(t *testing.T) {
	const limit, goroutines, tries = 1000, 64, 40
	slow := 1000 * 24 * time.Hour // one event per 86.4 s
	for _, a := range algorithms {
		for _, via := range []string{"AllowN", "Allow", "Decide"} {
			t.Run(a.name+"/"+via, func(t *testing.T) {
				l, err := a.new(limit, slow)
				require.NoError(t, err)
				var admitted atomic.Int64
				var wg sync.WaitGroup
				for range goroutines {
					wg.Go(func() {
						for range tries {
							var ok bool
							switch via {
							case "AllowN":
								d, _ := l.AllowN(t0, 1)
								ok = d.Allowed
							case "Allow":
								ok = l.Allow()
							default:
								d, _ := l.Decide(t.Context(), "", 1)
								ok = d.Allowed
							}
							if ok {
								admitted.Add(1)
							}
						}
					})
				}
				wg.Wait()
				assert.Equal(t, int64(limit), admitted.Load())
			})
		}
	}
}
