package shortener

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxURLLen is the longest URL [URLValidator] accepts when
// URLConfig.MaxLength is zero: 2048 bytes, what every browser and most
// proxies carry.
const DefaultMaxURLLen = 2048

// ErrInvalidURL is the class of every refusal of [URLValidator.Validate]
// and [NormalizeHost]: errors.Is(err, ErrInvalidURL) holds for each of the
// errors below.
var ErrInvalidURL = errors.New("shortener: URL refused")

// The refusals of [URLValidator.Validate], one per cause. Each also
// matches [ErrInvalidURL]. None of them, nor the detail added to them,
// repeats the refused text; at most they name a byte position, a length,
// a port number or the normalised host.
var (
	// ErrEmptyURL is the refusal of an empty string.
	ErrEmptyURL = newRefusal(ErrInvalidURL, "shortener: empty URL")
	// ErrURLTooLong is the refusal of a URL longer than MaxLength bytes,
	// before or after normalisation.
	ErrURLTooLong = newRefusal(ErrInvalidURL, "shortener: URL too long")
	// ErrControlChar is the refusal of a control character, white space or
	// invisible format character anywhere, or of %00–%20 and %7F in the
	// host.
	ErrControlChar = newRefusal(ErrInvalidURL, "shortener: control character or white space in URL")
	// ErrMalformedURL is the refusal of what does not parse: invalid UTF-8,
	// a scheme not followed by "//", a backslash in the authority, a bad
	// escape, an unbracketed IPv6 address.
	ErrMalformedURL = newRefusal(ErrInvalidURL, "shortener: malformed URL")
	// ErrScheme is the refusal of a URL without a scheme, or with one other
	// than http and https (javascript:, data:, file:, …).
	ErrScheme = newRefusal(ErrInvalidURL, "shortener: scheme is not http or https")
	// ErrNoHost is the refusal of a URL with an empty host.
	ErrNoHost = newRefusal(ErrInvalidURL, "shortener: URL has no host")
	// ErrCredentials is the refusal of a user name or password in the
	// authority, "user:pass@" or only "user@".
	ErrCredentials = newRefusal(ErrInvalidURL, "shortener: URL carries credentials")
	// ErrPort is the refusal of a port that is not a number in 1–65535.
	ErrPort = newRefusal(ErrInvalidURL, "shortener: port out of range")
	// ErrInvalidHost is the refusal of a host a resolver would not look up:
	// bad labels, lengths, IDNA, a numeric host that is not an IPv4 address,
	// an IPv6 zone.
	ErrInvalidHost = newRefusal(ErrInvalidURL, "shortener: invalid host name")
	// ErrMixedScript is the refusal of a host label that mixes scripts
	// (Latin with Cyrillic, …).
	ErrMixedScript = newRefusal(ErrInvalidURL, "shortener: host label mixes scripts")
	// ErrOwnHost is the refusal of one of URLConfig.OwnHosts or a subdomain
	// of one.
	ErrOwnHost = newRefusal(ErrInvalidURL, "shortener: URL points at the service itself")
	// ErrLocalAddress is the refusal of a loopback, link-local, unspecified,
	// multicast, reserved or metadata address, "localhost" and the metadata
	// names; AllowPrivate does not lift it.
	ErrLocalAddress = newRefusal(ErrInvalidURL, "shortener: host is a loopback, link-local, unspecified, reserved or metadata address")
	// ErrPrivateHost is the refusal of a private address or intranet name,
	// unless URLConfig.AllowPrivate.
	ErrPrivateHost = newRefusal(ErrInvalidURL, "shortener: host is a private address or intranet name")
	// ErrDeniedHost is the refusal of a host in URLConfig.DenyHosts or a
	// subdomain of one.
	ErrDeniedHost = newRefusal(ErrInvalidURL, "shortener: host is on the deny list")
)

