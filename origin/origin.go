// Package origin parses, serializes and compares Web origins, and compiles
// sets of origin patterns into fast matchers.
//
// An origin is what a browser puts in the Origin request header: a scheme, a
// host and a port, serialized as scheme://host[:port] with the scheme and
// host in lower case and the scheme's default port left out, or the opaque
// origin "null". Parse accepts such a serialization (tolerating upper case
// and an explicit default port, which it normalizes) and rejects anything
// with userinfo, a path, a query or a fragment, saying why.
//
// Patterns name sets of origins for allowlists:
//
//	https://app.example.com        one exact origin
//	*                              every origin
//	https://*.example.com          every subdomain, one or more labels deep (never the apex)
//	http://localhost:*             any port
//	https://*.example.com:*        both
//
// Compile turns patterns into a Matcher whose cost does not grow with the
// number of exact origins and is linear in the length of the origin for
// wildcards. Matching uses no regular expressions and no substring tests: an
// origin either is, label by label, what a pattern describes, or it does not
// match.
package origin

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// MaxLength is the length of the longest origin Parse accepts. Real origins
// are far shorter: a DNS name has at most 253 characters.
const MaxLength = 512

// An Origin is a tuple origin (scheme, host, port) or, as its zero value,
// the opaque origin that browsers serialize as "null".
type Origin struct {
	// Scheme is the lower-case scheme, such as "https". It is empty only
	// in the opaque origin.
	Scheme string
	// Host is the lower-case host name or IP address; an IPv6 address is
	// kept without brackets.
	Host string
	// Port is the port number, or 0 for the scheme's default port.
	Port int
}

// Error describes an origin or an origin pattern that could not be parsed.
type Error struct {
	Input  string // what was parsed
	Reason string // what is wrong with it
	Hint   string // how to fix it; may be empty
}

func (e *Error) Error() string {
	s := "origin " + strconv.Quote(e.Input) + ": " + e.Reason
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func newError(input, reason, hint string) *Error {
	if len(input) > 100 {
		input = input[:100] + "..."
	}
	return &Error{Input: input, Reason: reason, Hint: hint}
}

// defaultPort returns the default port of the schemes that have one.
func defaultPort(scheme string) int {
	switch scheme {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	case "ftp":
		return 21
	}
	return 0
}

// Parse parses a serialized origin, such as the value of an Origin request
// header. It lower-cases the scheme and host and drops an explicit default
// port, so that String returns the form a browser sends.
func Parse(s string) (Origin, error) {
	o, err := parse(s, false)
	return o, err
}

// MustParse is like Parse but panics on error. It is meant for constants in
// tests and examples, never for input from requests.
func MustParse(s string) Origin {
	o, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return o
}

// parse does the work of Parse and ParsePattern; in a pattern the host may
// start with "*." and the port may be "*", which the caller has replaced
// before calling parse, and an explicit default port is an error.
func parse(s string, pattern bool) (Origin, error) {
	if s == "null" {
		return Origin{}, nil
	}
	if len(s) > MaxLength {
		return Origin{}, newError(s, "longer than "+strconv.Itoa(MaxLength)+" bytes", "")
	}
	if s == "" {
		return Origin{}, newError(s, "empty", "write an origin such as https://example.com")
	}
	i := strings.Index(s, "://")
	if i < 0 {
		hint := "write the scheme too, as in https://" + strings.TrimSuffix(s, "/")
		if strings.HasPrefix(s, "*.") {
			hint = "write https://" + s + " to allow subdomains over https"
		}
		return Origin{}, newError(s, "missing scheme", hint)
	}
	scheme, rest := s[:i], s[i+3:]
	if !validScheme(scheme) {
		return Origin{}, newError(s, "invalid scheme "+strconv.Quote(scheme), "use http or https")
	}
	scheme = strings.ToLower(scheme)
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		switch rest[j] {
		case '/':
			if j == len(rest)-1 {
				return Origin{}, newError(s, "has a trailing slash", "an origin has no path: write "+s[:i+3+j])
			}
			return Origin{}, newError(s, "has a path", "an origin has no path: write "+s[:i+3+j])
		case '?':
			return Origin{}, newError(s, "has a query", "write "+s[:i+3+j])
		default:
			return Origin{}, newError(s, "has a fragment", "write "+s[:i+3+j])
		}
	}
	if j := strings.LastIndexByte(rest, '@'); j >= 0 {
		return Origin{}, newError(s, "has userinfo", "an origin has no user name or password: write "+scheme+"://"+rest[j+1:])
	}
	host, portStr, err := splitHostPort(rest)
	if err != "" {
		return Origin{}, newError(s, err, "")
	}
	o := Origin{Scheme: scheme}
	if portStr != "" {
		p, ok := parsePort(portStr)
		if !ok {
			return Origin{}, newError(s, "invalid port "+strconv.Quote(portStr), "a port is a number from 1 to 65535")
		}
		if p == defaultPort(scheme) {
			if pattern {
				return Origin{}, newError(s, "explicit default port", "browsers never send it: write "+scheme+"://"+host)
			}
			p = 0
		}
		o.Port = p
	}
	h, reason, hint := canonicalHost(host)
	if reason != "" {
		return Origin{}, newError(s, reason, hint)
	}
	o.Host = h
	return o, nil
}

