package csrf

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
)

// TestDenialReasonsAreSentences is the regression test of issue 14, item
// 7: denial reasons were clauses glued together ("... and no Origin was
// sent is not trusted"). Each reason is asserted whole, and each is one or
// more full sentences.
func TestDenialReasonsAreSentences(t *testing.T) {
	g, err := New(Config{RequiredHeader: "X-Requested-With"})
	if err != nil {
		t.Fatal(err)
	}
	strict, _ := New(Config{Strict: true})
	js, _ := New(Config{RequireJSON: true})
	same := func(kv ...string) []string { return append([]string{"Sec-Fetch-Site", "same-origin"}, kv...) }
	cases := []struct {
		name string
		g    *Guard
		r    req
		want string
	}{
		{"several headers", g, req{header: hdr("Origin", "https://a.example", "Origin", "https://b.example")},
			`The request has several Origin or Sec-Fetch-Site headers, which browsers never send.`},
		{"cross-site with Origin", g, req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")},
			`The request comes from another site (Sec-Fetch-Site: cross-site), and its Origin "https://evil.example" is not trusted; add it to TrustedOrigins to trust its pages.`},
		{"cross-site without Origin", g, req{header: hdr("Sec-Fetch-Site", "cross-site")},
			`The request comes from another site (Sec-Fetch-Site: cross-site), and it carries no Origin header, so it cannot be from a trusted origin.`},
		{"same-site with Origin", g, req{header: hdr("Sec-Fetch-Site", "same-site", "Origin", "https://www.example.com")},
			`The request comes from another origin of the same site (Sec-Fetch-Site: same-site), and its Origin "https://www.example.com" is not trusted; set AllowSameSite or add it to TrustedOrigins.`},
		{"same-site without Origin", g, req{header: hdr("Sec-Fetch-Site", "same-site")},
			`The request comes from another origin of the same site (Sec-Fetch-Site: same-site), and it carries no Origin header; set AllowSameSite to accept such requests.`},
		{"unknown Sec-Fetch-Site with Origin", g, req{header: hdr("Sec-Fetch-Site", "same-planet", "Origin", "https://app.example.com")},
			`The request has an unknown Sec-Fetch-Site value, "same-planet", which is treated as cross-site, and its Origin "https://app.example.com" is not trusted; add it to TrustedOrigins to trust its pages.`},
		{"unknown Sec-Fetch-Site without Origin", g, req{header: hdr("Sec-Fetch-Site", "same-planet")},
			`The request has an unknown Sec-Fetch-Site value, "same-planet", which is treated as cross-site, and it carries no Origin header, so it cannot be from a trusted origin.`},
		{"strict", strict, req{},
			`The request carries neither Sec-Fetch-Site nor Origin, so its source is unknown, and Strict mode refuses such requests.`},
		{"null", g, req{header: hdr("Origin", "null")},
			`The Origin is null, which is never trusted: browsers send it from sandboxed frames, data: URLs, pages with Referrer-Policy no-referrer on plain HTTP, and after redirects across origins.`},
		{"not an origin", g, req{header: hdr("Origin", "https://evil@app.example.com")},
			`The Origin "https://evil@app.example.com" is not an origin a browser sends (has userinfo).`},
		{"not in browser form", g, req{header: hdr("Origin", "https://APP.example.com")},
			`The Origin "https://APP.example.com" is not in the form a browser sends, which would be "https://app.example.com".`},
		{"another origin", g, req{header: hdr("Origin", "https://evil.example")},
			`The Origin "https://evil.example" is neither this app's own origin (http(s)://app.example.com) nor a trusted one; add it to TrustedOrigins to trust its pages.`},
		{"another origin over TLS", g, req{tls: true, header: hdr("Origin", "http://app.example.com")},
			`The Origin "http://app.example.com" is neither this app's own origin (https://app.example.com) nor a trusted one; add it to TrustedOrigins to trust its pages.`},
		{"required header", g, req{header: same()},
			`The request has no X-Requested-With header. This app's pages send it, and pages of other sites cannot send it without a CORS preflight.`},
		{"no Content-Type", js, req{header: same()},
			`The request has no Content-Type header; this endpoint accepts only JSON (application/json).`},
		{"several Content-Types", js, req{header: same("Content-Type", "application/json", "Content-Type", "text/plain")},
			`The request has several Content-Type headers; this endpoint accepts only JSON (application/json).`},
		{"Content-Type does not parse", js, req{header: same("Content-Type", "application/json, text/plain")},
			`The Content-Type "application/json, text/plain" does not parse as a media type; this endpoint accepts only JSON (application/json).`},
		{"not JSON", js, req{header: same("Content-Type", "text/plain; charset=utf-8")},
			`The Content-Type "text/plain; charset=utf-8" is text/plain, not JSON; this endpoint accepts only application/json, which forms cannot send.`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d *Denial
			if err := tc.g.Check(tc.r.build()); !errors.As(err, &d) {
				t.Fatalf("Check = %v, want a *Denial", err)
			}
			if d.Reason != tc.want {
				t.Fatalf("reason\n got %s\nwant %s", d.Reason, tc.want)
			}
			checkSentences(t, d.Reason)
		})
	}

	r := httptest.NewRequest("GET", "/ws", nil)
	r.Header.Add("Origin", "https://a.example")
	r.Header.Add("Origin", "https://a.example")
	var d *Denial
	if err := g.CheckWebSocket(r); !errors.As(err, &d) || d.Reason != "The handshake has several Origin headers, which browsers never send." {
		t.Fatalf("CheckWebSocket: %v", err)
	}
}

// checkSentences fails unless s is sentences: each begins with a capital
// letter and ends with a period, and no clause is left dangling.
func checkSentences(t *testing.T, s string) {
	t.Helper()
	if s == "" || !unicode.IsUpper(rune(s[0])) || !strings.HasSuffix(s, ".") {
		t.Errorf("%q does not begin with a capital and end with a period", s)
	}
	for _, bad := range []string{" was sent is", "  ", " ,", ";.", ",.", " .", "..", "; and"} {
		if strings.Contains(s, bad) {
			t.Errorf("%q contains %q", s, bad)
		}
	}
}
