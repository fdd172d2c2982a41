// Package csrf protects state-changing requests against cross-site request
// forgery by asking the browser where a request comes from.
//
// A Guard applies the algorithm of net/http's CrossOriginProtection: GET,
// HEAD and OPTIONS always pass; otherwise the Sec-Fetch-Site header that
// every current browser sends decides (same-origin and none pass, anything
// else, including values not known today, is refused unless the Origin is
// trusted); without Sec-Fetch-Site, the Origin header is compared with the
// request's own origin. No tokens, no cookies, no state.
//
// It closes the gaps the standard library leaves open:
//
//   - Trusted origins are normalized when the Guard is made ("https://A.com:443"
//     becomes "https://a.com", the form browsers send), and wildcards,
//     paths, userinfo and null are configuration errors instead of entries
//     that silently never match.
//   - In the Origin fallback, an Origin with userinfo, a path or any other
//     form a browser never sends is refused, as is a request with more than
//     one Origin or Sec-Fetch-Site header.
//   - The scheme is compared: against Config.PublicOrigins when they are set
//     (an app behind a proxy names its public origin; X-Forwarded-Host is
//     never trusted), and against the connection's TLS state otherwise, so
//     that http://app.example.com cannot write to https://app.example.com.
//   - Bypass patterns are ServeMux patterns, as in net/http, and match only
//     the requests a ServeMux routes to them, never those it would redirect
//     there (CVE-2025-47910); patterns that could not be meant (GET, every
//     path, an unclean path) and invalid or conflicting ones are
//     configuration errors instead of panics.
//   - Options: same-site requests, a strict mode for requests that carry
//     neither header, JSON-only bodies, a required custom header, a
//     report-only mode for rollout, and the reason of every denial for the
//     deny handler, the request context and the log.
//
// Like every Origin-based defence, the Guard judges browsers: a non-browser
// client can send any header it likes, so the Guard is not authentication.
package csrf

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/crossorigin/crossorigin/origin"
)

// Config configures a Guard. The zero value is a usable, strict-enough
// default: same-origin writes only.
type Config struct {
	// TrustedOrigins lists origins, other than the app's own, whose pages
	// may send unsafe requests, such as "https://admin.example.com". Each
	// must be an exact origin; wildcards, paths, userinfo and "null" are
	// errors. They are normalized, so "https://Admin.example.com:443" is
	// the same as "https://admin.example.com".
	TrustedOrigins []string

	// PublicOrigins lists the app's own origins as browsers see them, for
	// an app behind a proxy that changes Host or terminates TLS. When set,
	// a request without Sec-Fetch-Site is same-origin only if its Origin is
	// one of them, scheme included; the Host header is not consulted.
	PublicOrigins []string

	// AllowSameSite lets requests from the app's own site pass
	// (Sec-Fetch-Site: same-site, or an Origin with the same scheme and
	// registrable domain), such as a form on www.example.com posting to
	// api.example.com. Any sibling subdomain can then write, so enable it
	// only when every subdomain is trusted.
	AllowSameSite bool

	// Strict refuses unsafe requests that carry neither Sec-Fetch-Site nor
	// Origin. Browsers send at least one of them on every unsafe request
	// since 2020, so only old browsers and non-browser clients (curl,
	// server-to-server calls) are refused; by default they pass.
	Strict bool

	// RequireJSON refuses unsafe requests whose body is not declared as
	// JSON (application/json or application/*+json, parsed with
	// mime.ParseMediaType). Every POST must declare JSON; other methods
	// must when they carry a body. Forms cannot send JSON, and a page can
	// send it to another origin only after a CORS preflight.
	RequireJSON bool

	// RequiredHeader names a header that every unsafe request must carry,
	// such as "X-Requested-With". Forms cannot set headers, and scripts can
	// set this one on a cross-origin request only after a CORS preflight.
	// CORS-safelisted and forbidden header names are errors.
	RequiredHeader string

	// ReportOnly logs what would be refused and lets every request through,
	// for rolling the Guard out. The Denial is in the request context.
	ReportOnly bool

	// Bypass lists requests that skip every check, as net/http ServeMux
	// patterns ("[METHOD ][HOST]/[PATH]"), the syntax of net/http's
	// CrossOriginProtection.AddInsecureBypassPattern: "/webhook" is that
	// path only, "/hooks/" covers "/hooks/stripe" and everything below it,
	// "POST /api/{id}/webhook" takes a wildcard, "/exact/{$}" only
	// "/exact/". A request is bypassed when a ServeMux with these patterns
	// routes it to one of them, not when it would redirect it there: the
	// pattern "/hooks/" does not bypass "/hooks" or "/x/../hooks/a", and a
	// path written with percent-escapes is never bypassed.
	//
	// Invalid and conflicting patterns are errors, and so are patterns for
	// GET, HEAD or OPTIONS (never checked, so they would do nothing),
	// patterns that cover every path ("/", "/{path...}"), and unclean paths.
	Bypass []string

	// DenyHandler answers refused requests. The Denial is in the request
	// context (DenialFromContext). Nil means a 403 Forbidden with the
	// reason as plain text.
	DenyHandler http.Handler

	// Logger receives a record for every denial (and, in ReportOnly mode,
	// every request that would be denied). Nil means slog.Default(); use
	// slog.New(slog.DiscardHandler) for silence.
	Logger *slog.Logger
}

