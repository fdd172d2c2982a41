package browser

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// hdr builds a header from name, value pairs; repeated names become
// repeated field lines.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

const app = "https://app.test"

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name   string
		origin string
		cred   bool
		h      http.Header
		reason Reason
		param  string
	}{
		{"exact", app, false, hdr("Access-Control-Allow-Origin", app), "", ""},
		{"exact with credentials", app, true, hdr("Access-Control-Allow-Origin", app, "Access-Control-Allow-Credentials", "true"), "", ""},
		{"star", app, false, hdr("Access-Control-Allow-Origin", "*"), "", ""},
		{"star ignores ACAC without credentials", app, false, hdr("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "nonsense"), "", ""},
		{"star with credentials", app, true, hdr("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"), "WildcardOriginNotAllowed", ""},
		{"missing", app, false, hdr(), "MissingAllowOriginHeader", ""},
		{"mismatch", app, false, hdr("Access-Control-Allow-Origin", "https://other.test"), "AllowOriginMismatch", "https://other.test"},
		{"case differs", app, false, hdr("Access-Control-Allow-Origin", "https://APP.test"), "AllowOriginMismatch", "https://APP.test"},
		{"trailing slash", app, false, hdr("Access-Control-Allow-Origin", app+"/"), "AllowOriginMismatch", app + "/"},
		{"explicit default port", app, false, hdr("Access-Control-Allow-Origin", app+":443"), "AllowOriginMismatch", app + ":443"},
		{"empty", app, false, hdr("Access-Control-Allow-Origin", ""), "InvalidAllowOriginValue", ""},
		{"garbage", app, false, hdr("Access-Control-Allow-Origin", "app.test"), "InvalidAllowOriginValue", "app.test"},
		{"list", app, false, hdr("Access-Control-Allow-Origin", app+", https://other.test"), "MultipleAllowOriginValues", app + ", https://other.test"},
		{"repeated lines", app, false, hdr("Access-Control-Allow-Origin", app, "Access-Control-Allow-Origin", app), "MultipleAllowOriginValues", app + ", " + app},
		{"two stars", app, false, hdr("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Origin", "*"), "MultipleAllowOriginValues", "*, *"},
		{"space separated", app, false, hdr("Access-Control-Allow-Origin", app+" "+app), "MultipleAllowOriginValues", app + " " + app},
		{"null page, null allowed", "null", false, hdr("Access-Control-Allow-Origin", "null"), "", ""},
		{"null page, null with credentials", "null", true, hdr("Access-Control-Allow-Origin", "null", "Access-Control-Allow-Credentials", "true"), "", ""},
		{"null page, exact origin", "null", false, hdr("Access-Control-Allow-Origin", app), "AllowOriginMismatch", app},
		{"null value, real page", app, false, hdr("Access-Control-Allow-Origin", "null"), "AllowOriginMismatch", "null"},
		{"credentials missing ACAC", app, true, hdr("Access-Control-Allow-Origin", app), "InvalidAllowCredentials", ""},
		{"credentials ACAC True", app, true, hdr("Access-Control-Allow-Origin", app, "Access-Control-Allow-Credentials", "True"), "InvalidAllowCredentials", "True"},
		{"credentials ACAC repeated", app, true, hdr("Access-Control-Allow-Origin", app, "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Credentials", "true"), "InvalidAllowCredentials", "true, true"},
		{"credentials ACAC empty", app, true, hdr("Access-Control-Allow-Origin", app, "Access-Control-Allow-Credentials", ""), "InvalidAllowCredentials", ""},
		{"ACAC ignored without credentials", app, false, hdr("Access-Control-Allow-Origin", app, "Access-Control-Allow-Credentials", "false"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := CheckResponse(tt.origin, tt.cred, tt.h)
			if tt.reason == "" {
				if e != nil {
					t.Fatalf("CheckResponse = %v (%s), want nil", e, e.Reason)
				}
				return
			}
			if e == nil {
				t.Fatalf("CheckResponse = nil, want %s", tt.reason)
			}
			if e.Reason != tt.reason || e.Param != tt.param || e.Preflight {
				t.Errorf("CheckResponse = %s %q preflight=%v, want %s %q", e.Reason, e.Param, e.Preflight, tt.reason, tt.param)
			}
			if !strings.Contains(e.Message, "has been blocked by CORS policy: ") || strings.Contains(e.Message, "preflight") {
				t.Errorf("Message = %q", e.Message)
			}
			if e.Fix.Advice == "" || e.Fix.CORSConfig == "" {
				t.Errorf("no fix for %s: %+v", e.Reason, e.Fix)
			}
		})
	}
}

func TestCheckPreflight(t *testing.T) {
	ok := func(kv ...string) http.Header {
		return hdr(append([]string{"Access-Control-Allow-Origin", app}, kv...)...)
	}
	okCred := func(kv ...string) http.Header {
		return hdr(append([]string{"Access-Control-Allow-Origin", app, "Access-Control-Allow-Credentials", "true"}, kv...)...)
	}
	tests := []struct {
		name    string
		cred    bool
		method  string
		headers []string
		status  int
		h       http.Header
		reason  Reason
		param   string
	}{
		{"PUT allowed", false, "PUT", nil, 204, ok("Access-Control-Allow-Methods", "PUT"), "", ""},
		{"PUT in list with spaces", false, "PUT", nil, 200, ok("Access-Control-Allow-Methods", " GET ,  PUT,DELETE "), "", ""},
		{"PUT over two lines", false, "PUT", nil, 200, ok("Access-Control-Allow-Methods", "GET", "Access-Control-Allow-Methods", "PUT"), "", ""},
		{"empty elements ignored", false, "PUT", nil, 200, ok("Access-Control-Allow-Methods", ",GET,,PUT,"), "", ""},
		{"method case-sensitive", false, "PUT", nil, 200, ok("Access-Control-Allow-Methods", "put"), "MethodDisallowedByPreflightResponse", "PUT"},
		{"custom lower-case method", false, "patch", nil, 200, ok("Access-Control-Allow-Methods", "PATCH"), "MethodDisallowedByPreflightResponse", "patch"},
		{"custom lower-case method listed", false, "patch", nil, 200, ok("Access-Control-Allow-Methods", "patch"), "", ""},
		{"method missing", false, "DELETE", nil, 200, ok(), "MethodDisallowedByPreflightResponse", "DELETE"},
		{"POST never needs listing", false, "POST", []string{"x-a"}, 200, ok("Access-Control-Allow-Headers", "x-a"), "", ""},
		{"method wildcard", false, "DELETE", nil, 200, ok("Access-Control-Allow-Methods", "*"), "", ""},
		{"method wildcard with credentials", true, "DELETE", nil, 200, okCred("Access-Control-Allow-Methods", "*"), "MethodDisallowedByPreflightResponse", "DELETE"},
		{"method literal with credentials", true, "DELETE", nil, 200, okCred("Access-Control-Allow-Methods", "DELETE"), "", ""},
		{"invalid methods", false, "PUT", nil, 200, ok("Access-Control-Allow-Methods", "PUT DELETE"), "InvalidAllowMethodsPreflightResponse", "PUT DELETE"},
		{"invalid methods even if unneeded", false, "POST", []string{"x-a"}, 200, ok("Access-Control-Allow-Methods", "P(T", "Access-Control-Allow-Headers", "x-a"), "InvalidAllowMethodsPreflightResponse", "P(T"},
		{"header allowed any case", false, "GET", []string{"x-a"}, 200, ok("Access-Control-Allow-Headers", "X-A"), "", ""},
		{"headers over lines", false, "GET", []string{"x-a", "x-b"}, 200, ok("Access-Control-Allow-Headers", "x-a", "Access-Control-Allow-Headers", "x-b"), "", ""},
		{"header missing", false, "GET", []string{"x-a", "x-b"}, 200, ok("Access-Control-Allow-Headers", "x-b"), "HeaderDisallowedByPreflightResponse", "x-a"},
		{"header wildcard", false, "GET", []string{"x-a", "content-type"}, 200, ok("Access-Control-Allow-Headers", "*"), "", ""},
		{"header wildcard with credentials", true, "GET", []string{"x-a"}, 200, okCred("Access-Control-Allow-Headers", "*"), "HeaderDisallowedByPreflightResponse", "x-a"},
		{"wildcard covers authorization (Chromium)", false, "GET", []string{"authorization", "x-a"}, 200, ok("Access-Control-Allow-Headers", "*"), "", ""},
		{"wildcard plus authorization", false, "GET", []string{"authorization", "x-a"}, 200, ok("Access-Control-Allow-Headers", "*, Authorization"), "", ""},
		{"invalid headers", false, "GET", []string{"x-a"}, 200, ok("Access-Control-Allow-Headers", "x-a;x-b"), "InvalidAllowHeadersPreflightResponse", "x-a;x-b"},
		{"status 404 with CORS headers", false, "PUT", nil, 404, ok("Access-Control-Allow-Methods", "PUT"), "PreflightInvalidStatus", ""},
		{"status 500", false, "PUT", nil, 500, ok("Access-Control-Allow-Methods", "PUT"), "PreflightInvalidStatus", ""},
		{"status 302 with CORS headers", false, "PUT", nil, 302, ok("Access-Control-Allow-Methods", "PUT"), "PreflightInvalidStatus", ""},
		{"status 299", false, "PUT", nil, 299, ok("Access-Control-Allow-Methods", "PUT"), "", ""},
		{"405 without ACAO", false, "PUT", nil, 405, hdr(), "PreflightMissingAllowOriginHeader", ""},
		{"mismatch", false, "PUT", nil, 204, hdr("Access-Control-Allow-Origin", "https://x.test"), "PreflightAllowOriginMismatch", "https://x.test"},
		{"star with credentials", true, "PUT", nil, 204, hdr("Access-Control-Allow-Origin", "*"), "PreflightWildcardOriginNotAllowed", ""},
		{"credentials without ACAC", true, "PUT", nil, 204, ok("Access-Control-Allow-Methods", "PUT"), "PreflightInvalidAllowCredentials", ""},
		{"multiple", false, "PUT", nil, 204, hdr("Access-Control-Allow-Origin", "*, *"), "PreflightMultipleAllowOriginValues", "*, *"},
		{"invalid", false, "PUT", nil, 204, hdr("Access-Control-Allow-Origin", "nope"), "PreflightInvalidAllowOriginValue", "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := CheckPreflight(app, tt.cred, tt.method, tt.headers, tt.status, tt.h)
			if tt.reason == "" {
				if e != nil {
					t.Fatalf("CheckPreflight = %s %q, want nil", e.Reason, e.Param)
				}
				return
			}
			if e == nil {
				t.Fatalf("CheckPreflight = nil, want %s", tt.reason)
			}
			if e.Reason != tt.reason || e.Param != tt.param || !e.Preflight {
				t.Errorf("CheckPreflight = %s %q, want %s %q", e.Reason, e.Param, tt.reason, tt.param)
			}
			wantPrefix := strings.HasPrefix(string(tt.reason), "Preflight")
			if got := strings.Contains(e.Message, "Response to preflight request doesn't pass access control check"); got != wantPrefix {
				t.Errorf("Message = %q", e.Message)
			}
		})
	}
}