// URLConfig holds the optional settings of a [URLValidator]. Its zero
// value means the defaults.
type URLConfig struct {
	// OwnHosts are the service's own host names: a URL to one of them, or
	// to a subdomain of one, is ErrOwnHost (a short link to a short link
	// can loop). Each is normalised as NormalizeHost does. An IPv4
	// address is matched in the IPv6 forms that reach it too
	// (IPv4-mapped, NAT64, 6to4, IPv4-compatible).
	OwnHosts []string
	// DenyHosts are refused with ErrDeniedHost, with all their
	// subdomains: other shorteners (which hide the real target), domains
	// known for abuse. Each is a host name or an IP address, normalised
	// as NormalizeHost does; an IPv4 address is matched in the IPv6 forms
	// that reach it too, as for OwnHosts.
	DenyHosts []string
	// AllowPrivate lets through private addresses (10/8, 172.16/12,
	// 192.168/16, 100.64/10, fc00::/7, and local-use NAT64
	// 64:ff9b:1::/48 unless its low 32 bits are a refused IPv4 address)
	// and intranet names
	// (a single label, or one ending in .local, .internal, .lan,
	// .home.arpa, .intranet or .corp), for a deployment on an intranet.
	// Loopback, link-local, unspecified, multicast, reserved and metadata
	// addresses, "localhost" and its subdomains, and the metadata names
	// ("metadata.google.internal", …) stay refused.
	AllowPrivate bool
	// MaxLength is the longest URL accepted, in bytes, before and after
	// normalisation. Zero means DefaultMaxURLLen.
	MaxLength int
}

// URLValidator decides which URLs may be shortened, and returns them in
// one normalised form. It is immutable and safe for simultaneous use by
// multiple goroutines.
type URLValidator struct {
	own          map[string]struct{}
	deny         map[string]struct{}
	allowPrivate bool
	maxLen       int
}

// NewURLValidator returns a validator with cfg's settings; it fails with
// ErrInvalidConfig for an own or denied host that does not normalise.
func NewURLValidator(cfg URLConfig) (*URLValidator, error) {
	if cfg.MaxLength < 0 {
		return nil, fmt.Errorf("%w: MaxLength must be >= 0, got %d", ErrInvalidConfig, cfg.MaxLength)
	}
	if cfg.MaxLength == 0 {
		cfg.MaxLength = DefaultMaxURLLen
	}
	v := &URLValidator{
		own:          make(map[string]struct{}, len(cfg.OwnHosts)),
		deny:         make(map[string]struct{}, len(cfg.DenyHosts)),
		allowPrivate: cfg.AllowPrivate,
		maxLen:       cfg.MaxLength,
	}
	for name, list := range map[string][]string{"OwnHosts": cfg.OwnHosts, "DenyHosts": cfg.DenyHosts} {
		set := v.own
		if name == "DenyHosts" {
			set = v.deny
		}
		for i, h := range list {
			n, addr, err := normalizeHost(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
			if err != nil {
				// The cause without its own prefix: the text says it once.
				return nil, fmt.Errorf("%w: %s[%d]: %s", ErrInvalidConfig, name, i, strings.TrimPrefix(err.Error(), "shortener: "))
			}
			set[n] = struct{}{}
			if v4, ok := embeddedIPv4(addr); ok {
				set[v4.String()] = struct{}{}
			}
		}
	}
	return v, nil
}

// Validate returns the normalised form of raw when it may be shortened,
// or the refusal that says why not. It checks, in order:
//
//   - length: not empty (ErrEmptyURL), at most MaxLength bytes
//     (ErrURLTooLong);
//   - no control character, white space or invisible format character
//     anywhere (ErrControlChar), and valid UTF-8 (ErrMalformedURL);
//   - scheme http or https in any casing (ErrScheme), followed by "//"
//     (ErrMalformedURL: "http:host", "http:\\host");
//   - the authority: no user or password (ErrCredentials), no backslash
//     (ErrMalformedURL), a host (ErrNoHost), a port in 1–65535 (ErrPort);
//   - the host, normalised by NormalizeHost (ErrControlChar for %00–%20,
//     ErrInvalidHost, ErrMixedScript);
//   - not an own host or its subdomain (ErrOwnHost), not denied by host
//     or parent domain (ErrDeniedHost); an IPv6 address that embeds an
//     own or denied IPv4 address counts as that address;
//   - not a loopback, link-local, unspecified, multicast, reserved
//     (0/8, 240/4, documentation, benchmarking) or metadata address, also
//     when written as IPv4-mapped, NAT64 (well-known or local-use), 6to4
//     or IPv4-compatible IPv6,
//     nor "localhost", its subdomains or a cloud metadata name
//     (ErrLocalAddress); not a private address or intranet name unless
//     AllowPrivate (ErrPrivateHost).
//
// The normalised form has the scheme and host in lower case, the host in
// ASCII (IPv4 as a dotted quad, IPv6 in net/netip's canonical form), no
// default port, a path of at least "/", the path and fragment escaped as
// net/url escapes them, and in the query every non-ASCII byte and each of
// " ' < > ` \ ^ { | } percent-encoded; an empty fragment is dropped.
// Validate(normalised) returns normalised again. Name-based checks see
// only the name: SSRF by a name that resolves to a private address is
// for the code that connects to stop.
func (v *URLValidator) Validate(raw string) (string, error) {
	if v == nil || v.own == nil {
		return "", errURLZero
	}
	if len(raw) == 0 {
		return "", ErrEmptyURL
	}
	if len(raw) > v.maxLen {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrURLTooLong, len(raw), v.maxLen)
	}
	if err := checkChars(raw); err != nil {
		return "", err
	}
	scheme, rest, err := splitScheme(raw)
	if err != nil {
		return "", err
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	host, port, err := splitAuthority(authority, scheme)
	if err != nil {
		return "", err
	}
	if host, err = v.checkHost(host); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(host) + 6 + len(tail) + 1)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	if !writeTail(&b, tail, false) {
		return "", ErrMalformedURL
	}
	out := b.String()
	if len(out) > v.maxLen {
		return "", fmt.Errorf("%w: %d bytes once normalised, limit %d", ErrURLTooLong, len(out), v.maxLen)
	}
	return out, nil
}

