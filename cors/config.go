package cors

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/internal/configerr"
	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/internal/headerlist"
	"github.com/crossorigin/crossorigin/origin"
)

// Config describes what cross-origin requests a Middleware allows. New
// validates it and refuses, with every problem listed, a configuration that
// browsers would not honour or that opens a hole.
type Config struct {
	// Origins lists the origins allowed to read responses, in the syntax
	// of the origin package: exact origins such as
	// "https://app.example.com", subdomain patterns such as
	// "https://*.example.com" (one or more labels, never the apex), port
	// patterns such as "http://localhost:*", or "*" for any origin. "null"
	// is refused: see ConfigError.
	Origins []string

	// Credentials allows requests that carry cookies, TLS client
	// certificates or HTTP authentication (fetch with credentials:
	// "include") and lets the page read their responses. It is incompatible
	// with "*" in any field, and with plain-http origins other than
	// loopback ones unless AllowInsecureCredentials is set.
	Credentials bool

	// Methods lists the methods that preflighted requests may use, compared
	// case-sensitively as browsers send them (browsers upper-case only
	// DELETE, GET, HEAD, OPTIONS, POST and PUT; write "PATCH" as your pages
	// do). GET, HEAD and POST never need listing. "*" allows any method,
	// only without Credentials. CONNECT, TRACE and TRACK are refused.
	Methods []string

	// RequestHeaders lists the request headers that preflighted requests
	// may send, compared case-insensitively. "*" allows any header, only
	// without Credentials, and even then not Authorization, which must be
	// listed by name. Headers that scripts cannot set (Cookie, Origin,
	// Sec-*, ...) are refused.
	RequestHeaders []string

	// ExposedHeaders lists the response headers, beyond the CORS-safelisted
	// ones (Cache-Control, Content-Language, Content-Length, Content-Type,
	// Expires, Last-Modified, Pragma), that pages may read. "*" exposes all
	// of them, only without Credentials.
	ExposedHeaders []string

	// MaxAge is how long browsers may cache a preflight's result. 0 omits
	// Access-Control-Max-Age, and browsers then cache for 5 seconds; a
	// negative value sends 0, which disables caching. Chromium caps the
	// value at 2 hours and Firefox at 24 hours; more than 24 hours is
	// refused, and so are fractions of a second.
	MaxAge time.Duration

	// OriginFunc, when set, is asked about origins that Origins does not
	// allow, with the request and its raw Origin header value (never
	// "null", never a value that is not an origin in the form browsers
	// send, such as "https://App.example.com" or "https://x.example/"). It is meant
	// for origins known only at run time, and for servers that decide by
	// the request: a multi-tenant server allows each tenant's origins on
	// that tenant's host or path only (r.Host, r.URL.Path). It is asked
	// about preflights too, with the preflight request, which has the URL
	// of the request it precedes. It must not modify r.
	//
	// Every response to a request that OriginFunc may be asked about says
	// Vary: Origin. Caches key responses by URL, host included, so a
	// decision by host or path needs nothing more; one that reads other
	// request headers (a cookie, a tenant header) makes the response vary
	// by them too: the handler must add them to Vary.
	//
	// Its risks are the reasons Origins is validated: OriginFunc decides
	// alone, with Credentials too, so a function that compares by prefix,
	// suffix or substring, or that trusts plain http, opens the hole that
	// New would have refused. Compare whole origins exactly. It runs on
	// every cross-origin request, so it must be fast and safe for
	// concurrent use; cache database lookups. AllowsCredentialedOrigin,
	// which has no request, does not consult it: see
	// AllowsCredentialedRequest.
	OriginFunc func(r *http.Request, origin string) bool

	// PrivateNetwork answers preflights that carry
	// Access-Control-Request-Private-Network: true with
	// Access-Control-Allow-Private-Network: true. See the package
	// documentation for what current Chromium does.
	PrivateNetwork bool

	// PreflightPassthrough passes preflights on to the handler after the
	// CORS headers are added, instead of answering them. The handler then
	// writes the status. Use it only when the handler must see preflights;
	// authentication middleware in front of it must let them through.
	PreflightPassthrough bool

	// PreflightStatus is the status of a successful preflight; 0 means
	// 204 No Content. Some old clients need 200. It must be 2xx: browsers
	// fail preflights with any other status.
	PreflightStatus int

	// OmitRefusalReason answers refused preflights with a bare 403. By
	// default the 403 carries a one-line text/plain body naming the first
	// refused element, such as `cors: request header "x-api-key" is not
	// allowed` or `cors: origin "https://x.example" is not allowed`, which
	// the browser's network panel shows; it reveals nothing else about the
	// configuration. Preflights passed through to the handler get neither.
	OmitRefusalReason bool

	// AllowInsecureCredentials permits plain-http origins that are not
	// loopback together with Credentials. A network attacker who can
	// tamper with http pages can then read credentialed responses.
	AllowInsecureCredentials bool

	// Logger, when set, receives a debug record for each decision: the
	// origin, the kind of request, allowed or not and why. Nil costs
	// nothing; so does a logger whose level is above debug.
	Logger *slog.Logger
}

