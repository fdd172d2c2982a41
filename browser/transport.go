package browser

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// CredentialsMode is fetch()'s credentials option: whether cookies go
// along, and whether the response must opt in to being read with them.
type CredentialsMode int

// The credentials modes.
const (
	SameOrigin CredentialsMode = iota // credentials only for same-origin requests (fetch's default)
	Omit                              // never credentials
	Include                           // credentials even cross-origin; the response must allow it
)

func (c CredentialsMode) String() string {
	switch c {
	case Omit:
		return "omit"
	case Include:
		return "include"
	}
	return "same-origin"
}

// Mode is fetch()'s mode option.
type Mode int

// The request modes.
const (
	ModeCORS       Mode = iota // cross-origin requests follow the CORS protocol (fetch's default)
	ModeNoCORS                 // cross-origin responses are opaque; only simple requests
	ModeSameOrigin             // cross-origin requests fail
)

func (m Mode) String() string {
	switch m {
	case ModeNoCORS:
		return "no-cors"
	case ModeSameOrigin:
		return "same-origin"
	}
	return "cors"
}

// RedirectMode is fetch()'s redirect option.
type RedirectMode int

// The redirect modes.
const (
	RedirectFollow RedirectMode = iota // follow up to 20 redirects (fetch's default)
	RedirectError                      // a redirect is a network error
	RedirectManual                     // a redirect is returned as an opaque-redirect response
)

func (r RedirectMode) String() string {
	switch r {
	case RedirectError:
		return "error"
	case RedirectManual:
		return "manual"
	}
	return "follow"
}

// maxRedirects is how many redirects fetch() follows.
const maxRedirects = 20

// Cache limits, as Chromium's PreflightCache has them.
const (
	maxCacheEntries = 1024
	maxCacheURL     = 1024
)

// Transport is an http.RoundTripper that does what Chromium's fetch() does
// when a page of Origin calls it with the request's method, URL, headers
// and body: it drops the headers a script cannot set, sends a preflight when
// Chromium would (or finds the answer in its preflight cache), adds Origin,
// performs the CORS check, follows redirects itself, and returns only what
// script could read.
//
// RoundTrip returns:
//
//   - for a same-origin response (type "basic"): the response with every
//     header but Set-Cookie;
//   - for a CORS response (type "cors"): the response with only the headers
//     script can read (see ReadableHeaders);
//   - in ModeNoCORS, for a cross-origin response (type "opaque"): a response
//     with StatusCode 0, no headers and an empty body;
//   - in RedirectManual, for a redirect (type "opaqueredirect"): a response
//     with StatusCode 0, no headers and an empty body;
//   - for a blocked request: a *Error (CORS errors, with Chromium's name) or
//     a *Error with an empty Reason (other network errors fetch() reports
//     as TypeError: a forbidden method, too many redirects, ...).
//
// An http.Client using a Transport therefore never sees a redirect, except
// an opaque one in RedirectManual mode. ResponseType and Trace tell what
// happened. Response.Request is the last request sent, with the final URL.
//
// The request is taken as a script passes it to fetch(): its method, URL,
// headers and body. fetch() derives a Content-Type from some bodies (a
// string is sent as "text/plain;charset=UTF-8", URLSearchParams as
// "application/x-www-form-urlencoded;charset=UTF-8"); the Transport does not
// guess, so set Content-Type as fetch() would. A GET or HEAD with a body is
// refused, as fetch() refuses it.
//
// The zero value is not usable: Origin must be set. A Transport may be
// used concurrently; its preflight cache is shared by its requests, as a
// page's is.
type Transport struct {
	// Origin is the serialization of the page's origin, such as
	// "https://app.example.com", or "null" for an opaque origin (a
	// sandboxed page).
	Origin string
	// Credentials, Mode and Redirect are fetch()'s options.
	Credentials CredentialsMode
	Mode        Mode
	Redirect    RedirectMode
	// Base sends the requests; nil means http.DefaultTransport. It must
	// not follow redirects (a RoundTripper does not).
	Base http.RoundTripper
	// Jar, if set, supplies and stores cookies, but only when the
	// credentials mode lets them go along.
	Jar http.CookieJar
	// OnStep, if set, is called for each step of every exchange as it
	// happens, from the goroutine of the RoundTrip: concurrently when
	// requests run concurrently.
	OnStep func(Step)
	// Engine is the browser engine whose fetch() the Transport models:
	// Chromium (the zero value), Firefox or WebKit.
	Engine Engine
	// Now is the preflight cache's clock; nil means time.Now.
	Now func() time.Time
	// PageAddressSpace is the page's address space, for Chromium's Local
	// Network Access. UnknownSpace (the zero value) derives it from Origin
	// when its host is an IP address or localhost, and otherwise leaves
	// Local Network Access unchecked: set it for a page whose origin does
	// not tell where it lives (a named host, a sandboxed page, a data:
	// document, which Chromium counts as public).
	PageAddressSpace AddressSpace
	// LocalNetworkAccess grants the page Chromium's local-network-access
	// permission: it may then reach more private address spaces.
	LocalNetworkAccess bool

	mu    sync.Mutex
	cache map[cacheKey]*preflightResult
	// partitions are Firefox's cookie jars for cross-site requests, by
	// the page's site.
	partitions map[string]http.CookieJar
}

