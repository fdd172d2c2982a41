package cors

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/crossorigin/crossorigin/internal/fetch"
)

// Canonical names of the headers the middleware reads and writes; the
// header maps are indexed directly with them, which saves canonicalizing on
// every request.
const (
	hdrOrigin             = "Origin"
	hdrVary               = "Vary"
	hdrReqMethod          = "Access-Control-Request-Method"
	hdrReqHeaders         = "Access-Control-Request-Headers"
	hdrReqPrivateNetwork  = "Access-Control-Request-Private-Network"
	hdrAllowOrigin        = "Access-Control-Allow-Origin"
	hdrAllowCredentials   = "Access-Control-Allow-Credentials"
	hdrAllowMethods       = "Access-Control-Allow-Methods"
	hdrAllowHeaders       = "Access-Control-Allow-Headers"
	hdrAllowPrivateNet    = "Access-Control-Allow-Private-Network"
	hdrExposeHeaders      = "Access-Control-Expose-Headers"
	hdrMaxAge             = "Access-Control-Max-Age"
	failedPreflightStatus = http.StatusForbidden
)

// Middleware adds CORS headers to the responses of the handlers it wraps
// and answers CORS preflights. It is safe for concurrent use, also while
// Reconfigure runs. The zero Middleware passes every request through
// untouched.
type Middleware struct {
	cfg atomic.Pointer[compiled]
}

// New validates c and returns a Middleware that applies it. If c has
// problems, New returns every one of them, joined with errors.Join; each is
// a *ConfigError naming the field, the value and a fix.
func New(c Config) (*Middleware, error) {
	cc, err := compile(c)
	if err != nil {
		return nil, err
	}
	m := new(Middleware)
	m.cfg.Store(cc)
	return m, nil
}

// Reconfigure validates c and, if it has no problem, applies it to the
// requests that start from then on; requests in flight finish under the
// configuration they started with. On error the current configuration
// stays. m.Reconfigure(m.Config()) changes nothing.
func (m *Middleware) Reconfigure(c Config) error {
	cc, err := compile(c)
	if err != nil {
		return err
	}
	m.cfg.Store(cc)
	return nil
}

// Config returns the effective configuration: normalized (methods that
// browsers upper-case are upper-cased), without duplicates and with
// defaults filled in. The slices are copies.
func (m *Middleware) Config() Config {
	cc := m.cfg.Load()
	if cc == nil {
		return Config{}
	}
	c := cc.cfg
	c.Origins = slices.Clone(c.Origins)
	c.Methods = slices.Clone(c.Methods)
	c.RequestHeaders = slices.Clone(c.RequestHeaders)
	c.ExposedHeaders = slices.Clone(c.ExposedHeaders)
	return c
}

// AllowsCredentialedOrigin reports whether Credentials is on and origin,
// the raw value of an Origin header, is allowed by Origins. Such an origin
// may read responses to requests that carry the user's cookies, so it is as
// trusted as the server's own pages: the csrf package trusts it for
// writes. OriginFunc is not consulted, since it decides by a request;
// AllowsCredentialedRequest consults it.
func (m *Middleware) AllowsCredentialedOrigin(origin string) bool {
	cc := m.cfg.Load()
	return cc != nil && cc.credentials && cc.origins.Match(origin)
}

// AllowsCredentialedRequest is AllowsCredentialedOrigin for the Origin
// header of r (false if it has none, or several), consulting OriginFunc
// too.
func (m *Middleware) AllowsCredentialedRequest(r *http.Request) bool {
	cc := m.cfg.Load()
	origins := r.Header[hdrOrigin]
	return cc != nil && cc.credentials && len(origins) == 1 && cc.allowOrigin(r, origins[0])
}

// Handler returns h wrapped by the middleware. Preflights are answered
// without reaching h (unless PreflightPassthrough is set); every other
// request reaches h, allowed or not: CORS is enforced by browsers, which
// withhold a response from the page when the CORS headers do not allow it.
// It does not stop a request from being sent and processed.
func (m *Middleware) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cc := m.cfg.Load()
		if cc == nil {
			h.ServeHTTP(w, r)
			return
		}
		v := cc.serve(w, r, h)
		if cc.logger != nil {
			cc.log(r, v)
		}
	})
}

