package jwtdemo

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBase64AgainstStandardLibrary: for every length up to 100 and random
// bytes, the strict codec agrees with encoding/base64's RawURLEncoding.
func TestBase64AgainstStandardLibrary(t *testing.T) {
	forEachCodec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for n := range 300 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(rng.UintN(256))
			}
			want := base64.RawURLEncoding.EncodeToString(src)
			got := string(appendEncoded(nil, src))
			require.Equal(t, want, got)
			require.Equal(t, len(want), encodedLen(n))
			dst := make([]byte, decodedLen(len(got)))
			m, ok := decodeSegment(dst, got)
			require.True(t, ok)
			require.Equal(t, src, dst[:m])
		}
	})
}

// forEachCodec runs f with the portable encoder and decoder, and again
// with the vector ones where the CPU has them.
func forEachCodec(t *testing.T, f func(t *testing.T)) {
	vector := useAVX2
	t.Cleanup(func() { useAVX2 = vector })
	useAVX2 = false
	t.Run("portable", f)
	if vector {
		useAVX2 = true
		t.Run("avx2", f)
	}
}

// TestDecodeSegmentRefusesEveryOtherByte puts each of the 256 byte values
// at each position of a valid 200-character segment, so that every
// character lands in every lane of the vector decoder and in every tail of
// the portable one, and checks the result against encoding/base64's strict
// decoder (which skips '\r' and '\n', where this one refuses them).
func TestDecodeSegmentRefusesEveryOtherByte(t *testing.T) {
	forEachCodec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		src := make([]byte, 150)
		for i := range src {
			src[i] = byte(rng.UintN(256))
		}
		valid := []byte(base64.RawURLEncoding.EncodeToString(src))
		dst := make([]byte, decodedLen(len(valid)))
		for p := range valid {
			orig := valid[p]
			for c := range 256 {
				valid[p] = byte(c)
				s := string(valid)
				want, err := base64.RawURLEncoding.Strict().DecodeString(s)
				wantOK := err == nil && c != '\r' && c != '\n'
				m, ok := decodeSegment(dst, s)
				require.Equal(t, wantOK, ok, "byte %#x at %d", c, p)
				if ok {
					require.Equal(t, want, dst[:m], "byte %#x at %d", c, p)
				}
			}
			valid[p] = orig
		}
	})
}

func TestBase64Strict(t *testing.T) {
	for _, bad := range []string{
		"A",                // length 1 mod 4
		"AB==",             // padding
		"AB",               // non-zero unused bits (the canonical form is AA)
		"AAB",              // same, 3 characters
		"a+b/",             // standard alphabet
		"AAAA\nAAAA",       // newline, which encoding/base64 would skip
		"AAAA\rAAAA",       // carriage return, likewise
		"AA AA",            // space
		"AAAAAAAA?AAAAAAA", // outside the alphabet, in the 8-character path
		"\xffAAA",
	} {
		dst := make([]byte, 16)
		_, ok := decodeSegment(dst, bad)
		assert.False(t, ok, "%q", bad)
	}
	dst := make([]byte, 2)
	_, ok := decodeSegment(dst, "AAAA")
	assert.False(t, ok, "dst too small")
}

// TestJSONReaderAgreesWithEncodingJSON: what the claims reader accepts is
// valid JSON, and it reads strings as encoding/json does.
func TestJSONReaderAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`"plain"`, `"esc\"aped\\ \/ \b\f\n\r\t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00"`,
		`"\ud800"`, `"\udc00x"`, `"\ud800\u0041"`, `"é中😀"`,
	} {
		r := reader{s: s}
		raw, esc, ok := r.str()
		require.True(t, ok, s)
		require.True(t, r.end())
		got := raw
		if esc {
			got = string(unescape(nil, raw))
		}
		var want string
		require.NoError(t, json.Unmarshal([]byte(s), &want))
		assert.Equal(t, want, got, s)
	}
	for _, bad := range []string{`"\x"`, `"\u12"`, `"\u12g4"`, "\"\x00\"", `"open`, "\"\xed\xa0\x80\"", "\"\xc0\xaf\""} {
		r := reader{s: bad}
		_, _, ok := r.str()
		assert.False(t, ok, "%q", bad)
	}
	for _, n := range []string{"0", "-0", "1.5", "1e5", "1E+5", "-1.25e-3", "123"} {
		r := reader{s: n}
		_, ok := r.number()
		assert.True(t, ok && r.end(), n)
	}
	for _, n := range []string{"01", "1.", ".5", "+1", "1e", "-", "0x1", "1.e5"} {
		r := reader{s: n}
		_, ok := r.number()
		assert.False(t, ok && r.end(), n)
	}
}