// cacheKey is how Chromium keys its preflight cache: the page's origin (not
// the tainted one) and the URL. Method, headers and credentials are checked
// against the entry, not part of the key.
type cacheKey struct {
	origin, url string
	// credentials is part of the key in Firefox only.
	credentials bool
}

// netError returns an error for a failure fetch() reports as a TypeError
// without a CORS error.
func netError(netErr, msg string) *Error {
	return &Error{NetError: netErr, Message: msg}
}

// fetch is the state of one call of RoundTrip.
type fetch struct {
	t                      *Transport
	page                   origin.Origin
	pageSer                string
	req                    *http.Request
	x                      *exchange
	method                 string
	url                    *url.URL
	initial                string
	headers                []header
	body                   []byte
	hasBody                bool
	corsFlag               bool
	tainted                bool
	crossSite, crossOrigin bool // the request chain has left the page's site / origin
	reached                bool // an actual (non-preflight) request was sent
	rules                  *engineRules
	startedSameOrigin      bool     // the first URL is same-origin with the page
	preflighted            bool     // a hop so far needed a preflight
	preflightNames         []string // the header names of the first preflight
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	f := &fetch{t: t, req: req, x: &exchange{}}
	resp, err := f.run()
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Trace = slices.Clone(f.x.steps)
			e.ReachedServer = f.reached
			f.inEngineWords(e)
		}
		return nil, err
	}
	return resp, nil
}

func (f *fetch) step(s Step) {
	f.x.steps = append(f.x.steps, s)
	if f.t.OnStep != nil {
		f.t.OnStep(s)
	}
}

// refuse records a refusal before anything was sent and returns it as an
// error fetch() would throw. firefox is Firefox's wording of the refusal,
// "" when it is not known.
func (f *fetch) refuse(rule, firefox string) error {
	f.step(Step{Kind: StepBlocked, URL: f.req.URL.String(), Rule: rule})
	e := f.refusal("TypeError: Failed to execute 'fetch' on 'Window': "+rule, firefox)
	e.invalid = true
	return e
}

// refuseHeaders is refuse for what the Headers object rejects.
func (f *fetch) refuseHeaders(what, name, firefox string) error {
	f.step(Step{Kind: StepBlocked, URL: f.req.URL.String(), Rule: fmt.Sprintf("%s: header %q", what, name)})
	e := f.refusal("TypeError: Failed to execute 'fetch' on 'Window': "+what, firefox)
	e.invalid = true
	return e
}

// corsError finishes the exchange with a CORS error.
func (f *fetch) corsError(e *Error) error {
	e.setMessage(f.url.String(), f.initial, f.pageSer)
	return e
}

func (f *fetch) run() (*http.Response, error) {
	if err := f.setOrigin(); err != nil {
		return nil, err
	}
	// The URL keeps its fragment: it never goes on the wire, but it is
	// part of the preflight cache key, as in Chromium and the standard.
	u := *f.req.URL
	f.url = &u
	f.initial = u.String()
	f.rules = f.t.Engine.rules()
	f.startedSameOrigin = f.sameOrigin(f.url)
	if err := f.construct(); err != nil {
		return nil, err
	}
	if err := f.readBody(); err != nil {
		return nil, err
	}
	if f.t.Mode == ModeSameOrigin && !f.sameOrigin(f.url) {
		// Chromium rejects with a bare "TypeError: Failed to fetch", logs
		// this message to the console and reports DisallowedByMode in the
		// DevTools Issues panel (not in the Network panel).
		f.step(Step{Kind: StepBlocked, URL: f.url.String(), Rule: "mode is same-origin and the URL is cross-origin", Reason: DisallowedByMode})
		// No request starts, so there is no net error.
		e := netError("", fmt.Sprintf("Fetch API cannot load %s. Request mode is \"same-origin\" but the URL's origin is not same as the request origin %s.", f.initial, f.pageSer))
		e.Reason, e.Origin, e.URL = DisallowedByMode, f.pageSer, f.initial
		e.Fix = fixFor(DisallowedByMode, "", f.pageSer)
		return nil, e
	}
	for redirects := 0; ; redirects++ {
		resp, next, err := f.hop()
		if err != nil || next == nil {
			return resp, err
		}
		if err := f.follow(next, redirects); err != nil {
			return nil, err
		}
	}
}

