package proxy

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/crossorigin/crossorigin/origin"
)

// A target is the URL a request asks the proxy to fetch. rawPath keeps the
// path bytes exactly as the caller wrote them: "//" and percent-encodings
// reach the upstream unchanged (cors-anywhere collapses "//").
type target struct {
	u       *url.URL
	rawPath string
}

// String is the target as reported in X-Request-URL and X-Final-URL.
func (t *target) String() string {
	s := t.u.Scheme + "://" + t.u.Host + t.rawPath
	if t.u.RawQuery != "" || t.u.ForceQuery {
		s += "?" + t.u.RawQuery
	}
	return s
}

// requestURL is the URL for the outbound request, carrying the exact path.
// viaProxy says that plain-http requests go through an egress proxy, which
// needs the absolute form that Go writes only without Opaque.
func (t *target) requestURL(viaProxy bool) *url.URL {
	u := *t.u
	u.Fragment, u.RawFragment = "", ""
	// Opaque is written to the request line as is. A path starting with
	// "//" cannot go there (it would read as an authority), so it keeps
	// Go's own escaping, which preserves "//" too.
	if t.rawPath != "" && !strings.HasPrefix(t.rawPath, "//") && !(viaProxy && u.Scheme == "http") {
		u.Opaque = t.rawPath
	}
	return &u
}

// parseTarget finds the target in a request: "/{url}" or "/?url={url}".
// It returns nil and no error when the request names no target (the help
// page). The returned URL has not been checked against the policy yet.
func parseTarget(r *http.Request) (*target, *proxyError) {
	ru := r.RequestURI
	if ru == "" || ru[0] != '/' {
		return nil, errorf(classBadTarget, "the request line must be a path such as /https://example.com/")
	}
	raw := ru[1:]
	if raw == "" {
		return nil, nil
	}
	if raw[0] == '?' {
		q, err := url.ParseQuery(raw[1:])
		if err != nil || q.Get("url") == "" {
			return nil, nil
		}
		raw = q.Get("url")
		if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
			return nil, errorf(classBadTarget, "the url parameter must be an absolute URL such as https://example.com/")
		}
	}
	return parseTargetString(raw)
}

// parseTargetString parses "scheme://host[:port]/path?query" or the
// scheme-less "host[:port]/path?query" (port 443 means https, any other
// http). A scheme-less host must look like a public name or be an IP
// literal, so that "/favicon.ico" is not taken for a host.
func parseTargetString(raw string) (*target, *proxyError) {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c == 0x7f {
			return nil, errorf(classBadTarget, "the target URL contains spaces or control characters")
		}
	}
	lower := strings.ToLower(raw[:min(len(raw), 8)])
	var scheme, rest string
	switch {
	case strings.HasPrefix(lower, "http://"):
		scheme, rest = "http", raw[len("http://"):]
	case strings.HasPrefix(lower, "https://"):
		scheme, rest = "https", raw[len("https://"):]
	case strings.HasPrefix(lower, "http:/"), strings.HasPrefix(lower, "https:/"):
		return nil, errorf(classBadTarget, `the target lost a slash ("http:/host"): a server in front of the proxy merged "//"; omit the scheme or use ?url=`)
	case strings.HasPrefix(raw, "//"):
		rest = raw[2:]
	default:
		if i := strings.Index(raw, "://"); i > 0 && !strings.ContainsAny(raw[:i], "/?.") {
			return nil, errorf(classBadTarget, "only http and https targets are allowed")
		}
		rest = raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if authority == "" {
		return nil, errorf(classBadTarget, "the target URL has no host")
	}
	if strings.Contains(authority, "@") {
		return nil, errorf(classBadTarget, "user names and passwords in the target URL are not allowed")
	}
	if scheme == "" {
		host, port := splitAuthority(authority)
		if !looksLikeHost(host) {
			return nil, errorf(classBadTarget, "no target: use /https://host/path or ?url=https://host/path")
		}
		scheme = "http"
		if port == "443" {
			scheme = "https"
		}
	}
	u, err := url.Parse(scheme + "://" + authority + tail)
	if err != nil {
		return nil, errorf(classBadTarget, "the target URL cannot be parsed")
	}
	path := tail
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		path = "/"
	}
	return &target{u: u, rawPath: path}, nil
}

// targetFromURL makes a target of a resolved redirect location.
func targetFromURL(u *url.URL) *target {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return &target{u: u, rawPath: p}
}

func splitAuthority(a string) (host, port string) {
	if strings.HasPrefix(a, "[") {
		if i := strings.IndexByte(a, ']'); i > 0 {
			host, rest := a[1:i], a[i+1:]
			return host, strings.TrimPrefix(rest, ":")
		}
		return a, ""
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		return a[:i], a[i+1:]
	}
	return a, ""
}