func TestParseMaxAge(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		in   *string
		want time.Duration
	}{
		{nil, 5 * time.Second},
		{s("600"), 600 * time.Second},
		{s("0"), 0},
		{s("-1"), 0},
		{s("-0"), 0},
		{s("+30"), 30 * time.Second},
		{s("7199"), 7199 * time.Second},
		{s("7200"), 2 * time.Hour},
		{s("86400"), 2 * time.Hour},
		{s("9223372036854775807"), 2 * time.Hour},
		{s("9223372036854775808"), 5 * time.Second},
		{s(""), 5 * time.Second},
		{s("abc"), 5 * time.Second},
		{s("60s"), 5 * time.Second},
		{s("1.5"), 5 * time.Second},
		{s("600, 600"), 5 * time.Second},
		{s(" 600"), 5 * time.Second},
		{s("+-5"), 5 * time.Second},
		{s("--5"), 5 * time.Second},
		{s("-"), 5 * time.Second},
	}
	for _, tt := range tests {
		if got := parseMaxAge(tt.in); got != tt.want {
			v := "<nil>"
			if tt.in != nil {
				v = *tt.in
			}
			t.Errorf("parseMaxAge(%q) = %v, want %v", v, got, tt.want)
		}
	}
}

func TestParseAllowList(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		in    *string
		lower bool
		want  []string
		ok    bool
	}{
		{nil, false, nil, true},
		{s(""), false, nil, true},
		{s(" , ,"), false, nil, true},
		{s("GET, put"), false, []string{"GET", "put"}, true},
		{s("GET, put"), true, []string{"get", "put"}, true},
		{s("X-A,\tX-B"), true, []string{"x-a", "x-b"}, true},
		{s("bad value"), false, nil, false},
		{s("a/b"), true, nil, false},
		{s("\"GET\""), false, nil, false},
		{s("*"), false, []string{"*"}, true},
	}
	for _, tt := range tests {
		got, ok := parseAllowList(tt.in, tt.lower)
		keys := slices.Sorted(maps.Keys(got))
		if ok != tt.ok || (ok && !slices.Equal(keys, tt.want) && len(keys)+len(tt.want) > 0) {
			t.Errorf("parseAllowList(%v) = %q, %v; want %q, %v", tt.in, keys, ok, tt.want, tt.ok)
		}
	}
}