// setOrigin parses Transport.Origin, the page's origin.
func (f *fetch) setOrigin() error {
	switch f.t.Origin {
	case "":
		return errors.New("browser: Transport.Origin is empty; set the page's origin, or \"null\"")
	case "null":
		f.pageSer = "null"
		return nil
	}
	o, err := origin.Parse(f.t.Origin)
	if err != nil {
		return fmt.Errorf("browser: Transport.Origin: %w", err)
	}
	f.page, f.pageSer = o, o.String()
	return nil
}

// construct does what the Request constructor and the Headers object do
// with the script's arguments: refuse some, drop the headers script cannot
// set.
func (f *fetch) construct() error {
	u := f.url
	if u.Scheme != "http" && u.Scheme != "https" {
		return f.refuse(fmt.Sprintf("URL scheme %q is not supported.", u.Scheme), "")
	}
	if u.User != nil {
		return f.refuse("Request cannot be constructed from a URL that includes credentials: "+u.String(), u.String()+" is an url with embedded credentials.")
	}
	m := f.req.Method
	if m == "" {
		m = http.MethodGet
	}
	if !fetchspec.IsToken(m) {
		return f.refuse(fmt.Sprintf("'%s' is not a valid HTTP method.", m), "Invalid request method "+m+".")
	}
	if isForbiddenMethod(m) {
		return f.refuse(fmt.Sprintf("'%s' HTTP method is unsupported.", m), "Invalid request method "+m+".")
	}
	f.method = normalizeMethod(m)
	for k, vs := range f.req.Header {
		if !fetchspec.IsToken(k) {
			// Firefox quotes the name as the script wrote it, which
			// http.Header has canonicalized: lower case is the nearer guess.
			return f.refuseHeaders("Invalid name", k, strings.ToLower(k)+" is an invalid header name.")
		}
		for _, v := range vs {
			if !fetchspec.IsHeaderValue(fetchspec.NormalizeHeaderValue(v)) {
				// Firefox's message ends the value at a NUL byte
				// (case hdr-invalid-value).
				bad, _, _ := strings.Cut(fetchspec.NormalizeHeaderValue(v), "\x00")
				return f.refuseHeaders("Invalid value", k, bad+" is an invalid header value.")
			}
			if notLatin1(v) {
				return f.refuseHeaders("String contains non ISO-8859-1 code point", k, "")
			}
		}
	}
	f.headers = f.t.Engine.scriptHeaders(f.req.Header)
	if f.t.Mode != ModeNoCORS {
		return nil
	}
	if !isSafelistedMethod(f.method) {
		return f.refuse(fmt.Sprintf("'%s' is unsupported in no-cors mode.", f.method), "Invalid request method "+f.method+".")
	}
	if f.t.Redirect != RedirectFollow {
		// Chromium names this one in the DevTools Issues panel only.
		f.step(Step{Kind: StepBlocked, URL: f.url.String(), Rule: "mode is no-cors and the redirect mode is not follow", Reason: NoCorsRedirectModeNotFollow})
		e := netError("", fmt.Sprintf("Fetch API cannot load %s. Request mode is \"no-cors\" but the redirect mode is not \"follow\".", f.initial))
		e.Reason, e.Origin, e.URL = NoCorsRedirectModeNotFollow, f.pageSer, f.initial
		e.Fix = fixFor(NoCorsRedirectModeNotFollow, "", f.pageSer)
		return e
	}
	f.headers = noCORSHeaders(f.req.Header)
	return nil
}

// notLatin1 reports whether v, read as the UTF-8 of the script's string,
// has a character above U+00FF, which fetch() cannot turn into a header
// byte (a ByteString) and refuses.
func notLatin1(v string) bool {
	if !utf8.ValidString(v) {
		return false // bytes, not text: sent as they are
	}
	return strings.ContainsFunc(v, func(r rune) bool { return r > 0xff })
}

// readBody reads the request body, which fetch() holds in full before it
// sends anything (there are no streaming bodies here).
func (f *fetch) readBody() error {
	if f.req.Body == nil || f.req.Body == http.NoBody {
		return nil
	}
	if f.method == http.MethodGet || f.method == http.MethodHead {
		return f.refuse("Request with GET/HEAD method cannot have body.", "HEAD or GET Request cannot have a body.")
	}
	b, err := io.ReadAll(f.req.Body)
	if err != nil {
		return err
	}
	f.body, f.hasBody = b, true
	return nil
}

