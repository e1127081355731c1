package shortener

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxHostLen is the longest host name, in bytes of its ASCII form
// (RFC 1035: 253 without the trailing dot); a label holds at most 63.
const MaxHostLen = 253

// NormalizeHost returns the form of host that every check of this package
// compares: percent-escapes decoded, lower case, the trailing dot removed,
// an internationalised name converted to its ASCII form with the IDNA2008
// lookup profile, and an IPv4 address in any of the forms browsers accept
// (decimal "2130706433", hex "0x7f.1", octal "0177.0.0.1", short "127.1")
// written as a dotted quad. An IPv6 literal is given without brackets and
// comes back in its canonical text form.
//
// It fails with ErrControlChar for a control character or white space
// (escaped, or raw in a name), ErrNoHost for an empty host, ErrMixedScript for a
// label that mixes scripts ("pаypal" with a Cyrillic а), and
// ErrInvalidHost for anything else a resolver would not look up.
func NormalizeHost(host string) (string, error) {
	h, _, err := normalizeHost(host)
	return h, err
}

// normalizeHost is NormalizeHost that also returns the address when the
// host is an IP literal.
func normalizeHost(host string) (string, netip.Addr, error) {
	if strings.IndexByte(host, '%') >= 0 {
		d, err := unescapeHost(host)
		if err != nil {
			return "", netip.Addr{}, err
		}
		host = d
	}
	if len(host) == 0 {
		return "", netip.Addr{}, ErrNoHost
	}
	if strings.IndexByte(host, ':') >= 0 {
		return normalizeIPv6(host)
	}
	h, err := toASCII(host)
	if err != nil {
		return "", netip.Addr{}, err
	}
	if endsInNumber(h) {
		a, ok := parseIPv4(h)
		if !ok {
			return "", netip.Addr{}, fmt.Errorf("%w: numeric host is not an IPv4 address", ErrInvalidHost)
		}
		return a.String(), a, nil
	}
	return h, netip.Addr{}, nil
}

// unescapeHost decodes percent-escapes, as browsers do in a host.
func unescapeHost(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			return "", fmt.Errorf("%w: bad percent-escape in host", ErrMalformedURL)
		}
		b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
		i += 2
	}
	for i := 0; i < len(b); i++ {
		if b[i] <= ' ' || b[i] == 0x7f {
			return "", fmt.Errorf("%w: escaped in the host", ErrControlChar)
		}
	}
	return string(b), nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// normalizeIPv6 parses an IPv6 literal (the text between the brackets).
func normalizeIPv6(host string) (string, netip.Addr, error) {
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() {
		return "", netip.Addr{}, fmt.Errorf("%w: not an IPv6 address", ErrInvalidHost)
	}
	if a.Zone() != "" {
		return "", netip.Addr{}, fmt.Errorf("%w: IPv6 zone", ErrInvalidHost)
	}
	return a.String(), a, nil
}

// toASCII lower-cases host, removes one trailing dot and converts it to
// its ASCII form, checking lengths and scripts.
func toASCII(host string) (string, error) {
	if host == "." {
		return "", ErrNoHost
	}
	h, ok := fastASCII(strings.TrimSuffix(host, "."))
	if !ok {
		var err error
		if h, err = idnaASCII(host); err != nil {
			return "", err
		}
		// One trailing dot, which may have been a full-width or
		// ideographic one before mapping.
		h = strings.TrimSuffix(h, ".")
	}
	if len(h) > MaxHostLen {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidHost, MaxHostLen)
	}
	for label := range strings.SplitSeq(h, ".") {
		if len(label) == 0 || len(label) > 63 {
			return "", fmt.Errorf("%w: empty label or label over 63 bytes", ErrInvalidHost)
		}
	}
	return h, nil
}

// fastASCII lower-cases host when it is plain ASCII letters, digits,
// hyphens and dots that the IDNA lookup profile would return unchanged
// apart from case (no label begins or ends with a hyphen or has "--" in
// its third and fourth places, which is where "xn--" labels go). It
// reports false for anything else, which then goes through the profile.
func fastASCII(host string) (string, bool) {
	lower := true
	start := 0
	for i := 0; i <= len(host); i++ {
		if i == len(host) || host[i] == '.' {
			label := host[start:i]
			if len(label) == 0 || label[0] == '-' || label[len(label)-1] == '-' ||
				len(label) >= 4 && label[2] == '-' && label[3] == '-' {
				return "", false
			}
			start = i + 1
			continue
		}
		c := host[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		case 'A' <= c && c <= 'Z':
			lower = false
		default:
			return "", false
		}
	}
	if lower {
		return host, true
	}
	return strings.ToLower(host), true
}

