package csrf

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// FuzzCheck sends arbitrary Origin, Sec-Fetch-Site and Host values through
// a Guard and checks the invariants that make it a CSRF defence.
func FuzzCheck(f *testing.F) {
	f.Add("POST", "https://app.example.com", "", "app.example.com", false)
	f.Add("POST", "https://evil.example", "cross-site", "app.example.com", true)
	f.Add("PUT", "https://partner.example", "same-site", "app.example.com:8443", false)
	f.Add("DELETE", "null", "", "[::1]:80", false)
	f.Add("POST", "https://u@app.example.com", "", "app.example.com", false)
	f.Add("POST", "http://app.example.com", "", "app.example.com", true)
	f.Add("POST", "https://APP.example.com:443/", "none", "APP.example.com", false)
	f.Add("post", "", "same-origin", "", false)
	g, err := New(Config{TrustedOrigins: []string{"https://partner.example"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, o, site, host string, isTLS bool) {
		if !validMethod(method) {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Method, r.Host = method, host
		if isTLS {
			r.TLS = &tls.ConnectionState{}
		}
		if o != "" {
			r.Header.Set("Origin", o)
		}
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		err := g.Check(r)
		if err != nil {
			d, ok := err.(*Denial)
			if !ok || d.Reason == "" || d.Rule < RuleHeaders || d.Rule > RuleJSON {
				t.Fatalf("bad denial %T %v", err, err)
			}
			if len(d.Origin) > 203 || len(d.SecFetchSite) > 203 {
				t.Fatal("denial keeps unbounded input")
			}
			return
		}
		switch method {
		case "GET", "HEAD", "OPTIONS":
			return
		}
		trusted := o == "https://partner.example"
		switch site {
		case "same-origin", "none":
		case "":
			if o == "" {
				break
			}
			parsed, err := origin.Parse(o)
			if err != nil || parsed.String() != o {
				t.Fatalf("passed a malformed Origin %q", o)
			}
			if trusted {
				break
			}
			if isTLS && parsed.Scheme != "https" {
				t.Fatalf("passed %q to a TLS server", o)
			}
			h, _, _ := splitHost(host)
			if !strings.EqualFold(h, parsed.Host) {
				t.Fatalf("passed %q for Host %q", o, host)
			}
		default:
			if !trusted {
				t.Fatalf("passed Sec-Fetch-Site %q from %q", site, o)
			}
		}
	})
}

func validMethod(m string) bool { return fetch.IsToken(m) }

// FuzzSplitHost checks that Host parsing never panics and returns a port
// in range.
func FuzzSplitHost(f *testing.F) {
	for _, s := range []string{"a.example", "a.example:8080", "[::1]:443", "[::1", "[::1]x", "a:", ":80", "a:+80", "a:99999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, p, ok := splitHost(s)
		if !ok {
			return
		}
		if h == "" || p < 0 || p > 65535 {
			t.Fatalf("splitHost(%q) = %q, %d", s, h, p)
		}
		if !strings.Contains(s, h) {
			t.Fatalf("host %q not from %q", h, s)
		}
	})
}

// FuzzConfig checks that New never panics and that what it accepts as a
// trusted origin is stored in the form browsers send.
func FuzzConfig(f *testing.F) {
	for _, s := range []string{"https://a.example", "https://A.example:443", "null", "*", "https://*.a", "a", "https://a/x", "POST /x", "/x/{id}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := New(Config{TrustedOrigins: []string{s}})
		if err == nil {
			for k := range g.trusted {
				o, err := origin.Parse(k)
				if err != nil || o.String() != k || o.IsOpaque() || strings.Contains(k, "*") {
					t.Fatalf("trusted %q stored as %q", s, k)
				}
			}
		}
		_, _ = New(Config{Bypass: []string{s}, PublicOrigins: []string{s}, RequiredHeader: s})
	})
}

// FuzzBypass checks that New never panics on a Bypass pattern, and that
// a request is bypassed only when a ServeMux holding the same pattern
// routes it to that pattern, with its path unescaped.
func FuzzBypass(f *testing.F) {
	for _, s := range [][2]string{
		{"/hooks/", "/hooks/stripe"}, {"/hooks/", "/hooks"}, {"POST /api/{id}/webhook", "/api/1/webhook"},
		{"/x/{a...}", "/x/a%2Fb"}, {"/", "/"}, {"h.example/", "/"}, {"/a/{$}", "/a/"}, {"/x/{", "/x/"},
		{"/a/../b", "/b"}, {"GET /x", "/x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		g, err := New(Config{Bypass: []string{pattern}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return
		}
		u, err := url.ParseRequestURI(path)
		if err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		r := httptest.NewRequest("POST", "/", nil)
		r.URL = u
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		if g.Check(r) != nil {
			return
		}
		if r.URL.RawPath != "" {
			t.Fatalf("%q bypassed %q, written with escapes", pattern, path)
		}
		mux := http.NewServeMux()
		marker := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
		mux.Handle(pattern, marker)
		if _, p := mux.Handler(r); p != pattern {
			t.Fatalf("%q bypassed %q, which ServeMux routes to %q", pattern, path, p)
		}
	})
}