func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// splitHostPort splits host[:port], keeping brackets around an IPv6 host.
func splitHostPort(s string) (host, port string, reason string) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", "unclosed IPv6 bracket"
		}
		host, rest := s[:end+1], s[end+1:]
		if rest == "" {
			return host, "", ""
		}
		if rest[0] != ':' {
			return "", "", "unexpected text after IPv6 address"
		}
		if rest == ":" {
			return "", "", "empty port"
		}
		return host, rest[1:], ""
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", ""
	}
	if i == len(s)-1 {
		return "", "", "empty port"
	}
	return s[:i], s[i+1:], ""
}

// parsePort parses a decimal port from 1 to 65535.
func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n >= 1 && n <= 65535
}

// canonicalHost validates a host and returns it in lower case (IPv6 without
// brackets, in its canonical text form).
func canonicalHost(h string) (host, reason, hint string) {
	if h == "" {
		return "", "empty host", ""
	}
	if h[0] == '[' {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", "invalid IPv6 address", ""
		}
		return string(appendIPv6(nil, a)), "", ""
	}
	if len(h) > 254 || len(h) == 254 && h[253] != '.' {
		return "", "host longer than 253 characters", ""
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 0x80:
			return "", "non-ASCII host", "write the host in its punycode form (xn--...), as browsers send it"
		case isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_':
		default:
			return "", "invalid character " + strconv.QuoteRune(rune(c)) + " in host", ""
		}
	}
	h = strings.ToLower(h)
	if strings.HasPrefix(h, ".") || strings.Contains(h, "..") {
		return "", "empty label in host", ""
	}
	if ParsesAsIPv4(h) {
		// The URL standard parses a host whose last label is numeric as
		// IPv4, and browsers then send it in dotted-decimal form only.
		if !isCanonicalIPv4(h) {
			return "", "non-canonical IPv4 address", "browsers send IPv4 addresses in dotted-decimal form, such as 127.0.0.1"
		}
	}
	return h, "", ""
}