// CORSPolicy is what TrustCORS needs from a CORS middleware:
// *cors.Middleware implements it.
type CORSPolicy interface {
	// AllowsCredentialedOrigin reports whether the policy lets the page at
	// origin read responses to requests made with credentials.
	AllowsCredentialedOrigin(origin string) bool
}

// A Guard checks requests for cross-site forgery. It is safe for
// concurrent use. The zero value is the Guard that New makes of the zero
// Config: same-origin writes only, denials logged to slog.Default() and
// answered with 403 Forbidden. (net/http's CrossOriginProtection zero
// value works the same way.)
type Guard struct {
	trusted       map[string]bool
	public        map[string]bool
	publicList    []origin.Origin // in config order, for same-site checks
	allowSameSite bool
	strict        bool
	requireJSON   bool
	header        string // canonical; empty when not required
	reportOnly    bool
	bypass        *http.ServeMux // the Bypass patterns; nil: none
	deny          http.Handler
	logger        *slog.Logger
	cors          atomic.Pointer[corsHolder]
}

// CORSRequestPolicy is a CORSPolicy that may decide by the request, not
// only by its origin: a *cors.Middleware with an OriginFunc (a multi-tenant
// server that allows each tenant's origin on its own host, say) implements
// it. TrustCORS then asks it about each request.
type CORSRequestPolicy interface {
	CORSPolicy
	// AllowsCredentialedRequest reports whether the policy lets the page at
	// the origin of r (its one Origin header) read responses to requests
	// made with credentials.
	AllowsCredentialedRequest(r *http.Request) bool
}

type corsHolder struct {
	p  CORSPolicy
	rp CORSRequestPolicy // p, if it decides by the request too
}

// New returns a Guard for the config, or an error that lists every problem
// of the config (errors.Join of *ConfigError).
func New(c Config) (*Guard, error) {
	g, err := compile(c)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// TrustCORS makes the guard trust, for unsafe requests, every origin that
// the CORS policy allows to make credentialed requests. The policy is asked
// on each request, so a CORS middleware that is reconfigured later stays in
// step. A policy that decides by the request (CORSRequestPolicy) is asked
// about the request itself. Pass nil to stop.
//
// A page that a credentialed CORS policy trusts can already read the
// responses to its requests, which is more than CSRF would give it, so
// trusting it for writes adds no power; refusing it would break the CORS
// configuration the app asked for.
func (g *Guard) TrustCORS(p CORSPolicy) {
	if g == nil {
		panic("csrf: TrustCORS called on a nil *Guard")
	}
	if p == nil {
		g.cors.Store(nil)
		return
	}
	rp, _ := p.(CORSRequestPolicy)
	g.cors.Store(&corsHolder{p, rp})
}

// Handler returns a handler that checks each request before passing it to
// h. A refused request goes to Config.DenyHandler, or gets 403 Forbidden;
// in ReportOnly mode it is logged and passed to h.
//
// Handler panics if g or h is nil, when it is called rather than on the
// first request.
func (g *Guard) Handler(h http.Handler) http.Handler {
	if g == nil {
		panic("csrf: Handler called on a nil *Guard; make one with csrf.New, or use the zero value")
	}
	if h == nil {
		panic("csrf: Handler called with a nil http.Handler")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := g.check(r)
		if d == nil {
			h.ServeHTTP(w, r)
			return
		}
		g.log(r, d)
		r = r.WithContext(context.WithValue(r.Context(), denialKey{}, d))
		switch {
		case g.reportOnly:
			h.ServeHTTP(w, r)
		case g.deny != nil:
			g.deny.ServeHTTP(w, r)
		default:
			http.Error(w, "Forbidden: "+d.Reason, http.StatusForbidden)
		}
	})
}