// writeTail writes the normalised path, query and fragment of tail (what
// follows the authority) to b, and reports false if they do not parse.
// A tail of the characters that need no escaping anywhere is written as
// it is; anything else is parsed by net/url behind a placeholder host, so
// the authority's oddities cannot reach it. slow forces the second way
// (tests compare the two).
func writeTail(b *strings.Builder, tail string, slow bool) bool {
	if !slow && plainTail(tail) {
		if tail == "" || tail[0] != '/' {
			b.WriteByte('/')
		}
		b.WriteString(strings.TrimSuffix(tail, "#"))
		return true
	}
	u, err := url.Parse("http://h" + tail)
	if err != nil || u.Host != "h" {
		return false
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	b.WriteString(p)
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteByte('?')
		escapeQuery(b, u.RawQuery)
	}
	if u.Fragment != "" {
		b.WriteByte('#')
		b.WriteString(u.EscapedFragment())
	}
	return true
}

// plainTail reports whether tail holds only characters that net/url
// keeps as they are in a path, query and fragment (unreserved, and the
// delimiters other than the apostrophe), no percent-escape and at most
// one '#'.
func plainTail(tail string) bool {
	hash := false
	for i := 0; i < len(tail); i++ {
		c := tail[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&()*+,;=:@/?", c) >= 0:
		case c == '#' && !hash:
			hash = true
		default:
			return false
		}
	}
	return true
}

// checkChars refuses control characters, white space and invisible
// format characters (zero-width, bidirectional overrides) anywhere in s,
// and invalid UTF-8.
func checkChars(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				return fmt.Errorf("%w: at byte %d", ErrControlChar, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrMalformedURL, i)
		}
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("%w: at byte %d", ErrControlChar, i)
		}
		i += size
	}
	return nil
}