// ParsesAsIPv4 reports whether the URL standard parses host as an IPv4
// address: its last non-empty label is a number, decimal or hex with 0x
// ("2130706433", "0x7f.1", "127.1"). Browsers send such hosts only in
// dotted-decimal form; any other spelling is a trick or a mistake.
func ParsesAsIPv4(host string) bool {
	h := strings.TrimSuffix(host, ".")
	if i := strings.LastIndexByte(h, '.'); i >= 0 {
		h = h[i+1:]
	}
	if h == "" {
		return false
	}
	if len(h) >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		for i := 2; i < len(h); i++ {
			c := h[i] | 0x20
			if !isDigit(h[i]) && (c < 'a' || c > 'f') {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(h); i++ {
		if !isDigit(h[i]) {
			return false
		}
	}
	return true
}

// appendIPv6 appends an IPv6 address as the URL standard serializes it:
// eight lower-case hex pieces, with the first longest run of two or more
// zero pieces compressed to "::", and no dotted-quad form for mapped
// addresses.
func appendIPv6(dst []byte, a netip.Addr) []byte {
	b := a.As16()
	var pieces [8]uint16
	for i := range pieces {
		pieces[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	start, length := -1, 0
	for i := 0; i < 8; {
		if pieces[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && pieces[j] == 0 {
			j++
		}
		if j-i > length && j-i >= 2 {
			start, length = i, j-i
		}
		i = j
	}
	for i := 0; i < 8; i++ {
		if i == start {
			dst = append(dst, "::"...)
			i += length - 1
			continue
		}
		if i > 0 && i != start+length {
			dst = append(dst, ':')
		}
		dst = strconv.AppendUint(dst, uint64(pieces[i]), 16)
	}
	return dst
}

// FromURL returns the origin of a URL: a tuple origin for the http, https,
// ws and wss schemes, and the opaque origin for every other scheme.
func FromURL(u *url.URL) Origin {
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "http", "https", "ws", "wss":
	default:
		return Origin{}
	}
	o, err := Parse(scheme + "://" + u.Host)
	if err != nil {
		return Origin{}
	}
	return o
}

// String returns the origin as browsers serialize it in the Origin header.
func (o Origin) String() string {
	if o.Scheme == "" {
		return "null"
	}
	return o.Scheme + "://" + o.HostPort()
}

// IsOpaque reports whether o is the opaque origin "null".
func (o Origin) IsOpaque() bool { return o.Scheme == "" }

// HostPort returns the host and port as a Host header carries them: the
// port only when it is not the scheme's default, an IPv6 host in brackets.
func (o Origin) HostPort() string {
	h := o.Host
	if strings.IndexByte(h, ':') >= 0 {
		h = "[" + h + "]"
	}
	if o.Port != 0 {
		h += ":" + strconv.Itoa(o.Port)
	}
	return h
}

// EffectivePort returns the port, or the scheme's default port when Port
// is 0.
func (o Origin) EffectivePort() int {
	if o.Port != 0 {
		return o.Port
	}
	return defaultPort(o.Scheme)
}

// IsLoopback reports whether the host is a loopback address or a name that
// browsers treat as one: localhost and its subdomains, 127.0.0.0/8, ::1.
func (o Origin) IsLoopback() bool {
	if o.IsOpaque() {
		return false
	}
	h := strings.TrimSuffix(o.Host, ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(o.Host)
	return err == nil && a.Unmap().IsLoopback()
}

// IsPotentiallyTrustworthy reports whether browsers treat the origin as a
// secure context: https and wss origins, and loopback ones.
func (o Origin) IsPotentiallyTrustworthy() bool {
	return o.Scheme == "https" || o.Scheme == "wss" || o.IsLoopback()
}

// Site returns the schemeful site of the origin: the scheme and the
// registrable domain (public suffix plus one label), or the whole host for
// IP addresses and names that have no registrable domain. The opaque origin
// returns "null", which is same-site with nothing.
func (o Origin) Site() string {
	if o.IsOpaque() {
		return "null"
	}
	return o.Scheme + "://" + registrable(o.Host)
}

func registrable(host string) string {
	if strings.IndexByte(host, ':') >= 0 {
		return "[" + host + "]"
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	h := strings.TrimSuffix(host, ".")
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return host
	}
	return d
}

// SameSite reports whether o and p are schemefully same-site. Opaque
// origins are same-site with nothing.
func (o Origin) SameSite(p Origin) bool {
	if o.IsOpaque() || p.IsOpaque() {
		return false
	}
	return o.Site() == p.Site()
}
