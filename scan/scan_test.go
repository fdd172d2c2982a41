package scan

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/origin"
)

// allProbes returns every probe a target gets when its own origin is the
// trusted one: the baseline, the candidates, the generic probes, the own
// origin's bypass family and the JSONP probes.
func allProbes(t target, r string, friendly, jsonp []string) []*probe {
	ps := newProbeSet(r, nil)
	t.candidates(ps, friendly)
	t.generic(ps)
	family(ps, t.own, t.own.Scheme)
	out := append([]*probe{{kind: kindBaseline, template: "(none)"}}, ps.list...)
	return append(out, jsonpProbes(r, jsonp)...)
}

func TestProbesForTarget(t *testing.T) {
	tgt := newTarget(origin.MustParse("https://api.example.com"))
	if tgt.domain != "example.com" || !tgt.isName {
		t.Fatalf("target = %+v", tgt)
	}
	ps := allProbes(tgt, "r4nd0m", nil, []string{"callback"})
	got := map[string]Class{}
	for _, p := range ps {
		if p.kind == kindSimple {
			got[p.origin] = p.class
		}
	}
	want := map[string]Class{
		"https://api.example.com":             "",
		"https://app.example.com":             "",
		"https://r4nd0m.com":                  ReflectAnyOrigin,
		"null":                                NullOrigin,
		"https://api.example.com.r4nd0m.com":  PrefixMatch,
		"https://r4nd0mexample.com":           SuffixMatch,
		"https://apixexample.com":             UnescapedDot,
		"https://api.example.co":              SubstringMatch,
		"https://xample.com":                  SubstringMatch,
		"https://api.example.com_.r4nd0m.com": SpecialCharBypass,
		"https://api.example.com$.r4nd0m.com": SpecialCharBypass,
		"https://r4nd0m.api.example.com":      AnySubdomainTrusted,
		"https://r4nd0m.example.com":          AnySubdomainTrusted,
		"http://r4nd0m.example.com":           HTTPSubdomainTrusted,
		"http://api.example.com":              HTTPOriginTrusted,
		"https://r4nd0m.github.io":            ThirdPartyOrigin,
		"https://codepen.io":                  ThirdPartyOrigin,
		"https://localhost.r4nd0m.com":        LocalhostOriginTrusted,
		"http://localhost:3000":               LocalhostOriginTrusted,
		"https://api.example.com:8443":        AnyPortTrusted,
	}
	for o, c := range want {
		if gc, ok := got[o]; !ok || gc != c {
			t.Errorf("probe %q: class %q, present %v; want %q", o, gc, ok, c)
		}
	}
	// No probe may use a fixed attacker name someone could own.
	for o, c := range got {
		if c == ReflectAnyOrigin || c == PrefixMatch || c == SuffixMatch {
			if !strings.Contains(o, "r4nd0m") {
				t.Errorf("probe %q has no random label", o)
			}
		}
	}
	for _, p := range allProbes(newTarget(origin.MustParse("https://api.example.org")), "r", nil, nil) {
		if p.origin == "https://api.example.or" {
			t.Error("probe with an unregistrable truncated name")
		}
	}
	if ps[0].kind != kindBaseline {
		t.Error("the first probe must be the baseline")
	}
	if !slices.ContainsFunc(ps, func(p *probe) bool { return p.kind == kindJSONP && p.param == "callback" }) {
		t.Error("no JSONP probe")
	}
}

func TestProbesEdgeTargets(t *testing.T) {
	for _, tc := range []struct {
		origin  string
		absent  []Class
		present []Class
	}{
		{"http://127.0.0.1:8080", []Class{SuffixMatch, AnySubdomainTrusted, HTTPOriginTrusted, HTTPSubdomainTrusted}, []Class{ReflectAnyOrigin, PrefixMatch, AnyPortTrusted}},
		{"https://[::1]:8443", []Class{PrefixMatch, SpecialCharBypass, SuffixMatch}, []Class{ReflectAnyOrigin, NullOrigin, HTTPOriginTrusted}},
		{"http://intranet", []Class{SuffixMatch, HTTPSubdomainTrusted}, []Class{ReflectAnyOrigin, PrefixMatch}},
		{"https://example.co.uk", nil, []Class{SuffixMatch, UnescapedDot, AnySubdomainTrusted}},
		{"https://api.jsbin.com", []Class{}, []Class{ThirdPartyOrigin}},
	} {
		tgt := newTarget(origin.MustParse(tc.origin))
		var classes []Class
		for _, p := range allProbes(tgt, "zz", nil, nil) {
			classes = append(classes, p.class)
			if p.kind == kindSimple && p.origin != "null" && p.class != SpecialCharBypass {
				if _, err := url.Parse(p.origin); err != nil {
					t.Errorf("%s: probe %q is not a URL: %v", tc.origin, p.origin, err)
				}
			}
			if p.class == ThirdPartyOrigin && p.origin == "https://jsbin.com" && strings.HasSuffix(tc.origin, "jsbin.com") {
				t.Errorf("%s: probes its own site as a third party", tc.origin)
			}
		}
		for _, c := range tc.absent {
			if slices.Contains(classes, c) {
				t.Errorf("%s: unexpected %s probe", tc.origin, c)
			}
		}
		for _, c := range tc.present {
			if !slices.Contains(classes, c) {
				t.Errorf("%s: no %s probe", tc.origin, c)
			}
		}
	}
}