// follow decides whether the redirect to next, the redirects-th one
// already followed, may be followed (fetch's HTTP-redirect fetch), and
// moves the request there.
func (f *fetch) follow(next *url.URL, redirects int) error {
	if redirects == maxRedirects {
		f.step(Step{Kind: StepRedirect, URL: next.String(), Rule: "more than 20 redirects"})
		e := netError("net::ERR_TOO_MANY_REDIRECTS", "TypeError: Failed to fetch (net::ERR_TOO_MANY_REDIRECTS)")
		e.network = true
		return e
	}
	if next.User != nil {
		rule := "the redirect's Location contains credentials"
		if f.t.Mode == ModeCORS && (f.tainted || !f.sameOrigin(next)) || f.corsFlag {
			f.step(Step{Kind: StepRedirect, URL: next.String(), Rule: rule, Reason: RedirectContainsCredentials})
			// Chromium reports no failed parameter here, so the message
			// quotes an empty location.
			return f.corsError(newError(RedirectContainsCredentials, "", f.requestOrigin(), false))
		}
		if !f.rules.redirectCredentialsSameOrigin {
			// Chromium fails this one too, without a CORS error
			// (net::ERR_ABORTED); the standard allows it.
			f.step(Step{Kind: StepRedirect, URL: next.String(), Rule: rule})
			return netError("net::ERR_ABORTED", "TypeError: Failed to fetch (the redirect's Location contains credentials)")
		}
	}
	if err := f.returnsToPage(next); err != nil {
		return err
	}
	rule := "follow the redirect"
	if !sameOriginURL(next, f.url) && !f.sameOrigin(f.url) && !f.tainted {
		// The redirect leaves an origin that is not the page's: from now
		// on the request's origin is "null".
		f.tainted = true
		rule += "; the request's origin is now tainted: Origin: null"
	}
	f.url = next
	f.step(Step{Kind: StepRedirect, URL: next.String(), Rule: rule, OK: true})
	return nil
}

// Response taintings: what script may see of a response.
const (
	taintBasic  = "basic"  // same-origin: everything but Set-Cookie
	taintCORS   = "cors"   // cross-origin in CORS mode: the CORS check applies
	taintOpaque = "opaque" // cross-origin in no-cors mode: nothing
)

// hop sends the request to the current URL, with its preflight if one is
// needed. It returns the final response, or the URL of a redirect to
// follow.
func (f *fetch) hop() (*http.Response, *url.URL, error) {
	tainting, err := f.enter()
	if err != nil {
		return nil, nil, err
	}
	if err := f.checkMixedContent(); err != nil {
		return nil, nil, err
	}
	if err := f.checkLocalNetworkAccess(); err != nil {
		return nil, nil, err
	}
	if f.corsFlag {
		if err := f.preflight(); err != nil {
			return nil, nil, err
		}
	}
	resp, st, err := f.send(tainting)
	if err != nil {
		return nil, nil, err
	}
	if err := f.checkCORS(resp, &st, tainting); err != nil {
		return nil, nil, err
	}
	if loc, isRedirect, locErr := redirectLocation(resp, f.url); isRedirect {
		return f.redirect(resp, st, loc, locErr)
	}
	f.step(st)
	return f.deliver(resp, tainting), nil, nil
}

// checkMixedContent blocks a request from an https page to an http URL
// whose origin is not potentially trustworthy (loopback is), as every
// engine blocks mixed active content, redirects included.
func (f *fetch) checkMixedContent() error {
	if f.page.IsOpaque() || f.page.Scheme != "https" || f.url.Scheme != "http" || origin.FromURL(f.url).IsPotentiallyTrustworthy() {
		return nil
	}
	f.step(Step{Kind: StepBlocked, URL: f.url.String(), Rule: "mixed content: an https page may not fetch an http URL that is not loopback"})
	e := netError("", fmt.Sprintf("Mixed Content: The page at '%s/' was loaded over HTTPS, but requested an insecure resource '%s'. This request has been blocked; the content must be served over HTTPS.", f.pageSer, f.url))
	e.mixed, e.URL, e.Origin = true, f.url.String(), f.pageSer
	return e
}

// enter updates the request's flags for its current URL and returns the
// response tainting that applies there.
func (f *fetch) enter() (string, error) {
	t := f.t
	if !f.sameOrigin(f.url) {
		if t.Mode != ModeNoCORS {
			f.corsFlag = true
		}
		f.crossOrigin = true
		if f.page.IsOpaque() || !f.page.SameSite(origin.FromURL(f.url)) {
			f.crossSite = true
		}
	}
	if f.corsFlag && t.Mode == ModeSameOrigin {
		// Chromium fails a redirect out of a same-origin-mode fetch with
		// net::ERR_ABORTED and no CORS error.
		f.step(Step{Kind: StepBlocked, URL: f.url.String(), Rule: "mode is same-origin and the redirect leads to another origin"})
		return "", netError("net::ERR_ABORTED", "TypeError: Failed to fetch (mode is same-origin and the URL is cross-origin)")
	}
	switch {
	case f.corsFlag:
		return taintCORS, nil
	case t.Mode == ModeNoCORS && (f.tainted || !f.sameOrigin(f.url)):
		return taintOpaque, nil
	}
	return taintBasic, nil
}

