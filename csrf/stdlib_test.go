package csrf

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAgainstNetHTTP runs the same requests through net/http's
// CrossOriginProtection and a Guard with the same trusted origin: they
// agree on every request a current browser sends, and differ exactly
// where this package closes a gap.
func TestAgainstNetHTTP(t *testing.T) {
	std := http.NewCrossOriginProtection()
	if err := std.AddTrustedOrigin("https://partner.example"); err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{TrustedOrigins: []string{"https://partner.example"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		r    req
		// differ says why the outcomes differ; empty means they agree.
		differ string
	}{
		{name: "GET cross-site", r: req{method: "GET", header: hdr("Sec-Fetch-Site", "cross-site")}},
		{name: "same-origin", r: req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://app.example.com")}},
		{name: "none", r: req{header: hdr("Sec-Fetch-Site", "none")}},
		{name: "cross-site", r: req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")}},
		{name: "same-site", r: req{header: hdr("Sec-Fetch-Site", "same-site", "Origin", "https://www.example.com")}},
		{name: "unknown value", r: req{header: hdr("Sec-Fetch-Site", "x")}},
		{name: "trusted cross-site", r: req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example")}},
		{name: "no headers", r: req{}},
		{name: "Origin matches Host", r: req{header: hdr("Origin", "https://app.example.com")}},
		{name: "Origin is another site", r: req{header: hdr("Origin", "https://evil.example")}},
		{name: "trusted, fallback", r: req{header: hdr("Origin", "https://partner.example")}},
		{name: "null", r: req{header: hdr("Origin", "null")}},
		{name: "port differs", r: req{host: "app.example.com:8080", header: hdr("Origin", "https://app.example.com")}},
		{name: "lower-case method", r: req{method: "post", header: hdr("Sec-Fetch-Site", "cross-site")}},

		{name: "userinfo", r: req{header: hdr("Origin", "https://evil@app.example.com")},
			differ: "golang/go#78563: net/http compares only the host and ignores userinfo"},
		{name: "path", r: req{header: hdr("Origin", "https://app.example.com/x")},
			differ: "net/http ignores the path; browsers never send one"},
		{name: "http page to TLS server", r: req{tls: true, header: hdr("Origin", "http://app.example.com")},
			differ: "net/http ignores the scheme (fails open on HTTP->HTTPS)"},
		{name: "two Origin headers", r: req{header: hdr("Origin", "https://app.example.com", "Origin", "https://evil.example")},
			differ: "net/http reads only the first Origin header"},
		{name: "upper-case Host", r: req{host: "APP.example.com", header: hdr("Origin", "https://app.example.com")},
			differ: "net/http compares Host byte for byte; host names are case-insensitive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdErr := std.Check(tc.r.build())
			ourErr := g.Check(tc.r.build())
			agree := (stdErr == nil) == (ourErr == nil)
			if tc.differ == "" && !agree {
				t.Fatalf("net/http: %v; csrf: %v", stdErr, ourErr)
			}
			if tc.differ != "" && agree {
				t.Fatalf("expected to differ (%s), both gave %v / %v", tc.differ, stdErr, ourErr)
			}
		})
	}
}

func benchGuard(b *testing.B, check func(*http.Request) error, r *http.Request) {
	b.ReportAllocs()
	for b.Loop() {
		if check(r) != nil {
			b.Fatal("denied")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	std := http.NewCrossOriginProtection()
	_ = std.AddTrustedOrigin("https://partner.example")
	std.AddInsecureBypassPattern("/hooks/")
	std.AddInsecureBypassPattern("POST /api/{id}/webhook")
	g, _ := New(Config{TrustedOrigins: []string{"https://partner.example"}, Bypass: []string{"/hooks/", "POST /api/{id}/webhook"}})
	reqs := map[string]*http.Request{
		"SecFetchSite":     req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://app.example.com")}.build(),
		"OriginFallback":   req{header: hdr("Origin", "https://app.example.com")}.build(),
		"Trusted":          req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example")}.build(),
		"Bypassed":         req{target: "/hooks/stripe", header: hdr("Sec-Fetch-Site", "cross-site")}.build(),
		"BypassedWildcard": req{target: "/api/42/webhook", header: hdr("Sec-Fetch-Site", "cross-site")}.build(),
	}
	for _, name := range []string{"SecFetchSite", "OriginFallback", "Trusted", "Bypassed", "BypassedWildcard"} {
		b.Run(name+"/csrf", func(b *testing.B) { benchGuard(b, g.Check, reqs[name]) })
		b.Run(name+"/net-http", func(b *testing.B) { benchGuard(b, std.Check, reqs[name]) })
	}
}

// TestAgainstNetHTTPBypass runs the requests of net/http's own
// TestCrossOriginProtectionPatternBypass (net/http/csrf_test.go, go1.26),
// and more, through CrossOriginProtection and a Guard with the same bypass
// patterns. They agree except where a difference is written down.
//
// Deliberate differences in bypass patterns:
//   - a pattern for GET, HEAD or OPTIONS (which are never checked), a
//     pattern that covers every path ("/", "POST /", "/{x...}"), a path
//     with a query or fragment, and a path that is not clean are
//     configuration errors from New; net/http accepts them, and they have
//     no effect, or switch the protection off;
//   - an invalid or conflicting pattern is an error from New listing every
//     problem; net/http panics on the first;
//   - a request whose path is written with percent-escapes (RawPath set,
//     such as /bypass/a%2Fb) is never bypassed: routers other than
//     ServeMux may route it elsewhere;
//   - patterns are fixed when the Guard is made; net/http can add them
//     while serving (AddInsecureBypassPattern); build a new Guard instead.
func TestAgainstNetHTTPBypass(t *testing.T) {
	patterns := []string{
		// net/http's test.
		"/bypass/", "/only/{foo}", "/no-trailing", "/yes-trailing/", "PUT /put-only/", "POST /post-only/",
		// Ours.
		"POST /api/{id}/webhook", "/files/{path...}", "/exact/{$}", "hooks.example.com/in/",
	}
	std := http.NewCrossOriginProtection()
	for _, p := range append(patterns, "GET /get-only/") {
		std.AddInsecureBypassPattern(p)
	}
	g, err := New(Config{Bypass: patterns, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Bypass: []string{"GET /get-only/"}}); err == nil {
		t.Fatal(`Bypass "GET /get-only/" accepted; it has no effect and must be an error`)
	}
	cases := []struct {
		name, method, path, site, host string
		differ                         string
	}{
		// net/http's cases, all with Origin: https://attacker.example.
		{name: "bypass path without sec-fetch-site", path: "/bypass/"},
		{name: "bypass path with cross-site", path: "/bypass/", site: "cross-site"},
		{name: "non-bypass path without sec-fetch-site", path: "/api/"},
		{name: "non-bypass path with cross-site", path: "/api/", site: "cross-site"},
		{name: "redirect to bypass path without ..", path: "/foo/../bypass/bar"},
		{name: "redirect to bypass path with trailing slash", path: "/bypass"},
		{name: "redirect to non-bypass path with ..", path: "/foo/../api/bar"},
		{name: "redirect to non-bypass path with trailing slash", path: "/api"},
		{name: "wildcard bypass", path: "/only/123"},
		{name: "non-wildcard", path: "/only/123/foo"},
		{name: "no trailing slash exact match", path: "/no-trailing"},
		{name: "no trailing slash with slash", path: "/no-trailing/"},
		{name: "yes trailing slash exact match", path: "/yes-trailing/"},
		{name: "yes trailing slash without slash", path: "/yes-trailing"},
		{name: "method-specific hit", path: "/post-only/"},
		{name: "method-specific miss (PUT)", path: "/put-only/"},
		{name: "method-specific miss (GET)", path: "/get-only/"},
		// More.
		{name: "subtree covers below", path: "/bypass/a/b", site: "cross-site"},
		{name: "method-specific hit (PUT)", method: "PUT", path: "/put-only/x"},
		{name: "wildcard webhook", path: "/api/42/webhook", site: "cross-site"},
		{name: "wildcard webhook, other method", method: "DELETE", path: "/api/42/webhook", site: "cross-site"},
		{name: "rest wildcard", path: "/files/a/b", site: "cross-site"},
		{name: "{$}", path: "/exact/", site: "cross-site"},
		{name: "{$} below", path: "/exact/x", site: "cross-site"},
		{name: "host pattern", host: "hooks.example.com", path: "/in/x", site: "cross-site"},
		{name: "host pattern, other host", path: "/in/x", site: "cross-site"},
		{name: "double slash", path: "//bypass/", site: "cross-site"},
		{name: "case", path: "/Bypass/", site: "cross-site"},
		{name: "lower-case method", method: "post", path: "/post-only/", site: "cross-site"},
		{name: "escaped slash under a subtree", path: "/bypass/a%2Fb", site: "cross-site",
			differ: "a path with percent-escapes is never bypassed here"},
		{name: "escaped letter", path: "/no-trailin%67", site: "cross-site",
			differ: "a path with percent-escapes is never bypassed here"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			build := func() *http.Request {
				method := tc.method
				if method == "" {
					method = "POST"
				}
				r := httptest.NewRequest(method, "http://example.com"+tc.path, nil)
				r.URL.Scheme, r.URL.Host = "", "" // as a server sees it (go.dev/issue/73151)
				if tc.host != "" {
					r.Host = tc.host
				}
				r.Header.Set("Origin", "https://attacker.example")
				if tc.site != "" {
					r.Header.Set("Sec-Fetch-Site", tc.site)
				}
				return r
			}
			stdErr, ourErr := std.Check(build()), g.Check(build())
			agree := (stdErr == nil) == (ourErr == nil)
			if tc.differ == "" && !agree {
				t.Fatalf("net/http: %v; csrf: %v", stdErr, ourErr)
			}
			if tc.differ != "" && agree {
				t.Fatalf("expected to differ (%s), both gave %v / %v", tc.differ, stdErr, ourErr)
			}
		})
	}
}

// TestAgainstNetHTTPServer is net/http's TestCrossOriginProtectionServer
// run against both: real servers on loopback, one behind
// CrossOriginProtection and one behind a Guard with the same trusted
// origin and bypass pattern, get the same requests and give the same
// statuses.
func TestAgainstNetHTTPServer(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	std := http.NewCrossOriginProtection()
	if err := std.AddTrustedOrigin("https://trusted.example"); err != nil {
		t.Fatal(err)
	}
	std.AddInsecureBypassPattern("/bypass/")
	g, err := New(Config{TrustedOrigins: []string{"https://trusted.example"}, Bypass: []string{"/bypass/"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	stdSrv, ourSrv := httptest.NewServer(std.Handler(ok)), httptest.NewServer(g.Handler(ok))
	defer stdSrv.Close()
	defer ourSrv.Close()

	cases := []struct {
		name, path, origin, site string
		self                     bool // Origin is the server's own URL
		want                     int
	}{
		{name: "cross-site", origin: "https://attacker.example", site: "cross-site", want: 403},
		{name: "same-origin", site: "same-origin", want: 200},
		{name: "origin matches host", self: true, want: 200},
		{name: "trusted origin", origin: "https://trusted.example", want: 200},
		{name: "untrusted origin", origin: "https://attacker.example", want: 403},
		{name: "bypass path", path: "/bypass/", origin: "https://attacker.example", want: 200},
		{name: "below the bypass path", path: "/bypass/x", origin: "https://attacker.example", site: "cross-site", want: 200},
		{name: "redirect to the bypass path", path: "/bypass", origin: "https://attacker.example", site: "cross-site", want: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, base := range []string{stdSrv.URL, ourSrv.URL} {
				req, err := http.NewRequest("POST", base+tc.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if o := tc.origin; o != "" || tc.self {
					if tc.self {
						o = base
					}
					req.Header.Set("Origin", o)
				}
				if tc.site != "" {
					req.Header.Set("Sec-Fetch-Site", tc.site)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("%s: status %d, want %d", base, resp.StatusCode, tc.want)
				}
			}
		})
	}
}

// TestAgainstNetHTTPTrustedOrigins runs net/http's
// TestCrossOriginProtectionAddTrustedOriginErrors cases, and more, through
// AddTrustedOrigin and Config.TrustedOrigins: both accept and refuse the
// same, except where a difference is written down.
func TestAgainstNetHTTPTrustedOrigins(t *testing.T) {
	cases := []struct{ origin, differ string }{
		// net/http's.
		{origin: "https://example.com"},
		{origin: "https://example.com:8080"},
		{origin: "http://example.com"},
		{origin: "example.com"},
		{origin: "https://"},
		{origin: "https://example.com/"},
		{origin: "https://example.com/path"},
		{origin: "https://example.com?query=value"},
		{origin: "https://example.com#fragment"},
		{origin: "https://ex ample.com"},
		{origin: ""},
		{origin: "null"},
		// More.
		{origin: "https://Partner.example:443"}, // both accept; only here it then matches
		{origin: "https://*.p.example", differ: "net/http stores the wildcard as a literal that never matches"},
		{origin: "https://user@p.example", differ: "net/http accepts userinfo, which browsers never send"},
	}
	for _, tc := range cases {
		stdErr := http.NewCrossOriginProtection().AddTrustedOrigin(tc.origin)
		_, ourErr := New(Config{TrustedOrigins: []string{tc.origin}})
		agree := (stdErr == nil) == (ourErr == nil)
		if tc.differ == "" && !agree {
			t.Errorf("%q: net/http %v; csrf %v", tc.origin, stdErr, ourErr)
		}
		if tc.differ != "" && agree {
			t.Errorf("%q: expected to differ (%s), both gave %v / %v", tc.origin, tc.differ, stdErr, ourErr)
		}
	}
}
