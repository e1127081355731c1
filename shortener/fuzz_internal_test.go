package shortener

import (
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// FuzzTailFastPath checks that the tail written without net/url is what
// net/url's way writes, for every tail the fast path takes.
func FuzzTailFastPath(f *testing.F) {
	for _, s := range []string{"", "/", "/a/b?c=d#e", "?", "#", "?#", "/x#", "/a:b@c!$&()*+,;=", "?q=/?#f?/", "//double//slash"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tail string) {
		// A tail starts where the authority ends: at '/', '?' or '#'.
		if tail != "" && strings.IndexByte("/?#", tail[0]) < 0 || !plainTail(tail) {
			return
		}
		var fast, slow strings.Builder
		if !writeTail(&fast, tail, false) {
			t.Fatalf("fast path refused %q", tail)
		}
		if !writeTail(&slow, tail, true) {
			t.Fatalf("net/url refused plain tail %q", tail)
		}
		if fast.String() != slow.String() {
			t.Fatalf("tail %q: fast %q, net/url %q", tail, fast.String(), slow.String())
		}
	})
}

// FuzzHostFastPath checks that the ASCII fast path of host normalisation
// agrees with the IDNA2008 lookup profile on every host it takes.
func FuzzHostFastPath(f *testing.F) {
	for _, s := range []string{"example.com", "EXAMPLE.com", "a-b.c", "xn--bcher-kva.de", "ab--cd.com", "1.2.3.4", "a", "-a.com", "a-.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		fast, ok := fastASCII(host)
		if !ok {
			return
		}
		want, err := idna.Lookup.ToASCII(host)
		if err != nil {
			t.Fatalf("fast path took %q, which the profile refuses: %v", host, err)
		}
		if fast != want {
			t.Fatalf("host %q: fast %q, profile %q", host, fast, want)
		}
	})
}
