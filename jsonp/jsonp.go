// Package jsonp serves JSONP for legacy callers without the classic holes.
//
// JSONP turns a JSON API into a script that any page on the Web may run with
// the visitor's cookies, so it is off everywhere except on the handlers a
// Responder wraps, and it is hedged there:
//
//   - Only GET and HEAD requests are answered as JSONP; others get 405.
//   - The callback must be a dotted JavaScript identifier (a, a.b, jQuery1_2)
//     of bounded length without reserved words or brackets. Anything else is
//     refused with 400: the callback is never silently "cleaned".
//   - Callbacks that are Same-Origin Method Execution gadgets are refused
//     too (see below). Config.Callbacks (a fixed list) and
//     Config.CallbackPattern (a regular expression) narrow the accepted
//     names further.
//   - The body is /**/ typeof cb === 'function' && cb(JSON); where JSON is
//     the wrapped handler's response, checked to be valid JSON, with <, >,
//     &, U+2028 and U+2029 escaped. The fixed prefix defeats Rosetta
//     Flash-style content sniffing of the first bytes.
//   - The response says what it is: Content-Type text/javascript;
//     charset=utf-8, X-Content-Type-Options: nosniff and Content-Disposition:
//     attachment.
//   - Requests that carry a Cookie or Authorization header are refused (403)
//     unless the calling page's origin, taken from the Referer, is in
//     Config.CredentialedCallers: data served as JSONP can be read by every
//     site, so by default it must be public data.
//
// Requests without the callback parameter pass through to the wrapped
// handler untouched and get its plain JSON response.
//
// # Same-Origin Method Execution
//
// A JSONP response calls the function its caller names, in the origin of
// the endpoint: the script runs there, whoever included it. Same-Origin
// Method Execution (SOME; Ben Hayak, 2014) abuses this. An attacker's page
// opens a page of the endpoint's origin in a window, say the account page
// with its "delete" button, then makes another page of that origin include
// the JSONP script with the callback
// opener.document.body.firstElementChild.click. Calling back clicks the
// button as the user, since both pages share the origin. Any callback that
// reaches another window, the document, navigation or storage, or a bare
// method of the window (close, print, postMessage, ...), or that ends in an
// action (click, submit, ...) on an element reached by its id, which is a
// global name, is such a gadget; the check "typeof cb === 'function'" in
// the response does not help, since each of them is a function.
//
// ValidateCallback refuses these gadgets: callbacks rooted at window, self,
// globalThis, frames, top, parent, opener, frameElement, document,
// location, history, navigation, navigator, the storages and a few more
// objects of the kind; the bare names of the Window interface's operations
// (those of the HTML standard's Window and of the mixins and partial
// interfaces applied to it); and dotted callbacks ending in click, submit,
// requestSubmit, reset, remove, showModal, write, assign, reload, back and
// the like. ValidateCallback's documentation lists every name. The lists
// cannot know the page's own
// objects (app.logout is a gadget if it exists), so an endpoint that serves
// known callers should set Config.Callbacks or Config.CallbackPattern,
// which take the choice of function away from the caller.
//
// Prefer CORS (package cors) for anything new: unlike JSONP it lets the
// server choose who may read a response.
package jsonp

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/crossorigin/crossorigin/internal/configerr"
	"github.com/crossorigin/crossorigin/origin"
)

// Defaults for the zero values of Config.
const (
	DefaultParam             = "callback"
	DefaultMaxCallbackLength = 128
	DefaultMaxResponseBytes  = 1 << 20
)

// maxCallbackLengthLimit bounds Config.MaxCallbackLength: real callbacks
// are short, and a long one only helps an attacker smuggle content.
const maxCallbackLengthLimit = 1024

