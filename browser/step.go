package browser

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// StepKind says what a Step of a trace did.
type StepKind string

// The kinds of steps in a trace.
const (
	StepClassify  StepKind = "classify"  // decided whether a preflight is needed; nothing sent
	StepCache     StepKind = "cache"     // the preflight cache answered instead of the server
	StepPreflight StepKind = "preflight" // sent the OPTIONS preflight and judged its response
	StepRequest   StepKind = "request"   // sent the actual request and CORS-checked its response
	StepRedirect  StepKind = "redirect"  // decided how to follow a redirect
	StepBlocked   StepKind = "blocked"   // refused before anything was sent
	StepProbe     StepKind = "probe"     // an extra OPTIONS request of a diagnosis, not one the browser sends
)

// Step is one step of an exchange: what was sent, what came back, the rule
// that decided and the verdict. Only CORS-relevant headers are recorded.
type Step struct {
	Kind   StepKind `json:"kind"`
	Method string   `json:"method,omitempty"` // the request method sent (OPTIONS for a preflight)
	URL    string   `json:"url"`
	// Sent holds the CORS-relevant request headers sent: Origin, the
	// Access-Control-Request-* headers and the headers the script set.
	Sent http.Header `json:"sent,omitempty"`
	// Status and Received describe the response: 0 and nil when nothing
	// was sent or nothing came back.
	Status   int         `json:"status,omitempty"`
	Received http.Header `json:"received,omitempty"`
	// Body is the first line of a refused preflight's text/plain body,
	// where some middlewares (package cors among them) say what they
	// refused.
	Body string `json:"body,omitempty"`
	// Rule says, in words, which rule decided.
	Rule string `json:"rule"`
	// OK is the verdict: whether the step let the exchange go on.
	OK bool `json:"ok"`
	// Reason is the CorsError name when the step failed with one.
	Reason Reason `json:"reason,omitempty"`
}

// corsResponseHeaders are the response headers a trace records.
var corsResponseHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Expose-Headers",
	"Location",
	"Vary",
}

// corsOnly returns the CORS-relevant response headers of h.
func corsOnly(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range corsResponseHeaders {
		if vs := h.Values(k); vs != nil {
			out[k] = slices.Clone(vs)
		}
	}
	return out
}

// String formats the step as a few lines in the style of curl -v: "> " for
// what was sent, "< " for what came back, "= " for the verdict.
func (s Step) String() string {
	var b strings.Builder
	if s.Method != "" {
		fmt.Fprintf(&b, "> %s %s (%s)\n", s.Method, s.URL, s.Kind)
		writeHeaders(&b, "> ", s.Sent)
	} else {
		fmt.Fprintf(&b, "  %s %s\n", s.Kind, s.URL)
	}
	if s.Status != 0 {
		fmt.Fprintf(&b, "< %d %s\n", s.Status, http.StatusText(s.Status))
		writeHeaders(&b, "< ", s.Received)
	}
	verdict := "ok"
	if !s.OK {
		verdict = "blocked"
		if s.Reason != "" {
			verdict += " (" + string(s.Reason) + ")"
		}
	}
	fmt.Fprintf(&b, "= %s: %s", verdict, s.Rule)
	return b.String()
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

// traceKey carries the trace of an exchange in the context of the request
// a Transport puts in Response.Request.
type traceKey struct{}

// exchange is what a Transport records about a completed exchange.
type exchange struct {
	steps  []Step
	typ    string
	header http.Header // the final response's headers, before filtering
}

// Trace returns the steps of the exchange that produced resp, when resp
// came from a Transport, and nil otherwise. Failed exchanges carry their
// trace in Error.Trace; Transport.OnStep sees every step as it happens.
func Trace(resp *http.Response) []Step {
	if x := exchangeOf(resp); x != nil {
		return slices.Clone(x.steps)
	}
	return nil
}

// ResponseType returns the Fetch response type script would see for resp:
// "basic" (same-origin), "cors", "opaque" (mode no-cors, cross-origin) or
// "opaqueredirect" (redirect mode manual). It returns "" when resp did not
// come from a Transport.
func ResponseType(resp *http.Response) string {
	if x := exchangeOf(resp); x != nil {
		return x.typ
	}
	return ""
}

func exchangeOf(resp *http.Response) *exchange {
	if resp == nil || resp.Request == nil {
		return nil
	}
	x, _ := resp.Request.Context().Value(traceKey{}).(*exchange)
	return x
}

// withExchange returns a copy of req that carries x.
func withExchange(req *http.Request, x *exchange) *http.Request {
	return req.WithContext(context.WithValue(req.Context(), traceKey{}, x))
}