// send sends the actual request to the current URL and returns its
// response, with the step that records the exchange so far (without a rule
// or a verdict yet).
func (f *fetch) send(tainting string) (*http.Response, Step, error) {
	t := f.t
	req, sent, err := f.newRequest()
	if err != nil {
		return nil, Step{}, err
	}
	creds := t.Credentials == Include || t.Credentials == SameOrigin && tainting == taintBasic
	jar, store := f.cookieJar(creds)
	if jar != nil {
		for _, c := range jar.Cookies(f.url) {
			req.AddCookie(c)
		}
		if c := req.Header.Get("Cookie"); c != "" {
			sent.Set("Cookie", c)
		}
	}
	resp, err := f.base().RoundTrip(req)
	if err != nil {
		f.step(Step{Kind: StepRequest, Method: f.method, URL: f.url.String(), Sent: sent, Rule: "network error: " + err.Error()})
		e := netError("net::ERR_FAILED", "TypeError: Failed to fetch ("+err.Error()+")")
		e.Unreachable, e.network = true, true
		return nil, Step{}, e
	}
	f.reached = true
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &gzipBody{r: resp.Body}
	}
	if store {
		if cs := resp.Cookies(); len(cs) > 0 {
			jar.SetCookies(f.url, cs)
		}
	}
	st := Step{Kind: StepRequest, Method: f.method, URL: f.url.String(), Sent: sent, Status: resp.StatusCode, Received: corsOnly(resp.Header)}
	return resp, st, nil
}