// ConfigError is one problem of a Config: its Field, the offending Value,
// the Problem and how to Fix it. New and Reconfigure return every problem
// at once, joined with errors.Join; use errors.As or a type switch over the
// joined errors to get at each. Its Error method returns one line, such as
//
//	cors: Origins "null": the null origin is never safe to allow: ... (fix: ...)
//
// The type is shared by every package of the module that takes a Config.
type ConfigError = configerr.Error

// These problems are shared between fields.
const (
	problemStarCredentials = "\"*\" cannot be combined with Credentials: browsers reject a wildcard on credentialed requests"
	fixStarCredentials     = "list the values explicitly, or turn Credentials off"
)

// compiled is the immutable, validated form of a Config that requests read.
type compiled struct {
	cfg Config // effective configuration, as Config returns it

	origins    *origin.Matcher
	noOrigins  bool // Origins is empty: only originFunc decides
	anyOrigin  bool // "*" and no credentials: Access-Control-Allow-Origin: *
	originFunc func(*http.Request, string) bool
	vary       bool // actual responses depend on the Origin header

	credentials bool
	anyMethod   bool
	methods     []string // normalized, without duplicates
	headers     headerlist.Set

	// Precomputed header values; strings are immutable, so sharing them
	// between responses is safe (slices are not; see slab.go).
	allowMethods  string // "" omits the header
	allowHeaders  string
	exposeHeaders string
	maxAge        string

	privateNetwork bool
	passthrough    bool
	status         int

	omitRefusalReason bool
	logger            *slog.Logger

	preflightHeaders []field // what every successful preflight gets
	actualValues     bool    // allowed actual requests get ACAC or ACEH
}

// configProblems collects the problems of a Config, in field order.
type configProblems []error

// add records one problem.
func (ps *configProblems) add(field, value, problem, fix string) {
	*ps = append(*ps, &ConfigError{Package: "cors", Field: field, Value: value, Problem: problem, Fix: fix})
}

// compile validates c and builds its compiled form, reporting every
// problem. Each field has a function of its own; they run in field order,
// so that problems are listed in the order of the Config.
func compile(c Config) (*compiled, error) {
	var ps configProblems
	cc := &compiled{
		credentials:    c.Credentials,
		originFunc:     c.OriginFunc,
		privateNetwork: c.PrivateNetwork,
		passthrough:    c.PreflightPassthrough,
		logger:         c.Logger,

		omitRefusalReason: c.OmitRefusalReason,
	}
	origins := cc.compileOrigins(c, &ps)
	methods := cc.compileMethods(c, &ps)
	reqHeaders := cc.compileRequestHeaders(c, &ps)
	exposed := cc.compileExposedHeaders(c, &ps)
	cc.compileMaxAge(c, &ps)
	cc.compileStatus(c, &ps)
	if len(ps) > 0 {
		return nil, errors.Join(ps...)
	}

	// The effective configuration: normalized, deduplicated, defaults
	// filled in, so that Reconfigure(Config()) changes nothing.
	cc.cfg = c
	cc.cfg.Origins = origins
	cc.cfg.Methods = methods
	cc.cfg.RequestHeaders = reqHeaders
	cc.cfg.ExposedHeaders = exposed
	cc.cfg.PreflightStatus = cc.status
	cc.precompute()
	return cc, nil
}

