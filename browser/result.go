package browser

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
)

// Verdict is what a Result says of a fetch.
type Verdict string

// The verdicts.
const (
	Allowed Verdict = "allowed" // script can read the response
	Blocked Verdict = "blocked" // the browser refused: a CORS error, or fetch() refused the request
	Failed  Verdict = "error"   // a network error: no response, a redirect loop, a broken redirect
)

// MarshalText implements encoding.TextMarshaler: "omit", "same-origin" or
// "include", as fetch() spells the option.
func (c CredentialsMode) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, for the names
// MarshalText writes.
func (c *CredentialsMode) UnmarshalText(b []byte) error {
	for _, m := range []CredentialsMode{SameOrigin, Omit, Include} {
		if string(b) == m.String() {
			*c = m
			return nil
		}
	}
	return fmt.Errorf("browser: credentials mode %q: want omit, same-origin or include", b)
}

// Result is what happened to one fetch, and why, ready to be printed or
// encoded as JSON. Transport.Check returns it.
type Result struct {
	// URL, Origin, Method and Credentials are the request: the URL the
	// fetch started with, the page's origin, the method as the script gave
	// it, fetch()'s credentials option.
	URL         string          `json:"url"`
	Origin      string          `json:"origin"`
	Method      string          `json:"method"`
	Credentials CredentialsMode `json:"credentials"`
	// Engine is the browser engine whose behaviour the Result is.
	Engine  Engine  `json:"engine"`
	Verdict Verdict `json:"verdict"`
	// Status and ResponseType describe an allowed response: its status
	// code and its Fetch response type ("basic", "cors", "opaque",
	// "opaqueredirect").
	Status       int    `json:"status,omitempty"`
	ResponseType string `json:"response_type,omitempty"`
	// ReadableHeaders are the names of the response headers script can
	// read, sorted.
	ReadableHeaders []string `json:"readable_headers,omitempty"`
	// Headers is every header of the final response (Set-Cookie values
	// left out), each marked readable or not.
	Headers []ResponseHeader `json:"response_headers,omitempty"`
	// Read answers, for each name in CheckOptions.Read, whether script
	// can read that response header.
	Read []HeaderRead `json:"read,omitempty"`
	// Dropped are the request headers the script set that fetch() drops
	// (forbidden request headers such as Cookie or Host), lower case.
	Dropped []string `json:"dropped_headers,omitempty"`
	// Reason, EngineReason, NetError and Message are the error's when
	// the fetch was not allowed (see Error); Message is the console
	// message in the engine's words.
	Reason       Reason `json:"reason,omitempty"`
	EngineReason string `json:"engine_reason,omitempty"`
	NetError     string `json:"net_error,omitempty"`
	Message      string `json:"console_message,omitempty"`
	// ReachedServer reports whether the actual request reached the
	// server: always for an allowed fetch; for a blocked one, it means the
	// server ran it although script cannot see the answer.
	ReachedServer bool `json:"reached_server"`
	// Diagnosis names the cause of a block (or of an unreadable header)
	// and Fix the one change that removes it; both are nil for an allowed
	// request with nothing unreadable.
	Diagnosis *Diagnosis `json:"diagnosis,omitempty"`
	Fix       *Fix       `json:"fix,omitempty"`
	// Notes are remarks that change nothing of the verdict, such as a
	// deprecated way of allowing a header.
	Notes []string `json:"notes,omitempty"`
	// Trace is every step, probes of the diagnosis included.
	Trace []Step `json:"trace"`
}

// ResponseHeader is one response header and whether script can read it.
type ResponseHeader struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Readable bool   `json:"readable"`
}

// HeaderRead says whether script can read one response header, and why not.
type HeaderRead struct {
	Name     string `json:"name"`
	Readable bool   `json:"readable"`
	Value    string `json:"value,omitempty"` // what script reads: the values joined with ", "
	Why      string `json:"why"`
}

// CheckOptions are what Transport.Check does beyond the fetch itself. The
// zero value probes and reads no header.
type CheckOptions struct {
	// NoProbe turns off the extra OPTIONS requests with which a
	// diagnosis finds out why a preflight was refused; a cause that the
	// exchange alone does not settle is then reported as
	// CausePreflightRefused.
	NoProbe bool
	// Read lists response header names the script wants to read; the
	// Result says for each whether it can, and a header it cannot read is
	// diagnosed as CauseHeaderNotExposed.
	Read []string
	// MaxBody is how much of an allowed response's body Check reads so
	// that the connection can be reused; 0 means 1 MiB.
	MaxBody int64
	// Body, if set, receives what Check reads of an allowed response's
	// body, as script would read it (decoded); otherwise it is discarded.
	Body io.Writer
}

// Check performs req as RoundTrip does and returns its Result: the
// verdict, the trace, and for a blocked request the diagnosis (found with
// a few extra OPTIONS requests unless opts.NoProbe is set) and the fix. It
// reads and closes the body of the response.
func (t *Transport) Check(req *http.Request, opts CheckOptions) *Result {
	r := &Result{URL: req.URL.String(), Origin: t.Origin, Method: req.Method, Credentials: t.Credentials, Engine: t.Engine, Trace: []Step{}}
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	r.Dropped = droppedHeaders(req.Header)
	resp, err := t.RoundTrip(req)
	if err != nil {
		t.blocked(r, req, err, opts)
		return r
	}
	maxBody := opts.MaxBody
	if maxBody <= 0 {
		maxBody = 1 << 20
	}
	dst := opts.Body
	if dst == nil {
		dst = io.Discard
	}
	_, _ = io.CopyN(dst, resp.Body, maxBody)
	_ = resp.Body.Close()
	r.allowed(resp, opts.Read)
	r.notes()
	return r
}

