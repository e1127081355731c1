package ratelimit_test

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/ratelimit"
)

// referenceClientIP is ClientIP written the obvious way: every entry of
// every X-Forwarded-For line, in order, in one slice. It is the oracle the
// single-pass ClientIP must agree with.
func referenceClientIP(r *http.Request, trustedProxies int) string {
	addr := r.RemoteAddr
	if trustedProxies > 0 {
		var entries []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, e := range strings.Split(v, ",") {
				if e = strings.TrimSpace(e); e != "" {
					entries = append(entries, e)
				}
			}
		}
		if len(entries) > 0 {
			addr = entries[max(len(entries)-trustedProxies, 0)]
		}
	}
	key := func(a netip.Addr) string {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			return p.String()
		}
		return a.String()
	}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return key(ap.Addr())
	}
	if a, err := netip.ParseAddr(addr); err == nil {
		return key(a)
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
		return host
	}
	return addr
}

func requestWith(remote string, xff []string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	if xff != nil {
		r.Header["X-Forwarded-For"] = xff
	}
	return r
}

// TestClientIPManyEntries checks ClientIP against the reference on headers
// of many entries, split over several lines (which RFC 9110 §5.3 makes one
// comma-separated list, in order), with empty entries and odd spacing, for
// every number of trusted proxies from none to more than there are entries.
func TestClientIPManyEntries(t *testing.T) {
	addrs := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)
		}
		return out
	}
	for _, c := range []struct {
		name string
		xff  []string
	}{
		{"one line", []string{strings.Join(addrs(40), ", ")}},
		{"no spaces", []string{strings.Join(addrs(40), ",")}},
		{"a line each", addrs(40)},
		{"mixed lines", []string{
			strings.Join(addrs(10), ", "),
			"203.0.113.1",
			" , ,,\t",
			"[2001:db8::7]:443, 203.0.113.2:80 ,\t2001:db8:1::9",
			"",
			strings.Join(addrs(5), " ,"),
		}},
		{"empty entries at the ends", []string{", 192.0.2.1, ", ",192.0.2.2,,"}},
		{"only empty entries", []string{" , ", ""}},
		{"garbage", []string{"unknown, _hidden, host.example:80, 192.0.2.9"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for hops := range 60 {
				r := requestWith("192.0.2.200:1234", c.xff)
				want := referenceClientIP(r, hops)
				require.Equal(t, want, ratelimit.ClientIP(r, hops), "hops=%d", hops)
			}
		})
	}
}

// forgedHeader returns an X-Forwarded-For value of at least size bytes: a
// long list of entries a client made up, then the one entry a trusted
// proxy appended.
func forgedHeader(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "10.%d.%d.%d, ", i>>16&255, i>>8&255, i&255)
	}
	b.WriteString("203.0.113.7")
	return b.String()
}

// TestClientIPAllocsIndependentOfHeader checks that a forged
// X-Forwarded-For costs the same allocations whatever its size: ClientIP
// reads the header from the right and stops at the trusted hops.
func TestClientIPAllocsIndependentOfHeader(t *testing.T) {
	for _, hops := range []int{1, 2} {
		allocs := map[int]float64{}
		for _, size := range []int{1 << 10, 64 << 10} {
			r := requestWith("192.0.2.1:1", []string{forgedHeader(size)})
			want := referenceClientIP(r, hops)
			allocs[size] = testing.AllocsPerRun(100, func() {
				if got := ratelimit.ClientIP(r, hops); got != want {
					panic(got)
				}
			})
		}
		assert.Equal(t, allocs[1<<10], allocs[64<<10], "hops=%d: allocations for 1 KiB and 64 KiB headers", hops)
		assert.LessOrEqual(t, allocs[64<<10], 1.0, "hops=%d", hops)
	}
}

// FuzzClientIPMatchesReference: for any address, header lines and number of
// trusted proxies, ClientIP answers as the reference does.
func FuzzClientIPMatchesReference(f *testing.F) {
	f.Add("192.0.2.1:80", "198.51.100.1, 203.0.113.9", "10.0.0.1", 2)
	f.Add("[2001:db8::1]:443", " , ,", "", 1)
	f.Add("garbage", "a,b,,c", "d , e", 4)
	f.Fuzz(func(t *testing.T, remote, line1, line2 string, hops int) {
		hops = int(uint(hops) % 16)
		r := requestWith(remote, []string{line1, line2})
		if got, want := ratelimit.ClientIP(r, hops), referenceClientIP(r, hops); got != want {
			t.Errorf("ClientIP(%q, %q, %d) = %q, want %q", remote, []string{line1, line2}, hops, got, want)
		}
	})
}

// TestClientIPRandomHeaders is the fuzz target's property over a fixed set
// of random headers, so that it runs in every test run.
func TestClientIPRandomHeaders(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"192.0.2.1", "198.51.100.2:8080", "[2001:db8::3]:1", "2001:db8::4", "x", "", " ", "\t", ","}
	for range 2000 {
		var lines []string
		for range r.IntN(4) {
			var b strings.Builder
			for range r.IntN(6) {
				b.WriteString(pieces[r.IntN(len(pieces))])
				if r.IntN(3) > 0 {
					b.WriteString(",")
				}
			}
			lines = append(lines, b.String())
		}
		hops := r.IntN(8)
		req := requestWith("192.0.2.250:9", lines)
		require.Equal(t, referenceClientIP(req, hops), ratelimit.ClientIP(req, hops), "%q hops=%d", lines, hops)
	}
}
