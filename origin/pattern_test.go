package origin

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		in, reason, hint string
	}{
		{"https://example.com/", "trailing slash", "write https://example.com"},
		{"https://example.com/api", "has a path", "write https://example.com"},
		{"example.com", "missing scheme", "https://example.com"},
		{"*.example.com", "missing scheme", "write https://*.example.com"},
		{"https://*example.com", "unsupported wildcard", "whole leading label"},
		{"https://a.*.example.com", "unsupported wildcard", "whole leading label"},
		{"h*", "unsupported wildcard", "globs"},
		{"https://example.*", "unsupported wildcard", ""},
		{"*://example.com", "unsupported wildcard", ""},
		{"https://*.com", "public suffix com", "yourdomain.com"},
		{"https://*.co.uk", "public suffix co.uk", ""},
		{"https://*.github.io", "public suffix github.io", ""},
		{"https://*.127.0.0.1", "IP address", ""},
		{"https://bücher.example", "non-ASCII", "punycode"},
		{"https://example.com:443", "explicit default port", "write https://example.com"},
		{"http://example.com:80", "explicit default port", ""},
		{"https://user@example.com", "userinfo", "write https://example.com"},
		{"https://example.com:8443:*", "two ports", "write https://example.com:*"},
		{"", "empty", ""},
	}
	for _, tt := range tests {
		_, err := ParsePattern(tt.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("ParsePattern(%q) error = %v, want *Error", tt.in, err)
			continue
		}
		if !strings.Contains(e.Reason, tt.reason) || !strings.Contains(e.Hint, tt.hint) {
			t.Errorf("ParsePattern(%q) = %q / %q, want reason ~%q, hint ~%q", tt.in, e.Reason, e.Hint, tt.reason, tt.hint)
		}
		if e.Input != tt.in {
			t.Errorf("ParsePattern(%q) error names input %q", tt.in, e.Input)
		}
	}
}