// newRequest builds the actual request for the current URL, and the
// headers of it a trace shows.
func (f *fetch) newRequest() (*http.Request, http.Header, error) {
	req, err := http.NewRequestWithContext(f.req.Context(), f.method, f.url.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	if f.hasBody {
		body := f.body
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	sent := http.Header{}
	for _, h := range f.headers {
		v := h.value
		if h.name == "range" && f.method == http.MethodGet && f.t.Engine == Chromium {
			v = cacheRange(v)
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			// Chromium sends these; Go's net/http refuses to.
			f.step(Step{Kind: StepBlocked, URL: f.url.String(), Rule: fmt.Sprintf("net/http cannot send the control characters in header %q", h.name)})
			e := netError("", fmt.Sprintf("browser: net/http refuses to send header %q with a control character in its value; Chromium would send it", h.name))
			e.network = true
			return nil, nil, e
		}
		req.Header.Set(h.name, v)
		sent.Set(h.name, v)
	}
	if f.corsFlag || f.method != http.MethodGet && f.method != http.MethodHead {
		req.Header.Set("Origin", f.requestOrigin())
		sent.Set("Origin", f.requestOrigin())
	}
	if !slices.ContainsFunc(f.headers, func(h header) bool { return h.name == "accept" }) {
		req.Header.Set("Accept", "*/*")
	}
	req.Header.Set("Sec-Fetch-Mode", f.t.Mode.String())
	req.Header.Set("Sec-Fetch-Site", f.fetchSite())
	req.Header.Set("Sec-Fetch-Dest", "empty")
	// Ask for gzip ourselves, so that net/http does not decode it and drop
	// Content-Length and Content-Encoding: script sees both, as the server
	// sent them, and a decoded body.
	req.Header.Set("Accept-Encoding", "gzip")
	return req, sent, nil
}

// checkCORS performs the CORS check on a response of a request with the
// CORS flag, and writes the rule that decided into st. On failure it
// records st and returns the CORS error.
func (f *fetch) checkCORS(resp *http.Response, st *Step, tainting string) error {
	st.OK = true
	if !f.corsFlag {
		st.Rule = "no CORS check: the response is " + tainting
		return nil
	}
	creds := f.t.Credentials == Include
	if e := CheckResponse(f.requestOrigin(), creds, resp.Header); e != nil {
		discard(resp)
		st.OK, st.Rule, st.Reason = false, detail(e.Reason, e.Param), e.Reason
		f.step(*st)
		e.status, e.acaoLines = resp.StatusCode, len(resp.Header.Values("Access-Control-Allow-Origin"))
		return f.corsError(e)
	}
	st.Rule = "CORS check passed: Access-Control-Allow-Origin allows " + f.requestOrigin()
	if creds {
		st.Rule += " with credentials"
	}
	return nil
}

// redirect handles a redirect response that passed the CORS check, by the
// redirect mode: an opaque-redirect response, a network error, or the URL
// to follow.
func (f *fetch) redirect(resp *http.Response, st Step, loc *url.URL, locErr *badLocation) (*http.Response, *url.URL, error) {
	discard(resp)
	switch f.t.Redirect {
	case RedirectManual:
		st.Rule += "; redirect mode manual: an opaque-redirect response"
		f.step(st)
		return f.finish(opaqueResponse(resp), "opaqueredirect"), nil, nil
	case RedirectError:
		st.OK, st.Rule = false, "redirect mode error: a redirect is a network error"
		f.step(st)
		return nil, nil, netError("net::ERR_FAILED", "TypeError: Failed to fetch (redirect mode is \"error\")")
	}
	if locErr != nil {
		st.OK, st.Rule = false, locErr.why
		f.step(st)
		e := netError(locErr.net, "TypeError: Failed to fetch ("+locErr.why+")")
		e.network = true
		return nil, nil, e
	}
	f.step(st)
	// 301 and 302 turn POST into GET; 303 turns everything but HEAD into
	// GET. The body and the headers that describe it go.
	if (resp.StatusCode == 301 || resp.StatusCode == 302) && f.method == http.MethodPost ||
		resp.StatusCode == 303 && f.method != http.MethodHead && f.method != http.MethodGet {
		f.method = http.MethodGet
		f.body, f.hasBody = nil, false
		f.headers = slices.DeleteFunc(f.headers, func(h header) bool { return fetchspec.IsRequestBodyHeaderName(h.name) })
	}
	return nil, loc, nil
}

// deliver returns the final response as script sees it under tainting.
func (f *fetch) deliver(resp *http.Response, tainting string) *http.Response {
	f.x.header = resp.Header.Clone()
	switch tainting {
	case taintOpaque:
		discard(resp)
		return f.finish(opaqueResponse(resp), taintOpaque)
	case taintCORS:
		resp.Header = ReadableHeaders(f.t.Credentials == Include, resp.Header)
	default:
		resp.Header.Del("Set-Cookie")
		resp.Header.Del("Set-Cookie2")
	}
	return f.finish(resp, tainting)
}

// preflight finds the answer for the current request in the cache or asks
// the server, when the request is not CORS-safelisted.
func (f *fetch) preflight() error {
	t := f.t
	unsafe := f.unsafeNames()
	safeMethod := isSafelistedMethod(f.method)
	if safeMethod && len(unsafe) == 0 && !(f.preflighted && f.rules.preflightAfterRedirect) {
		f.step(Step{Kind: StepClassify, URL: f.url.String(), OK: true,
			Rule: f.method + " with only CORS-safelisted headers: no preflight"})
		return nil
	}
	why := []string{}
	if !safeMethod {
		why = append(why, f.method+" is not a CORS-safelisted method")
	}
	if len(unsafe) > 0 {
		why = append(why, "headers "+strings.Join(unsafe, ", ")+" are not CORS-safelisted")
	}
	if len(why) == 0 {
		why = append(why, t.Engine.String()+" preflights again after a redirect of a preflighted request")
	}
	f.step(Step{Kind: StepClassify, URL: f.url.String(), OK: true, Rule: strings.Join(why, "; ") + ": preflight needed"})
	f.preflighted = true

	creds := t.Credentials == Include
	key := cacheKey{origin: f.pageSer, url: f.url.String(), credentials: creds && f.rules.cacheKeyCredentials}
	if t.lookup(key, creds, f.method, unsafe) {
		f.step(Step{Kind: StepCache, URL: f.url.String(), OK: true,
			Rule: "the preflight cache holds an entry for this origin and URL that allows " + f.method + " and these headers"})
		return nil
	}

	req, sent, err := newPreflight(f.req.Context(), f.url.String(), f.preflightOrigin(), f.fetchSite(), f.method, unsafe)
	if err != nil {
		return err
	}
	f.preflightHeaders(req.Header)
	f.preflightHeaders(sent)
	resp, err := f.base().RoundTrip(req)
	st := Step{Kind: StepPreflight, Method: http.MethodOptions, URL: f.url.String(), Sent: sent}
	if err != nil {
		st.Rule = "network error: " + err.Error()
		f.step(st)
		e := netError("net::ERR_FAILED", "TypeError: Failed to fetch ("+err.Error()+")")
		e.Unreachable, e.network = true, true
		return e
	}
	st.Status, st.Received, st.Body = resp.StatusCode, corsOnly(resp.Header), refusalText(resp)
	discard(resp)
	fail := func(e *Error) error {
		st.Rule, st.Reason = detail(e.Reason, e.Param), e.Reason
		f.step(st)
		e.status, e.acaoLines = resp.StatusCode, len(resp.Header.Values("Access-Control-Allow-Origin"))
		return f.corsError(e)
	}
	if _, redirect, _ := redirectLocation(resp, f.url); redirect {
		// Chromium never follows a redirect of a preflight.
		return fail(newError("PreflightDisallowedRedirect", "", f.preflightOrigin(), true))
	}
	r, reason, param := parsePreflight(f.preflightOrigin(), creds, resp.StatusCode, resp.Header)
	if reason == "" {
		r.maxAge = t.Engine.parseMaxAge(headerValue(resp.Header, "Access-Control-Max-Age"))
		reason, param = r.check(f.method, unsafe)
	}
	if reason != "" {
		return fail(newError(reason, param, f.preflightOrigin(), true))
	}
	st.OK = true
	st.Rule = fmt.Sprintf("the preflight allows %s", f.method)
	if len(unsafe) > 0 {
		st.Rule += " with " + strings.Join(unsafe, ", ")
	}
	if r.maxAge > 0 {
		st.Rule += fmt.Sprintf("; cached for %v", r.maxAge)
	} else {
		st.Rule += "; not cached"
	}
	f.step(st)
	t.store(key, r)
	return nil
}

// newPreflight builds a CORS preflight to url from reqOrigin (the Origin
// header) for method and the non-safelisted header names, and returns it
// with the headers of it a trace shows.
func newPreflight(ctx context.Context, url, reqOrigin, site, method string, names []string) (*http.Request, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Origin", reqOrigin)
	req.Header.Set("Access-Control-Request-Method", method)
	if len(names) > 0 {
		req.Header.Set("Access-Control-Request-Headers", requestHeadersValue(names))
	}
	sent := req.Header.Clone()
	sent.Del("Accept")
	req.Header.Set("Sec-Fetch-Mode", "cors")
	req.Header.Set("Sec-Fetch-Site", site)
	req.Header.Set("Sec-Fetch-Dest", "empty")
	return req, sent, nil
}

// maxRefusalText is how much of a refused preflight's body a trace keeps.
const maxRefusalText = 200

// refusalText returns the first line of a failed preflight's text/plain
// body, which some middlewares (package cors among them) use to say what
// they refused, or "".
func refusalText(resp *http.Response) string {
	if isOK(resp.StatusCode) || resp.Body == nil {
		return ""
	}
	if mt, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(mt), "text/plain") {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxRefusalText))
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if !utf8.ValidString(line) || strings.ContainsFunc(line, unicode.IsControl) {
		return ""
	}
	return line
}

