package origin

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// A Pattern describes a set of origins; see the package documentation for
// its forms. The zero Pattern matches nothing.
type Pattern struct {
	raw        string
	any        bool   // "*"
	origin     Origin // for a subdomain pattern, Host is the base domain
	subdomains bool   // host is one or more labels followed by "." + origin.Host
	anyPort    bool   // any port, including the default one
	valid      bool
}

// ParsePattern parses an origin pattern. It rejects, with a hint how to fix
// it, anything a browser would never send or that would allow far more than
// it seems to: paths and trailing slashes, a missing scheme, globs that are
// not a whole leading label ("https://*example.com", "h*"), wildcards over a
// public suffix ("https://*.com", "https://*.co.uk", "https://*.github.io")
// or an IP address, non-ASCII hosts, explicit default ports and userinfo.
func ParsePattern(s string) (Pattern, error) {
	if s == "*" {
		return Pattern{raw: s, any: true, valid: true}, nil
	}
	if s == "null" {
		return Pattern{raw: s, valid: true}, nil
	}
	p := Pattern{valid: true}
	rest := s
	scheme := ""
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = s[:i], s[i+3:]
	}
	if strings.HasSuffix(rest, ":*") {
		p.anyPort = true
		rest = strings.TrimSuffix(rest, ":*")
	}
	if strings.HasPrefix(rest, "*.") {
		p.subdomains = true
		rest = rest[2:]
	}
	if strings.Contains(scheme, "*") || strings.Contains(rest, "*") {
		hint := "a wildcard must be a whole leading label, as in https://*.example.com, or the whole port, as in http://localhost:*"
		if scheme == "" {
			hint = "globs such as " + s + " are not supported: list origins such as https://app.example.com, or use https://*.example.com"
		}
		return Pattern{}, newError(s, "unsupported wildcard", hint)
	}
	if scheme == "" {
		_, err := parse(s, true) // reports the missing scheme with a hint
		return Pattern{}, err
	}
	o, err := parse(scheme+"://"+rest, true)
	if err != nil {
		e := err.(*Error)
		e.Input = s
		return Pattern{}, e
	}
	if o.IsOpaque() {
		return Pattern{}, newError(s, "invalid pattern", "")
	}
	if p.anyPort && o.Port != 0 {
		return Pattern{}, newError(s, "two ports", "write "+scheme+"://"+o.Host+":*")
	}
	if p.subdomains {
		if reason, hint := checkWildcardBase(o.Host); reason != "" {
			return Pattern{}, newError(s, reason, hint)
		}
	}
	p.origin = o
	p.raw = p.String()
	return p, nil
}

// checkWildcardBase refuses wildcards over IP addresses and public suffixes,
// where anyone could register a matching origin.
func checkWildcardBase(base string) (reason, hint string) {
	if strings.IndexByte(base, ':') >= 0 || isCanonicalIPv4(base) {
		return "wildcard over an IP address", "list the address itself"
	}
	if _, err := netip.ParseAddr(base); err == nil {
		return "wildcard over an IP address", "list the address itself"
	}
	h := strings.TrimSuffix(base, ".")
	if h == "localhost" {
		return "", ""
	}
	suffix, _ := publicsuffix.PublicSuffix(h)
	if suffix == h {
		return "wildcard over the public suffix " + h, "anyone can register a domain under " + h + ": list your own domain, as in https://*.yourdomain." + h
	}
	return "", ""
}

// MustParsePattern is like ParsePattern but panics on error. It is meant
// for constants in tests and examples.
func MustParsePattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern in its canonical form.
func (p Pattern) String() string {
	switch {
	case !p.valid:
		return ""
	case p.any:
		return "*"
	case p.origin.IsOpaque():
		return "null"
	}
	s := p.origin.Scheme + "://"
	if p.subdomains {
		s += "*."
	}
	s += p.origin.HostPort()
	if p.anyPort {
		s += ":*"
	}
	return s
}

// IsAny reports whether p is "*", which matches every origin.
func (p Pattern) IsAny() bool { return p.any }

// IsWildcard reports whether p has a subdomain or port wildcard.
func (p Pattern) IsWildcard() bool { return p.subdomains || p.anyPort }

// Scheme returns the pattern's scheme, or "" for "*" and "null".
func (p Pattern) Scheme() string { return p.origin.Scheme }

// Origin returns the origin an exact pattern names. For a wildcard
// pattern, its Host is the domain under which subdomains match (or the
// host whose every port matches).
func (p Pattern) Origin() Origin { return p.origin }

// Match reports whether o is in the set p describes.
func (p Pattern) Match(o Origin) bool {
	switch {
	case !p.valid:
		return false
	case p.any:
		return true
	case p.origin.IsOpaque() || o.IsOpaque():
		return p.origin.IsOpaque() && o.IsOpaque()
	case o.Scheme != p.origin.Scheme:
		return false
	case !p.anyPort && o.Port != p.origin.Port:
		return false
	case p.subdomains:
		base := p.origin.Host
		return len(o.Host) > len(base)+1 && strings.HasSuffix(o.Host, base) &&
			o.Host[len(o.Host)-len(base)-1] == '.' && !strings.HasPrefix(o.Host, ".")
	default:
		return o.Host == p.origin.Host
	}
}
