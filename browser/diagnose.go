package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/crossorigin/crossorigin/origin"
)

// Cause is what a Diagnosis found to be the reason a fetch is blocked (or a
// header unreadable), in words a web developer searches for.
type Cause string

// The causes a Diagnosis names.
const (
	// CauseOriginNotAllowed: the server does not allow the page's origin:
	// a simple request's response has no matching Access-Control-Allow-Origin,
	// or even a bare preflight (for GET, without request headers) gets none.
	CauseOriginNotAllowed Cause = "origin-not-allowed"
	// CauseMethodNotAllowed: the preflight passes for GET but not for the
	// request's method.
	CauseMethodNotAllowed Cause = "method-not-allowed"
	// CauseHeaderNotAllowed: the preflight passes without the request
	// headers named in Diagnosis.Headers.
	CauseHeaderNotAllowed Cause = "header-not-allowed"
	// CausePreflightAuth: the preflight is answered 401 (or with
	// WWW-Authenticate) whatever it asks: authentication runs before CORS.
	CausePreflightAuth Cause = "preflight-auth"
	// CausePreflightNotHandled: the preflight is answered 404, 405 or 501
	// whatever it asks: nothing handles OPTIONS.
	CausePreflightNotHandled Cause = "preflight-not-handled"
	// CausePreflightNotOK: the preflight is answered with another status
	// outside 200-299 (a redirect included).
	CausePreflightNotOK Cause = "preflight-not-ok"
	// CausePreflightRefused: the preflight was refused and probing, which
	// would tell why, was turned off, or could not tell.
	CausePreflightRefused Cause = "preflight-refused"
	// CausePreflightInvalid: the preflight's Access-Control-Allow-Methods
	// or -Headers does not parse.
	CausePreflightInvalid Cause = "preflight-invalid"
	// CauseCredentialsNotAllowed: a request with credentials got "*" or no
	// Access-Control-Allow-Credentials: true.
	CauseCredentialsNotAllowed Cause = "credentials-not-allowed"
	// CauseRedirectTaintedOrigin: a cross-origin redirect made the request's
	// origin "null".
	CauseRedirectTaintedOrigin Cause = "redirect-tainted-origin"
	// CauseRedirectCredentials: a redirect's Location has a user name or
	// password.
	CauseRedirectCredentials Cause = "redirect-credentials"
	// CauseHeaderNotExposed: a response header the script wants is not
	// readable.
	CauseHeaderNotExposed Cause = "header-not-exposed"
	// CauseMixedContent: an https page calls http on a host that is not
	// potentially trustworthy.
	CauseMixedContent Cause = "mixed-content"
	// CauseLocalNetwork: a public page calls a private or loopback address.
	CauseLocalNetwork Cause = "local-network"
	// CauseRequestInvalid: fetch() refuses the request before sending it;
	// the change is the script's.
	CauseRequestInvalid Cause = "request-invalid"
)

// Diagnosis is the cause of a blocked fetch and the one change that removes
// it.
type Diagnosis struct {
	Cause Cause `json:"cause"`
	// Header is the first refused (or unreadable) header, lower case, in
	// the order the browser sends them in Access-Control-Request-Headers;
	// Headers is all of them.
	Header  string   `json:"header,omitempty"`
	Headers []string `json:"headers,omitempty"`
	// Method is the refused method.
	Method string `json:"method,omitempty"`
	// Detail says what was found, and how, in a sentence or two.
	Detail string `json:"detail"`
	// ServerMessage is what the server said when it refused the
	// preflight: the first line of a text/plain body, as package cors
	// sends one. The diagnosis never depends on it.
	ServerMessage string `json:"server_message,omitempty"`
	// Fix is the change; Result.Fix is the same, and JSON carries it
	// there only.
	Fix Fix `json:"-"`
}

// maxProbeBase is how many probes a diagnosis sends besides one per
// requested header.
const maxProbeBase = 2

// diagnoser finds the cause of one blocked fetch.
type diagnoser struct {
	t       *Transport
	ctx     context.Context
	r       *Result
	e       *Error
	noProbe bool
	probes  int
}

