package workload_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache/workload"
)

// TestZeroZipfPanicsClearly: the methods of a Zipf made without NewZipf
// panic with an error naming the constructor, never with a nil
// dereference, and never answer as if the key space were empty.
func TestZeroZipfPanicsClearly(t *testing.T) {
	for name, call := range map[string]func(z *workload.Zipf){
		"Next": func(z *workload.Zipf) { z.Next() },
		"Prob": func(z *workload.Zipf) { z.Prob(0) },
	} {
		t.Run(name, func(t *testing.T) {
			var v any
			func() {
				defer func() { v = recover() }()
				call(new(workload.Zipf))
			}()
			require.NotNil(t, v, "a zero Zipf's %s did not panic", name)
			err, ok := v.(error)
			require.True(t, ok, "panicked with %T %v, not an error", v, v)
			assert.True(t, errors.Is(err, workload.ErrNotInitialized), "panicked with %q", err)
			assert.Equal(t, "workload: Zipf used without NewZipf", err.Error())
		})
	}
}