// FuzzDecodeSegment: the strict decoder accepts exactly what
// encoding/base64's strict RawURLEncoding accepts, minus the '\r' and '\n'
// that encoding/base64 skips, and decodes it to the same bytes.
func FuzzDecodeSegment(f *testing.F) {
	for _, seed := range []string{"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "AB==", "a+b/", "AA\nAA", "eyJhbGciOiJIUzI1NiJ9", "_-_-_-_-_-_-_-_-x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		std, stdErr := base64.RawURLEncoding.Strict().DecodeString(s)
		stdOK := stdErr == nil && !strings.ContainsAny(s, "\r\n")
		n := decodedLen(len(s))
		if n < 0 {
			if stdOK {
				t.Fatalf("%q: length refused, standard library accepts it", s)
			}
			return
		}
		dst := make([]byte, n)
		m, ok := decodeSegment(dst, s)
		if ok != stdOK {
			t.Fatalf("%q: ours %v, standard library %v (%v)", s, ok, stdOK, stdErr)
		}
		if ok && string(dst[:m]) != string(std) {
			t.Fatalf("%q: decoded %x, standard library %x", s, dst[:m], std)
		}
	})
}

// TestPlain8 checks the eight-at-a-time scan against the byte table: every
// byte value in every position, among plain neighbours and among
// neighbours that are not.
func TestPlain8(t *testing.T) {
	for _, fill := range []byte{'a', ' ', '~', 0x7F, 0x1F, '"', '\\', 0x80, 0xFF, 0x00, 0x21, 0x5B, 0x5D} {
		for pos := range 8 {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := true
				for _, x := range b {
					want = want && plain[x]
				}
				if got := plain8(load64(string(b[:]), 0)); got != want {
					t.Fatalf("plain8(%q) = %v, want %v", b[:], got, want)
				}
			}
		}
	}
}

// TestAppendStringRoundTrips: strings of every length up to 40, mixing
// plain bytes with ones that need escaping and multi-byte runes at every
// position, read back through encoding/json unchanged.
func TestAppendStringRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "Z", "0", " ", "~", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "é", "😀", "<", "/"}
	for n := range 41 {
		for range 50 {
			var sb strings.Builder
			for sb.Len() < n {
				sb.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := sb.String()
			enc := appendString(nil, s)
			var back string
			require.NoError(t, json.Unmarshal(enc, &back), "%q", enc)
			require.Equal(t, s, back)
		}
	}
}

// TestAppendStringUTF8ChecksLikeValidString: the validity reported while
// encoding is utf8.ValidString's, for strings mixing valid runes with
// stray, truncated, overlong and surrogate sequences at every position.
func TestAppendStringUTF8ChecksLikeValidString(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "\"", "\x01", "é", "😀", "\uFFFD", "\xff", "\x80", "\xc3", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "abcdefgh"}
	seen := map[bool]int{}
	for n := range 30 {
		for range 50 {
			var sb strings.Builder
			for sb.Len() < n {
				sb.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := sb.String()
			_, ok := appendStringUTF8(nil, s)
			require.Equal(t, utf8.ValidString(s), ok, "%q", s)
			seen[ok]++
		}
	}
	require.Positive(t, seen[true])
	require.Positive(t, seen[false])
}

