package shortener_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/shortener"
)

// hostile lists URLs no shortener should accept, each with the refusal it
// must get. The seed corpus of FuzzValidateURL (testdata/fuzz) holds them
// too.
var hostile = []struct {
	name, url string
	want      error
}{
	// Empty, length.
	{"empty", "", shortener.ErrEmptyURL},
	{"2049 bytes", "https://example.com/" + strings.Repeat("a", 2049-len("https://example.com/")), shortener.ErrURLTooLong},
	{"8 KiB", "https://example.com/?" + strings.Repeat("q", 8192), shortener.ErrURLTooLong},
	// Schemes.
	{"javascript", "javascript:alert(1)", shortener.ErrScheme},
	{"javascript upper", "JavaScript:alert(document.cookie)", shortener.ErrScheme},
	{"javascript slashes", "javascript://example.com/%0Aalert(1)", shortener.ErrScheme},
	{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", shortener.ErrScheme},
	{"vbscript", "vbscript:msgbox(1)", shortener.ErrScheme},
	{"file", "file:///etc/passwd", shortener.ErrScheme},
	{"ftp", "ftp://example.com/file", shortener.ErrScheme},
	{"gopher", "gopher://127.0.0.1:6379/_FLUSHALL", shortener.ErrScheme},
	{"mailto", "mailto:someone@example.com", shortener.ErrScheme},
	{"blob", "blob:https://example.com/uuid", shortener.ErrScheme},
	{"no scheme", "example.com/path", shortener.ErrScheme},
	{"scheme-relative", "//evil.example/", shortener.ErrScheme},
	{"leading colon", "://example.com/", shortener.ErrScheme},
	{"httpx", "httpx://example.com/", shortener.ErrScheme},
	// Scheme not followed by //.
	{"http:host", "http:evil.example", shortener.ErrMalformedURL},
	{"http:/host", "http:/evil.example/", shortener.ErrMalformedURL},
	{"backslashes after scheme", `http:\\evil.example\`, shortener.ErrMalformedURL},
	{"backslash authority", `https://good.example\@evil.example/`, shortener.ErrCredentials},
	{"backslash host", `https://evil.example\.good.example/`, shortener.ErrMalformedURL},
	{"bare backslashes", `\\evil.example`, shortener.ErrScheme},
	// Whitespace and controls.
	{"CRLF in path", "https://example.com/\r\nSet-Cookie: a=b", shortener.ErrControlChar},
	{"LF in host", "https://exa\nmple.com/", shortener.ErrControlChar},
	{"tab in scheme", "java\tscript:alert(1)", shortener.ErrControlChar},
	{"tab in host", "https://example.com\t/", shortener.ErrControlChar},
	{"leading space", " https://example.com/", shortener.ErrControlChar},
	{"space in path", "https://example.com/a b", shortener.ErrControlChar},
	{"NUL", "https://example.com/\x00", shortener.ErrControlChar},
	{"DEL", "https://example.com/\x7f", shortener.ErrControlChar},
	{"C1 control", "https://example.com/\u0085", shortener.ErrControlChar},
	{"zero-width space", "https://exam\u200bple.com/", shortener.ErrControlChar},
	{"bidi override", "https://example.com/\u202egpj.exe", shortener.ErrControlChar},
	{"no-break space", "https://example.com/\u00a0", shortener.ErrControlChar},
	{"escaped NUL in host", "https://example.com%00.evil.example/", shortener.ErrControlChar},
	{"escaped LF in host", "https://evil.example%0a/", shortener.ErrControlChar},
	{"escaped space in host", "https://evil%20.example/", shortener.ErrControlChar},
	{"escaped NUL in IPv6", "http://[::1%00]/", shortener.ErrControlChar},
	{"invalid UTF-8", "https://example.com/\xff", shortener.ErrMalformedURL},
	// Hosts and ports.
	{"no host", "https:///path", shortener.ErrNoHost},
	{"only port", "https://:443/", shortener.ErrNoHost},
	{"empty brackets", "http://[]/", shortener.ErrNoHost},
	{"only dot", "https://./", shortener.ErrNoHost},
	{"credentials", "https://user:pass@example.com/", shortener.ErrCredentials},
	{"user only", "https://user@example.com/", shortener.ErrCredentials},
	{"phishing userinfo", "https://paypal.com@evil.example/", shortener.ErrCredentials},
	{"empty userinfo", "https://@example.com/", shortener.ErrCredentials},
	{"port 0", "https://example.com:0/", shortener.ErrPort},
	{"port 65536", "https://example.com:65536/", shortener.ErrPort},
	{"port huge", "https://example.com:99999999999999999999/", shortener.ErrPort},
	{"port letters", "https://example.com:8o/", shortener.ErrPort},
	{"port negative", "https://example.com:-1/", shortener.ErrPort},
	{"empty label", "https://example..com/", shortener.ErrInvalidHost},
	{"two trailing dots", "https://example.com../", shortener.ErrInvalidHost},
	{"underscore", "https://ex_ample.com/", shortener.ErrInvalidHost},
	{"leading hyphen", "https://-example.com/", shortener.ErrInvalidHost},
	{"label of 64", "https://" + strings.Repeat("a", 64) + ".com/", shortener.ErrInvalidHost},
	{"host of 254", "https://" + strings.Repeat("a.", 126) + "aa/", shortener.ErrInvalidHost},
	{"invalid punycode", "https://xn--abc-.com/", shortener.ErrInvalidHost},
	{"bad punycode", "https://xn--zz-zzz9999zzz.com/", shortener.ErrInvalidHost},
	{"symbol in host", "https://ex!ample.com/", shortener.ErrInvalidHost},
	{"IDN with disallowed char", "https://exa\u2100mple.com/", shortener.ErrInvalidHost},
	{"mixed script Cyrillic a", "https://p\u0430ypal.com/", shortener.ErrMixedScript},
	{"mixed script Greek o", "https://g\u03bfogle.com/", shortener.ErrMixedScript},
	{"mixed script punycode", "https://xn--pypal-4ve.com/", shortener.ErrMixedScript},
	{"unbracketed IPv6", "http://::1/", shortener.ErrMalformedURL},
	{"unclosed IPv6", "http://[::1/", shortener.ErrMalformedURL},
	{"IPv6 zone", "http://[fe80::1%25eth0]/", shortener.ErrInvalidHost},
	{"text after IPv6", "http://[2001:4860::8888]x/", shortener.ErrMalformedURL},
	{"bracketed name", "http://[example.com]/", shortener.ErrInvalidHost},
	{"five-part number", "http://1.2.3.4.5/", shortener.ErrInvalidHost},
	{"IPv4 part over 255", "http://256.1.1.1/", shortener.ErrInvalidHost},
	{"decimal over 32 bits", "http://4294967296/", shortener.ErrInvalidHost},
	{"bad octal", "http://09.1.1.1/", shortener.ErrInvalidHost},
	{"escaped colons", "http://2001%3adb8%3a%3a1/", shortener.ErrInvalidHost},
	{"unassigned code point", "https://exa\u0378mple.com/", shortener.ErrInvalidHost},
	// Loopback, link-local, unspecified, metadata: refused even with
	// AllowPrivate.
	{"localhost", "http://localhost/", shortener.ErrLocalAddress},
	{"localhost upper, dot", "http://LOCALHOST./admin", shortener.ErrLocalAddress},
	{"sub.localhost", "http://app.localhost:8080/", shortener.ErrLocalAddress},
	{"loopback", "http://127.0.0.1/", shortener.ErrLocalAddress},
	{"loopback other", "http://127.8.9.10:8080/", shortener.ErrLocalAddress},
	{"loopback decimal", "http://2130706433/", shortener.ErrLocalAddress},
	{"loopback hex", "http://0x7f000001/", shortener.ErrLocalAddress},
	{"loopback hex short", "http://0x7f.1/", shortener.ErrLocalAddress},
	{"loopback octal", "http://0177.0.0.1/", shortener.ErrLocalAddress},
	{"loopback short", "http://127.1/", shortener.ErrLocalAddress},
	{"loopback escaped", "http://%31%32%37.0.0.1/", shortener.ErrLocalAddress},
	{"loopback full-width", "http://\uff11\uff12\uff17.0.0.1/", shortener.ErrLocalAddress},
	{"loopback ideographic dots", "http://127\u30020\u30020\u30021/", shortener.ErrLocalAddress},
	{"loopback IPv6", "http://[::1]/", shortener.ErrLocalAddress},
	{"loopback IPv6 long", "http://[0:0:0:0:0:0:0:1]/", shortener.ErrLocalAddress},
	{"loopback IPv4-mapped", "http://[::ffff:127.0.0.1]/", shortener.ErrLocalAddress},
	{"loopback IPv4-mapped hex", "http://[::ffff:7f00:1]/", shortener.ErrLocalAddress},
	{"loopback IPv4-compatible", "http://[::127.0.0.1]/", shortener.ErrLocalAddress},
	{"loopback NAT64", "http://[64:ff9b::127.0.0.1]/", shortener.ErrLocalAddress},
	{"loopback 6to4", "http://[2002:7f00:1::]/", shortener.ErrLocalAddress},
	{"unspecified", "http://0.0.0.0/", shortener.ErrLocalAddress},
	{"unspecified zero", "http://0/", shortener.ErrLocalAddress},
	{"unspecified IPv6", "http://[::]/", shortener.ErrLocalAddress},
	{"this network", "http://0.1.2.3/", shortener.ErrLocalAddress},
	{"metadata", "http://169.254.169.254/latest/meta-data/", shortener.ErrLocalAddress},
	{"metadata decimal", "http://2852039166/", shortener.ErrLocalAddress},
	{"metadata mapped", "http://[::ffff:169.254.169.254]/", shortener.ErrLocalAddress},
	{"metadata AWS IPv6", "http://[fd00:ec2::254]/", shortener.ErrLocalAddress},
	{"metadata Alibaba mapped", "http://[::ffff:100.100.100.200]/", shortener.ErrLocalAddress},
	{"this network mapped", "http://[::ffff:0.1.2.3]/", shortener.ErrLocalAddress},
	{"metadata Alibaba", "http://100.100.100.200/", shortener.ErrLocalAddress},
	{"metadata name", "http://metadata.google.internal/computeMetadata/v1/", shortener.ErrLocalAddress},
	{"link-local IPv6", "http://[fe80::1]/", shortener.ErrLocalAddress},
	{"multicast", "http://224.0.0.1/", shortener.ErrLocalAddress},
	{"broadcast", "http://255.255.255.255/", shortener.ErrLocalAddress},
	// Private addresses and intranet names.
	{"private 10", "http://10.0.0.1/", shortener.ErrPrivateHost},
	{"private 172.16", "http://172.16.5.4/", shortener.ErrPrivateHost},
	{"private 192.168", "http://192.168.1.1/router", shortener.ErrPrivateHost},
	{"private octal", "http://012.0.0.1/", shortener.ErrPrivateHost},
	{"private short", "http://10.1/", shortener.ErrPrivateHost},
	{"private hex dotted", "http://0xc0.0xa8.0x01.0x01/", shortener.ErrPrivateHost},
	{"private mapped", "http://[::ffff:10.0.0.1]/", shortener.ErrPrivateHost},
	{"private ULA", "http://[fd12:3456::1]/", shortener.ErrPrivateHost},
	{"CGNAT", "http://100.64.0.1/", shortener.ErrPrivateHost},
	{"CGNAT mapped", "http://[::ffff:100.64.0.1]/", shortener.ErrPrivateHost},
	{"single label", "http://intranet/", shortener.ErrPrivateHost},
	{".internal", "http://db.internal/", shortener.ErrPrivateHost},
	{".local", "http://printer.local/", shortener.ErrPrivateHost},
	// The service itself and the deny list.
	{"own host", "https://sho.rt/abc", shortener.ErrOwnHost},
	{"own host upper", "https://SHO.RT./abc", shortener.ErrOwnHost},
	{"own subdomain", "https://www.sho.rt/abc", shortener.ErrOwnHost},
	{"own host IDN", "https://b\u00fccher.example/", shortener.ErrOwnHost},
	{"other shortener", "https://bit.ly/xyz", shortener.ErrDeniedHost},
	{"other shortener sub", "https://www.bit.ly/xyz", shortener.ErrDeniedHost},
	{"denied IP", "http://203.0.113.7/", shortener.ErrLocalAddress},
	{"denied by parent", "https://a.b.abuse.example/", shortener.ErrDeniedHost},
}

func hostileValidator(t testing.TB) *shortener.URLValidator {
	v, err := shortener.NewURLValidator(shortener.URLConfig{
		OwnHosts:  []string{"sho.rt", "xn--bcher-kva.example"},
		DenyHosts: []string{"bit.ly", "abuse.example"},
	})
	require.NoError(t, err)
	return v
}

var urlRefusals = []error{
	shortener.ErrEmptyURL, shortener.ErrURLTooLong, shortener.ErrControlChar, shortener.ErrMalformedURL,
	shortener.ErrScheme, shortener.ErrNoHost, shortener.ErrCredentials, shortener.ErrPort,
	shortener.ErrInvalidHost, shortener.ErrMixedScript, shortener.ErrOwnHost, shortener.ErrLocalAddress,
	shortener.ErrPrivateHost, shortener.ErrDeniedHost,
}

// TestValidateRefusesHostileURLs checks each hostile URL gets its own
// refusal and no other, and that the error text repeats nothing of the
// input a page or log could be fooled by.
func TestValidateRefusesHostileURLs(t *testing.T) {
	require.GreaterOrEqual(t, len(hostile), 60)
	v := hostileValidator(t)
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Validate(tc.url)
			require.ErrorIs(t, err, tc.want, "got %q", got)
			assert.ErrorIs(t, err, shortener.ErrInvalidURL)
			assert.Empty(t, got)
			for _, other := range urlRefusals {
				if other != tc.want {
					assert.False(t, errors.Is(err, other), "also matches %v", other)
				}
			}
			assertSafeText(t, err.Error())
		})
	}
}