// looksLikeHost accepts IP literals and names whose last label is
// alphabetic (a TLD), like cors-anywhere's scheme-less check.
func looksLikeHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	i := strings.LastIndexByte(h, '.')
	if i <= 0 || i == len(h)-1 {
		return origin.ParsesAsIPv4(h) // a numeric IPv4 spelling: refused later with a clear message
	}
	for _, c := range h[i+1:] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c > 0x7f) {
			return origin.ParsesAsIPv4(h)
		}
	}
	return true
}

// checkTarget applies the target policy to one hop: scheme, userinfo,
// port, host form, host lists and, for IP literals, the address guard
// (so that the answer is an early 403 rather than a refused dial).
// Host names are checked again at dial time, on their resolved addresses.
func (p *Proxy) checkTarget(u *url.URL) *proxyError {
	if u.Scheme != "http" && u.Scheme != "https" {
		return errorf(classBadTarget, "only http and https targets are allowed")
	}
	if u.User != nil {
		return errorf(classBadTarget, "user names and passwords in the target URL are not allowed")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return errorf(classBadTarget, "the target URL has no host")
	}
	if pe := p.checkPort(u); pe != nil {
		return pe
	}
	if strings.HasPrefix(u.Host, "[") || origin.ParsesAsIPv4(host) {
		return p.checkAddrHost(u, host)
	}
	return p.checkNameHost(host)
}

// checkPort checks the target's port, explicit or the scheme's default.
func (p *Proxy) checkPort(u *url.URL) *proxyError {
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n <= 0 || n > 65535 {
			return errorf(classBadTarget, "the target port is not a number between 1 and 65535")
		}
		port = n
	}
	if !p.guard.portAllowed(port) {
		return errorf(classBlocked, "port "+strconv.Itoa(port)+" is not allowed (only 80 and 443 unless configured)").needs("AllowPorts", strconv.Itoa(port))
	}
	return nil
}

// checkAddrHost checks a target host written as an IP address: an IPv6
// literal in brackets, or what parses as IPv4, which must be canonical.
func (p *Proxy) checkAddrHost(u *url.URL, host string) *proxyError {
	ip, err := netip.ParseAddr(host)
	if strings.HasPrefix(u.Host, "[") {
		if err != nil || ip.Zone() != "" || !ip.Is6() {
			return errorf(classBadTarget, "the target's IPv6 address is not valid (zones are not allowed)")
		}
	} else if err != nil || !ip.Is4() || ip.String() != host {
		return errorf(classBadTarget, "the target host is a non-canonical IPv4 address; write it as four decimal numbers a.b.c.d")
	}
	if !p.guard.addrAllowed(ip) {
		return blockedAddr(ip)
	}
	return p.checkHostLists(host)
}

// checkNameHost checks a target host name: its syntax, the host lists and
// the names that can only mean this machine or an internal network.
func (p *Proxy) checkNameHost(host string) *proxyError {
	name := strings.TrimSuffix(host, ".")
	if !validHostName(name) {
		return errorf(classBadTarget, "the target host name is not valid")
	}
	if pe := p.checkHostLists(name); pe != nil {
		return pe
	}
	// Names that can only mean this machine or an internal network: an
	// early, clear refusal. The dial-time check is what actually protects.
	switch {
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		if !p.guard.addrAllowed(netip.AddrFrom4([4]byte{127, 0, 0, 1})) {
			return errorf(classBlocked, "the target is this machine (localhost)")
		}
	case strings.HasSuffix(name, ".local") || strings.HasSuffix(name, ".internal") ||
		strings.HasSuffix(name, ".home.arpa") || name == "metadata":
		if !p.c.allowHosts.match(name) {
			return errorf(classBlocked, "the target is an internal host name")
		}
	}
	return nil
}

// blockedAddr refuses an IP literal in a special-purpose range. The fix
// names no address: refusals never describe the proxy's network.
func blockedAddr(netip.Addr) *proxyError {
	return errorf(classBlocked, "the target address is in a private or special-purpose range").needs("AllowPrivate", "")
}

func (p *Proxy) checkHostLists(host string) *proxyError {
	if p.c.denyHosts.match(host) {
		return errorf(classBlocked, "the target host is on the deny list")
	}
	if len(p.c.allowHosts) > 0 && !p.c.allowHosts.match(host) {
		return errorf(classBlocked, "the target host is not on the allow list").needs("AllowHosts", host)
	}
	return nil
}

// validHostName accepts LDH labels (and underscores, which some real
// hosts use) and non-ASCII labels, which the resolver will judge.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c >= 0x80) {
				return false
			}
		}
	}
	return true
}