// Config configures a Responder. The zero value is usable: callback
// parameter "callback", callbacks up to 128 bytes, no credentialed callers.
type Config struct {
	// Param is the name of the query parameter that carries the callback.
	// Empty means "callback".
	Param string

	// MaxCallbackLength is the longest callback accepted, in bytes. Zero
	// means 128; at most 1024.
	MaxCallbackLength int

	// CredentialedCallers lists the origins of the pages that may call the
	// endpoint with credentials (a Cookie or Authorization header), as
	// exact origins such as "https://app.example.com". The caller is known
	// by the origin of the Referer header, since a script load sends no
	// Origin; a credentialed request without a Referer is refused. Empty
	// means that every credentialed JSONP request is refused with 403.
	CredentialedCallers []string

	// RequireScriptDest refuses (403) JSONP requests whose Sec-Fetch-Dest
	// header is not "script", including requests without it (old browsers
	// and plain HTTP to non-local hosts send none). Without it, only the
	// destinations "object" and "embed", the vehicles of Rosetta Flash,
	// are refused.
	RequireScriptDest bool

	// Callbacks, when set, lists every callback name the endpoint answers
	// (each must pass ValidateCallback); other names get 400. It is the
	// firmest defence against Same-Origin Method Execution, since no
	// caller can pick the function the response calls.
	Callbacks []string

	// CallbackPattern, when set, is a regular expression (package regexp's
	// RE2 syntax, which runs in linear time) that a callback must match
	// whole, such as `jQuery[0-9]+_[0-9]+` for jQuery's generated names.
	// It is anchored at both ends whatever it says, so that pattern
	// refuses "alert(1)//jQuery1_2" and "jQuery1_2.x". A callback must
	// still pass ValidateCallback: the pattern narrows what is accepted,
	// never widens it. With Callbacks too, a callback is accepted when it
	// is listed or matches.
	CallbackPattern string

	// MaxResponseBytes bounds the wrapped handler's JSON response, which is
	// buffered so that it can be checked before any byte is sent. A larger
	// response fails with 500. Zero means 1 MiB.
	MaxResponseBytes int64
}

// ConfigError is one problem of a Config: its Field, the offending Value,
// the Problem and how to Fix it. New returns every problem at once, joined
// with errors.Join. Its Error method returns one line, such as
//
//	jsonp: Param "cb&x": not a plain query parameter name (fix: use letters, ...)
//
// The type is shared by every package of the module that takes a Config.
type ConfigError = configerr.Error

// Responder wraps JSON handlers so that they can also answer JSONP. It is
// safe for concurrent use. The zero value is the Responder that New makes
// of the zero Config.
type Responder struct {
	param      string
	maxLen     int
	maxBody    int64
	callers    map[string]bool
	callbacks  map[string]bool // nil: any valid name, unless pattern is set
	pattern    *regexp.Regexp  // anchored; nil: none
	scriptOnly bool
}

// New returns a Responder for the config, or an error that lists every
// problem of the config (errors.Join of *ConfigError).
func New(c Config) (*Responder, error) {
	problems := configerr.New("jsonp")
	bad := problems.Add
	j := &Responder{
		param:      c.Param,
		maxLen:     c.MaxCallbackLength,
		maxBody:    c.MaxResponseBytes,
		scriptOnly: c.RequireScriptDest,
		callers:    make(map[string]bool),
	}
	if j.param == "" {
		j.param = DefaultParam
	} else if !validParamName(j.param) {
		bad("Param", c.Param, "not a plain query parameter name", "use letters, digits, '_', '-' or '.', such as \"callback\"")
	}
	switch {
	case j.maxLen == 0:
		j.maxLen = DefaultMaxCallbackLength
	case j.maxLen < 0 || j.maxLen > maxCallbackLengthLimit:
		bad("MaxCallbackLength", strconv.Itoa(c.MaxCallbackLength), "out of range", "use a value from 1 to "+strconv.Itoa(maxCallbackLengthLimit)+", or 0 for the default of 128")
	}
	switch {
	case j.maxBody == 0:
		j.maxBody = DefaultMaxResponseBytes
	case j.maxBody < 0:
		bad("MaxResponseBytes", strconv.FormatInt(c.MaxResponseBytes, 10), "negative", "use a positive size, or 0 for the default of 1 MiB")
	}
	if len(c.Callbacks) > 0 {
		j.callbacks = make(map[string]bool, len(c.Callbacks))
	}
	for _, cb := range c.Callbacks {
		if err := ValidateCallback(cb, j.maxLen); err != nil {
			bad("Callbacks", cb, err.(*CallbackError).Reason, "use a dotted JavaScript identifier such as app.onData")
			continue
		}
		j.callbacks[cb] = true
	}
	if c.CallbackPattern != "" {
		re, issue := compilePattern(c.CallbackPattern)
		if issue != "" {
			bad("CallbackPattern", c.CallbackPattern, issue, "write a regular expression in Go's syntax, such as jQuery[0-9]+_[0-9]+")
		}
		j.pattern = re
	}
	compileCallers(j.callers, c.CredentialedCallers, problems)
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return j, nil
}