// compileOrigins compiles Origins (and checks OriginFunc against it) and
// returns the origins without duplicates.
func (cc *compiled) compileOrigins(c Config, ps *configProblems) []string {
	var patterns []origin.Pattern
	var origins []string
	star := false
	for _, s := range c.Origins {
		if slices.Contains(origins, s) {
			continue
		}
		origins = append(origins, s)
		p, ok := parseOrigin(s, ps)
		if !ok {
			continue
		}
		if p.IsAny() {
			star = true
		}
		checkCredentialedOrigin(c, s, p, ps)
		patterns = append(patterns, p)
	}
	if len(c.Origins) == 0 && c.OriginFunc == nil {
		ps.add("Origins", "", "no origin is allowed, so the middleware would never allow a cross-origin request",
			"list origins such as https://app.example.com, or \"*\" for a public API")
	}
	if star && c.OriginFunc != nil {
		ps.add("OriginFunc", "", "never consulted, because Origins contains \"*\"", "remove \"*\" from Origins or remove OriginFunc")
	}
	cc.origins = origin.NewMatcher(patterns...)
	cc.noOrigins = len(patterns) == 0
	cc.anyOrigin = star && !c.Credentials
	cc.vary = !cc.anyOrigin || c.OriginFunc != nil
	return origins
}

// parseOrigin parses one element of Origins, refusing "null".
func parseOrigin(s string, ps *configProblems) (origin.Pattern, bool) {
	if s == "null" {
		ps.add("Origins", s, "the null origin is never safe to allow: sandboxed iframes, file: pages, data: URLs and redirects across origins all send Origin: null, so any attacker can make a request that carries it",
			"serve the page that needs access from a real origin and list that origin")
		return origin.Pattern{}, false
	}
	p, err := origin.ParsePattern(s)
	if err != nil {
		ce := &ConfigError{Package: "cors", Field: "Origins", Value: s, Problem: err.Error(), Err: err}
		var oe *origin.Error
		if errors.As(err, &oe) {
			ce.Problem, ce.Fix = oe.Reason, oe.Hint
		}
		*ps = append(*ps, ce)
		return origin.Pattern{}, false
	}
	return p, true
}

// checkCredentialedOrigin refuses, with Credentials, "*" and plain-http
// origins that are not loopback.
func checkCredentialedOrigin(c Config, s string, p origin.Pattern, ps *configProblems) {
	switch {
	case !c.Credentials:
	case p.IsAny():
		ps.add("Origins", s, problemStarCredentials, "list the origins that may send credentials")
	case !c.AllowInsecureCredentials && p.Scheme() == "http" && !p.Origin().IsLoopback():
		ps.add("Origins", s, "a plain-http origin with Credentials: anyone on the network path can inject script into that origin's pages and read credentialed responses",
			"use https, or set AllowInsecureCredentials if you accept the risk")
	}
}