// idnaASCII converts host with the IDNA2008 lookup profile and checks
// that no label mixes scripts.
func idnaASCII(host string) (string, error) {
	if !utf8.ValidString(host) {
		return "", fmt.Errorf("%w: not UTF-8", ErrInvalidHost)
	}
	for _, r := range host {
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return "", fmt.Errorf("%w: in the host", ErrControlChar)
		}
	}
	h, err := idna.Lookup.ToASCII(host)
	if err != nil {
		// The profile's error quotes the input: say only that it failed.
		return "", fmt.Errorf("%w: not a valid internationalised name", ErrInvalidHost)
	}
	u, err := idna.Lookup.ToUnicode(h)
	if err != nil {
		return "", fmt.Errorf("%w: not a valid internationalised name", ErrInvalidHost)
	}
	for label := range strings.SplitSeq(u, ".") {
		if mixedScript(label) {
			return "", ErrMixedScript
		}
	}
	return h, nil
}

// The sets of scripts one label may combine (UTS #39's "highly
// restrictive" level): Japanese, Chinese with Bopomofo, Korean, each with
// Latin. Any other label must be of one script, not counting Common and
// Inherited characters (digits, hyphen, combining marks).
var scriptSets = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

// commonScripts are tried first when looking up a character's script.
var commonScripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Han, unicode.Hiragana,
	unicode.Katakana, unicode.Hangul, unicode.Arabic, unicode.Hebrew,
	unicode.Devanagari, unicode.Thai, unicode.Armenian, unicode.Georgian,
}

// scriptOf returns the script table of r, nil for Common, Inherited or
// unknown.
func scriptOf(r rune) *unicode.RangeTable {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return unicode.Latin
		}
		return nil
	}
	for _, t := range commonScripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	for name, t := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

// mixedScript reports whether label combines scripts no set allows.
func mixedScript(label string) bool {
	var seen []*unicode.RangeTable
	for _, r := range label {
		t := scriptOf(r)
		if t == nil {
			continue
		}
		found := false
		for _, s := range seen {
			if s == t {
				found = true
				break
			}
		}
		if !found {
			seen = append(seen, t)
		}
	}
	if len(seen) <= 1 {
		return false
	}
next:
	for _, set := range scriptSets {
		for _, s := range seen {
			if !containsTable(set, s) {
				continue next
			}
		}
		return false
	}
	return true
}

func containsTable(set []*unicode.RangeTable, t *unicode.RangeTable) bool {
	for _, s := range set {
		if s == t {
			return true
		}
	}
	return false
}

// endsInNumber reports whether host's last label is a number in the
// WHATWG URL standard's sense (decimal, or hex after 0x): such a host is
// an IPv4 address or invalid, never a name.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		for i := 2; i < len(last); i++ {
			if unhex(last[i]) < 0 {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

// parseIPv4 parses host as browsers parse an IPv4 host (the WHATWG URL
// standard's IPv4 parser): one to four parts, each decimal, hex after 0x
// or octal after a leading 0; the last part fills the bytes that remain.
func parseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums [4]uint64
	for i, p := range parts {
		n, ok := parseIPv4Part(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	last := len(parts) - 1
	for i := range last {
		if nums[i] > 255 {
			return netip.Addr{}, false
		}
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v := nums[last]
	for i := range last {
		v |= nums[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Part parses one part of a WHATWG IPv4 host; values past 2^32
// are refused without overflowing.
func parseIPv4Part(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base, digits := uint64(10), p
	switch {
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, digits = 16, p[2:]
	case len(p) >= 2 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d := unhex(digits[i])
		if d < 0 || uint64(d) >= base {
			return 0, false
		}
		v = v*base + uint64(d)
		if v > 1<<32 {
			return 0, false
		}
	}
	return v, true
}