// compileCallers adds the CredentialedCallers to callers, or reports the
// problems of each.
func compileCallers(callers map[string]bool, list []string, problems *configerr.List) {
	bad := problems.Add
	for _, s := range list {
		if strings.Contains(s, "*") {
			bad("CredentialedCallers", s, "wildcards are not allowed", "list each calling origin exactly, such as https://app.example.com")
			continue
		}
		o, err := origin.Parse(s)
		if err != nil {
			problem, fix := "not an origin", "write an origin such as https://app.example.com"
			var oe *origin.Error
			if errors.As(err, &oe) {
				problem += ": " + oe.Reason
				if oe.Hint != "" {
					fix = oe.Hint
				}
			}
			problems.Wrap("CredentialedCallers", s, problem, fix, err)
			continue
		}
		if o.IsOpaque() {
			bad("CredentialedCallers", s, "the opaque origin null can be sent by any sandboxed page", "remove it")
			continue
		}
		callers[o.String()] = true
	}
}

// compilePattern compiles a CallbackPattern anchored at both ends. The
// pattern is compiled alone first, so that it is known to be one balanced
// expression: "a)|(b" cannot escape the anchors around it.
func compilePattern(p string) (*regexp.Regexp, string) {
	if _, err := regexp.Compile(p); err != nil {
		return nil, "not a regular expression: " + err.Error()
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, "not a regular expression: " + err.Error()
	}
	return re, ""
}

func validParamName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isIdentChar(c) && c != '-' && c != '.' {
			return false
		}
	}
	return len(s) <= 64
}

// Handler returns a handler that answers JSONP requests to h (those with
// the callback parameter) by wrapping h's JSON response in a call of the
// callback, and passes every other request to h untouched.
//
// h must set Content-Type to application/json (or a +json type) for its
// response to be wrapped; a response of any other type, or one with a
// Content-Encoding, is passed through as h wrote it.
//
// Handler panics if j is nil: make a Responder with New, or use the zero
// value.
func (j *Responder) Handler(h http.Handler) http.Handler {
	if j == nil {
		panic("jsonp: Handler called on a nil *Responder; make one with jsonp.New")
	}
	if h == nil {
		panic("jsonp: Handler called with a nil http.Handler")
	}
	j = j.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, ok := callbackValues(r.URL.RawQuery, j.param)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		cb, status, reason := j.check(r, values)
		if status != 0 {
			if status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", "GET, HEAD")
			}
			refuse(w, status, reason)
			return
		}
		j.serve(w, r, h, cb)
	})
}

// withDefaults returns j, or a copy with the defaults of the zero Config
// in the fields of a zero Responder (one not made by New).
func (j *Responder) withDefaults() *Responder {
	if j.param != "" && j.maxLen != 0 && j.maxBody != 0 {
		return j
	}
	d := *j
	if d.param == "" {
		d.param = DefaultParam
	}
	if d.maxLen == 0 {
		d.maxLen = DefaultMaxCallbackLength
	}
	if d.maxBody == 0 {
		d.maxBody = DefaultMaxResponseBytes
	}
	return &d
}

// callbackValues returns the values of the query parameter name, and
// whether it occurs at all. It does not use r.URL.Query so that a query
// that does not parse still counts as carrying the parameter when it
// names it, and fails validation instead of passing through.
func callbackValues(rawQuery, name string) ([]string, bool) {
	if rawQuery == "" {
		return nil, false
	}
	var values []string
	found := false
	for q := rawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if k != name {
			continue
		}
		found = true
		uv, err := url.QueryUnescape(v)
		if err != nil {
			uv = "\x00" // fails validation
		}
		values = append(values, uv)
		if len(values) > 1 {
			break // enough to refuse
		}
	}
	return values, found
}

// check applies the request rules and returns the callback, or the status
// and reason of the refusal.
func (j *Responder) check(r *http.Request, values []string) (cb string, status int, reason string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", http.StatusMethodNotAllowed, "JSONP answers only GET and HEAD requests"
	}
	if len(values) != 1 {
		return "", http.StatusBadRequest, "the " + j.param + " parameter is given more than once"
	}
	if err := ValidateCallback(values[0], j.maxLen); err != nil {
		return "", http.StatusBadRequest, err.Error()
	}
	if !j.answers(values[0]) {
		return "", http.StatusBadRequest, "callback " + strconv.Quote(values[0]) + " is not one of the names this endpoint answers"
	}
	switch dest := r.Header.Get("Sec-Fetch-Dest"); {
	case j.scriptOnly && dest != "script":
		if dest == "" {
			return "", http.StatusForbidden, "JSONP here is loaded only by script elements, and the request has no Sec-Fetch-Dest header"
		}
		return "", http.StatusForbidden, "JSONP here is loaded only by script elements, not as " + strconv.Quote(dest)
	case dest == "object" || dest == "embed":
		return "", http.StatusForbidden, "JSONP is not loaded as a plugin (Sec-Fetch-Dest: " + dest + ")"
	}
	if r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" {
		if len(j.callers) == 0 {
			return "", http.StatusForbidden, "JSONP serves public data only, and this request carries credentials (Cookie or Authorization)"
		}
		ref := r.Header.Get("Referer")
		if ref == "" {
			return "", http.StatusForbidden, "a credentialed JSONP request must come from a listed page, and this one has no Referer"
		}
		u, err := url.Parse(ref)
		if err != nil || !j.callers[origin.FromURL(u).String()] {
			return "", http.StatusForbidden, "the calling page is not allowed to make credentialed JSONP requests"
		}
	}
	return values[0], 0, ""
}

