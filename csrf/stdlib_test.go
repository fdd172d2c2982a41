package csrf

import (
	"log/slog"
	"net/http"
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
	std.AddTrustedOrigin("https://partner.example")
	g, _ := New(Config{TrustedOrigins: []string{"https://partner.example"}})
	reqs := map[string]*http.Request{
		"SecFetchSite":   req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://app.example.com")}.build(),
		"OriginFallback": req{header: hdr("Origin", "https://app.example.com")}.build(),
		"Trusted":        req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example")}.build(),
	}
	for _, name := range []string{"SecFetchSite", "OriginFallback", "Trusted"} {
		b.Run(name+"/csrf", func(b *testing.B) { benchGuard(b, g.Check, reqs[name]) })
		b.Run(name+"/net-http", func(b *testing.B) { benchGuard(b, std.Check, reqs[name]) })
	}
}