// allowOrigin reports whether the raw Origin header value o of r is
// allowed.
func (cc *compiled) allowOrigin(r *http.Request, o string) bool {
	if !cc.noOrigins && cc.origins.Match(o) {
		return true
	}
	return cc.originFunc != nil && validForFunc(o) && cc.originFunc(r, o)
}

// verdict is what serve decided, for logging and Explain.
type verdict struct {
	kind   Kind
	reason reason
}

// serve applies the CORS protocol to one request and calls h unless it
// answered a preflight itself.
func (cc *compiled) serve(w http.ResponseWriter, r *http.Request, h http.Handler) verdict {
	origins := r.Header[hdrOrigin]
	if len(origins) > 0 && r.Method == http.MethodOptions {
		if acrm := r.Header[hdrReqMethod]; len(acrm) > 0 {
			return cc.preflight(w, r, h, origins, acrm)
		}
	}
	if !cc.vary {
		return cc.serveAny(w, r, h, origins)
	}
	// The response depends on Origin, whether the request has one or not.
	v := verdict{NotCORS, reasonNoOrigin}
	if len(origins) > 0 {
		v = cc.decideActual(r, origins)
	}
	allowed := v.reason == reasonAllowed
	vw, vals := newVaryWriter(w, r, allowed && cc.actualValues)
	if allowed {
		cc.allow(w.Header(), origins, vals)
	}
	h.ServeHTTP(vw, r)
	if !vw.written {
		vw.finish()
	}
	return v
}

// serveAny serves a request other than a preflight under a "*" policy:
// every response, with or without Origin, from any origin, gets the same
// headers, so that a cache may serve any of them to anyone (a response
// cached from an <img> or a no-cors fetch then serves a CORS fetch too).
// Nothing depends on Origin, hence no Vary.
func (cc *compiled) serveAny(w http.ResponseWriter, r *http.Request, h http.Handler, origins []string) verdict {
	hdr := w.Header()
	n := 1
	if cc.exposeHeaders != "" {
		n++
	}
	buf := carve(r, n)
	buf[0] = "*"
	hdr[hdrAllowOrigin] = buf[0:1:1]
	if cc.exposeHeaders != "" {
		buf[1] = cc.exposeHeaders
		hdr[hdrExposeHeaders] = buf[1:2:2]
	}
	h.ServeHTTP(w, r)
	if len(origins) == 0 {
		return verdict{NotCORS, reasonNoOrigin}
	}
	return verdict{Actual, reasonAllowed}
}

// decideActual decides an actual (not preflight) CORS request.
func (cc *compiled) decideActual(r *http.Request, origins []string) verdict {
	if len(origins) > 1 {
		return verdict{Actual, reasonManyOrigins}
	}
	if !cc.allowOrigin(r, origins[0]) {
		return verdict{Actual, reasonOrigin}
	}
	return verdict{Actual, reasonAllowed}
}

// allow adds the headers of an allowed actual request to hdr, with the
// values of Access-Control-Allow-Credentials and -Expose-Headers in vals
// (see newVaryWriter).
func (cc *compiled) allow(hdr http.Header, origins, vals []string) {
	// The request's own Origin slice, capped: it belongs to this request
	// alone, so sharing it with the response shares nothing between
	// requests (an in-place change by the handler changes only r's copy),
	// and it costs no slot.
	hdr[hdrAllowOrigin] = origins[0:1:1]
	if cc.credentials {
		vals[0] = "true"
		hdr[hdrAllowCredentials] = vals[0:1:1]
	}
	if cc.exposeHeaders != "" {
		vals[1] = cc.exposeHeaders
		hdr[hdrExposeHeaders] = vals[1:2:2]
	}
}

