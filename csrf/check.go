package csrf

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/crossorigin/crossorigin/origin"
)

// check is Check without the interface conversion.
func (g *Guard) check(r *http.Request) *Denial {
	if g == nil {
		panic("csrf: check on a nil *Guard; make one with csrf.New, or use the zero value")
	}
	switch r.Method {
	case "GET", "HEAD", "OPTIONS":
		// Safe methods must not change state; they are never checked.
		// (Method names are case-sensitive: "post" is checked.)
		return nil
	}
	d := g.judge(r)
	if d != nil && g.bypassed(r) {
		// Asked only of requests that would be refused, as net/http does:
		// routing costs more than the checks.
		return nil
	}
	return d
}

// judge applies every rule to an unsafe request.
func (g *Guard) judge(r *http.Request) *Denial {
	origins, sites := r.Header["Origin"], r.Header["Sec-Fetch-Site"]
	if len(origins) > 1 || len(sites) > 1 {
		return newDenial(r, RuleHeaders, "The request has several Origin or Sec-Fetch-Site headers, which browsers never send.", "", "")
	}
	var raw, site string
	if len(origins) == 1 {
		raw = origins[0]
	}
	if len(sites) == 1 {
		site = sites[0]
	}
	if d := g.checkSource(r, raw, site); d != nil {
		return d
	}
	if g.header != "" && len(r.Header[g.header]) == 0 {
		return newDenial(r, RuleHeader, "The request has no "+g.header+" header. This app's pages send it, and pages of other sites cannot send it without a CORS preflight.", raw, site)
	}
	if g.requireJSON {
		if reason := notJSON(r); reason != "" {
			return newDenial(r, RuleJSON, reason, raw, site)
		}
	}
	return nil
}

// checkSource decides from Sec-Fetch-Site, or from Origin when the browser
// sent no Sec-Fetch-Site.
func (g *Guard) checkSource(r *http.Request, raw, site string) *Denial {
	switch site {
	case "same-origin", "none":
		// none: the user started the request (bookmark, address bar).
		return nil
	case "":
		// An old browser, plain HTTP to a host that is not potentially
		// trustworthy (browsers send Fetch Metadata only to https and
		// localhost), or not a browser: fall back to Origin.
		return g.checkOrigin(r, raw, site)
	case "same-site":
		if g.allowSameSite || g.isTrusted(r, raw) {
			return nil
		}
		return newDenial(r, RuleFetchSite, "The request comes from another origin of the same site (Sec-Fetch-Site: same-site), "+untrusted(raw, "set AllowSameSite or add it to TrustedOrigins", "; set AllowSameSite to accept such requests"), raw, site)
	case "cross-site":
		if g.isTrusted(r, raw) {
			return nil
		}
		return newDenial(r, RuleFetchSite, "The request comes from another site (Sec-Fetch-Site: cross-site), "+untrusted(raw, "add it to TrustedOrigins to trust its pages", ", so it cannot be from a trusted origin"), raw, site)
	default:
		// A value that did not exist when this was written: fail closed,
		// as net/http does.
		if g.isTrusted(r, raw) {
			return nil
		}
		return newDenial(r, RuleFetchSite, "The request has an unknown Sec-Fetch-Site value, "+quote(site)+", which is treated as cross-site, "+untrusted(raw, "add it to TrustedOrigins to trust its pages", ", so it cannot be from a trusted origin"), raw, site)
	}
}

