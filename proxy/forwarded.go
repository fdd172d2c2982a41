package proxy

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/crossorigin/crossorigin/internal/fetch"
)

// addForwarding adds the client's details to an outbound header: the
// X-Forwarded-* family (ForwardedFor) and the standard Forwarded header
// (Forwarded). The caller's own values were dropped before.
func (p *Proxy) addForwarding(out http.Header, r *http.Request) {
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = ""
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	port := requestPort(r, proto)
	if p.c.ForwardedFor {
		if client != "" {
			out["X-Forwarded-For"] = []string{client}
		}
		out["X-Forwarded-Proto"] = []string{proto}
		if r.Host != "" {
			out["X-Forwarded-Host"] = []string{r.Host}
		}
		if port != "" {
			out["X-Forwarded-Port"] = []string{port}
		}
	}
	if p.c.Forwarded {
		out["Forwarded"] = []string{forwardedElement(client, p.c.ForwardedBy, r.Host, proto)}
	}
}

// requestPort is the port by which the client reached the proxy: the one
// in Host, else the one it connected to, else the scheme's default.
func requestPort(r *http.Request, proto string) string {
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" {
		return port
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			return port
		}
	}
	if proto == "https" {
		return "443"
	}
	return "80"
}

// forwardedElement is one forwarded-element of RFC 7239 (section 4):
// for=, by=, host= and proto= pairs, each value a token or, where it must
// be, a quoted string.
func forwardedElement(client, by, host, proto string) string {
	var b strings.Builder
	b.WriteString("for=")
	b.WriteString(forwardedValue(forwardedNode(client)))
	if by != "" {
		b.WriteString(";by=")
		b.WriteString(forwardedValue(forwardedNode(by)))
	}
	if host != "" {
		b.WriteString(";host=")
		b.WriteString(forwardedValue(host))
	}
	b.WriteString(";proto=")
	b.WriteString(proto)
	return b.String()
}

// forwardedNode is a node name of RFC 7239 (section 6): an IPv4 address,
// an IPv6 address in brackets, an obfuscated identifier, or "unknown".
func forwardedNode(s string) string {
	if ip, err := netip.ParseAddr(s); err == nil {
		ip = ip.Unmap().WithZone("")
		if ip.Is6() {
			return "[" + ip.String() + "]"
		}
		return ip.String()
	}
	if isObfuscated(s) {
		return s
	}
	return "unknown"
}

// validForwardedNode reports whether s may be given as ForwardedBy.
func validForwardedNode(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil || isObfuscated(s)
}

// isObfuscated reports whether s is an obfuscated identifier (RFC 7239,
// section 6.3): "_" followed by letters, digits, ".", "_" and "-".
func isObfuscated(s string) bool {
	if len(s) < 2 || s[0] != '_' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// forwardedValue writes v as a token if it is one, and otherwise as a
// quoted string (RFC 9110, section 5.6.4): an IPv6 node ("[2001:db8::1]")
// and a host with a port must be quoted, since ':', '[' and ']' are not
// token characters.
func forwardedValue(v string) string {
	if fetch.IsToken(v) {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}