func TestLabel(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		l := label(10)
		if len(l) != 10 || l[0] < 'a' || l[0] > 'z' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("label %q", l)
		}
		if seen[l] {
			t.Fatalf("label %q repeated", l)
		}
		seen[l] = true
	}
}

func TestSeverity(t *testing.T) {
	for _, tc := range []struct {
		name     string
		needs    needs
		creds    bool
		browsers []string
		private  bool
		hsts     bool
		want     Severity
	}{
		{"registrable with credentials", needNothing, true, allBrowsers, false, false, Critical},
		{"registrable without credentials", needNothing, false, allBrowsers, false, false, Low},
		{"registrable without credentials, intranet", needNothing, false, allBrowsers, true, false, Medium},
		{"firefox and safari only", needNothing, true, firefoxSafari, false, false, High},
		{"safari only", needNothing, true, safariOnly, false, false, Medium},
		{"shared host", needPublish, true, allBrowsers, false, false, High},
		{"mitm", needNetwork, true, allBrowsers, false, false, Medium},
		{"mitm under hsts", needNetwork, true, allBrowsers, false, true, Low},
		{"subdomain takeover", needSubdomain, true, allBrowsers, false, false, Medium},
		{"subdomain without credentials", needSubdomain, false, allBrowsers, false, false, Info},
		{"localhost", needLocal, true, allBrowsers, false, false, Low},
		{"other port", needOtherPort, true, allBrowsers, false, false, Low},
		{"trusted", needTrusted, true, allBrowsers, false, false, Info},
	} {
		if got := severity(tc.needs, tc.creds, tc.browsers, tc.private, tc.hsts); got != tc.want {
			t.Errorf("%s: severity = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for s := Info; s <= Critical; s++ {
		got, err := ParseSeverity(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
		b, _ := s.MarshalText()
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %v: %v, %v", s, back, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe) succeeded")
	}
	if _, err := Severity(9).MarshalText(); err == nil {
		t.Error("MarshalText(9) succeeded")
	}
}

func TestParseHSTS(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want stsPolicy
	}{
		{"max-age=31536000; includeSubDomains", stsPolicy{31536000, true}},
		{"max-age=\"600\"", stsPolicy{600, false}},
		{"MAX-AGE=10;INCLUDESUBDOMAINS;preload", stsPolicy{10, true}},
		{"includeSubDomains", stsPolicy{}},
		{"max-age=ten", stsPolicy{}},
		{"max-age=1; max-age=2", stsPolicy{}},
		{"max-age=-1", stsPolicy{}},
		{"", stsPolicy{}},
	} {
		h := http.Header{}
		if tc.v != "" {
			h.Set("Strict-Transport-Security", tc.v)
		}
		if got := parseHSTS(h); got != tc.want {
			t.Errorf("parseHSTS(%q) = %+v, want %+v", tc.v, got, tc.want)
		}
	}
	p := stsPolicy{maxAge: 10, includeSubdomains: true}
	if !p.covers("api.example.com", "api.example.com") || !p.covers("api.example.com", "x.api.example.com") || p.covers("api.example.com", "x.example.com") {
		t.Error("covers with includeSubDomains")
	}
	if (stsPolicy{maxAge: 10}).covers("a.com", "x.a.com") || (stsPolicy{}).covers("a.com", "a.com") {
		t.Error("covers without includeSubDomains or max-age")
	}
}

func TestCacheable(t *testing.T) {
	for _, tc := range []struct {
		method string
		status int
		h      map[string]string
		want   bool
	}{
		{"GET", 200, map[string]string{"Cache-Control": "public, max-age=600"}, true},
		{"GET", 200, map[string]string{"Cache-Control": "s-maxage=60, max-age=0"}, true},
		{"GET", 200, map[string]string{"Cache-Control": "max-age=0"}, false},
		{"GET", 200, map[string]string{"Cache-Control": "no-store, max-age=600"}, false},
		{"GET", 200, map[string]string{"Cache-Control": "no-cache"}, false},
		{"GET", 200, map[string]string{}, false},
		{"GET", 200, map[string]string{"Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT"}, true},
		{"GET", 500, map[string]string{"Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT"}, false},
		{"GET", 200, map[string]string{"Expires": "Mon, 02 Jan 2006 15:04:05 GMT", "Date": "Mon, 02 Jan 2006 15:00:00 GMT"}, true},
		{"GET", 200, map[string]string{"Expires": "0"}, false},
		{"POST", 200, map[string]string{"Cache-Control": "max-age=600"}, false},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got := cacheable(tc.method, tc.status, h); got != tc.want {
			t.Errorf("cacheable(%s, %d, %v) = %v, want %v", tc.method, tc.status, tc.h, got, tc.want)
		}
	}
}

func TestRunsAsScript(t *testing.T) {
	for _, tc := range []struct {
		ct, nosniff string
		want        bool
	}{
		{"text/javascript", "nosniff", true},
		{"application/javascript; charset=utf-8", "", true},
		{"application/json", "", false},
		{"text/plain", "", true},
		{"text/plain", "nosniff", false},
		{"", "", true},
		{"text/html", "", false},
		{"application/problem+json", "", false},
	} {
		h := http.Header{"Content-Type": {tc.ct}, "X-Content-Type-Options": {tc.nosniff}}
		if got := runsAsScript(h); got != tc.want {
			t.Errorf("runsAsScript(%q, %q) = %v, want %v", tc.ct, tc.nosniff, got, tc.want)
		}
	}
}

func TestIsPrivateHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "192.168.0.1": true, "::1": true, "fe80::1": true,
		"intranet": true, "wiki.corp": true, "x.internal": true, "app.localhost": true,
		"api.example.com": false, "8.8.8.8": false, "2001:db8::1": false,
	} {
		if got := isPrivateHost(host); got != want {
			t.Errorf("isPrivateHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestValidAllowOrigin(t *testing.T) {
	for _, tc := range []struct {
		values []string
		sent   string
		want   bool
	}{
		{[]string{"*"}, "https://a.com", true},
		{[]string{"null"}, "https://a.com", true},
		{[]string{"https://b.com"}, "https://a.com", true},
		{[]string{"https://a.com+.x.com"}, "https://a.com+.x.com", true},
		{[]string{"https://b.com/"}, "https://a.com", false},
		{[]string{"https://B.com"}, "https://a.com", false},
		{[]string{"https://b.com:443"}, "https://a.com", false},
		{[]string{"https://a.com, https://b.com"}, "https://a.com", false},
		{[]string{"https://a.com", "https://a.com"}, "https://a.com", false},
		{[]string{"*.example.com"}, "https://a.com", false},
	} {
		if got := validAllowOrigin(tc.values, tc.sent); got != tc.want {
			t.Errorf("validAllowOrigin(%q, %q) = %v, want %v", tc.values, tc.sent, got, tc.want)
		}
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Config{
		Method:      "GET ME",
		Header:      http.Header{"Bad Name": {"x"}, "X-Ok": {"a\r\nb"}, "Origin": {"https://a.com"}},
		Cookie:      "a=b\n",
		Origins:     []string{"example.com", "null"},
		Concurrency: -1,
		Timeout:     -1,
		JSONPParams: []string{"a b"},
	})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	fields := map[string]int{}
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		if ce.Problem == "" || ce.Fix == "" {
			t.Errorf("%v has no fix", ce)
		}
		fields[ce.Field]++
	}
	want := map[string]int{"Method": 1, "Header": 3, "Cookie": 1, "Origins": 2, "Concurrency": 1, "Timeout": 1, "JSONPParams": 1}
	for f, n := range want {
		if fields[f] != n {
			t.Errorf("%d errors for %s, want %d (all: %v)", fields[f], f, n, err)
		}
	}
	if _, err := New(Config{Method: "OPTIONS"}); err == nil {
		t.Error("New accepted Method OPTIONS")
	}
	if _, err := New(Config{}); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

func TestScanBadTargets(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Scan(t.Context(), "ftp://example.com/", "https://", "https://u:p@example.com/", "::")
	if err == nil {
		t.Fatal("Scan accepted bad targets")
	}
	n := 0
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var te *TargetError
		if !errors.As(e, &te) {
			t.Errorf("%v is not a *TargetError", e)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d errors, want 4: %v", n, err)
	}
}

func TestScanUnreachableTarget(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	u := ts.URL
	ts.Close() // nothing listens there any more
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if errs := rep.Errors(); len(errs) != 1 || errs[0].URL != u {
		t.Errorf("Errors() = %+v", errs)
	}
	if len(rep.Findings) != 0 {
		t.Errorf("findings on an unreachable target: %+v", rep.Findings)
	}
}

func TestScanCanceled(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	s, _ := New(Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Scan(ctx, ts.URL); err == nil {
		t.Error("Scan with a canceled context succeeded")
	}
}

func TestNearMiss(t *testing.T) {
	for _, tc := range []struct {
		values []string
		sent   string
		want   string
	}{
		{[]string{"https://a.com", "https://b.com"}, "https://a.com", "several values"},
		{[]string{"https://a.com https://b.com"}, "https://a.com", "several values"},
		{[]string{"https://*.a.com"}, "https://x.a.com", "a pattern"},
		{[]string{"https://A.com"}, "https://a.com", "another case"},
		{[]string{"https://a.com/"}, "https://a.com", "trailing slash"},
		{[]string{"https://a.com:443"}, "https://a.com", "explicit port"},
		{[]string{"https://a.com/app"}, "https://a.com", "with a path"},
		{[]string{"https://b.com/"}, "https://a.com", ""},
		{[]string{"https://b.com/"}, "", ""},
	} {
		if got := nearMiss(tc.values, tc.sent); !strings.Contains(got, tc.want) || tc.want == "" && got != "" {
			t.Errorf("nearMiss(%q, %q) = %q, want %q", tc.values, tc.sent, got, tc.want)
		}
	}
}