// diagnose returns the diagnosis of d.e.
func (d *diagnoser) diagnose() *Diagnosis {
	e := d.e
	switch {
	case e.invalid || e.Reason == DisallowedByMode || e.Reason == NoCorsRedirectModeNotFollow:
		return d.requestInvalid()
	case e.Origin == "null" && d.r.Origin != "null":
		return d.tainted()
	case e.mixed:
		return &Diagnosis{Cause: CauseMixedContent,
			Detail: fmt.Sprintf("The page is https and %s is http on a host that is not loopback: browsers block such mixed content before sending anything.", e.URL),
			Fix: Fix{
				CORSConfig: "not a CORS setting: serve the API over https",
				Advice:     "Serve the API over https (and call it with an https URL); a redirect from http to https does not help, the http request itself is blocked.",
			}}
	case e.Reason == InsecureLocalNetwork || e.Reason == LocalNetworkAccessPermissionDenied:
		return &Diagnosis{Cause: CauseLocalNetwork, Fix: e.Fix,
			Detail: "Chromium's Local Network Access: a page from a less private address space asks for a " + e.Param + " address (" + e.URL + "). " + detail(e.Reason, e.Param)}
	case e.Reason == RedirectContainsCredentials:
		return &Diagnosis{Cause: CauseRedirectCredentials, Detail: "A redirect's Location holds a user name or password, which the browser refuses to follow cross-origin.", Fix: e.Fix}
	case e.Reason == "":
		// Net errors the browser raises itself: the page's own redirect
		// mode, a same-origin-mode redirect, credentials in a Location.
		return &Diagnosis{Cause: CauseRequestInvalid, Detail: lastRule(e.Trace), Fix: pageSide(lastRule(e.Trace))}
	case e.Preflight:
		return d.preflight()
	}
	return d.response()
}

// lastRule is the rule of the last step of a trace.
func lastRule(steps []Step) string {
	if len(steps) == 0 {
		return ""
	}
	return steps[len(steps)-1].Rule
}

// pageSide is the fix for a request the browser refuses whatever the server
// does.
func pageSide(what string) Fix {
	return Fix{
		CORSConfig: "none: the fix is on the page's side, in the script that calls fetch()",
		Advice:     "The browser refuses this request before any server is involved (" + what + "); change the fetch() call.",
	}
}

func (d *diagnoser) requestInvalid() *Diagnosis {
	rule := lastRule(d.e.Trace)
	dg := &Diagnosis{Cause: CauseRequestInvalid, Detail: "fetch() refuses the request before sending it: " + strings.TrimSuffix(rule, ".") + "."}
	dg.Fix = pageSide(rule)
	if d.e.Fix.Advice != "" {
		dg.Fix.Advice = d.e.Fix.Advice
	}
	return dg
}

func (d *diagnoser) tainted() *Diagnosis {
	return &Diagnosis{
		Cause: CauseRedirectTaintedOrigin,
		Detail: fmt.Sprintf("A redirect from %s to another origin made the request's origin opaque: from then on the browser sends Origin: null, which %s does not allow (and should not).",
			d.r.URL, d.e.URL),
		Fix: Fix{
			CORSConfig: "none: call the final URL directly, or make the redirect same-origin; never add \"null\" to cors.Config.Origins",
			Advice:     "Have the page fetch " + d.e.URL + " itself, or keep the redirect on one origin. Do not allow the origin \"null\": every sandboxed iframe and every data: or file: page sends it, so allowing it lets any site read the API.",
		},
	}
}