// blocked fills r for a fetch that failed with err.
func (t *Transport) blocked(r *Result, req *http.Request, err error, opts CheckOptions) {
	var e *Error
	if !errors.As(err, &e) {
		r.Verdict, r.Message = Failed, err.Error()
		return
	}
	r.Verdict = Blocked
	if e.network {
		r.Verdict = Failed
	}
	r.Reason, r.EngineReason, r.NetError, r.Message, r.ReachedServer = e.Reason, e.EngineReason, e.NetError, e.Error(), e.ReachedServer
	r.Trace = append(r.Trace, e.Trace...)
	if r.Verdict == Blocked {
		d := &diagnoser{t: t, ctx: req.Context(), r: r, e: e, noProbe: opts.NoProbe}
		r.Diagnosis = d.diagnose()
		fix := r.Diagnosis.Fix
		r.Fix = &fix
	}
	r.notes()
}

// allowed fills r for a fetch whose response script receives.
func (r *Result) allowed(resp *http.Response, read []string) {
	r.Verdict, r.ReachedServer = Allowed, true
	r.Status, r.ResponseType = resp.StatusCode, ResponseType(resp)
	r.Trace = append(r.Trace, Trace(resp)...)
	for k := range resp.Header {
		r.ReadableHeaders = append(r.ReadableHeaders, k)
	}
	slices.Sort(r.ReadableHeaders)
	var all http.Header
	if x := exchangeOf(resp); x != nil {
		all = x.header
	}
	for _, k := range sortedNames(all) {
		v := strings.Join(all[k], ", ")
		if k == "Set-Cookie" || k == "Set-Cookie2" {
			v = "(not shown)"
		}
		_, ok := resp.Header[k]
		r.Headers = append(r.Headers, ResponseHeader{Name: k, Value: v, Readable: ok})
	}
	var unreadable []string
	for _, name := range read {
		hr := readHeader(name, resp.Header, all, r.ResponseType, r.Credentials == Include)
		r.Read = append(r.Read, hr)
		if !hr.Readable {
			unreadable = append(unreadable, strings.ToLower(hr.Name))
		}
	}
	if len(unreadable) > 0 {
		r.Diagnosis = notExposed(unreadable)
		fix := r.Diagnosis.Fix
		r.Fix = &fix
	}
}

// readHeader says whether script reads header name of a response, given
// the headers it can read, all the response's headers and its type.
func readHeader(name string, readable, all http.Header, typ string, credentials bool) HeaderRead {
	hr := HeaderRead{Name: http.CanonicalHeaderKey(name)}
	lower := strings.ToLower(name)
	if vs := readable.Values(name); len(vs) > 0 {
		hr.Readable, hr.Value = true, strings.Join(vs, ", ")
		switch {
		case typ == "basic":
			hr.Why = "the response is same-origin: script reads every header but Set-Cookie"
		case fetchspec.IsCORSSafelistedResponseHeaderName(lower):
			hr.Why = hr.Name + " is a CORS-safelisted response header: always readable"
		default:
			hr.Why = "Access-Control-Expose-Headers names it"
		}
		return hr
	}
	exposed := parseExposeHeaders(headerValue(all, "Access-Control-Expose-Headers"))
	switch {
	case lower == "set-cookie" || lower == "set-cookie2":
		hr.Why = "script never reads Set-Cookie, whatever the server sends; the browser stores the cookie itself"
	case typ == "opaque" || typ == "opaqueredirect":
		hr.Why = "the response is " + typ + ": script sees no header at all"
	case all.Values(name) == nil:
		hr.Why = "the response has no " + hr.Name + " header"
	case exposed["*"] && credentials:
		hr.Why = "Access-Control-Expose-Headers: * does not apply to a request with credentials; the header must be named"
	default:
		hr.Why = "Access-Control-Expose-Headers does not name it"
	}
	return hr
}

// droppedHeaders returns the lower-case names of the headers of h that
// fetch() drops, sorted.
func droppedHeaders(h http.Header) []string {
	var out []string
	for k, vs := range h {
		n := strings.ToLower(k)
		if isForbiddenHeader(n, strings.Join(vs, ", ")) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// notes adds the remarks that change nothing of the verdict.
func (r *Result) notes() {
	for _, s := range r.Trace {
		if s.Kind != StepPreflight || !s.OK {
			continue
		}
		asked := strings.Split(s.Sent.Get("Access-Control-Request-Headers"), ",")
		allowed, _ := parseAllowList(headerValue(s.Received, "Access-Control-Allow-Headers"), true)
		if slices.Contains(asked, "authorization") && allowed["*"] && !allowed["authorization"] {
			r.Notes = append(r.Notes, "Access-Control-Allow-Headers: * covers Authorization in Chromium only as a deprecated exception (DevTools flags it AuthorizationCoveredByWildcard); the Fetch standard requires Authorization to be listed by name, and a cached preflight result is checked that way. List Authorization by name.")
			return
		}
	}
}

// sortedNames returns the keys of h, sorted.
func sortedNames(h http.Header) []string {
	ks := make([]string, 0, len(h))
	for k := range h {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// String is the verdict line of the Result.
func (r *Result) String() string {
	switch r.Verdict {
	case Allowed:
		return fmt.Sprintf("allowed: %d %s", r.Status, r.ResponseType)
	case Blocked:
		if r.Diagnosis != nil {
			return "blocked: " + string(r.Diagnosis.Cause)
		}
		return "blocked"
	}
	return "error: " + r.Message
}