func TestReadableHeaders(t *testing.T) {
	resp := hdr(
		"Content-Type", "application/json",
		"Content-Length", "2",
		"Cache-Control", "no-store",
		"Expires", "0",
		"Last-Modified", "x",
		"Pragma", "no-cache",
		"Content-Language", "en",
		"X-Request-Id", "42",
		"X-Other", "1",
		"Set-Cookie", "a=b",
		"Date", "today",
	)
	safelisted := []string{"Cache-Control", "Content-Language", "Content-Length", "Content-Type", "Expires", "Last-Modified", "Pragma"}
	with := func(aceh ...string) http.Header {
		h := resp.Clone()
		for _, v := range aceh {
			h.Add("Access-Control-Expose-Headers", v)
		}
		return h
	}
	tests := []struct {
		name string
		cred bool
		h    http.Header
		want []string // beyond the safelisted ones
	}{
		{"none", false, with(), nil},
		{"one", false, with("X-Request-Id"), []string{"X-Request-Id"}},
		{"case-insensitive", false, with("x-request-id"), []string{"X-Request-Id"}},
		{"two lines", false, with("x-request-id", "X-Other"), []string{"X-Other", "X-Request-Id"}},
		{"set-cookie never", false, with("Set-Cookie, X-Other"), []string{"X-Other"}},
		{"star", false, with("*"), []string{"Access-Control-Expose-Headers", "Date", "X-Other", "X-Request-Id"}},
		{"star with credentials", true, with("*"), nil},
		{"star and name with credentials", true, with("*, X-Other"), []string{"X-Other"}},
		{"empty elements skipped", false, with(" ,X-Other ,, X-Request-Id , "), []string{"X-Other", "X-Request-Id"}},
		{"trailing comma", false, with("X-Other,"), []string{"X-Other"}},
		{"bad character empties the list", false, with("X-Other, b@d"), nil},
		{"bad token empties the list", false, with("X-Other, X/Request"), nil},
		{"empty value", false, with(""), nil},
		{"spaces and tabs", false, with(" X-Other\t,\tX-Request-Id "), []string{"X-Other", "X-Request-Id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReadableHeaders(tt.cred, tt.h)
			want := append(slices.Clone(safelisted), tt.want...)
			slices.Sort(want)
			keys := slices.Sorted(maps.Keys(got))
			if !slices.Equal(keys, want) {
				t.Errorf("ReadableHeaders = %q, want %q", keys, want)
			}
		})
	}
	h := with("X-Request-Id")
	got := ReadableHeaders(false, h)
	got["X-Request-Id"][0] = "changed"
	if h.Get("X-Request-Id") != "42" {
		t.Error("ReadableHeaders shares slices with its input")
	}
}