// response diagnoses a CORS check failure of a response (not a preflight).
func (d *diagnoser) response() *Diagnosis {
	e := d.e
	last := Step{}
	if len(e.Trace) > 0 {
		last = e.Trace[len(e.Trace)-1]
	}
	switch e.Reason {
	case WildcardOriginNotAllowed, InvalidAllowCredentials:
		return d.credentials(e.Reason, e.Param)
	}
	dg := &Diagnosis{Cause: CauseOriginNotAllowed, Fix: allowOriginFix(e.Origin)}
	switch e.Reason {
	case MissingAllowOriginHeader:
		dg.Detail = fmt.Sprintf("The response (status %d) has no Access-Control-Allow-Origin: the server does not allow %s.", last.Status, e.Origin)
	default:
		dg.Detail = fmt.Sprintf("The response allows %q, not %s (%s).", e.Param, e.Origin, e.Reason)
	}
	if last.Status != 0 && !isOK(last.Status) && (last.Status < 300 || last.Status > 399) {
		dg.Detail += fmt.Sprintf(" An error response (%d) needs the CORS headers too, or script cannot read the error.", last.Status)
	}
	if last.Kind == StepRequest && e.URL != d.r.URL {
		dg.Detail += " It is the response of " + e.URL + ", reached by a redirect."
	}
	return dg
}

func allowOriginFix(o string) Fix {
	return Fix{
		Header:     "Access-Control-Allow-Origin",
		Value:      o,
		CORSConfig: fmt.Sprintf("cors.Config{Origins: []string{%q}}", o),
		Advice:     "Allow the page's origin: send Access-Control-Allow-Origin equal to the request's Origin header, on every response, errors and preflights included.",
	}
}

func (d *diagnoser) credentials(reason Reason, param string) *Diagnosis {
	o := d.e.Origin
	dg := &Diagnosis{
		Cause: CauseCredentialsNotAllowed,
		Fix: Fix{
			Header:     "Access-Control-Allow-Credentials",
			Value:      "true",
			CORSConfig: fmt.Sprintf("cors.Config{Origins: []string{%q}, Credentials: true}", o),
			Advice:     "A request with credentials needs the exact origin in Access-Control-Allow-Origin (never \"*\") and Access-Control-Allow-Credentials: true.",
		},
	}
	if reason.base() == WildcardOriginNotAllowed {
		dg.Detail = "The request has credentials, and the server answers Access-Control-Allow-Origin: *, which never allows credentials."
		dg.Fix.Header, dg.Fix.Value = "Access-Control-Allow-Origin", o
	} else {
		dg.Detail = fmt.Sprintf("The request has credentials, and Access-Control-Allow-Credentials is %q, not \"true\".", param)
	}
	if d.e.Preflight {
		dg.Detail += " (On the preflight.)"
	}
	return dg
}

// preflight diagnoses a refused preflight: from its response when that
// settles it, else with probes.
func (d *diagnoser) preflight() *Diagnosis {
	e := d.e
	pre := lastStep(e.Trace, StepPreflight)
	method := pre.Sent.Get("Access-Control-Request-Method")
	names := splitNames(pre.Sent.Get("Access-Control-Request-Headers"))
	var dg *Diagnosis
	switch e.Reason {
	case MethodDisallowedByPreflightResponse:
		dg = methodRefused(method, refusedHeaders(pre, names, d.t.Credentials == Include), "the preflight's Access-Control-Allow-Methods does not list it")
	case HeaderDisallowedByPreflightResponse:
		dg = headersRefused(refusedHeaders(pre, names, d.t.Credentials == Include), "the preflight's Access-Control-Allow-Headers does not list it")
	case PreflightWildcardOriginNotAllowed, PreflightInvalidAllowCredentials:
		dg = d.credentials(e.Reason, e.Param)
	case PreflightAllowOriginMismatch, PreflightInvalidAllowOriginValue, PreflightMultipleAllowOriginValues:
		dg = &Diagnosis{Cause: CauseOriginNotAllowed, Fix: allowOriginFix(e.Origin),
			Detail: fmt.Sprintf("The preflight's Access-Control-Allow-Origin is %q, not %s.", e.Param, e.Origin)}
	case InvalidAllowMethodsPreflightResponse, InvalidAllowHeadersPreflightResponse:
		dg = &Diagnosis{Cause: CausePreflightInvalid, Fix: e.Fix,
			Detail: fmt.Sprintf("The preflight's list %q does not parse, so the browser rejects all of it.", e.Param)}
	case PreflightDisallowedRedirect:
		dg = &Diagnosis{Cause: CausePreflightNotOK, Fix: e.Fix,
			Detail: fmt.Sprintf("The preflight was answered with a redirect (%d); the browser never follows one for a preflight.", pre.Status)}
	default:
		dg = d.probe(pre, method, names)
	}
	dg.ServerMessage = pre.Body
	return dg
}