// FuzzCompactClaims: whenever the compact fast path accepts a payload, the
// general reader accepts it too and reads exactly the same claims; the
// seeds cover each way the fast path must hand over.
func FuzzCompactClaims(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://auth.example.com","sub":"user-8d3f2a","aud":"https://api.example.com","exp":1700003600,"iat":1700000000,"jti":"f47ac10b-58cc-4372-a567-0e02b2c3d479"}`,
		`{"sub":"a","scope":"read write","nbf":0,"exp":253402300799}`,
		`{"exp":253402300800}`, `{"exp":0123}`, `{"exp":1.5}`, `{"exp":1e9}`, `{"exp":-1}`,
		`{"exp":1234567890123}`, `{"exp":"1"}`, `{"sub":"a\"b"}`, `{"sub":"é"}`,
		"{\"sub\":\"a\x01\"}", `{"sub":"a","sub":"b"}`, `{"aud":["a","b"]}`, `{ "sub":"a"}`,
		`{"sub":"a" }`, `{"sub":"a"}x`, `{"roles":["x"],"sub":"a"}`, `{}`, `{"sub":"a",}`,
		`{"sub":"abcdefgh`, `{"exp":12345678`, `{"exp":12345678}`, `{"iat":12345678,"sub":"abcdefghijklmnop"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fast, slow Claims
		var oneFast, oneSlow [1]string
		pf, ok := parseCompactClaims(s, &fast, &oneFast)
		ps, err := parseClaimsJSON(s, &slow, &oneSlow)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path accepted %q, general reader refused it: %v", s, err)
		}
		if pf != ps {
			t.Fatalf("%q: present %b, general reader %b", s, pf, ps)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path read %+v, general reader %+v", s, fast, slow)
		}
	})
}

// TestCompactClaimsTakesTheCommonShape: the fast path does accept the
// compact claims issuers write, so the fuzz test above compares something.
func TestCompactClaimsTakesTheCommonShape(t *testing.T) {
	c := Claims{Issuer: "iss", Subject: "sub", Audience: Audience{"aud"}, ID: "jti", Scope: "a b",
		ExpiresAt: NewNumericDate(time.Unix(1700003600, 0)), NotBefore: NewNumericDate(time.Unix(1, 0)),
		IssuedAt: NewNumericDate(time.Unix(0, 0))}
	b, err := appendClaims(nil, &c)
	require.NoError(t, err)
	var got Claims
	var one [1]string
	present, ok := parseCompactClaims(string(b), &got, &one)
	require.True(t, ok, string(b))
	assert.Equal(t, claimIss|claimSub|claimAud|claimExp|claimNbf|claimIat|claimJti|claimScope, present)
	got.raw = ""
	assert.Equal(t, c, got)
}

// TestPlainString and TestEightDigits pin the word-at-a-time helpers
// against a byte-at-a-time reading, at every offset of each input.
func TestPlainString(t *testing.T) {
	slow := func(s string, i int) int {
		for ; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"':
				return i
			case c < 0x20 || c >= 0x80 || c == '\\':
				return -1
			}
		}
		return -1
	}
	for _, s := range []string{
		`abcdefghijklmnop"`, `abc"def`, `abcdefgh\"ij"`, "abcdefg\x1f\"", "abcdefgh\x7f\"", "abcdefghé\"",
		`abcdefgh`, `"`, ``, "a\x00bcdefghijk\"", `~~~~~~~~~~~~~~~~"`, "\x20\x20\x20\x20\x20\x20\x20\x1f\"",
	} {
		for i := 0; i <= len(s); i++ {
			assert.Equal(t, slow(s, i), plainString(s, i), "%q at %d", s, i)
		}
	}
}

func TestEightDigits(t *testing.T) {
	for _, s := range []string{"00000000", "12345678", "99999999", "1234567/", "1234567:", "/0000000", ":9999999", "1234 678", "\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7"} {
		want, err := strconv.ParseUint(s, 10, 64)
		got, ok := eightDigits(load64(s, 0))
		assert.Equal(t, err == nil, ok, s)
		if ok {
			assert.Equal(t, want, got, s)
		}
	}
}

// BenchmarkBase64 encodes and decodes the payload of a typical access
// token (165 bytes, 220 characters) with the portable code and, where the
// CPU has it, the vector code.
func BenchmarkBase64(b *testing.B) {
	payload := []byte(`{"iss":"https://auth.example.com","sub":"user-8d3f2a","aud":"https://api.example.com","exp":1700003600,"iat":1700000000,"jti":"f47ac10b-58cc-4372-a567-0e02b2c3d479"}`)
	seg := base64.RawURLEncoding.EncodeToString(payload)
	dst := make([]byte, 0, len(seg))
	vector := useAVX2
	defer func() { useAVX2 = vector }()
	ops := []struct {
		name string
		run  func() bool
	}{
		{"encode", func() bool { dst = appendEncoded(dst[:0], payload); return len(dst) == len(seg) }},
		{"decode", func() bool { _, ok := decodeSegment(dst[:len(payload)], seg); return ok }},
	}
	for _, op := range ops {
		for _, impl := range []struct {
			name string
			on   bool
		}{{"portable", false}, {"avx2", true}} {
			if impl.on && !vector {
				continue
			}
			b.Run(op.name+"/"+impl.name, func(b *testing.B) {
				useAVX2 = impl.on
				b.ReportAllocs()
				for b.Loop() {
					if !op.run() {
						b.Fatal("wrong length or refused")
					}
				}
			})
		}
	}
}