func TestMatch(t *testing.T) {
	m, err := Compile(
		"https://app.example.com",
		"https://*.example.org",
		"http://localhost:*",
		"https://*.dev.example.net:*",
		"http://[::1]:*",
		"https://*.localhost",
		"null",
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://app.example.com", true},
		{"https://app.example.com:443", false}, // not canonical
		{"https://APP.example.com", false},     // not canonical
		{"http://app.example.com", false},
		{"https://app.example.com.", false},
		{"https://evilapp.example.com", false},
		{"https://app.example.com.evil.com", false},
		{"https://a.example.org", true},
		{"https://a.b.c.example.org", true},
		{"https://example.org", false}, // never the apex
		{"https://.example.org", false},
		{"https://a..example.org", false},
		{"https://aexample.org", false},
		{"https://a.example.org:8443", false},
		{"http://a.example.org", false},
		{"https://a.example.org.evil.com", false},
		{"http://localhost", true},
		{"http://localhost:3000", true},
		{"http://localhost:03000", false},
		{"http://localhost:99999", false},
		{"https://localhost:3000", false},
		{"http://localhost.evil.com:3000", false},
		{"https://x.dev.example.net:9000", true},
		{"https://x.dev.example.net", true},
		{"https://dev.example.net", false},
		{"http://[::1]:5000", true},
		{"http://[0::1]:5000", false},
		{"https://api.localhost", true},
		{"null", true},
		{"", false},
		{"https://", false},
		{strings.Repeat("a", MaxLength+1), false},
	}
	for _, tt := range tests {
		if got := m.Match(tt.origin); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.origin, got, tt.want)
		}
		if got := slowMatch(m.Patterns(), tt.origin); got != tt.want {
			t.Errorf("slowMatch(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
	if m.MatchesAny() {
		t.Error("MatchesAny without *")
	}
	any, _ := Compile("*")
	if !any.MatchesAny() || !any.Match("https://anything.example") || !any.Match("null") {
		t.Error("* does not match everything")
	}
	none, _ := Compile()
	if none.Match("https://example.com") || none.Match("null") {
		t.Error("empty set matches")
	}
}

func TestCompileListsEveryProblem(t *testing.T) {
	_, err := Compile("https://ok.example.com", "https://bad.example.com/", "*.example.com", "https://*.com")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"bad.example.com/", `"*.example.com"`, "*.com"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("error lists %d problems, want 3:\n%v", n, err)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	m, _ := Compile("https://a.example.com", "https://*.example.org", "http://localhost:*", "http://[::1]:*")
	for _, o := range []string{"https://a.example.com", "https://x.y.example.org", "http://localhost:1", "http://[::1]:5", "https://nope.example"} {
		if n := testing.AllocsPerRun(100, func() { m.Match(o) }); n != 0 {
			t.Errorf("Match(%q) allocates %v times", o, n)
		}
	}
}

func TestPatternString(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://*.Example.COM":   "https://*.example.com",
		"http://LOCALHOST:*":      "http://localhost:*",
		"*":                       "*",
		"null":                    "null",
		"https://*.example.com:*": "https://*.example.com:*",
	} {
		p, err := ParsePattern(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.String(); got != want {
			t.Errorf("ParsePattern(%q).String() = %q, want %q", in, got, want)
		}
	}
}

// slowMatch is the reference the fast Matcher must agree with: parse the
// origin, require its canonical form, and try every pattern.
func slowMatch(ps []Pattern, s string) bool {
	for _, p := range ps {
		if p.IsAny() {
			return true
		}
	}
	o, err := Parse(s)
	if err != nil || o.String() != s {
		return false
	}
	for _, p := range ps {
		if p.Match(o) {
			return true
		}
	}
	return false
}

func FuzzMatcher(f *testing.F) {
	f.Add("https://*.example.com", "http://localhost:*", "https://a.example.com")
	f.Add("https://a.b", "https://*.b:*", "https://x.a.b:8")
	f.Add("http://[::1]:*", "null", "http://[::1]:80")
	f.Add("https://*.x.y", "https://z.x.y", "https://.x.y")
	f.Add("https://*.x.y:8443", "http://*.x.y", "https://a.b.x.y:8443")
	f.Add("https://*.x.y", "https://*.b.x.y", "https://a..b.x.y")
	f.Add("http://*.example.com", "https://a.example", "http://1.2.example.com")
	f.Fuzz(func(t *testing.T, p1, p2, s string) {
		var ps []Pattern
		for _, raw := range []string{p1, p2} {
			if p, err := ParsePattern(raw); err == nil {
				ps = append(ps, p)
				if q, err := ParsePattern(p.String()); err != nil || q.String() != p.String() {
					t.Fatalf("pattern %q does not round-trip: %q, %v", raw, p.String(), err)
				}
			}
		}
		m := NewMatcher(ps...)
		if got, want := m.Match(s), slowMatch(ps, s); got != want {
			t.Fatalf("patterns %q: Match(%q) = %v, reference says %v", ps, s, got, want)
		}
	})
}

// TestMatchWildFastAgrees checks the raw-string fast path of subdomain
// patterns against the reference on the edges the fuzzer seldom reaches:
// host lengths around the limit, ports, empty and dotted labels, case.
func TestMatchWildFastAgrees(t *testing.T) {
	ps := []Pattern{MustParsePattern("https://*.example.com"), MustParsePattern("https://*.example.org:8443"), MustParsePattern("https://app.example.net")}
	m := NewMatcher(ps...)
	if !m.fastWild {
		t.Fatal("fast path not used")
	}
	label := strings.Repeat("a", 63)
	long := func(n int) string { // a host of n bytes under example.com
		h := ""
		for len(h)+len(label)+1+len("example.com") <= n {
			h += label + "."
		}
		h = strings.Repeat("b", n-len(h)-len("example.com")-1) + "." + h
		return h + "example.com"
	}
	for _, o := range []string{
		"https://a.example.com", "https://a.b.example.com", "https://example.com", "https://.example.com", "https://a..example.com",
		"https://a.example.com.", "https://A.example.com", "https://a_b.example.com", "https://a.example.com:443", "https://a.example.com:8443",
		"https://a.example.org:8443", "https://a.example.org", "https://a.example.org:08443", "http://a.example.com", "https://a/.example.com",
		"https://a.example.com/", "https://app.example.net", "https://x.app.example.net", "https://1.2.3.example.com",
		"https://" + long(252), "https://" + long(253), "https://" + long(254), "https://" + long(255),
	} {
		if got, want := m.Match(o), slowMatch(ps, o); got != want {
			t.Errorf("Match(%.60q) = %v, reference says %v", o, got, want)
		}
	}
}