// lastStep returns the last step of kind k.
func lastStep(steps []Step, k StepKind) Step {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Kind == k {
			return steps[i]
		}
	}
	return Step{}
}

// splitNames splits an Access-Control-Request-Headers value.
func splitNames(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// refusedHeaders returns the names a preflight response does not allow.
func refusedHeaders(pre Step, names []string, creds bool) []string {
	allowed, ok := parseAllowList(headerValue(pre.Received, "Access-Control-Allow-Headers"), true)
	if !ok {
		return nil
	}
	var out []string
	for _, n := range names {
		if !allowed[n] && !(allowed["*"] && !creds) {
			out = append(out, n)
		}
	}
	return out
}

func methodRefused(method string, headers []string, how string) *Diagnosis {
	dg := &Diagnosis{
		Cause:  CauseMethodNotAllowed,
		Method: method,
		Detail: fmt.Sprintf("The server allows this origin but not the method %s: %s.", method, how),
		Fix: Fix{
			Header:     "Access-Control-Allow-Methods",
			Value:      method,
			CORSConfig: fmt.Sprintf("cors.Config{Methods: []string{%q}}", method),
			Advice:     fmt.Sprintf("List %s in Access-Control-Allow-Methods (methods compare case-sensitively).", method),
		},
	}
	if len(headers) > 0 {
		h := headersRefused(headers, "")
		dg.Header, dg.Headers = h.Header, h.Headers
		dg.Detail += fmt.Sprintf(" The request headers %s are refused too.", strings.Join(headers, ", "))
		dg.Fix.CORSConfig = fmt.Sprintf("cors.Config{Methods: []string{%q}, RequestHeaders: %s}", method, goList(canonicalNames(headers)))
		dg.Fix.Advice += " Also list " + strings.Join(canonicalNames(headers), ", ") + " in Access-Control-Allow-Headers."
	}
	return dg
}

func headersRefused(headers []string, how string) *Diagnosis {
	names := canonicalNames(headers)
	dg := &Diagnosis{
		Cause:   CauseHeaderNotAllowed,
		Header:  headers[0],
		Headers: headers,
		Detail:  fmt.Sprintf("The server allows this origin and method but not the request header %s", strings.Join(headers, ", ")),
		Fix: Fix{
			Header:     "Access-Control-Allow-Headers",
			Value:      strings.Join(names, ", "),
			CORSConfig: fmt.Sprintf("cors.Config{RequestHeaders: %s}", goList(names)),
			Advice:     "List " + strings.Join(names, ", ") + " in Access-Control-Allow-Headers.",
		},
	}
	if how != "" {
		dg.Detail += ": " + how
	}
	dg.Detail += "."
	if slices.Contains(headers, "authorization") {
		dg.Fix.Advice += " List it by name: the wildcard \"*\" never covers Authorization for requests with credentials, and the standard always requires the name."
	}
	return dg
}

func canonicalNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = canonicalName(n)
	}
	return out
}

func goList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// probeResult is what one probe found.
type probeResult struct {
	sent   bool // the probe went out and got a response
	ok     bool // the preflight passed
	status int
	auth   bool // WWW-Authenticate came back
	reason Reason
}