// lookup reports whether a live cache entry lets the request skip the
// preflight. An entry that has expired or does not suffice is removed, as
// Chromium removes it.
func (t *Transport) lookup(key cacheKey, creds bool, method string, names []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.cache[key]
	if r == nil {
		return false
	}
	live := t.now().Before(r.expires)
	if live && t.Engine.cacheAllows(r, creds, method, names) {
		return true
	}
	if !live || !t.Engine.rules().cacheMerge {
		// Firefox keeps the entry, to add a new preflight's answer to it.
		delete(t.cache, key)
	}
	return false
}

// store caches a preflight result, replacing the entry for its key.
func (t *Transport) store(key cacheKey, r *preflightResult) {
	// Chromium caches nothing for an opaque page (its network isolation
	// key is transient), so a sandboxed page preflights every time.
	rules := t.Engine.rules()
	if r.maxAge <= 0 || len(key.url) >= maxCacheURL || key.origin == "null" && !rules.cacheOpaque {
		return
	}
	r.expires = t.now().Add(r.maxAge)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cache == nil {
		t.cache = make(map[cacheKey]*preflightResult)
	}
	if old := t.cache[key]; rules.cacheMerge && old != nil && t.now().Before(old.expires) {
		r = merge(old, r)
	}
	if _, ok := t.cache[key]; !ok && len(t.cache) >= maxCacheEntries {
		for k := range t.cache { // evict an arbitrary entry, as Chromium does
			delete(t.cache, k)
			break
		}
	}
	t.cache[key] = r
}

func (f *fetch) base() http.RoundTripper {
	if f.t.Base != nil {
		return f.t.Base
	}
	return http.DefaultTransport
}

// sameOrigin reports whether u is same-origin with the page.
func (f *fetch) sameOrigin(u *url.URL) bool {
	return !f.page.IsOpaque() && origin.FromURL(u) == f.page
}

func sameOriginURL(a, b *url.URL) bool {
	oa := origin.FromURL(a)
	return !oa.IsOpaque() && oa == origin.FromURL(b)
}

// requestOrigin is the Origin header value, and the origin the CORS check
// compares against: the page's, or "null" once a redirect tainted the
// request.
func (f *fetch) requestOrigin() string {
	if f.tainted {
		return "null"
	}
	return f.pageSer
}

// fetchSite is the Sec-Fetch-Site value for the chain so far.
func (f *fetch) fetchSite() string {
	switch {
	case f.crossSite:
		return "cross-site"
	case f.crossOrigin:
		return "same-site"
	}
	return "same-origin"
}