// assertSafeText checks an error's text is printable ASCII without the
// characters that would let it inject markup, quotes or escapes.
func assertSafeText(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || strings.IndexByte(`<>"'\%`+"`", c) >= 0 {
			t.Fatalf("error text has byte %#x at %d: %q", c, i, s)
		}
	}
}

// TestValidatePrivateSetting checks AllowPrivate lets intranet hosts
// through and keeps refusing loopback, link-local and metadata.
func TestValidatePrivateSetting(t *testing.T) {
	v, err := shortener.NewURLValidator(shortener.URLConfig{AllowPrivate: true})
	require.NoError(t, err)
	for _, tc := range []struct{ in, want string }{
		{"http://10.0.0.1/", "http://10.0.0.1/"},
		{"http://012.0.0.1/", "http://10.0.0.1/"},
		{"http://[fd12:3456::1]/", "http://[fd12:3456::1]/"},
		{"http://[::ffff:192.168.0.1]/x", "http://[::ffff:192.168.0.1]/x"},
		{"http://intranet/wiki", "http://intranet/wiki"},
		{"http://db.internal:5432/", "http://db.internal:5432/"},
		{"http://100.64.0.1/", "http://100.64.0.1/"},
	} {
		got, err := v.Validate(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, in := range []string{
		"http://127.0.0.1/", "http://localhost/", "http://169.254.169.254/", "http://[::1]/",
		"http://0.0.0.0/", "http://metadata.google.internal/", "http://[fe80::1]/", "http://100.100.100.200/",
	} {
		_, err := v.Validate(in)
		assert.ErrorIs(t, err, shortener.ErrLocalAddress, in)
	}
}

// TestValidateNormalises checks the form that is stored.
func TestValidateNormalises(t *testing.T) {
	v := hostileValidator(t)
	for _, tc := range []struct{ in, want string }{
		{"https://example.com", "https://example.com/"},
		{"HTTPS://EXAMPLE.COM/Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"},
		{"hTtP://Example.COM./", "http://example.com/"},
		{"http://example.com:80/", "http://example.com/"},
		{"https://example.com:443/", "https://example.com/"},
		{"http://example.com:443/", "http://example.com:443/"},
		{"https://example.com:08080/", "https://example.com:8080/"},
		{"https://example.com:/", "https://example.com/"},
		{"https://b\u00fccher.de/", "https://xn--bcher-kva.de/"},
		{"https://B\u00dcCHER.de/", "https://xn--bcher-kva.de/"},
		{"https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/", "https://example.com/"},
		{"https://xn--bcher-kva.de/", "https://xn--bcher-kva.de/"},
		{"https://\u4f8b\u3048.\u30c6\u30b9\u30c8/", "https://xn--r8jz45g.xn--zckzah/"},
		{"https://%65xample.com/", "https://example.com/"},
		{"http://8.8.8.8/", "http://8.8.8.8/"},
		{"http://134744072/", "http://8.8.8.8/"},
		{"http://0x08080808/", "http://8.8.8.8/"},
		{"http://010.010.010.010/", "http://8.8.8.8/"},
		{"http://8.526344/", "http://8.8.8.8/"},
		{"http://[2001:4860:4860:0:0:0:0:8888]:8080/", "http://[2001:4860:4860::8888]:8080/"},
		{"http://[::ffff:8.8.8.8]/", "http://[::ffff:8.8.8.8]/"},
		{"https://example.com/a%20b/\u00e9?q=\u00e9&x=<y>", "https://example.com/a%20b/%C3%A9?q=%C3%A9&x=%3Cy%3E"},
		{"https://example.com/?", "https://example.com/?"},
		{"https://example.com/#a\u00e9", "https://example.com/#a%C3%A9"},
		{`https://example.com/a\b`, "https://example.com/a%5Cb"},
		{"https://a.example.com:65535/x", "https://a.example.com:65535/x"},
		{"https://sho.rt.example.org/", "https://sho.rt.example.org/"},
		{"https://notbit.ly/", "https://notbit.ly/"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := v.Validate(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := v.Validate(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "not stable")
		})
	}
}

func TestURLValidatorConfig(t *testing.T) {
	for _, cfg := range []shortener.URLConfig{
		{MaxLength: -1},
		{OwnHosts: []string{"ex ample.com"}},
		{OwnHosts: []string{""}},
		{DenyHosts: []string{"a..b"}},
		{DenyHosts: []string{"p\u0430ypal.com"}},
	} {
		_, err := shortener.NewURLValidator(cfg)
		assert.ErrorIs(t, err, shortener.ErrInvalidConfig, "%+v", cfg)
	}
	v, err := shortener.NewURLValidator(shortener.URLConfig{MaxLength: 30, DenyHosts: []string{"[2001:db8::1]", "8.8.4.4"}})
	require.NoError(t, err)
	_, err = v.Validate("https://example.com/123456789012")
	assert.ErrorIs(t, err, shortener.ErrURLTooLong)
	_, err = v.Validate("http://8.8.4.4/")
	assert.ErrorIs(t, err, shortener.ErrDeniedHost)
	_, err = v.Validate("http://0x08080404/")
	assert.ErrorIs(t, err, shortener.ErrDeniedHost)
	// Normalisation can lengthen a URL past the limit: punycode here.
	_, err = v.Validate("https://\u4f8b\u3048.\u30c6\u30b9\u30c8/")
	assert.ErrorIs(t, err, shortener.ErrURLTooLong)
}

func TestNormalizeHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Example.COM.", "example.com"},
		{"b\u00fccher.de", "xn--bcher-kva.de"},
		{"0x7f.1", "127.0.0.1"},
		{"::FFFF:7F00:1", "::ffff:127.0.0.1"},
		{"4294967295", "255.255.255.255"},
		{"0x", "0.0.0.0"},
	} {
		got, err := shortener.NormalizeHost(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", shortener.ErrNoHost},
		{"a..b", shortener.ErrInvalidHost},
		{"%zz", shortener.ErrMalformedURL},
		{"a%09b", shortener.ErrControlChar},
		{"p\u0430ypal.com", shortener.ErrMixedScript},
		{"1.2.3.0x100", shortener.ErrInvalidHost},
	} {
		_, err := shortener.NormalizeHost(tc.in)
		assert.ErrorIs(t, err, tc.want, tc.in)
	}
}

// TestValidateOwnAndDeniedAddressesInIPv6Forms checks that an own or
// denied IPv4 address is refused also when written in the IPv6 forms that
// reach it (IPv4-mapped, NAT64, 6to4, IPv4-compatible), and that an own
// or denied IPv4-mapped address is refused as the plain IPv4 address.
func TestValidateOwnAndDeniedAddressesInIPv6Forms(t *testing.T) {
	v, err := shortener.NewURLValidator(shortener.URLConfig{
		OwnHosts:  []string{"8.8.8.8", "::ffff:9.9.9.9"},
		DenyHosts: []string{"1.1.1.1"},
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		url  string
		want error
	}{
		{"http://8.8.8.8/", shortener.ErrOwnHost},
		{"http://[::ffff:8.8.8.8]/", shortener.ErrOwnHost},
		{"http://[::ffff:808:808]/", shortener.ErrOwnHost},
		{"http://[64:ff9b::8.8.8.8]/", shortener.ErrOwnHost},
		{"http://[2002:808:808::1]/", shortener.ErrOwnHost},
		{"http://[::8.8.8.8]/", shortener.ErrOwnHost},
		{"http://9.9.9.9/", shortener.ErrOwnHost},
		{"http://[::ffff:9.9.9.9]/", shortener.ErrOwnHost},
		{"http://1.1.1.1/", shortener.ErrDeniedHost},
		{"http://[::ffff:1.1.1.1]/", shortener.ErrDeniedHost},
		{"http://[64:ff9b::101:101]/", shortener.ErrDeniedHost},
	} {
		_, err := v.Validate(tc.url)
		assert.ErrorIs(t, err, tc.want, tc.url)
	}
	got, err := v.Validate("http://[::ffff:8.8.4.4]/")
	require.NoError(t, err)
	assert.Equal(t, "http://[::ffff:8.8.4.4]/", got)
}

// TestValidatePrivateSettingLocalNAT64 checks that AllowPrivate lets
// through the local-use NAT64 prefix 64:ff9b:1::/48, as URLConfig says,
// while the loopback or metadata address it embeds in its low 32 bits
// stays refused.
func TestValidatePrivateSettingLocalNAT64(t *testing.T) {
	private, err := shortener.NewURLValidator(shortener.URLConfig{AllowPrivate: true})
	require.NoError(t, err)
	got, err := private.Validate("http://[64:ff9b:1::a00:1]/")
	require.NoError(t, err)
	assert.Equal(t, "http://[64:ff9b:1::a00:1]/", got)
	for _, u := range []string{"http://[64:ff9b:1::127.0.0.1]/", "http://[64:ff9b:1::169.254.169.254]/"} {
		_, err = private.Validate(u)
		assert.ErrorIs(t, err, shortener.ErrLocalAddress, u)
	}
	public, err := shortener.NewURLValidator(shortener.URLConfig{})
	require.NoError(t, err)
	_, err = public.Validate("http://[64:ff9b:1::a00:1]/")
	assert.ErrorIs(t, err, shortener.ErrPrivateHost)
	_, err = public.Validate("http://[64:ff9b:1::127.0.0.1]/")
	assert.ErrorIs(t, err, shortener.ErrLocalAddress)
}