// probe finds out with extra preflights why the preflight pre (for method
// and names) was refused: first a bare preflight for GET, then the method
// alone, then each header alone. A probe identical to the refused preflight
// is not sent again: its answer is known.
func (d *diagnoser) probe(pre Step, method string, names []string) *Diagnosis {
	if d.noProbe {
		return &Diagnosis{Cause: CausePreflightRefused, Fix: d.e.Fix,
			Detail: fmt.Sprintf("The preflight was refused (status %d, %s). One exchange does not say whether the origin, the method %s or one of the headers [%s] is refused, or whether OPTIONS reaches the CORS layer at all; probing (a bare preflight for GET, then the method alone, then each header alone) would tell, and it is turned off.",
				pre.Status, d.e.Reason, method, strings.Join(names, ", "))}
	}
	orig := probeResult{sent: true, status: pre.Status, auth: pre.Received.Get("WWW-Authenticate") != "", reason: d.e.Reason}
	known := func(m string, ns []string) (probeResult, bool) {
		if m == method && slices.Equal(ns, names) {
			return orig, true
		}
		return probeResult{}, false
	}
	ask := func(m string, ns []string) probeResult {
		if r, ok := known(m, ns); ok {
			return r
		}
		return d.send(pre.URL, pre.Sent.Get("Origin"), m, ns)
	}
	bare := ask(http.MethodGet, nil)
	if !bare.sent {
		return d.unsettled(pre, "a probe got no response")
	}
	if !bare.ok {
		return d.bareRefused(bare)
	}
	methodOK := true
	if !isSafelistedMethod(method) {
		methodOK = ask(method, nil).ok
	}
	with := method
	if !methodOK {
		with = http.MethodGet
	}
	var refused []string
	for _, n := range names {
		r := ask(with, []string{n})
		if !r.sent {
			return d.unsettled(pre, "a probe got no response")
		}
		if !r.ok {
			refused = append(refused, n)
		}
	}
	how := "a bare preflight for GET passes, and one with the header alone does not"
	switch {
	case !methodOK:
		return methodRefused(method, refused, "a preflight for GET passes, one for "+method+" does not")
	case len(refused) > 0:
		return headersRefused(refused, how)
	}
	return d.unsettled(pre, "the method and each header pass alone, but not together")
}

// unsettled is the diagnosis when probing could not tell.
func (d *diagnoser) unsettled(pre Step, why string) *Diagnosis {
	return &Diagnosis{Cause: CausePreflightRefused, Fix: d.e.Fix,
		Detail: fmt.Sprintf("The preflight was refused (status %d, %s), and probing could not tell why: %s.", pre.Status, d.e.Reason, why)}
}

// bareRefused diagnoses a server that refuses even a bare preflight.
func (d *diagnoser) bareRefused(bare probeResult) *Diagnosis {
	o := d.e.Origin
	switch {
	case bare.status == http.StatusUnauthorized || bare.auth:
		return &Diagnosis{Cause: CausePreflightAuth,
			Detail: fmt.Sprintf("Every preflight is answered %d, even a bare one for GET: authentication runs before the CORS layer, and a preflight never carries credentials (no cookies, no Authorization).", bare.status),
			Fix: Fix{
				CORSConfig: "wrap authentication inside the cors middleware: m.Handler(auth(mux)), not auth(m.Handler(mux))",
				Advice:     "Answer preflights (OPTIONS with Access-Control-Request-Method) before authentication; they never carry credentials.",
			}}
	case bare.status == http.StatusNotFound || bare.status == http.StatusMethodNotAllowed || bare.status == http.StatusNotImplemented:
		return &Diagnosis{Cause: CausePreflightNotHandled,
			Detail: fmt.Sprintf("Every preflight is answered %d %s, even a bare one for GET: nothing on the server handles OPTIONS for this URL.", bare.status, http.StatusText(bare.status)),
			Fix: Fix{
				CORSConfig: "route OPTIONS to the cors middleware: wrap the whole router, m.Handler(mux), instead of registering only \"GET /path\" or \"POST /path\"",
				Advice:     "Let the CORS middleware answer OPTIONS for this URL; routers answer methods they have no route for with 404 or 405.",
			}}
	}
	switch bare.reason.base() {
	case WildcardOriginNotAllowed, InvalidAllowCredentials:
		return d.credentials(bare.reason, "")
	case MissingAllowOriginHeader, AllowOriginMismatch, InvalidAllowOriginValue, MultipleAllowOriginValues:
		if isOK(bare.status) || bare.status == http.StatusForbidden {
			dg := &Diagnosis{Cause: CauseOriginNotAllowed, Fix: allowOriginFix(o),
				Detail: fmt.Sprintf("Even a bare preflight for GET without request headers is answered %d without an Access-Control-Allow-Origin that allows %s: the origin is not allowed.", bare.status, o)}
			return dg
		}
	}
	return &Diagnosis{Cause: CausePreflightNotOK,
		Detail: fmt.Sprintf("Every preflight is answered %d, even a bare one for GET.", bare.status),
		Fix: Fix{
			CORSConfig: "put the cors middleware in front of the handler: it answers preflights itself with 204",
			Advice:     "Answer the preflight (OPTIONS) with a 2xx status and the CORS headers.",
		}}
}