// finish attaches the exchange to resp.
func (f *fetch) finish(resp *http.Response, typ string) *http.Response {
	f.x.typ = typ
	req := f.req.Clone(f.req.Context())
	req.Method, req.URL = f.method, f.url
	resp.Request = withExchange(req, f.x)
	return resp
}

// badLocation says why a redirect cannot be followed, and the net error
// Chromium reports for it.
type badLocation struct {
	why, net string
}

// redirectLocation returns the URL a redirect response points to, whether
// the response is a redirect Chromium follows (301, 302, 303, 307 or 308
// with a Location), and why the Location cannot be followed, if it cannot.
func redirectLocation(resp *http.Response, base *url.URL) (*url.URL, bool, *badLocation) {
	switch resp.StatusCode {
	case 301, 302, 303, 307, 308:
	default:
		return nil, false, nil
	}
	l := resp.Header.Get("Location")
	if l == "" {
		return nil, false, nil
	}
	u, err := base.Parse(l)
	if err != nil {
		return nil, true, &badLocation{"the redirect's Location is not a valid URL", "net::ERR_INVALID_REDIRECT"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, true, &badLocation{fmt.Sprintf("the redirect's Location has scheme %q, not http or https", u.Scheme), "net::ERR_UNSAFE_REDIRECT"}
	}
	if u.Fragment == "" && !strings.Contains(l, "#") {
		// A Location without a fragment keeps the request's.
		u.Fragment, u.RawFragment = base.Fragment, base.RawFragment
	}
	return u, true, nil
}

// opaqueResponse is what script sees of an opaque or opaque-redirect
// response: status 0, no headers, no body.
func opaqueResponse(resp *http.Response) *http.Response {
	return &http.Response{
		Status:     "",
		StatusCode: 0,
		Proto:      resp.Proto,
		ProtoMajor: resp.ProtoMajor,
		ProtoMinor: resp.ProtoMinor,
		Header:     http.Header{},
		Body:       http.NoBody,
	}
}

// gzipBody decodes a gzip response body on first read.
type gzipBody struct {
	r  io.ReadCloser
	zr *gzip.Reader
}

func (b *gzipBody) Read(p []byte) (int, error) {
	if b.zr == nil {
		zr, err := gzip.NewReader(b.r)
		if err != nil {
			return 0, err
		}
		b.zr = zr
	}
	return b.zr.Read(p)
}

func (b *gzipBody) Close() error { return b.r.Close() }

// discard drains a little of a body so the connection can be reused, and
// closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	_ = resp.Body.Close()
}

// cacheRange rewrites a Range header as Chromium's HTTP cache does before
// the request leaves the browser: a value that parses as one byte range
// (with any case, spaces or stray commas) is sent in its canonical form,
// "bytes=0-1", and anything else unchanged.
func cacheRange(v string) string {
	unit, set, ok := strings.Cut(v, "=")
	if !ok || !strings.EqualFold(strings.Trim(unit, " \t"), "bytes") {
		return v
	}
	var out string
	n := 0
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return v
		}
		first, last = strings.Trim(first, " \t"), strings.Trim(last, " \t")
		f, errF := strconv.ParseInt(first, 10, 64)
		l, errL := strconv.ParseInt(last, 10, 64)
		switch {
		case first != "" && errF != nil, last != "" && errL != nil, first == "" && last == "",
			first != "" && f < 0, last != "" && l < 0, first != "" && last != "" && f > l:
			return v
		case first == "":
			out = "bytes=-" + strconv.FormatInt(l, 10)
		case last == "":
			out = "bytes=" + strconv.FormatInt(f, 10) + "-"
		default:
			out = "bytes=" + strconv.FormatInt(f, 10) + "-" + strconv.FormatInt(l, 10)
		}
		n++
	}
	if n != 1 {
		return v
	}
	return out
}

// noCORSHeaders keeps the headers a script can set on a no-cors request:
// Accept, Accept-Language, Content-Language and Content-Type with
// safelisted values. A value appended to a name is dropped when the
// combined value would no longer be safelisted.
func noCORSHeaders(h http.Header) []header {
	var out []header
	for k, vs := range h {
		name := strings.ToLower(k)
		if !fetchspec.IsNoCORSSafelistedRequestHeaderName(name) {
			continue
		}
		val, ok := "", false
		for _, v := range vs {
			v = strings.Trim(v, " \t\r\n")
			next := v
			if ok {
				next = val + ", " + v
			}
			if isSafelistedHeader(name, next) {
				val, ok = next, true
			}
		}
		if ok {
			out = append(out, header{name, val})
		}
	}
	slices.SortFunc(out, func(a, b header) int { return strings.Compare(a.name, b.name) })
	return out
}