// preflight answers a CORS preflight, or passes it on.
func (cc *compiled) preflight(w http.ResponseWriter, r *http.Request, h http.Handler, origins, acrm []string) verdict {
	var acrh []string
	v := verdict{Preflight, cc.checkPreflight(r, origins, acrm, &acrh)}
	if v.reason != reasonAllowed {
		// No CORS headers at all: the browser then fails the preflight and
		// reports it in its console.
		if cc.passthrough {
			h.ServeHTTP(w, r)
		} else {
			cc.refuse(w, r, v.reason, origins, acrm, acrh)
		}
		return v
	}
	hdr := w.Header()
	pna := cc.privateNetwork && isTrue(r.Header[hdrReqPrivateNetwork])
	reqHeaders := len(acrh) > 0 && cc.allowHeaders != ""
	n := len(cc.preflightHeaders)
	if cc.anyOrigin {
		n++
	}
	if reqHeaders {
		n++
	}
	if pna {
		n++
	}
	// No Vary: responses to OPTIONS are not cacheable (RFC 9110, section
	// 9.3.7), and browsers key their preflight cache by origin and URL.
	var buf []string
	if n > 0 {
		buf = carve(r, n)
	}
	if cc.anyOrigin {
		buf = put(hdr, buf, hdrAllowOrigin, "*")
	} else {
		hdr[hdrAllowOrigin] = origins[0:1:1] // see allow
	}
	for _, f := range cc.preflightHeaders {
		buf = put(hdr, buf, f.name, f.value)
	}
	if reqHeaders {
		buf = put(hdr, buf, hdrAllowHeaders, cc.allowHeaders)
	}
	if pna {
		put(hdr, buf, hdrAllowPrivateNet, "true")
	}
	if cc.passthrough {
		h.ServeHTTP(w, r)
	} else {
		w.WriteHeader(cc.status)
	}
	return v
}

// put sets the header name to value, in the first slot of buf, and returns
// the slots left.
func put(hdr http.Header, buf []string, name, value string) []string {
	buf[0] = value
	hdr[name] = buf[0:1:1]
	return buf[1:]
}

// field is a response header field.
type field struct{ name, value string }

// precompute fills in the header fields that every successful preflight
// gets, whatever it asks.
func (cc *compiled) precompute() {
	cc.actualValues = cc.credentials || cc.exposeHeaders != ""
	cc.preflightHeaders = nil
	if cc.credentials {
		cc.preflightHeaders = append(cc.preflightHeaders, field{hdrAllowCredentials, "true"})
	}
	if cc.allowMethods != "" {
		cc.preflightHeaders = append(cc.preflightHeaders, field{hdrAllowMethods, cc.allowMethods})
	}
	if cc.maxAge != "" {
		cc.preflightHeaders = append(cc.preflightHeaders, field{hdrMaxAge, cc.maxAge})
	}
}

// checkPreflight decides a preflight. It looks Access-Control-Request-Headers
// up only once the cheaper checks passed, and stores it in *acrh.
func (cc *compiled) checkPreflight(r *http.Request, origins, methods []string, acrh *[]string) reason {
	if len(origins) > 1 {
		return reasonManyOrigins
	}
	if !cc.allowOrigin(r, origins[0]) {
		return reasonOrigin
	}
	if len(methods) != 1 {
		return reasonMethod
	}
	if m := methods[0]; !fetch.IsCORSSafelistedMethod(m) && !cc.allowsMethod(m) {
		return reasonMethod
	}
	*acrh = r.Header[hdrReqHeaders]
	if !cc.headers.Allows(*acrh) {
		return reasonHeaders
	}
	return reasonAllowed
}

// allowsMethod reports whether the requested method m is configured,
// comparing case-sensitively as the Fetch standard does.
func (cc *compiled) allowsMethod(m string) bool {
	if cc.anyMethod {
		return fetch.IsToken(m)
	}
	return slices.Contains(cc.methods, m)
}

// isTrue reports whether a header holds exactly the value "true".
func isTrue(vs []string) bool { return len(vs) == 1 && vs[0] == "true" }

// log records a decision at debug level.
func (cc *compiled) log(r *http.Request, v verdict) {
	ctx := r.Context()
	if !cc.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	logDecision(ctx, cc.logger, r, v)
}

// logDecision is split from log so that log stays small enough to inline.
func logDecision(ctx context.Context, l *slog.Logger, r *http.Request, v verdict) {
	l.LogAttrs(ctx, slog.LevelDebug, "cors",
		slog.String("kind", v.kind.String()),
		slog.String("origin", r.Header.Get(hdrOrigin)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Bool("allowed", v.reason == reasonAllowed),
		slog.String("reason", v.reason.short()))
}
