package demo

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/crossorigin/crossorigin/internal/fetch"
)

// Request is a request the page makes, as the composer describes it. The
// page runs it with fetch() (or a <script> for JSONP); the server runs the
// same request through the browser package to predict the outcome.
type Request struct {
	Target      string   `json:"target"` // "api", "proxy" or "upstream"
	Path        string   `json:"path"`   // path and query on the target, from "/"
	Method      string   `json:"method"`
	Headers     []Header `json:"headers,omitempty"`
	Credentials string   `json:"credentials"` // fetch's mode: "omit", "same-origin" or "include"
	Body        string   `json:"body,omitempty"`
	Mode        string   `json:"mode"`                  // "fetch" or "jsonp"
	Repeat      int      `json:"repeat,omitempty"`      // run it this many times (the preflight cache); 0 means 1
	ReadHeaders []string `json:"readHeaders,omitempty"` // response headers the page tries to read
}

// Header is one request header.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Scenario is a built-in example: a request and the policy the API applies
// while it runs.
type Scenario struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Group   string  `json:"group"`  // "works" or "mistake"
	Expect  string  `json:"expect"` // "allowed" or "blocked": what Chromium does
	Lesson  string  `json:"lesson"` // one or two sentences: what it shows
	Request Request `json:"request"`
	Policy  Policy  `json:"policy"`
}

// Scenarios returns the built-in scenarios, in the order the page lists
// them.
func (d *Demo) Scenarios() []Scenario { return scenarios(d.PageURL, d.UpstreamURL) }