// answers reports whether a valid callback is one that Callbacks or
// CallbackPattern allows; without either, every valid callback is.
func (j *Responder) answers(cb string) bool {
	if j.callbacks == nil && j.pattern == nil {
		return true
	}
	return j.callbacks[cb] || j.pattern != nil && j.pattern.MatchString(cb)
}

func refuse(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	http.Error(w, "jsonp: "+reason, status)
}

// serve runs h with a recorder and writes the wrapped response.
func (j *Responder) serve(w http.ResponseWriter, r *http.Request, h http.Handler, cb string) {
	rec := &recorder{w: w, header: make(http.Header), max: j.maxBody}
	h.ServeHTTP(rec, r)
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	if !rec.wrap {
		return // passed through
	}
	if rec.tooLarge {
		refuse(w, http.StatusInternalServerError, "the response is larger than "+strconv.FormatInt(j.maxBody, 10)+" bytes")
		return
	}
	var body []byte
	if r.Method != http.MethodHead || rec.buf.Len() > 0 {
		data := bytes.TrimSpace(rec.buf.Bytes())
		if !json.Valid(data) {
			refuse(w, http.StatusInternalServerError, "the handler's response is not valid JSON")
			return
		}
		body = Wrap(cb, data)
	}
	dst := w.Header()
	for k, v := range rec.header {
		dst[k] = v
	}
	dst.Del("Content-Length")
	dst.Set("Content-Type", "text/javascript; charset=utf-8")
	dst.Set("X-Content-Type-Options", "nosniff")
	dst.Set("Content-Disposition", "attachment; filename=f.txt")
	// A JSONP response is meant to be embedded anywhere, including by
	// pages that require CORP (Cross-Origin-Embedder-Policy).
	dst.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if body != nil {
		dst.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rec.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// Wrap returns the JSONP body for a callback and a JSON value:
//
//	/**/ typeof cb === 'function' && cb(data);
//
// data must be valid JSON; Wrap escapes <, >, &, U+2028 and U+2029 in it,
// which is valid because they can only occur inside JSON strings. The
// callback must have passed ValidateCallback.
func Wrap(cb string, data []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(cb)*2 + len(data) + 48)
	b.WriteString("/**/ typeof ")
	b.WriteString(cb)
	b.WriteString(" === 'function' && ")
	b.WriteString(cb)
	b.WriteByte('(')
	json.HTMLEscape(&b, data)
	b.WriteString(");")
	return b.Bytes()
}

// errTooLarge stops a handler that writes more than the cap.
var errTooLarge = errors.New("jsonp: response too large")

// recorder decides at WriteHeader time whether the response is JSON: if so
// it buffers the body (up to max bytes) for wrapping; if not it passes the
// response through to w.
type recorder struct {
	w           http.ResponseWriter
	header      http.Header
	max         int64
	status      int
	wroteHeader bool
	wrap        bool
	tooLarge    bool
	buf         bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.wroteHeader {
		return
	}
	if status >= 100 && status < 200 {
		// Informational responses go out as they are and do not end
		// the response.
		copyHeader(r.w.Header(), r.header)
		r.w.WriteHeader(status)
		return
	}
	r.wroteHeader = true
	r.status = status
	r.wrap = isJSON(r.header.Get("Content-Type")) && r.header.Get("Content-Encoding") == ""
	if !r.wrap {
		copyHeader(r.w.Header(), r.header)
		r.w.WriteHeader(status)
	}
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if !r.wrap {
		return r.w.Write(p)
	}
	if r.tooLarge {
		return 0, errTooLarge
	}
	if int64(r.buf.Len())+int64(len(p)) > r.max {
		r.tooLarge = true
		r.buf = bytes.Buffer{}
		return 0, errTooLarge
	}
	return r.buf.Write(p)
}

// Flush passes through responses that are not wrapped; a wrapped response
// is sent whole when the handler returns.
func (r *recorder) Flush() {
	if r.wroteHeader && !r.wrap {
		if f, ok := r.w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// isJSON reports whether a Content-Type names JSON: application/json or a
// structured +json type, with any parameters.
func isJSON(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json") && strings.HasPrefix(mt, "application/")
}