func TestErrorMessages(t *testing.T) {
	e := newError("AllowOriginMismatch", "https://x.test", app, false)
	e.setMessage("https://api.test/b", "https://api.test/a", "")
	want := "Access to fetch at 'https://api.test/b' (redirected from 'https://api.test/a') from origin 'https://app.test' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://x.test' that is not equal to the supplied origin. Have the server send the header with a valid value."
	if e.Message != want || e.Error() != want {
		t.Errorf("Message =\n%s\nwant\n%s", e.Message, want)
	}
	e = newError("PreflightMissingAllowOriginHeader", "", app, true)
	e.setMessage("https://api.test/a", "https://api.test/a", "")
	want = "Access to fetch at 'https://api.test/a' from origin 'https://app.test' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
	if e.Message != want {
		t.Errorf("Message =\n%s\nwant\n%s", e.Message, want)
	}
	if got := encodeHint("a\nb"); got != `a\u000Ab` {
		t.Errorf("encodeHint = %q", got)
	}
	for _, r := range []Reason{"MissingAllowOriginHeader", "WildcardOriginNotAllowed", "InvalidAllowCredentials", "PreflightInvalidStatus",
		"PreflightDisallowedRedirect", "InvalidAllowMethodsPreflightResponse", "InvalidAllowHeadersPreflightResponse",
		"MethodDisallowedByPreflightResponse", "HeaderDisallowedByPreflightResponse", "RedirectContainsCredentials", "DisallowedByMode"} {
		if f := fixFor(r, "x-a", app); f.Advice == "" {
			t.Errorf("no fix for %s", r)
		}
	}
	if f := fixFor("HeaderDisallowedByPreflightResponse", "x-request-id", app); f.Value != "X-Request-Id" || f.CORSConfig != `cors.Config{RequestHeaders: []string{"X-Request-Id"}}` {
		t.Errorf("fix = %+v", f)
	}
}

// A preflight refused without any CORS headers (as CORS middlewares answer
// a method or header they do not allow) is reported by Chromium as a
// missing Allow-Origin; the fix must not stop at "allow the origin".
func TestPreflightMissingAllowOriginFixMentionsRefusal(t *testing.T) {
	e := CheckPreflight("https://app.example", false, "PUT", []string{"x-custom"}, 403, http.Header{})
	if e == nil || e.Reason != "PreflightMissingAllowOriginHeader" {
		t.Fatalf("CheckPreflight = %+v, want PreflightMissingAllowOriginHeader", e)
	}
	for _, want := range []string{"Access-Control-Allow-Origin", "cors.Config.Methods", "cors.Config.RequestHeaders"} {
		if !strings.Contains(e.Fix.Header+" "+e.Fix.Advice, want) {
			t.Errorf("fix %+v does not mention %s", e.Fix, want)
		}
	}
}