// checkOrigin is the fallback without Sec-Fetch-Site, shared with the
// WebSocket check.
func (g *Guard) checkOrigin(r *http.Request, raw, site string) *Denial {
	if raw == "" {
		if g.strict {
			return newDenial(r, RuleStrict, "The request carries neither Sec-Fetch-Site nor Origin, so its source is unknown, and Strict mode refuses such requests.", raw, site)
		}
		// Same-origin from a browser that predates Origin on all
		// unsafe requests, or not a browser at all.
		return nil
	}
	if raw == "null" {
		return newDenial(r, RuleOrigin, "The Origin is null, which is never trusted: browsers send it from sandboxed frames, data: URLs, pages with Referrer-Policy no-referrer on plain HTTP, and after redirects across origins.", raw, site)
	}
	o, err := origin.Parse(raw)
	if err != nil {
		reason := "The Origin " + quote(raw) + " is not an origin a browser sends."
		if oe, ok := err.(*origin.Error); ok {
			reason = "The Origin " + quote(raw) + " is not an origin a browser sends (" + oe.Reason + ")."
		}
		return newDenial(r, RuleOrigin, reason, raw, site)
	}
	if o.String() != raw {
		return newDenial(r, RuleOrigin, "The Origin "+quote(raw)+" is not in the form a browser sends, which would be "+quote(o.String())+".", raw, site)
	}
	if g.sameOrigin(o, raw, r) || g.allowSameSite && g.sameSite(o, r) || g.isTrusted(r, raw) {
		return nil
	}
	return newDenial(r, RuleOrigin, "The Origin "+quote(raw)+" is neither this app's own origin ("+g.describeSelf(r)+") nor a trusted one; add it to TrustedOrigins to trust its pages.", raw, site)
}

// sameOrigin reports whether o is the request's own origin: one of the
// public origins when they are configured, else the Host header's host
// and port, with the scheme https when the connection is TLS.
func (g *Guard) sameOrigin(o origin.Origin, raw string, r *http.Request) bool {
	if len(g.public) > 0 {
		return g.public[raw]
	}
	if o.Scheme != "http" && o.Scheme != "https" {
		return false
	}
	if r.TLS != nil && o.Scheme != "https" {
		// An http page cannot be same-origin with an https server, and a
		// network attacker can make such pages.
		return false
	}
	host, port, ok := splitHost(r.Host)
	if !ok {
		return false
	}
	if port == 0 {
		port = defaultPort(o.Scheme)
	}
	return strings.EqualFold(host, o.Host) && port == o.EffectivePort()
}

// sameSite reports whether o is schemefully same-site with the app.
// Without public origins and without TLS the app's scheme is unknown (a
// proxy may terminate TLS), so only the registrable domains are compared.
func (g *Guard) sameSite(o origin.Origin, r *http.Request) bool {
	if len(g.publicList) > 0 {
		for _, p := range g.publicList {
			if o.SameSite(p) {
				return true
			}
		}
		return false
	}
	host, _, ok := splitHost(r.Host)
	if !ok {
		return false
	}
	self := origin.Origin{Scheme: o.Scheme, Host: strings.ToLower(host)}
	if r.TLS != nil {
		self.Scheme = "https"
	}
	return o.SameSite(self)
}

func (g *Guard) describeSelf(r *http.Request) string {
	if len(g.publicList) > 0 {
		s := make([]string, len(g.publicList))
		for i, p := range g.publicList {
			s[i] = p.String()
		}
		return strings.Join(s, ", ")
	}
	scheme := "http(s)"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + cut(r.Host)
}

// isTrusted reports whether raw, the Origin of r, is a trusted origin or
// one the CORS policy allows with credentials (for r, if the policy decides
// by the request). null is never trusted, whatever CORS says.
func (g *Guard) isTrusted(r *http.Request, raw string) bool {
	if raw == "" || raw == "null" {
		return false
	}
	if g.trusted[raw] {
		return true
	}
	if h := g.cors.Load(); h != nil {
		if h.rp != nil {
			return h.rp.AllowsCredentialedRequest(r)
		}
		return h.p.AllowsCredentialedOrigin(raw)
	}
	return false
}

