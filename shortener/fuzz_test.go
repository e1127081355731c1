package shortener_test

import (
	"errors"
	"testing"

	"github.com/backendkit/backendkit/shortener"
)

// FuzzValidateURL checks that no input panics, every refusal is an
// ErrInvalidURL with safe text, and whatever is accepted validates again
// to the same normalised form.
func FuzzValidateURL(f *testing.F) {
	for _, h := range hostile {
		f.Add(h.url)
	}
	for _, s := range urlMix {
		f.Add(s)
	}
	v := hostileValidator(f)
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := v.Validate(raw)
		if err != nil {
			if !errors.Is(err, shortener.ErrInvalidURL) {
				t.Fatalf("Validate(%q) = %v, not ErrInvalidURL", raw, err)
			}
			assertSafeText(t, err.Error())
			return
		}
		again, err := v.Validate(out)
		if err != nil {
			t.Fatalf("Validate(%q) = %q, which is refused: %v", raw, out, err)
		}
		if again != out {
			t.Fatalf("Validate(%q) = %q, then %q", raw, out, again)
		}
	})
}

// FuzzNormalizeHost checks that no host panics and a normalised host
// normalises to itself.
func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"example.com", "B\u00fccher.de.", "0x7f.1", "::ffff:1.2.3.4", "%41.com", "p\u0430ypal.com", "127\u30020\u30020\u30021", "xn--zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		h, err := shortener.NormalizeHost(host)
		if err != nil {
			if !errors.Is(err, shortener.ErrInvalidURL) {
				t.Fatalf("NormalizeHost(%q) = %v, not ErrInvalidURL", host, err)
			}
			return
		}
		again, err := shortener.NormalizeHost(h)
		if err != nil || again != h {
			t.Fatalf("NormalizeHost(%q) = %q, then %q, %v", host, h, again, err)
		}
	})
}
