package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

var loadFor = flag.Duration("load", 0,
	"run TestLoad, loopback only, for about this long in all (30s is the documented run); 0 leaves it out")

// loadWorkers is how many requests the generator keeps in flight at
// saturation.
const loadWorkers = 32

// loadLinks is the number of links the cached-redirect phases spread
// their requests over.
const loadLinks = 1000

// attackResult is one phase of the load test.
type attackResult struct {
	name       string
	requests   uint64
	statuses   map[string]int
	throughput float64 // the wanted status per second
	p50, p99   time.Duration
	errs       []string
}

// phaseRun gathers the attacks of one phase: a phase may run in several
// rounds, interleaved with others, so that a drift of the shared machine's
// load during the run falls on every phase alike.
type phaseRun struct {
	name    string
	want    int
	m       vegeta.Metrics
	elapsed time.Duration
}

// attack runs one vegeta attack into p.
func (p *phaseRun) attack(tr vegeta.Targeter, rate vegeta.Rate, d time.Duration, onResult func(*vegeta.Result)) {
	// At saturation a fixed set of workers; at a fixed rate at most four
	// times as many, each on its own kept-alive connection, so that a
	// stall cannot make the generator open connections without bound.
	opts := []func(*vegeta.Attacker){vegeta.Redirects(vegeta.NoFollow), vegeta.KeepAlive(true),
		vegeta.Timeout(10 * time.Second), vegeta.MaxConnections(4 * loadWorkers)}
	if rate.Freq == 0 {
		opts = append(opts, vegeta.Workers(loadWorkers), vegeta.MaxWorkers(loadWorkers))
	} else {
		opts = append(opts, vegeta.MaxWorkers(4*loadWorkers))
	}
	atk := vegeta.NewAttacker(opts...)
	var first, last time.Time
	for res := range atk.Attack(tr, rate, d, p.name) {
		p.m.Add(res)
		if first.IsZero() {
			first = res.Timestamp
		}
		if end := res.End(); end.After(last) {
			last = end
		}
		if onResult != nil {
			onResult(res)
		}
	}
	p.elapsed += last.Sub(first)
}

// result closes p's metrics; the throughput counts only the wanted status.
func (p *phaseRun) result() attackResult {
	p.m.Close()
	r := attackResult{name: p.name, requests: p.m.Requests, statuses: p.m.StatusCodes,
		p50: p.m.Latencies.P50, p99: p.m.Latencies.P99, errs: p.m.Errors}
	if p.elapsed > 0 {
		r.throughput = float64(p.m.StatusCodes[strconv.Itoa(p.want)]) / p.elapsed.Seconds()
	}
	return r
}

func (r attackResult) fivexx() int {
	n := 0
	for code, c := range r.statuses {
		if v, _ := strconv.Atoi(code); v >= 500 {
			n += c
		}
	}
	return n
}

// roundRobin targets GET base/code over codes, forever.
func roundRobin(base string, codes []string) vegeta.Targeter {
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		t.Method = http.MethodGet
		t.URL = base + "/" + codes[(i.Add(1)-1)%uint64(len(codes))]
		return nil
	}
}

// once targets each code once, then ends the attack.
func once(base string, codes []string) vegeta.Targeter {
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		n := i.Add(1) - 1
		if n >= uint64(len(codes)) {
			return vegeta.ErrNoTargets
		}
		t.Method = http.MethodGet
		t.URL = base + "/" + codes[n]
		return nil
	}
}