// Check reports whether the request would be refused: it returns nil or a
// *Denial. It ignores ReportOnly and calls neither the deny handler nor the
// logger.
func (g *Guard) Check(r *http.Request) error {
	if d := g.check(r); d != nil {
		return d
	}
	return nil
}

func (g *Guard) log(r *http.Request, d *Denial) {
	msg := "csrf: request denied"
	if g.reportOnly {
		msg = "csrf: request would be denied (report-only)"
	}
	logger := g.logger
	if logger == nil {
		logger = slog.Default() // the zero Guard
	}
	logger.LogAttrs(r.Context(), slog.LevelWarn, msg,
		slog.String("rule", d.Rule.String()),
		slog.String("reason", d.Reason),
		slog.String("method", d.Method),
		slog.String("path", d.Path),
		slog.String("origin", d.Origin),
		slog.String("sec_fetch_site", d.SecFetchSite),
	)
}

type denialKey struct{}

// DenialFromContext returns the Denial that a Guard's Handler stored in the
// context of a refused request: in the deny handler, or in the wrapped
// handler in ReportOnly mode.
func DenialFromContext(ctx context.Context) (*Denial, bool) {
	d, ok := ctx.Value(denialKey{}).(*Denial)
	return d, ok
}

// Rule names the rule that refused a request.
type Rule int

// The rules a Guard applies, in the order it applies them.
const (
	// RuleHeaders: several Origin or Sec-Fetch-Site headers, which no
	// browser sends.
	RuleHeaders Rule = iota + 1
	// RuleFetchSite: Sec-Fetch-Site says cross-site, same-site (without
	// AllowSameSite) or a value this package does not know, and the
	// Origin is not trusted.
	RuleFetchSite
	// RuleOrigin: without Sec-Fetch-Site, the Origin is null, malformed,
	// or neither the app's own nor trusted.
	RuleOrigin
	// RuleStrict: neither Sec-Fetch-Site nor Origin, in Strict mode.
	RuleStrict
	// RuleHeader: the RequiredHeader is missing.
	RuleHeader
	// RuleJSON: RequireJSON and the body is not declared as JSON.
	RuleJSON
)

var ruleNames = [...]string{
	RuleHeaders:   "duplicate-headers",
	RuleFetchSite: "sec-fetch-site",
	RuleOrigin:    "origin",
	RuleStrict:    "strict",
	RuleHeader:    "required-header",
	RuleJSON:      "require-json",
}

// String returns the rule's short name, as logged: "sec-fetch-site",
// "origin", ...
func (r Rule) String() string {
	if r > 0 && int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return "Rule(" + strconv.Itoa(int(r)) + ")"
}

// A Denial is why a Guard refused a request.
type Denial struct {
	Rule         Rule   // the rule that refused the request
	Reason       string // in words a web developer understands
	Method       string // the request's method
	Path         string // the request's URL path, cut to 200 bytes
	Origin       string // the Origin header, cut to 200 bytes
	SecFetchSite string // the Sec-Fetch-Site header, cut to 200 bytes
}

// Error returns the reason, prefixed with "csrf: ".
func (d *Denial) Error() string { return "csrf: " + d.Reason }
