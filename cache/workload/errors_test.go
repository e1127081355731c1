package workload_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache/workload"
)

// TestErrorsSayThePrefixOnce: every error the package returns or panics
// with names the package once, at the start, and wraps its sentinel.
func TestErrorsSayThePrefixOnce(t *testing.T) {
	second := func(_ any, err error) error { return err }
	cases := []struct {
		name     string
		err      error
		sentinel error
	}{
		{"NewZipf/keys", second(workload.NewZipf(0, 1, 0)), workload.ErrInvalidConfig},
		{"NewZipf/skew", second(workload.NewZipf(10, math.NaN(), 0)), workload.ErrInvalidConfig},
		{"ZipfKeys/count", second(workload.ZipfKeys(10, 1, -1, 0)), workload.ErrInvalidConfig},
		{"ZipfKeys/keys", second(workload.ZipfKeys(0, 1, 1, 0)), workload.ErrInvalidConfig},
		{"WithScans/every", second(workload.WithScans(nil, 0, 1, 0)), workload.ErrInvalidConfig},
		{"WithScans/too-long", second(workload.WithScans(make([]uint64, 10), 1, workload.MaxKeys, 0)), workload.ErrInvalidConfig},
		{"Recency", second(workload.Recency(10, 0, 10, 0)), workload.ErrInvalidConfig},
		{"Recency/count", second(workload.Recency(-1, 0.5, 10, 0)), workload.ErrInvalidConfig},
		{"ReadTrace/limit", second(workload.ReadTrace(strings.NewReader(""), -1)), workload.ErrInvalidConfig},
		{"ReadTrace/line", second(workload.ReadTrace(strings.NewReader(strings.Repeat("x", 70<<10)), 0)), workload.ErrLineTooLong},
		{"ReadTrace/read", second(workload.ReadTrace(iotest.ErrReader(errors.New("disk on fire")), 0)), nil},
		{"zero-Zipf", func() (err error) {
			defer func() { err, _ = recover().(error) }()
			new(workload.Zipf).Next()
			return nil
		}(), workload.ErrNotInitialized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, c.err)
			msg := c.err.Error()
			assert.True(t, strings.HasPrefix(msg, "workload: "), "%q", msg)
			assert.Equal(t, 1, strings.Count(msg, "workload:"), "%q", msg)
			if c.sentinel != nil {
				assert.True(t, errors.Is(c.err, c.sentinel), "%q", msg)
			}
		})
	}
}