// splitScheme returns the lower-cased scheme and what follows "//".
func splitScheme(raw string) (scheme, rest string, err error) {
	colon := strings.IndexByte(raw, ':')
	if colon <= 0 {
		return "", "", fmt.Errorf("%w: no scheme", ErrScheme)
	}
	switch {
	case strings.EqualFold(raw[:colon], "http"):
		scheme = "http"
	case strings.EqualFold(raw[:colon], "https"):
		scheme = "https"
	default:
		return "", "", ErrScheme
	}
	rest = raw[colon+1:]
	if !strings.HasPrefix(rest, "//") {
		return "", "", fmt.Errorf("%w: scheme not followed by //", ErrMalformedURL)
	}
	return scheme, rest[2:], nil
}

// splitAuthority returns the host (IPv6 in its brackets) and the port
// in canonical form, empty when absent or the scheme's default.
func splitAuthority(a, scheme string) (host, port string, err error) {
	if strings.IndexByte(a, '@') >= 0 {
		return "", "", ErrCredentials
	}
	if strings.IndexByte(a, '\\') >= 0 {
		return "", "", fmt.Errorf("%w: backslash in the authority", ErrMalformedURL)
	}
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%w: unclosed IPv6 literal", ErrMalformedURL)
		}
		host, a = a[:end+1], a[end+1:]
		if host == "[]" {
			return "", "", ErrNoHost
		}
		if a != "" && a[0] != ':' {
			return "", "", fmt.Errorf("%w: text after the IPv6 literal", ErrMalformedURL)
		}
	} else if i := strings.LastIndexByte(a, ':'); i >= 0 {
		host, a = a[:i], a[i:]
		if strings.IndexByte(host, ':') >= 0 {
			return "", "", fmt.Errorf("%w: IPv6 address without brackets", ErrMalformedURL)
		}
	} else {
		host, a = a, ""
	}
	if host == "" {
		return "", "", ErrNoHost
	}
	if a == "" || a == ":" {
		return host, "", nil
	}
	digits := a[1:]
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return "", "", fmt.Errorf("%w: port is not a number", ErrPort)
		}
		if n = n*10 + int(c-'0'); n > 65535 {
			return "", "", fmt.Errorf("%w: above 65535", ErrPort)
		}
	}
	if n == 0 {
		return "", "", fmt.Errorf("%w: port 0", ErrPort)
	}
	if scheme == "http" && n == 80 || scheme == "https" && n == 443 {
		return host, "", nil
	}
	return host, strconv.Itoa(n), nil
}

// checkHost normalises host and applies the own, deny and address rules;
// it returns the host as it goes in the URL (IPv6 in brackets).
func (v *URLValidator) checkHost(raw string) (string, error) {
	bracketed := strings.HasPrefix(raw, "[")
	host, addr, err := normalizeHost(strings.TrimSuffix(strings.TrimPrefix(raw, "["), "]"))
	if err != nil {
		return "", err
	}
	if bracketed != (addr.IsValid() && addr.Is6()) {
		return "", fmt.Errorf("%w: IPv6 literal without brackets or a name within them", ErrInvalidHost)
	}
	// An IPv6 address that reaches an IPv4 one (mapped, NAT64, 6to4)
	// is that address to the own and deny lists too.
	v4, embeds := embeddedIPv4(addr)
	if matchDomain(v.own, host) || embeds && matchDomain(v.own, v4.String()) {
		return "", fmt.Errorf("%w: %s", ErrOwnHost, host)
	}
	if matchDomain(v.deny, host) || embeds && matchDomain(v.deny, v4.String()) {
		return "", fmt.Errorf("%w: %s", ErrDeniedHost, host)
	}
	if addr.IsValid() {
		if err := v.checkAddr(addr); err != nil {
			return "", fmt.Errorf("%w: %s", err, host)
		}
		if addr.Is6() {
			return "[" + host + "]", nil
		}
		return host, nil
	}
	if err := v.checkName(host); err != nil {
		return "", fmt.Errorf("%w: %s", err, host)
	}
	return host, nil
}

