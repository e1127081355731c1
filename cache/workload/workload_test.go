package workload_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/cache/workload"
)

func TestZipfMatchesItsDistribution(t *testing.T) {
	for _, s := range []float64{0, 0.5, 0.99, 1.2} {
		const n, draws = 1000, 400_000
		keys, err := workload.ZipfKeys(n, s, draws, 42)
		require.NoError(t, err)
		counts := make([]int, n)
		for _, k := range keys {
			if k >= n {
				t.Fatalf("s=%v: key %d outside the key space", s, k)
			}
			counts[k]++
		}
		z, err := workload.NewZipf(n, s, 0)
		require.NoError(t, err)
		sum := 0.0
		for i := range n {
			sum += z.Prob(i)
		}
		assert.InDelta(t, 1, sum, 1e-9)
		// The probabilities follow 1/(i+1)^s ...
		assert.InDelta(t, math.Pow(10, -s), z.Prob(9)/z.Prob(0), 1e-9, "s=%v", s)
		// ... and the draws follow the probabilities, within five
		// standard deviations, for the keys drawn often enough to tell.
		for _, i := range []int{0, 1, 9, 99} {
			p := z.Prob(i)
			sd := math.Sqrt(draws * p * (1 - p))
			assert.InDelta(t, draws*p, float64(counts[i]), 5*sd, "s=%v key %d", s, i)
		}
	}
}

func TestZipfIsDeterministic(t *testing.T) {
	a, err := workload.ZipfKeys(100, 0.99, 1000, 7)
	require.NoError(t, err)
	b, err := workload.ZipfKeys(100, 0.99, 1000, 7)
	require.NoError(t, err)
	c, err := workload.ZipfKeys(100, 0.99, 1000, 8)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
}

func TestBadArguments(t *testing.T) {
	errs := []error{}
	_, err := workload.NewZipf(0, 1, 0)
	errs = append(errs, err)
	_, err = workload.NewZipf(workload.MaxKeys+1, 1, 0)
	errs = append(errs, err)
	_, err = workload.NewZipf(10, -1, 0)
	errs = append(errs, err)
	_, err = workload.NewZipf(10, math.NaN(), 0)
	errs = append(errs, err)
	_, err = workload.NewZipf(10, math.Inf(1), 0)
	errs = append(errs, err)
	_, err = workload.ZipfKeys(10, 1, -1, 0)
	errs = append(errs, err)
	_, err = workload.WithScans([]uint64{1}, 0, 1, 0)
	errs = append(errs, err)
	_, err = workload.WithScans(make([]uint64, 10), 1, workload.MaxKeys, 0)
	errs = append(errs, err)
	_, err = workload.Recency(10, 0, 10, 0)
	errs = append(errs, err)
	_, err = workload.Recency(10, 0.5, 0.5, 0)
	errs = append(errs, err)
	_, err = workload.Recency(10, math.NaN(), 10, 0)
	errs = append(errs, err)
	_, err = workload.ReadTrace(strings.NewReader("a"), -1)
	errs = append(errs, err)
	for i, err := range errs {
		require.Error(t, err, "case %d", i)
		assert.True(t, errors.Is(err, workload.ErrInvalidConfig), "case %d: %v", i, err)
		assert.True(t, strings.HasPrefix(err.Error(), "workload: "), "case %d: %v", i, err)
	}
}

func TestWithScans(t *testing.T) {
	got, err := workload.WithScans([]uint64{1, 2, 3, 4, 5}, 2, 3, 100)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1, 2, 100, 101, 102, 3, 4, 103, 104, 105, 5}, got)
}

// TestRecencyIsTheStackModel checks the generator against its definition:
// the share of new keys, and depths in recency order with the given mean.
func TestRecencyIsTheStackModel(t *testing.T) {
	const count, newKey, mean = 100_000, 0.25, 50.0
	keys, err := workload.Recency(count, newKey, mean, 1)
	require.NoError(t, err)
	var order []uint64 // most recent last
	seen := map[uint64]bool{}
	news, depths, reuses := 0, 0, 0
	for i, k := range keys {
		if !seen[k] {
			require.Equal(t, uint64(news), k, "new keys are numbered in order, at %d", i)
			news++
			seen[k] = true
			order = append(order, k)
			continue
		}
		j := len(order) - 1
		for order[j] != k {
			j--
		}
		depths += len(order) - 1 - j
		reuses++
		order = append(order[:j], order[j+1:]...)
		order = append(order, k)
	}
	assert.InDelta(t, newKey, float64(news)/count, 0.01)
	// Depths are whole numbers: floor of an exponential with mean 50 has
	// mean about 49.5.
	assert.InDelta(t, mean-0.5, float64(depths)/float64(reuses), 1.5)
}

func TestReadTrace(t *testing.T) {
	in := "# a trace\nuser:1 GET 12\n\n  user:2\t99\nuser:1\nuser:3\n"
	keys, err := workload.ReadTrace(strings.NewReader(in), 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"user:1", "user:2", "user:1", "user:3"}, keys)

	keys, err = workload.ReadTrace(strings.NewReader(in), 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"user:1", "user:2"}, keys)

	_, err = workload.ReadTrace(strings.NewReader("a\n"+strings.Repeat("x", 70<<10)), 0)
	require.ErrorIs(t, err, workload.ErrLineTooLong)
	assert.Equal(t, "workload: trace line too long: line 2 is longer than 64 KiB", err.Error())

	boom := errors.New("disk on fire")
	_, err = workload.ReadTrace(iotest.ErrReader(boom), 0)
	require.ErrorIs(t, err, boom)
}

func TestHitRatio(t *testing.T) {
	cached := map[string]bool{}
	ratio := workload.HitRatio([]string{"a", "b", "a", "a", "c", "b"},
		func(k string) bool { return cached[k] },
		func(k string) { cached[k] = true })
	assert.InDelta(t, 3.0/6, ratio, 1e-12)
	assert.Zero(t, workload.HitRatio(nil, func(string) bool { return true }, func(string) {}))
}

func ExampleZipfKeys() {
	keys, err := workload.ZipfKeys(1000, 0.99, 100_000, 1)
	if err != nil {
		panic(err)
	}
	top := 0
	for _, k := range keys {
		if k < 10 {
			top++
		}
	}
	fmt.Printf("the 10 most popular of 1000 keys get %.0f%% of reads\n", 100*float64(top)/float64(len(keys)))
	// Output: the 10 most popular of 1000 keys get 38% of reads
}
