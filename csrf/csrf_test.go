package csrf

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// req describes a request for the table tests.
type req struct {
	method string
	target string // path (and query); "/" when empty
	host   string // Host header; "app.example.com" when empty
	tls    bool
	header []string // name, value pairs; a name may repeat
}

func (q req) build() *http.Request {
	method := q.method
	if method == "" {
		method = "POST"
	}
	target := q.target
	if target == "" {
		target = "/"
	}
	r := httptest.NewRequest(method, "http://placeholder"+target, nil)
	r.Host = q.host
	if r.Host == "" {
		r.Host = "app.example.com"
	}
	if q.tls {
		r.TLS = &tls.ConnectionState{}
	}
	for i := 0; i+1 < len(q.header); i += 2 {
		r.Header.Add(q.header[i], q.header[i+1])
	}
	return r
}

// hdr is a shorthand for header pairs.
func hdr(kv ...string) []string { return kv }

// pass is the Rule of a request that passes.
const pass Rule = 0

type ruleCase struct {
	name string
	r    req
	want Rule
}

func runRules(t *testing.T, c Config, cases []ruleCase) {
	t.Helper()
	g, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := g.Check(tc.r.build())
			got := pass
			if err != nil {
				var d *Denial
				if !errors.As(err, &d) {
					t.Fatalf("Check returned %T %v, want *Denial", err, err)
				}
				if d.Reason == "" {
					t.Fatal("denial without a reason")
				}
				got = d.Rule
			}
			if got != tc.want {
				t.Fatalf("rule = %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestSafeMethods(t *testing.T) {
	cross := hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	runRules(t, Config{}, []ruleCase{
		{"GET", req{method: "GET", header: cross}, pass},
		{"HEAD", req{method: "HEAD", header: cross}, pass},
		{"OPTIONS", req{method: "OPTIONS", header: cross}, pass},
		{"POST", req{method: "POST", header: cross}, RuleFetchSite},
		{"PUT", req{method: "PUT", header: cross}, RuleFetchSite},
		{"DELETE", req{method: "DELETE", header: cross}, RuleFetchSite},
		{"PATCH", req{method: "PATCH", header: cross}, RuleFetchSite},
		{"TRACE is checked", req{method: "TRACE", header: cross}, RuleFetchSite},
		{"PROPFIND is checked", req{method: "PROPFIND", header: cross}, RuleFetchSite},
		{"lower-case get is checked", req{method: "get", header: cross}, RuleFetchSite},
	})
}

func TestSecFetchSite(t *testing.T) {
	runRules(t, Config{TrustedOrigins: []string{"https://partner.example"}}, []ruleCase{
		{"same-origin", req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://app.example.com")}, pass},
		{"same-origin with null Origin (Referrer-Policy no-referrer)", req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "null")}, pass},
		{"none", req{header: hdr("Sec-Fetch-Site", "none")}, pass},
		{"cross-site", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")}, RuleFetchSite},
		{"cross-site without Origin", req{header: hdr("Sec-Fetch-Site", "cross-site")}, RuleFetchSite},
		{"cross-site wins over a matching Origin", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://app.example.com")}, RuleFetchSite},
		{"same-site", req{header: hdr("Sec-Fetch-Site", "same-site", "Origin", "https://www.example.com")}, RuleFetchSite},
		{"unknown value fails closed", req{header: hdr("Sec-Fetch-Site", "same-planet", "Origin", "https://app.example.com")}, RuleFetchSite},
		{"values are case-sensitive", req{header: hdr("Sec-Fetch-Site", "SAME-ORIGIN")}, RuleFetchSite},
		{"cross-site from a trusted origin", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example")}, pass},
		{"same-site from a trusted origin", req{header: hdr("Sec-Fetch-Site", "same-site", "Origin", "https://partner.example")}, pass},
		{"unknown value from a trusted origin", req{header: hdr("Sec-Fetch-Site", "same-planet", "Origin", "https://partner.example")}, pass},
		{"trusted match is exact", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example:443")}, RuleFetchSite},
		{"trusted scheme is compared", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "http://partner.example")}, RuleFetchSite},
		{"trusted is not a suffix", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example.evil.example")}, RuleFetchSite},
		{"two Sec-Fetch-Site headers", req{header: hdr("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Site", "cross-site")}, RuleHeaders},
		{"two Origin headers", req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://app.example.com", "Origin", "https://evil.example")}, RuleHeaders},
	})
	runRules(t, Config{AllowSameSite: true}, []ruleCase{
		{"same-site allowed", req{header: hdr("Sec-Fetch-Site", "same-site", "Origin", "https://www.example.com")}, pass},
		{"cross-site still refused", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")}, RuleFetchSite},
	})
}

func TestOriginFallback(t *testing.T) {
	runRules(t, Config{TrustedOrigins: []string{"https://partner.example"}}, []ruleCase{
		{"no headers: same-origin or not a browser", req{}, pass},
		{"Origin matches Host", req{header: hdr("Origin", "https://app.example.com")}, pass},
		{"Origin matches Host over TLS", req{tls: true, header: hdr("Origin", "https://app.example.com")}, pass},
		{"http Origin to a TLS server", req{tls: true, header: hdr("Origin", "http://app.example.com")}, RuleOrigin},
		{"http Origin without TLS (scheme unknown)", req{header: hdr("Origin", "http://app.example.com")}, pass},
		{"Host in upper case", req{host: "App.Example.COM", header: hdr("Origin", "https://app.example.com")}, pass},
		{"port matches", req{host: "app.example.com:8443", header: hdr("Origin", "https://app.example.com:8443")}, pass},
		{"explicit default port in Host", req{host: "app.example.com:443", tls: true, header: hdr("Origin", "https://app.example.com")}, pass},
		{"port differs", req{host: "app.example.com:8443", header: hdr("Origin", "https://app.example.com")}, RuleOrigin},
		{"port differs the other way", req{header: hdr("Origin", "https://app.example.com:8443")}, RuleOrigin},
		{"default port of the other scheme", req{host: "app.example.com:80", tls: true, header: hdr("Origin", "https://app.example.com")}, RuleOrigin},
		{"IPv6 loopback", req{host: "[::1]:8080", header: hdr("Origin", "http://[::1]:8080")}, pass},
		{"IPv4 loopback", req{host: "127.0.0.1:8080", header: hdr("Origin", "http://127.0.0.1:8080")}, pass},
		{"another site", req{header: hdr("Origin", "https://evil.example")}, RuleOrigin},
		{"Host as a prefix", req{header: hdr("Origin", "https://app.example.com.evil.example")}, RuleOrigin},
		{"sibling subdomain", req{header: hdr("Origin", "https://www.example.com")}, RuleOrigin},
		{"trusted origin", req{header: hdr("Origin", "https://partner.example")}, pass},
		{"null", req{header: hdr("Origin", "null")}, RuleOrigin},
		{"userinfo (golang/go#78563)", req{header: hdr("Origin", "https://evil@app.example.com")}, RuleOrigin},
		{"path", req{header: hdr("Origin", "https://app.example.com/path")}, RuleOrigin},
		{"trailing slash", req{header: hdr("Origin", "https://app.example.com/")}, RuleOrigin},
		{"query", req{header: hdr("Origin", "https://app.example.com?x")}, RuleOrigin},
		{"upper case is not what browsers send", req{header: hdr("Origin", "https://APP.example.com")}, RuleOrigin},
		{"explicit default port is not what browsers send", req{header: hdr("Origin", "https://app.example.com:443")}, RuleOrigin},
		{"no scheme", req{header: hdr("Origin", "app.example.com")}, RuleOrigin},
		{"a list", req{header: hdr("Origin", "https://app.example.com, https://evil.example")}, RuleOrigin},
		{"two Origin headers", req{header: hdr("Origin", "https://app.example.com", "Origin", "https://app.example.com")}, RuleHeaders},
		{"other scheme with the same host", req{header: hdr("Origin", "ftp://app.example.com")}, RuleOrigin},
		{"no Host", req{host: " ", header: hdr("Origin", "https://app.example.com")}, RuleOrigin},
		{"X-Forwarded-Host is never trusted", req{header: hdr("Origin", "https://evil.example", "X-Forwarded-Host", "evil.example")}, RuleOrigin},
		{"empty Origin counts as absent", req{header: hdr("Origin", "")}, pass},
	})
}

func TestPublicOrigins(t *testing.T) {
	runRules(t, Config{PublicOrigins: []string{"https://app.example.com", "https://APP.example.net:443"}}, []ruleCase{
		{"public origin behind a proxy", req{host: "backend:8080", header: hdr("Origin", "https://app.example.com")}, pass},
		{"second public origin, normalized", req{host: "backend:8080", header: hdr("Origin", "https://app.example.net")}, pass},
		{"scheme is compared", req{header: hdr("Origin", "http://app.example.com")}, RuleOrigin},
		{"Host is not consulted", req{host: "evil.example", header: hdr("Origin", "https://evil.example")}, RuleOrigin},
		{"X-Forwarded-Host is not consulted", req{header: hdr("Origin", "https://evil.example", "X-Forwarded-Host", "evil.example")}, RuleOrigin},
		{"Sec-Fetch-Site still decides first", req{header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://app.example.com")}, pass},
	})
}

func TestAllowSameSiteFallback(t *testing.T) {
	runRules(t, Config{AllowSameSite: true}, []ruleCase{
		{"sibling over TLS", req{host: "api.example.com", tls: true, header: hdr("Origin", "https://www.example.com")}, pass},
		{"sibling, scheme unknown", req{host: "api.example.com", header: hdr("Origin", "http://www.example.com")}, pass},
		{"http sibling to a TLS server (schemeful)", req{host: "api.example.com", tls: true, header: hdr("Origin", "http://www.example.com")}, RuleOrigin},
		{"another site", req{host: "api.example.com", tls: true, header: hdr("Origin", "https://example.net")}, RuleOrigin},
		{"public suffix is not a site", req{host: "a.github.io", tls: true, header: hdr("Origin", "https://b.github.io")}, RuleOrigin},
	})
	runRules(t, Config{AllowSameSite: true, PublicOrigins: []string{"https://api.example.com"}}, []ruleCase{
		{"sibling of a public origin", req{host: "backend", header: hdr("Origin", "https://www.example.com")}, pass},
		{"http sibling of a public origin", req{host: "backend", header: hdr("Origin", "http://www.example.com")}, RuleOrigin},
	})
}

func TestStrict(t *testing.T) {
	runRules(t, Config{Strict: true}, []ruleCase{
		{"neither header", req{}, RuleStrict},
		{"neither header, with cookies", req{header: hdr("Cookie", "session=1")}, RuleStrict},
		{"Origin only", req{header: hdr("Origin", "https://app.example.com")}, pass},
		{"Sec-Fetch-Site only", req{header: hdr("Sec-Fetch-Site", "same-origin")}, pass},
		{"safe method", req{method: "GET"}, pass},
	})
}

func TestRequiredHeader(t *testing.T) {
	runRules(t, Config{RequiredHeader: "x-requested-with"}, []ruleCase{
		{"present", req{header: hdr("Sec-Fetch-Site", "same-origin", "X-Requested-With", "XMLHttpRequest")}, pass},
		{"present, empty value", req{header: hdr("Sec-Fetch-Site", "same-origin", "X-Requested-With", "")}, pass},
		{"missing", req{header: hdr("Sec-Fetch-Site", "same-origin")}, RuleHeader},
		{"missing, no browser headers", req{}, RuleHeader},
		{"safe method", req{method: "GET"}, pass},
		{"origin rule first", req{header: hdr("Sec-Fetch-Site", "cross-site")}, RuleFetchSite},
	})
}

func TestRequireJSON(t *testing.T) {
	same := func(kv ...string) []string { return append([]string{"Sec-Fetch-Site", "same-origin"}, kv...) }
	runRules(t, Config{RequireJSON: true}, []ruleCase{
		{"application/json", req{header: same("Content-Type", "application/json")}, pass},
		{"with charset", req{header: same("Content-Type", "application/json; charset=utf-8")}, pass},
		{"upper case", req{header: same("Content-Type", "Application/JSON")}, pass},
		{"+json", req{header: same("Content-Type", "application/vnd.api+json")}, pass},
		{"problem+json", req{header: same("Content-Type", "application/merge-patch+json")}, pass},
		{"text/plain", req{header: same("Content-Type", "text/plain")}, RuleJSON},
		{"text/plain smuggling json in a parameter", req{header: same("Content-Type", "text/plain; x=application/json")}, RuleJSON},
		{"text/plain+json is not application", req{header: same("Content-Type", "text/plain+json")}, RuleJSON},
		{"form", req{header: same("Content-Type", "application/x-www-form-urlencoded")}, RuleJSON},
		{"multipart", req{header: same("Content-Type", "multipart/form-data; boundary=x")}, RuleJSON},
		{"a list does not parse", req{header: same("Content-Type", "application/json, text/plain")}, RuleJSON},
		{"json as a prefix", req{header: same("Content-Type", "application/jsonx")}, RuleJSON},
		{"two Content-Type headers", req{header: same("Content-Type", "application/json", "Content-Type", "text/plain")}, RuleJSON},
		{"POST without Content-Type", req{header: same()}, RuleJSON},
		{"DELETE without body", req{method: "DELETE", header: same()}, pass},
		{"safe method", req{method: "GET", header: hdr("Content-Type", "text/plain")}, pass},
		{"origin rule first", req{header: hdr("Sec-Fetch-Site", "cross-site", "Content-Type", "application/json")}, RuleFetchSite},
	})
	// A PUT with a body must declare it.
	g, _ := New(Config{RequireJSON: true})
	r := httptest.NewRequest("PUT", "/", strings.NewReader("{}"))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if d, ok := g.Check(r).(*Denial); !ok || d.Rule != RuleJSON {
		t.Fatalf("PUT with a body and no Content-Type: %v, want RuleJSON", g.Check(r))
	}
}

// TestBypassServeMuxPatterns is the regression test of issue 11's
// compatibility item: Bypass took only exact paths, so "/hooks/" did not
// cover "/hooks/stripe" and "POST /api/{id}/webhook" was an error, a
// silent regression for anyone coming from net/http's
// AddInsecureBypassPattern. Patterns are ServeMux patterns now, and a
// request is bypassed only when the mux routes it to one, not when it
// would redirect it there (CVE-2025-47910).
func TestBypassServeMuxPatterns(t *testing.T) {
	cross := hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	runRules(t, Config{Bypass: []string{
		"/webhook", "POST /hooks/stripe", "PUT /hooks/stripe", "/dir/", "POST /any", "/any",
		"POST /api/{id}/webhook", "/files/{path...}", "/exact/{$}", "hooks.example.com/in/",
		"/webhook", // twice: harmless
	}}, []ruleCase{
		{"exact path", req{target: "/webhook", header: cross}, pass},
		{"exact path, any method", req{method: "DELETE", target: "/webhook", header: cross}, pass},
		{"query does not matter", req{target: "/webhook?x=1", header: cross}, pass},
		{"trailing slash (CVE-2025-47910)", req{target: "/webhook/", header: cross}, RuleFetchSite},
		{"below", req{target: "/webhook/x", header: cross}, RuleFetchSite},
		{"case", req{target: "/Webhook", header: cross}, RuleFetchSite},
		{"unclean path a mux would redirect", req{target: "/x/../webhook", header: cross}, RuleFetchSite},
		{"double slash", req{target: "//webhook", header: cross}, RuleFetchSite},
		{"escaped path", req{target: "/web%68ook", header: cross}, RuleFetchSite},
		{"method matches", req{method: "POST", target: "/hooks/stripe", header: cross}, pass},
		{"second method", req{method: "PUT", target: "/hooks/stripe", header: cross}, pass},
		{"method differs", req{method: "DELETE", target: "/hooks/stripe", header: cross}, RuleFetchSite},
		{"subtree root", req{target: "/dir/", header: cross}, pass},
		{"subtree covers what is below", req{target: "/dir/sub", header: cross}, pass},
		{"subtree covers deeper", req{target: "/dir/a/b/c", header: cross}, pass},
		{"subtree without the slash is a redirect", req{target: "/dir", header: cross}, RuleFetchSite},
		{"subtree, unclean path", req{target: "/dir/../dir/x", header: cross}, RuleFetchSite},
		{"any method wins", req{method: "PATCH", target: "/any", header: cross}, pass},
		{"wildcard", req{target: "/api/42/webhook", header: cross}, pass},
		{"wildcard, other method", req{method: "PUT", target: "/api/42/webhook", header: cross}, RuleFetchSite},
		{"wildcard is one segment", req{target: "/api/4/2/webhook", header: cross}, RuleFetchSite},
		{"wildcard below", req{target: "/api/42/webhook/x", header: cross}, RuleFetchSite},
		{"rest wildcard", req{target: "/files/a/b.txt", header: cross}, pass},
		{"rest wildcard, escaped slash", req{target: "/files/a%2Fb", header: cross}, RuleFetchSite},
		{"{$} is exact", req{target: "/exact/", header: cross}, pass},
		{"{$} does not cover below", req{target: "/exact/x", header: cross}, RuleFetchSite},
		{"host pattern", req{host: "hooks.example.com", target: "/in/x", header: cross}, pass},
		{"host pattern, port ignored", req{host: "hooks.example.com:8443", target: "/in/x", header: cross}, pass},
		{"host pattern, other host", req{target: "/in/x", header: cross}, RuleFetchSite},
		{"no bypass", req{target: "/transfer", header: cross}, RuleFetchSite},
		{"a passing request stays passing", req{target: "/transfer", header: hdr("Sec-Fetch-Site", "same-origin")}, pass},
	})
	// A bypass skips every rule, as net/http's does.
	runRules(t, Config{Bypass: []string{"/hooks/"}, RequireJSON: true, RequiredHeader: "X-Requested-With", Strict: true}, []ruleCase{
		{"bypassed: no JSON, no header, no source", req{target: "/hooks/stripe"}, pass},
		{"not bypassed", req{target: "/other"}, RuleStrict},
	})
}

func TestBypassConfigErrors(t *testing.T) {
	for _, tc := range []struct{ pattern, says string }{
		{"GET /x", "never checked"},
		{"HEAD /x", "never checked"},
		{"OPTIONS /x", "never checked"},
		{"webhook", "missing /"},
		{"/a/../b", "not a clean path"},
		{"PO(ST /y", "invalid method"},
		{"", "empty"},
		{"/a b", "invalid method"},
		{"/x?y", "query"},
		{"/x#y", "fragment"},
		{"/", "every path"},
		{"POST /", "every path"},
		{"/{rest...}", "every path"},
		{"/x/{", "not a ServeMux pattern"},
		{"/a/{x}/{x}", "duplicate wildcard"},
	} {
		_, err := New(Config{Bypass: []string{tc.pattern}})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "Bypass" || !strings.Contains(ce.Problem, tc.says) || ce.Fix == "" {
			t.Errorf("Bypass %q: %v, want a Bypass error that says %q", tc.pattern, err, tc.says)
		}
	}
	// Two patterns that match the same requests conflict, as in ServeMux;
	// the message names the other pattern, not where it was registered.
	_, err := New(Config{Bypass: []string{"/a/{x}", "/a/{y}"}})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(ce.Problem, "conflicts with another bypass: /a/{y} matches the same requests as /a/{x}") || strings.Contains(ce.Problem, ".go:") {
		t.Errorf("conflict: %v", err)
	}
	// A host pattern may cover a whole host.
	if _, err := New(Config{Bypass: []string{"hooks.example.com/", "POST /api/{id}/webhook", "post /lower"}}); err != nil {
		t.Errorf("valid patterns refused: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{
		TrustedOrigins: []string{
			"https://*.example.com", // wildcard
			"https://a.example.com/app",
			"https://user@a.example.com",
			"null",
			"a.example.com",
			"*",
			"https://ok.example.com", // fine
		},
		PublicOrigins:  []string{"https://app.example.com/", "ftp://app.example.com"},
		RequiredHeader: "Content-Type",
		Bypass:         []string{"GET /x", "/x/{id}", "webhook", "/a/../b", "PO(ST /y", "", "/a b", "/x/{other}"},
	})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	want := map[string]int{"TrustedOrigins": 6, "PublicOrigins": 2, "RequiredHeader": 1, "Bypass": 7}
	got := map[string]int{}
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%T is not a *ConfigError", e)
		}
		if ce.Problem == "" || ce.Fix == "" {
			t.Errorf("%v: empty issue or fix", ce)
		}
		got[ce.Field]++
	}
	for f, n := range want {
		if got[f] != n {
			t.Errorf("%s: %d errors, want %d (%v)", f, got[f], n, err)
		}
	}
	if !strings.Contains(err.Error(), "has userinfo") {
		t.Errorf("error does not say why: %v", err)
	}
}

func TestRequiredHeaderNames(t *testing.T) {
	for _, h := range []string{"Accept", "content-type", "Content-Language", "Range", "Cookie", "Origin", "Sec-Fetch-Site", "Proxy-Authorization", "X Bad", "X:y"} {
		if _, err := New(Config{RequiredHeader: h}); err == nil {
			t.Errorf("RequiredHeader %q accepted", h)
		}
	}
	for _, h := range []string{"X-Requested-With", "X-CSRF-Token", "Authorization"} {
		if _, err := New(Config{RequiredHeader: h}); err != nil {
			t.Errorf("RequiredHeader %q: %v", h, err)
		}
	}
}

func TestTrustedOriginsNormalized(t *testing.T) {
	// net/http keeps "https://Partner.example:443" as written, so it never
	// matches what browsers send.
	runRules(t, Config{TrustedOrigins: []string{"https://Partner.EXAMPLE:443", "http://[0:0::1]:8080"}}, []ruleCase{
		{"normalized", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example")}, pass},
		{"IPv6 normalized", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "http://[::1]:8080")}, pass},
		{"written form is not what browsers send", req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://Partner.EXAMPLE:443")}, RuleFetchSite},
	})
}

// policy is a CORSPolicy whose allowed origin can change, like a cors
// middleware after Reconfigure.
type policy struct{ allowed atomic.Value }

func (p *policy) AllowsCredentialedOrigin(o string) bool {
	a, _ := p.allowed.Load().(string)
	return a != "" && o == a
}

func TestTrustCORS(t *testing.T) {
	g, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := &policy{}
	p.allowed.Store("https://spa.example")
	from := func(o string) error {
		return g.Check(req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", o)}.build())
	}
	if err := from("https://spa.example"); err == nil {
		t.Fatal("passed before TrustCORS")
	}
	g.TrustCORS(p)
	if err := from("https://spa.example"); err != nil {
		t.Fatalf("CORS-allowed origin refused: %v", err)
	}
	if err := from("https://evil.example"); err == nil {
		t.Fatal("origin the policy does not allow passed")
	}
	p.allowed.Store("https://new.example") // reconfigured
	if err := from("https://spa.example"); err == nil {
		t.Fatal("origin removed from the policy still passes")
	}
	if err := from("https://new.example"); err != nil {
		t.Fatalf("origin added to the policy refused: %v", err)
	}
	p.allowed.Store("null")
	if err := from("null"); err == nil {
		t.Fatal("null passed because the policy allows it")
	}
	// The fallback consults the policy too.
	p.allowed.Store("https://spa.example")
	if err := g.Check(req{header: hdr("Origin", "https://spa.example")}.build()); err != nil {
		t.Fatalf("fallback: %v", err)
	}
	g.TrustCORS(nil)
	if err := from("https://spa.example"); err == nil {
		t.Fatal("passed after TrustCORS(nil)")
	}
}

func TestHandlerDenies(t *testing.T) {
	var buf bytes.Buffer
	g, err := New(Config{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	called := false
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")}.build())
	if called {
		t.Fatal("wrapped handler ran for a denied request")
	}
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", w.Code)
	}
	if body := w.Body.String(); !strings.Contains(body, "Sec-Fetch-Site: cross-site") || !strings.Contains(body, `"https://evil.example"`) {
		t.Fatalf("body does not explain: %q", body)
	}
	if log := buf.String(); !strings.Contains(log, "rule=sec-fetch-site") || !strings.Contains(log, "origin=https://evil.example") {
		t.Fatalf("log: %q", log)
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, req{header: hdr("Sec-Fetch-Site", "same-origin")}.build())
	if !called || w.Code != http.StatusOK {
		t.Fatalf("same-origin request: called %v, status %d", called, w.Code)
	}
}

func TestDenyHandler(t *testing.T) {
	var got *Denial
	g, err := New(Config{
		Logger: slog.New(slog.DiscardHandler),
		DenyHandler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ = DenialFromContext(r.Context())
			w.WriteHeader(http.StatusTeapot)
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	g.Handler(http.NotFoundHandler()).ServeHTTP(w, req{target: "/transfer", header: hdr("Origin", "https://evil.example")}.build())
	if w.Code != http.StatusTeapot {
		t.Fatalf("status %d, want the deny handler's 418", w.Code)
	}
	if got == nil || got.Rule != RuleOrigin || got.Path != "/transfer" || got.Origin != "https://evil.example" || got.Method != "POST" {
		t.Fatalf("denial in context: %+v", got)
	}
}

func TestReportOnly(t *testing.T) {
	var buf bytes.Buffer
	g, err := New(Config{ReportOnly: true, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var seen *Denial
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = DenialFromContext(r.Context())
		_, _ = io.WriteString(w, "done")
	}))
	w := httptest.NewRecorder()
	r := req{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")}.build()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.String() != "done" {
		t.Fatalf("report-only refused: %d %q", w.Code, w.Body)
	}
	if seen == nil || seen.Rule != RuleFetchSite {
		t.Fatalf("denial in context: %+v", seen)
	}
	if !strings.Contains(buf.String(), "report-only") {
		t.Fatalf("no report logged: %q", buf.String())
	}
	if g.Check(r) == nil {
		t.Fatal("Check ignores ReportOnly and must still report the denial")
	}
	// A request that passes has no Denial.
	h.ServeHTTP(httptest.NewRecorder(), req{header: hdr("Sec-Fetch-Site", "same-origin")}.build())
	if seen != nil {
		t.Fatalf("denial for a passing request: %+v", seen)
	}
}

func TestCheckWebSocket(t *testing.T) {
	g, err := New(Config{TrustedOrigins: []string{"https://partner.example"}})
	if err != nil {
		t.Fatal(err)
	}
	strict, _ := New(Config{Strict: true})
	cases := []struct {
		name string
		g    *Guard
		r    req
		want Rule
	}{
		{"same origin", g, req{method: "GET", header: hdr("Origin", "https://app.example.com")}, pass},
		{"same origin over TLS", g, req{method: "GET", tls: true, header: hdr("Origin", "https://app.example.com")}, pass},
		{"http page to a wss endpoint", g, req{method: "GET", tls: true, header: hdr("Origin", "http://app.example.com")}, RuleOrigin},
		{"cross-site", g, req{method: "GET", header: hdr("Origin", "https://evil.example")}, RuleOrigin},
		{"trusted", g, req{method: "GET", header: hdr("Origin", "https://partner.example")}, pass},
		{"null", g, req{method: "GET", header: hdr("Origin", "null")}, RuleOrigin},
		{"userinfo", g, req{method: "GET", header: hdr("Origin", "https://x@app.example.com")}, RuleOrigin},
		{"two Origins", g, req{method: "GET", header: hdr("Origin", "https://app.example.com", "Origin", "https://app.example.com")}, RuleHeaders},
		{"no Origin: not a browser", g, req{method: "GET"}, pass},
		{"no Origin, strict", strict, req{method: "GET"}, RuleStrict},
		{"Sec-Fetch-Site is not enough", g, req{method: "GET", header: hdr("Sec-Fetch-Site", "same-origin", "Origin", "https://evil.example")}, RuleOrigin},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := pass
			if err := tc.g.CheckWebSocket(tc.r.build()); err != nil {
				got = err.(*Denial).Rule
			}
			if got != tc.want {
				t.Fatalf("rule %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckWebSocketOrigin(t *testing.T) {
	r := req{method: "GET", header: hdr("Origin", "https://partner.example")}.build()
	if err := CheckWebSocketOrigin(r); err == nil {
		t.Fatal("untrusted origin passed")
	}
	if err := CheckWebSocketOrigin(r, "https://PARTNER.example"); err != nil {
		t.Fatalf("trusted origin refused: %v", err)
	}
	var ce *ConfigError
	if err := CheckWebSocketOrigin(r, "https://*.example"); !errors.As(err, &ce) {
		t.Fatalf("bad trusted origin: %v, want a *ConfigError", err)
	}
}

func TestRuleString(t *testing.T) {
	for r := RuleHeaders; r <= RuleJSON; r++ {
		if s := r.String(); s == "" || strings.HasPrefix(s, "Rule(") {
			t.Errorf("rule %d has no name", r)
		}
	}
	if s := Rule(99).String(); s != "Rule(99)" {
		t.Errorf("Rule(99) = %q", s)
	}
}

func TestDenialBounded(t *testing.T) {
	g, _ := New(Config{})
	long := "https://" + strings.Repeat("a", 5000) + ".example"
	err := g.Check(req{header: hdr("Origin", long)}.build())
	d, ok := err.(*Denial)
	if !ok {
		t.Fatalf("long Origin passed: %v", err)
	}
	if len(d.Origin) > 210 || len(d.Reason) > 1000 {
		t.Fatalf("denial keeps %d bytes of Origin and %d of reason", len(d.Origin), len(d.Reason))
	}
}