func scenarios(pageOrigin, upstream string) []Scenario {
	base := defaultPolicy(pageOrigin)
	with := func(f func(p *Policy)) Policy {
		p := base
		p.Origins = append([]string(nil), base.Origins...)
		p.Methods = append([]string(nil), base.Methods...)
		p.RequestHeaders = append([]string(nil), base.RequestHeaders...)
		p.ExposedHeaders = append([]string(nil), base.ExposedHeaders...)
		f(&p)
		return p
	}
	get := func(path string) Request {
		return Request{Target: "api", Path: path, Method: "GET", Credentials: "same-origin", Mode: "fetch"}
	}
	jsonBody := []Header{{"Content-Type", "application/json"}}
	return []Scenario{
		{
			ID: "simple-get", Title: "Simple GET", Group: "works", Expect: "allowed",
			Lesson:  "A GET with no custom headers is a simple request: no preflight, and the response is readable because Access-Control-Allow-Origin names the page's origin.",
			Request: get("/api/echo"), Policy: base,
		},
		{
			ID: "post-json", Title: "POST with JSON", Group: "works", Expect: "allowed",
			Lesson: "Content-Type: application/json is not a safelisted value, so the browser asks first with an OPTIONS preflight; the policy allows the header.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "POST", Headers: jsonBody,
				Credentials: "same-origin", Mode: "fetch", Body: `{"name":"widget"}`},
			Policy: base,
		},
		{
			ID: "patch-custom-header", Title: "PATCH with a custom header", Group: "works", Expect: "allowed",
			Lesson: "PATCH and X-Demo both need a preflight; the policy lists PATCH in Methods and X-Demo in RequestHeaders.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "PATCH",
				Headers:     []Header{{"Content-Type", "application/json"}, {"X-Demo", "42"}},
				Credentials: "same-origin", Mode: "fetch", Body: `{"done":true}`},
			Policy: base,
		},
		{
			ID: "credentialed", Title: "Credentialed request", Group: "works", Expect: "allowed",
			Lesson:  "credentials: 'include' sends the session cookie; the response is readable only because the API answers with Access-Control-Allow-Credentials: true and names the origin (never *).",
			Request: Request{Target: "api", Path: "/api/echo", Method: "GET", Credentials: "include", Mode: "fetch"},
			Policy:  base,
		},
		{
			ID: "exposed-header", Title: "Exposed header", Group: "works", Expect: "allowed",
			Lesson:  "Scripts see only safelisted response headers unless the server exposes more: Access-Control-Expose-Headers: X-Request-Id makes it readable.",
			Request: withRead(get("/api/echo"), "X-Request-Id"), Policy: base,
		},
		{
			ID: "preflight-cache", Title: "Preflight cache", Group: "works", Expect: "allowed",
			Lesson: "With Access-Control-Max-Age the browser caches the preflight's answer: the same PATCH twice costs one OPTIONS, not two.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "PATCH", Headers: []Header{{"X-Demo", "cached"}},
				Credentials: "same-origin", Mode: "fetch", Repeat: 2},
			Policy: with(func(p *Policy) { p.MaxAge = 60 }),
		},
		{
			ID: "redirect", Title: "Redirect", Group: "works", Expect: "allowed",
			Lesson:  "fetch follows a 307 redirect; the CORS check runs on every hop, and both answers carry Access-Control-Allow-Origin.",
			Request: get("/api/redirect"), Policy: base,
		},
		{
			ID: "jsonp", Title: "JSONP", Group: "works", Expect: "allowed",
			Lesson:  "A <script> load is a no-cors request, so CORS never applies: JSONP works across origins, and the server alone decides what it hands out (a strict callback name, nosniff).",
			Request: Request{Target: "api", Path: "/api/jsonp", Method: "GET", Credentials: "include", Mode: "jsonp"},
			Policy:  base,
		},
		{
			ID: "proxy", Title: "Through the proxy", Group: "works", Expect: "allowed",
			Lesson:  "The upstream sends no CORS headers at all; the CORS proxy on its own origin forwards the request and answers with CORS headers the browser accepts.",
			Request: Request{Target: "proxy", Path: "/" + upstream + "/data", Method: "GET", Credentials: "omit", Mode: "fetch"},
			Policy:  base,
		},
		{
			ID: "no-cors-upstream", Title: "Upstream without CORS", Group: "mistake", Expect: "blocked",
			Lesson:  "The same request straight to the upstream: it reaches the server and gets a 200, but without Access-Control-Allow-Origin the browser hides the response. Use the proxy, or add CORS to the server.",
			Request: Request{Target: "upstream", Path: "/data", Method: "GET", Credentials: "omit", Mode: "fetch"},
			Policy:  base,
		},
		{
			ID: "cross-origin-redirect", Title: "Redirect to another origin", Group: "mistake", Expect: "blocked",
			Lesson:  "The API redirects to the proxy, another origin. After a cross-origin redirect the browser sends Origin: null, and the proxy, which allows only this page's origin, refuses it. Redirect within one origin, or have the page call the final URL itself.",
			Request: get("/api/redirect?to=proxy"), Policy: base,
		},
		{
			ID: "origin-not-allowed", Title: "Origin not allowed", Group: "mistake", Expect: "blocked",
			Lesson:  "The policy lists another origin (a typo in the port is the classic), so the response has no Access-Control-Allow-Origin for this page.",
			Request: get("/api/echo"),
			Policy:  with(func(p *Policy) { p.Origins = []string{"http://localhost:8080"} }),
		},
		{
			ID: "credentials-not-allowed", Title: "Missing credentials support", Group: "mistake", Expect: "blocked",
			Lesson:  "The page sends cookies (credentials: 'include') but the API does not answer with Access-Control-Allow-Credentials: true, so the browser hides the response, even though the cookie was sent.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "GET", Credentials: "include", Mode: "fetch"},
			Policy:  with(func(p *Policy) { p.Credentials = false }),
		},
		{
			ID: "header-not-allowed", Title: "Header not allowed", Group: "mistake", Expect: "blocked",
			Lesson: "The request carries Authorization, which the policy does not list in RequestHeaders: the preflight fails and the actual request is never sent.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "GET", Headers: []Header{{"Authorization", "Bearer demo"}},
				Credentials: "same-origin", Mode: "fetch"},
			Policy: base,
		},
		{
			ID: "method-not-allowed", Title: "Method not allowed", Group: "mistake", Expect: "blocked",
			Lesson:  "DELETE needs a preflight and the policy does not list it in Methods: the preflight fails and the DELETE never reaches the server.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "DELETE", Credentials: "same-origin", Mode: "fetch"},
			Policy:  with(func(p *Policy) { p.Methods = []string{"PUT", "PATCH"} }),
		},
		{
			ID: "wildcard-credentials", Title: "* with credentials", Group: "mistake", Expect: "blocked",
			Lesson:  "A hand-written handler answers Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true. Browsers refuse * for credentialed requests; the cors package refuses this config in New.",
			Request: Request{Target: "api", Path: "/broken/wildcard-credentials", Method: "GET", Credentials: "include", Mode: "fetch"},
			Policy:  base,
		},
		{
			ID: "unexposed-header", Title: "Header not exposed", Group: "mistake", Expect: "allowed",
			Lesson:  "The request succeeds, but X-Request-Id is not in Access-Control-Expose-Headers, so headers.get() returns null in the page although the server sent it.",
			Request: withRead(get("/api/echo"), "X-Request-Id"),
			Policy:  with(func(p *Policy) { p.ExposedHeaders = nil }),
		},
		{
			ID: "csrf-simple-post", Title: "Simple POST, origin not trusted", Group: "mistake", Expect: "blocked",
			Lesson: "A text/plain POST is a simple request: no preflight, so CORS cannot stop it from reaching the server; it only hides the response. The csrf guard refuses the write with 403 because the page's origin is not trusted.",
			Request: Request{Target: "api", Path: "/api/echo", Method: "POST", Headers: []Header{{"Content-Type", "text/plain"}},
				Credentials: "include", Mode: "fetch", Body: "transfer=all"},
			Policy: with(func(p *Policy) { p.Origins = []string{"http://localhost:8080"} }),
		},
		{
			ID: "auth-before-cors", Title: "Preflight answered 401", Group: "mistake", Expect: "blocked",
			Lesson: "Authentication runs before CORS, but a preflight never carries credentials: it gets 401 and the browser gives up. Put the CORS middleware first.",
			Request: Request{Target: "api", Path: "/broken/auth-before-cors", Method: "PUT", Headers: jsonBody,
				Credentials: "include", Mode: "fetch", Body: `{}`},
			Policy: base,
		},
	}
}

