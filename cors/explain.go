package cors

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/crossorigin/crossorigin/internal/headerlist"
	"github.com/crossorigin/crossorigin/origin"
)

// Kind classifies a request as the middleware sees it.
type Kind int

// The kinds of request.
const (
	NotCORS   Kind = iota // no Origin header: same-origin, or not from a browser
	Actual                // a request with an Origin header, other than a preflight
	Preflight             // OPTIONS with Origin and Access-Control-Request-Method
)

// String returns "not CORS", "actual" or "preflight".
func (k Kind) String() string {
	switch k {
	case NotCORS:
		return "not CORS"
	case Actual:
		return "actual"
	case Preflight:
		return "preflight"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// reason is why a request was allowed or not; hot paths pass it around as
// a small integer and words are made only for Explain and logging.
type reason uint8

const (
	reasonNoOrigin reason = iota
	reasonAllowed
	reasonOrigin
	reasonManyOrigins
	reasonMethod
	reasonHeaders
)

// short is the reason as a log attribute.
func (r reason) short() string {
	return [...]string{
		reasonNoOrigin:    "no Origin header",
		reasonAllowed:     "allowed",
		reasonOrigin:      "origin not allowed",
		reasonManyOrigins: "several Origin headers",
		reasonMethod:      "method not allowed",
		reasonHeaders:     "request headers not allowed",
	}[r]
}

// Decision is what the middleware does with a request, and why.
type Decision struct {
	Kind    Kind   // not CORS, actual or preflight
	Origin  string // the Origin header, "" if none
	Allowed bool   // the CORS headers let the browser expose the response (or run the request, for a preflight)
	Reason  string // why, in words a web developer understands
	// Handler reports whether the request reaches the wrapped handler.
	// Disallowed actual requests do: browsers, not servers, enforce CORS.
	Handler bool
	// Status is the status the middleware writes itself, for a preflight
	// it answers; 0 when the handler writes the response.
	Status int
	// Headers are the response headers the middleware sets.
	Headers http.Header
}

// Explain reports what the middleware does with r, and why, without
// calling any handler. It is meant for debugging and tools, not for hot
// paths: it allocates.
func (m *Middleware) Explain(r *http.Request) Decision {
	cc := m.cfg.Load()
	if cc == nil {
		return Decision{Kind: kindOf(r), Origin: r.Header.Get(hdrOrigin), Handler: true,
			Reason: "the middleware is not configured: requests pass through untouched", Headers: http.Header{}}
	}
	rec := &recorder{header: http.Header{}}
	reached := false
	v := cc.serve(rec, r, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	return Decision{
		Kind:    v.kind,
		Origin:  r.Header.Get(hdrOrigin),
		Allowed: v.reason == reasonAllowed,
		Reason:  cc.explain(r, v),
		Handler: reached,
		Status:  rec.status,
		Headers: rec.header,
	}
}

// kindOf classifies r like serve does.
func kindOf(r *http.Request) Kind {
	switch {
	case len(r.Header[hdrOrigin]) == 0:
		return NotCORS
	case r.Method == http.MethodOptions && len(r.Header[hdrReqMethod]) > 0:
		return Preflight
	}
	return Actual
}

// explain puts a verdict into words.
func (cc *compiled) explain(r *http.Request, v verdict) string {
	o := r.Header.Get(hdrOrigin)
	switch v.reason {
	case reasonNoOrigin:
		s := "no Origin header: the request is same-origin or not from a browser, so CORS does not apply"
		if cc.anyOrigin {
			s += "; Access-Control-Allow-Origin: * is sent anyway, so that a cache may serve the response to any origin"
		}
		return s
	case reasonManyOrigins:
		return "several Origin headers: browsers send one, so the request is not trusted"
	case reasonOrigin:
		s := fmt.Sprintf("origin %q is not allowed by Origins %q", o, cc.cfg.Origins)
		if cc.originFunc != nil {
			s += " nor by OriginFunc"
		}
		if p, err := origin.Parse(o); err == nil && !p.IsOpaque() && p.String() != o {
			s += fmt.Sprintf(" (it is not in the form browsers send: %q)", p.String())
		}
		if v.kind == Actual {
			s += "; the request still reaches the handler, but the browser will not let the page read the response"
		}
		return s
	case reasonMethod:
		m := strings.Join(r.Header.Values(hdrReqMethod), ", ")
		return fmt.Sprintf("method %q is not allowed by Methods %q (compared case-sensitively; GET, HEAD and POST are always allowed)", m, cc.cfg.Methods)
	case reasonHeaders:
		lines := r.Header.Values(hdrReqHeaders)
		names, err := headerlist.Parse(lines, cc.headers.Budget())
		if err != nil {
			return fmt.Sprintf("Access-Control-Request-Headers is malformed or too long (%v)", err)
		}
		var refused []string
		for _, n := range names {
			if !cc.headers.Allows([]string{n}) {
				refused = append(refused, n)
			}
		}
		s := fmt.Sprintf("request headers %q are not allowed by RequestHeaders %q", refused, cc.cfg.RequestHeaders)
		if cc.headers.IsWildcard() && strings.Contains(strings.Join(refused, ","), "authorization") {
			s += " (\"*\" never covers Authorization: list it by name)"
		}
		return s
	}
	// Allowed.
	var s string
	switch {
	case cc.anyOrigin:
		s = "any origin is allowed (\"*\")"
	case cc.origins.Match(o):
		s = fmt.Sprintf("origin %q is allowed by Origins", o)
	default:
		s = fmt.Sprintf("origin %q is allowed by OriginFunc", o)
	}
	if v.kind == Preflight {
		s += ", and so are the requested method and headers"
		if r.Header.Get(hdrReqPrivateNetwork) == "true" && !cc.privateNetwork {
			s += "; Access-Control-Request-Private-Network is not answered because PrivateNetwork is off"
		}
	}
	return s
}

// validForFunc reports whether o may be shown to OriginFunc: a tuple
// origin in the form browsers send.
func validForFunc(o string) bool { return origin.IsSerialized(o) }

// recorder is the ResponseWriter of Explain: it keeps the headers and
// status and drops the body.
type recorder struct {
	header http.Header
	status int
}

func (w *recorder) Header() http.Header         { return w.header }
func (w *recorder) Write(p []byte) (int, error) { return len(p), nil }
func (w *recorder) WriteHeader(status int)      { w.status = status }