// notJSON returns why the request body is not declared as JSON, or "".
func notJSON(r *http.Request) string {
	cts := r.Header["Content-Type"]
	switch {
	case len(cts) == 0:
		if r.Method != "POST" && r.ContentLength == 0 {
			return "" // no body, and not a method forms can send
		}
		return "The request has no Content-Type header; this endpoint accepts only JSON (application/json)."
	case len(cts) > 1:
		return "The request has several Content-Type headers; this endpoint accepts only JSON (application/json)."
	}
	mt, _, err := mime.ParseMediaType(cts[0])
	if err != nil {
		return "The Content-Type " + quote(cts[0]) + " does not parse as a media type; this endpoint accepts only JSON (application/json)."
	}
	if mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json") {
		return ""
	}
	return "The Content-Type " + quote(cts[0]) + " is " + mt + ", not JSON; this endpoint accepts only application/json, which forms cannot send."
}

// CheckWebSocket checks the Origin of a WebSocket handshake, which Check
// lets through because it is a GET. Browsers always send Origin on
// handshakes; a handshake without it is not from a browser and passes,
// except in Strict mode. Otherwise the Origin must be the app's own (or
// same-site with AllowSameSite) or trusted, as in Check's fallback. It
// returns nil or a *Denial.
//
// With gorilla/websocket:
//
//	upgrader.CheckOrigin = func(r *http.Request) bool { return g.CheckWebSocket(r) == nil }
func (g *Guard) CheckWebSocket(r *http.Request) error {
	origins := r.Header["Origin"]
	if len(origins) > 1 {
		return newDenial(r, RuleHeaders, "The handshake has several Origin headers, which browsers never send.", "", "")
	}
	raw := ""
	if len(origins) == 1 {
		raw = origins[0]
	}
	if d := g.checkOrigin(r, raw, ""); d != nil {
		return d
	}
	return nil
}

// CheckWebSocketOrigin checks the Origin of a WebSocket handshake against
// the request's own origin and the trusted origins, as Guard.CheckWebSocket
// does for a Guard with only TrustedOrigins set. It returns nil, a
// *Denial, or the *ConfigError of an invalid trusted origin. For a fixed
// list, New and Guard.CheckWebSocket check the list once.
func CheckWebSocketOrigin(r *http.Request, trusted ...string) error {
	g := &Guard{trusted: make(map[string]bool, len(trusted))}
	for _, s := range trusted {
		o, err := configOrigin(s)
		if err != nil {
			err.Field = "trusted"
			return err
		}
		g.trusted[o.String()] = true
	}
	return g.CheckWebSocket(r)
}

func newDenial(r *http.Request, rule Rule, reason, raw, site string) *Denial {
	d := &Denial{Rule: rule, Reason: reason, Method: cut(r.Method), Origin: cut(raw), SecFetchSite: cut(site)}
	if r.URL != nil {
		d.Path = cut(r.URL.Path)
	}
	return d
}

// untrusted ends a sentence that begins with where the request comes
// from: "and its Origin "x" is not trusted; <fix>." or, without an
// Origin, "and it carries no Origin header<noOrigin>.".
func untrusted(raw, fix, noOrigin string) string {
	if raw == "" {
		return "and it carries no Origin header" + noOrigin + "."
	}
	return "and its Origin " + quote(raw) + " is not trusted; " + fix + "."
}

// cut bounds attacker-controlled text kept in a Denial and its log.
func cut(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func quote(s string) string { return strconv.Quote(cut(s)) }

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// splitHost splits a Host header into its host (without IPv6 brackets)
// and port (0 when absent).
func splitHost(hp string) (host string, port int, ok bool) {
	if hp == "" {
		return "", 0, false
	}
	host, ps := hp, ""
	if hp[0] == '[' {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", 0, false
		}
		host, ps = hp[1:end], hp[end+1:]
		if ps != "" {
			if ps[0] != ':' {
				return "", 0, false
			}
			ps = ps[1:]
		}
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, ps = hp[:i], hp[i+1:]
	}
	if ps != "" {
		if len(ps) > 5 || strings.Trim(ps, "0123456789") != "" {
			return "", 0, false
		}
		p, _ := strconv.Atoi(ps)
		if p < 1 || p > 65535 {
			return "", 0, false
		}
		port = p
	}
	return host, port, host != ""
}