func withRead(r Request, names ...string) Request {
	r.ReadHeaders = names
	return r
}

// Limits on what the composer may send, so that the server's work on a
// prediction is bounded.
const (
	maxHeaders    = 20
	maxHeaderLen  = 1024
	maxRequestLen = 16 << 10
)

// validate checks r and returns the URL it targets, given the base URLs of
// the demo's servers.
func (r Request) validate(bases map[string]string) (*url.URL, error) {
	var errs []error
	base, ok := bases[r.Target]
	if !ok {
		errs = append(errs, fmt.Errorf("target %q: want api, proxy or upstream", r.Target))
	}
	if !strings.HasPrefix(r.Path, "/") || strings.HasPrefix(r.Path, "//") || len(r.Path) > maxHeaderLen {
		errs = append(errs, fmt.Errorf("path %q: want an absolute path such as /api/echo", r.Path))
	}
	if !isToken(r.Method) {
		errs = append(errs, fmt.Errorf("method %q: want a token such as GET or PATCH", r.Method))
	}
	if len(r.Headers) > maxHeaders {
		errs = append(errs, fmt.Errorf("headers: %d, at most %d", len(r.Headers), maxHeaders))
	}
	for _, h := range r.Headers {
		if !isToken(h.Name) || len(h.Value) > maxHeaderLen || strings.ContainsAny(h.Value, "\r\n\x00") {
			errs = append(errs, fmt.Errorf("header %q: want a token name and a one-line value", h.Name))
		}
	}
	switch r.Credentials {
	case "omit", "same-origin", "include":
	default:
		errs = append(errs, fmt.Errorf("credentials %q: want omit, same-origin or include", r.Credentials))
	}
	switch r.Mode {
	case "fetch", "jsonp":
	default:
		errs = append(errs, fmt.Errorf("mode %q: want fetch or jsonp", r.Mode))
	}
	if r.Repeat < 0 || r.Repeat > 3 {
		errs = append(errs, fmt.Errorf("repeat %d: want 0 to 3", r.Repeat))
	}
	if len(r.Body) > maxRequestLen {
		errs = append(errs, fmt.Errorf("body: %d bytes, at most %d", len(r.Body), maxRequestLen))
	}
	if len(r.ReadHeaders) > maxHeaders {
		errs = append(errs, fmt.Errorf("readHeaders: %d, at most %d", len(r.ReadHeaders), maxHeaders))
	}
	for _, n := range r.ReadHeaders {
		if !isToken(n) {
			errs = append(errs, fmt.Errorf("readHeaders: %q is not a header name", n))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	u, err := url.Parse(base + r.Path)
	if err != nil {
		return nil, fmt.Errorf("path %q: %v", r.Path, err)
	}
	if b, _ := url.Parse(base); b == nil || u.Host != b.Host {
		return nil, fmt.Errorf("path %q leaves the target", r.Path)
	}
	return u, nil
}

// isToken reports whether s is a method or header name no longer than the
// playground accepts.
func isToken(s string) bool { return len(s) <= 64 && fetch.IsToken(s) }