// bareServer is the baseline: a net/http server whose handler always
// answers 302, with the service's server settings.
func bareServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://example.com/")
			w.WriteHeader(http.StatusFound)
		}),
		ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
		IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(ln) })
	t.Cleanup(func() {
		_ = srv.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// TestLoad measures the service with vegeta on loopback, beside a bare
// handler in the same run: redirect throughput at saturation (from the
// local cache, without and with the in-process limiter, and from the
// database), creates per second, and p50/p99 at half the bare handler's
// saturation rate. It checks the targets: cached redirects at least half
// the bare throughput, p99 at most twice the bare p99, and no 5xx.
//
//	go test -run TestLoad -v ./examples/urlshortener -load=30s
func TestLoad(t *testing.T) {
	if *loadFor == 0 {
		t.Skip("the load test runs with -load=30s")
	}
	phase := *loadFor / 6
	quiet := options{stderr: discard{}}
	bare := bareServer(t)
	// One loopback client is one IP: the redirect limit is off, or on and
	// far above what the generator offers.
	off := start(t, quiet, "-create-rate", "0", "-redirect-rate", "0")
	on := start(t, quiet, "-create-rate", "0", "-redirect-rate", "1000000", "-redirect-burst", "1000000")

	codes := make([]string, loadLinks)
	for i := range codes {
		codes[i] = off.create(fmt.Sprintf(`{"url":"https://example.com/%d","alias":"load-%d"}`, i, i))
		on.create(fmt.Sprintf(`{"url":"https://example.com/%d","alias":"load-%d"}`, i, i))
	}
	for _, c := range codes { // into both local caches
		require.Equal(t, http.StatusFound, off.get("/"+c).status)
		require.Equal(t, http.StatusFound, on.get("/"+c).status)
	}

	sat := vegeta.Rate{Freq: 0}
	bareSatP := &phaseRun{name: "bare net/http 302", want: http.StatusFound}
	offSatP := &phaseRun{name: "service, local cache, limiter off", want: http.StatusFound}
	onSatP := &phaseRun{name: "service, local cache, in-process limiter on", want: http.StatusFound}
	for range 2 {
		bareSatP.attack(roundRobin(bare, codes), sat, phase/2, nil)
		offSatP.attack(roundRobin(off.base, codes), sat, phase/2, nil)
		onSatP.attack(roundRobin(on.base, codes), sat, phase/2, nil)
	}
	bareSat, localSat := bareSatP.result(), offSatP.result()
	results := []attackResult{bareSat, localSat, onSatP.result()}

	var mu sync.Mutex
	var created []string
	createTarget := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: off.base + "/api/v1/links",
		Body: []byte(`{"url":"https://example.com/created"}`), Header: http.Header{"Content-Type": {"application/json"}}})
	createP := &phaseRun{name: "service, creates", want: http.StatusCreated}
	createP.attack(createTarget, sat, phase, func(r *vegeta.Result) {
		var v struct{ Code string }
		if r.Code == http.StatusCreated && json.Unmarshal(r.Body, &v) == nil {
			mu.Lock()
			created = append(created, v.Code)
			mu.Unlock()
		}
	})
	results = append(results, createP.result())
	require.NotEmpty(t, created)
	// Codes never resolved: every redirect misses both cache tiers and
	// reads the database.
	dbP := &phaseRun{name: "service, from the database", want: http.StatusFound}
	dbP.attack(once(off.base, created), sat, phase, nil)
	results = append(results, dbP.result())

	half := vegeta.Rate{Freq: max(1, int(bareSat.throughput/2)), Per: time.Second}
	bareFixedP := &phaseRun{name: fmt.Sprintf("bare net/http 302 at %d/s", half.Freq), want: http.StatusFound}
	localFixedP := &phaseRun{name: fmt.Sprintf("service, local cache at %d/s", half.Freq), want: http.StatusFound}
	for range 2 {
		bareFixedP.attack(roundRobin(bare, codes), half, phase/2, nil)
		localFixedP.attack(roundRobin(off.base, codes), half, phase/2, nil)
	}
	bareFixed, localFixed := bareFixedP.result(), localFixedP.result()
	results = append(results, bareFixed, localFixed)

	t.Logf("%d CPUs, GOMAXPROCS %d, %s per phase, %d generator workers at saturation", runtime.NumCPU(), runtime.GOMAXPROCS(0), phase, loadWorkers)
	t.Logf("%-48s %10s %12s %10s %10s  %s", "phase", "requests", "wanted/s", "p50", "p99", "statuses")
	fivexx := 0
	for i, r := range results {
		t.Logf("%-48s %10d %12.0f %10s %10s  %v", r.name, r.requests, r.throughput, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.statuses)
		if i > 0 && r.name != bareFixed.name {
			fivexx += r.fivexx()
			assert.Zero(t, r.statuses["0"], "%s: requests without a response", r.name)
		}
		if len(r.errs) > 0 {
			t.Logf("    %d distinct errors, the first: %s", len(r.errs), r.errs[0])
		}
	}
	ratio := localSat.throughput / bareSat.throughput
	p99Ratio := float64(localFixed.p99) / float64(bareFixed.p99)
	t.Logf("local-cache redirects / bare: %.2f (target ≥ 0.5); p99 at %d/s, service / bare: %.2f (target ≤ 2); 5xx: %d (target 0)",
		ratio, half.Freq, p99Ratio, fivexx)
	assert.GreaterOrEqual(t, ratio, 0.5, "local-cache redirect throughput against the bare handler's")
	assert.LessOrEqual(t, p99Ratio, 2.0, "p99 at the fixed rate against the bare handler's")
	assert.Zero(t, fivexx, "5xx answers of the service")
}

// discard is a log destination that keeps nothing.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