// compileMethods compiles Methods and returns them normalized, without
// duplicates.
func (cc *compiled) compileMethods(c Config, ps *configProblems) []string {
	var methods []string
	for _, m := range c.Methods {
		m, ok := checkMethod(c, m, ps)
		if !ok {
			continue
		}
		if m == "*" {
			cc.anyMethod = true
		}
		if !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	cc.methods = slices.DeleteFunc(slices.Clone(methods), func(m string) bool { return m == "*" })
	switch {
	case cc.anyMethod:
		cc.allowMethods = "*"
	case len(methods) > 0:
		cc.allowMethods = strings.Join(methods, ", ")
	}
	return methods
}

// checkMethod validates one element of Methods and returns it normalized
// as browsers normalize it.
func checkMethod(c Config, m string, ps *configProblems) (string, bool) {
	switch {
	case m == "*":
		if c.Credentials {
			ps.add("Methods", m, problemStarCredentials, fixStarCredentials)
		}
		return m, true
	case !fetch.IsToken(m):
		ps.add("Methods", m, "not a valid method name", "use a token such as PUT or PATCH")
		return "", false
	case fetch.IsForbiddenMethod(m):
		ps.add("Methods", m, "browsers never send this method", "remove it")
		return "", false
	}
	if n := fetch.NormalizeMethod(m); n != m {
		return n, true // browsers upper-case these, whatever the script wrote
	}
	if upper := strings.ToUpper(m); upper != m {
		ps.add("Methods", m, "methods are case-sensitive, and browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT: a request with method "+strconv.Quote(upper)+" would fail its preflight",
			"write "+strconv.Quote(upper)+", as pages send it")
		return "", false
	}
	return m, true
}

// compileRequestHeaders compiles RequestHeaders and returns them without
// duplicates.
func (cc *compiled) compileRequestHeaders(c Config, ps *configProblems) []string {
	var names []string
	for _, h := range c.RequestHeaders {
		switch {
		case h == "*":
			if c.Credentials {
				ps.add("RequestHeaders", h, problemStarCredentials, "list the headers, such as Content-Type and Authorization")
			}
		case !fetch.IsToken(h):
			ps.add("RequestHeaders", h, "not a valid header name", "use a name such as Content-Type or X-Request-Id")
			continue
		case fetch.IsForbiddenRequestHeaderName(h):
			ps.add("RequestHeaders", h, "browsers never let scripts set this header, so it never appears in a preflight", "remove it")
			continue
		}
		names = appendFold(names, h)
	}
	cc.headers = headerlist.NewSet(names...)
	if len(names) > 0 {
		cc.allowHeaders = strings.Join(names, ", ")
	}
	return names
}

// compileExposedHeaders compiles ExposedHeaders and returns them without
// duplicates.
func (cc *compiled) compileExposedHeaders(c Config, ps *configProblems) []string {
	var names []string
	for _, h := range c.ExposedHeaders {
		switch {
		case h == "*":
			if c.Credentials {
				ps.add("ExposedHeaders", h, problemStarCredentials, "list the headers pages need to read")
			}
		case !fetch.IsToken(h):
			ps.add("ExposedHeaders", h, "not a valid header name", "use a name such as X-Request-Id")
			continue
		case fetch.IsForbiddenResponseHeaderName(h):
			ps.add("ExposedHeaders", h, "browsers never expose this header to scripts", "remove it")
			continue
		}
		names = appendFold(names, h)
	}
	cc.exposeHeaders = strings.Join(names, ", ")
	return names
}

// appendFold appends name to names unless it is there already, compared
// case-insensitively.
func appendFold(names []string, name string) []string {
	if slices.ContainsFunc(names, func(x string) bool { return strings.EqualFold(x, name) }) {
		return names
	}
	return append(names, name)
}

// compileMaxAge compiles MaxAge.
func (cc *compiled) compileMaxAge(c Config, ps *configProblems) {
	switch {
	case c.MaxAge > 24*time.Hour:
		ps.add("MaxAge", c.MaxAge.String(), "longer than 24 hours: Chromium caps preflight caching at 2 hours and Firefox at 24, so the value only hides a mistake",
			"use at most 2h")
	case c.MaxAge > 0 && c.MaxAge < time.Second:
		ps.add("MaxAge", c.MaxAge.String(), "Access-Control-Max-Age counts whole seconds, so this would send 0 and disable caching",
			"use whole seconds, or a negative value to disable caching on purpose")
	case c.MaxAge < 0:
		cc.maxAge = "0"
	case c.MaxAge > 0:
		cc.maxAge = strconv.FormatInt(int64(c.MaxAge/time.Second), 10)
	}
}

// compileStatus compiles PreflightStatus.
func (cc *compiled) compileStatus(c Config, ps *configProblems) {
	cc.status = c.PreflightStatus
	if cc.status == 0 {
		cc.status = http.StatusNoContent
	}
	if cc.status < 200 || cc.status > 299 {
		ps.add("PreflightStatus", strconv.Itoa(c.PreflightStatus), "browsers fail a preflight whose status is not 2xx", "use 0 (204) or 200")
	}
}