// send sends one probe: a preflight for method and names from reqOrigin to
// url, judged as the browser would judge it, recorded as a probe step.
func (d *diagnoser) send(target, reqOrigin, method string, names []string) probeResult {
	t := d.t
	if d.probes >= maxProbeBase+len(splitNames(lastStep(d.e.Trace, StepPreflight).Sent.Get("Access-Control-Request-Headers"))) {
		return probeResult{}
	}
	d.probes++
	site := "cross-site"
	if u, err := url.Parse(target); err == nil && d.r.Origin != "null" {
		if p, err := origin.Parse(d.r.Origin); err == nil && p.SameSite(origin.FromURL(u)) {
			site = "same-site"
		}
	}
	req, sent, err := newPreflight(context.WithValue(d.ctx, probeKey{}, true), target, reqOrigin, site, method, names)
	if err != nil {
		return probeResult{}
	}
	what := "a bare preflight for GET"
	switch {
	case len(names) > 0:
		what = fmt.Sprintf("a preflight for %s with only %s", method, names[0])
	case method != http.MethodGet:
		what = "a preflight for " + method + " without request headers"
	}
	st := Step{Kind: StepProbe, Method: http.MethodOptions, URL: target, Sent: sent}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		st.Rule = "probe (" + what + "): network error: " + err.Error()
		d.record(st)
		return probeResult{}
	}
	st.Status, st.Received, st.Body = resp.StatusCode, corsOnly(resp.Header), refusalText(resp)
	auth := resp.Header.Get("WWW-Authenticate") != ""
	discard(resp)
	creds := t.Credentials == Include
	r, reason, param := parsePreflight(reqOrigin, creds, resp.StatusCode, resp.Header)
	if reason == "" {
		reason, param = r.check(method, names)
	}
	st.OK, st.Reason = reason == "", reason
	if st.OK {
		st.Rule = "probe (" + what + "): passes"
	} else {
		st.Rule = "probe (" + what + "): refused: " + detail(reason, param)
	}
	d.record(st)
	return probeResult{sent: true, ok: st.OK, status: resp.StatusCode, auth: auth, reason: reason}
}

func (d *diagnoser) record(st Step) {
	d.r.Trace = append(d.r.Trace, st)
	if d.t.OnStep != nil {
		d.t.OnStep(st)
	}
}

// probeKey marks the context of a probe request.
type probeKey struct{}

// IsProbe reports whether req is one of the extra OPTIONS requests with
// which Transport.Check diagnoses a refused preflight, rather than a request
// the browser sends: a Base RoundTripper can log or route them apart.
func IsProbe(req *http.Request) bool {
	v, _ := req.Context().Value(probeKey{}).(bool)
	return v
}

// notExposed diagnoses response headers script cannot read.
func notExposed(names []string) *Diagnosis {
	canon := canonicalNames(names)
	return &Diagnosis{
		Cause:   CauseHeaderNotExposed,
		Header:  names[0],
		Headers: names,
		Detail:  fmt.Sprintf("Script cannot read the response header %s.", strings.Join(canon, ", ")),
		Fix: Fix{
			Header:     "Access-Control-Expose-Headers",
			Value:      strings.Join(canon, ", "),
			CORSConfig: fmt.Sprintf("cors.Config{ExposedHeaders: %s}", goList(canon)),
			Advice:     "Name " + strings.Join(canon, ", ") + " in Access-Control-Expose-Headers on the response (\"*\" does not work for requests with credentials).",
		},
	}
}