// matchDomain reports whether host or one of its parent domains is in
// set. An IP address matches only itself.
func matchDomain(set map[string]struct{}, host string) bool {
	if len(set) == 0 {
		return false
	}
	for h := host; ; {
		if _, ok := set[h]; ok {
			return true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 || strings.IndexByte(host, ':') >= 0 {
			return false
		}
		h = h[i+1:]
	}
}

// Address ranges refused whatever AllowPrivate says, beyond those netip's
// methods name.
var localPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"; 0.0.0.0 reaches the host itself
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),       // documentation
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"),    // documentation
	netip.MustParsePrefix("203.0.113.0/24"),     // documentation
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, and the broadcast address
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata over IPv6
	netip.MustParsePrefix("fec0::/10"),          // site-local, deprecated
	netip.MustParsePrefix("100::/64"),           // discard
	netip.MustParsePrefix("2001:db8::/32"),      // documentation
}

// Address ranges refused unless AllowPrivate, beyond netip's IsPrivate.
var privatePrefixes = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, shared address space
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215)
}

// IPv6 ranges that carry an IPv4 address in their low 32 bits (or, for
// 6to4, bits 16 to 48), which must pass the IPv4 rules too.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	v4Compat   = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 returns the IPv4 address that an IPv6 address a carries
// and reaches: the low 32 bits of an IPv4-mapped, NAT64 (64:ff9b::/96,
// and the low 32 bits in the local-use 64:ff9b:1::/48) or
// IPv4-compatible address (but :: and ::1), bits 16 to 48 of a 6to4 one.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case a.Is4In6(), nat64.Contains(a), nat64Local.Contains(a),
		v4Compat.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// checkAddr applies the address rules to a, and to the IPv4 address an
// IPv6 one embeds; an IPv4-mapped address is only its IPv4 address.
func (v *URLValidator) checkAddr(a netip.Addr) error {
	if v4, ok := embeddedIPv4(a); ok {
		if a.Is4In6() {
			a = v4
		} else if err := v.checkAddr(v4); err != nil {
			return err
		}
	}
	if a.IsLoopback() || a.IsUnspecified() || a.IsLinkLocalUnicast() || a.IsMulticast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return ErrLocalAddress
	}
	for _, p := range localPrefixes {
		if p.Contains(a) {
			return ErrLocalAddress
		}
	}
	if v.allowPrivate {
		return nil
	}
	if a.IsPrivate() {
		return ErrPrivateHost
	}
	for _, p := range privatePrefixes {
		if p.Contains(a) {
			return ErrPrivateHost
		}
	}
	return nil
}

// Names that always mean this machine or a cloud's metadata service.
var localNames = map[string]struct{}{
	"localhost":                  {},
	"localhost.localdomain":      {},
	"metadata":                   {},
	"metadata.google.internal":   {},
	"instance-data":              {},
	"instance-data.ec2.internal": {},
}

// Suffixes of names that resolve only inside a private network.
var privateSuffixes = []string{".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp"}

// checkName applies the name rules to a normalised host name.
func (v *URLValidator) checkName(h string) error {
	if _, ok := localNames[h]; ok || strings.HasSuffix(h, ".localhost") {
		return ErrLocalAddress
	}
	if v.allowPrivate {
		return nil
	}
	if strings.IndexByte(h, '.') < 0 {
		return ErrPrivateHost
	}
	for _, s := range privateSuffixes {
		if strings.HasSuffix(h, s) || h == s[1:] {
			return ErrPrivateHost
		}
	}
	return nil
}

// escapeQuery writes q with the bytes a browser would percent-encode in a
// query of an http URL (non-ASCII, quotes, angle brackets and the like)
// encoded; existing escapes are kept.
func escapeQuery(b *strings.Builder, q string) {
	const hex = "0123456789ABCDEF"
	if strings.IndexFunc(q, func(r rune) bool { return r >= utf8.RuneSelf || strings.ContainsRune("\"'<>`\\^{|}", r) }) < 0 {
		b.WriteString(q)
		return
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c >= utf8.RuneSelf, c == '"', c == '\'', c == '<', c == '>', c == '`',
			c == '\\', c == '^', c == '{', c == '|', c == '}':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
}
