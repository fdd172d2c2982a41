package browser

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeMethod(t *testing.T) {
	for in, want := range map[string]string{
		"get": "GET", "Post": "POST", "pUt": "PUT", "delete": "DELETE", "options": "OPTIONS", "head": "HEAD",
		"patch": "patch", "PATCH": "PATCH", "Purge": "Purge", "GET": "GET",
	} {
		if got := normalizeMethod(in); got != want {
			t.Errorf("normalizeMethod(%q) = %q, want %q", in, got, want)
		}
	}
	for _, m := range []string{"CONNECT", "trace", "Track"} {
		if !isForbiddenMethod(m) {
			t.Errorf("isForbiddenMethod(%q) = false", m)
		}
	}
	if isForbiddenMethod("PATCH") {
		t.Error("PATCH is not forbidden")
	}
}

func TestForbiddenHeader(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{"cookie", "a=b", true},
		{"user-agent", "x", true}, // Chromium-only
		{"origin", "https://evil.test", true},
		{"sec-fetch-site", "none", true},
		{"sec-custom", "1", true},
		{"proxy-authorization", "x", true},
		{"proxyish", "x", false},
		{"x-http-method-override", "PUT", false},
		{"x-http-method-override", "trace", true},
		{"x-method-override", "GET, connect", true},
		{"x-http-method", " Track ", true},
		{"authorization", "Bearer x", false},
		{"content-type", "text/plain", false},
		{"x-custom", "1", false},
	}
	for _, tt := range tests {
		if got := isForbiddenHeader(tt.name, tt.value); got != tt.want {
			t.Errorf("isForbiddenHeader(%q, %q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestSafelistedHeader(t *testing.T) {
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, value string
		want        bool
	}{
		{"accept", "*/*", true},
		{"accept", "application/json", true},
		{"accept", "text/html; q=0.9", true},
		{"accept", "a(b", false},
		{"accept", "a\x01b", false},
		{"accept", "a\tb", true},
		{"accept", strings.Repeat("a", 128), true},
		{"accept", long, false},
		{"accept-language", "en-US,en;q=0.9", true},
		{"accept-language", "en_US", false},
		{"accept-language", "*", true},
		{"content-language", "de-DE", true},
		{"content-language", "de/DE", false},
		{"content-type", "text/plain", true},
		{"content-type", "text/plain;charset=UTF-8", true},
		{"content-type", "Text/Plain", true},
		{"content-type", "application/x-www-form-urlencoded", true},
		{"content-type", "multipart/form-data; boundary=x", true},
		{"content-type", "application/json", false},
		{"content-type", "text/plain ; charset=x", true},
		{"content-type", "text /plain", false},
		{"content-type", "text/ plain", false},
		{"content-type", "text/plain/x", false},
		{"content-type", "text/plain, application/json", false},
		{"content-type", "text/plain; x=\"y\"", false}, // " is an unsafe byte
		{"content-type", "text/plain; x=(y)", false},
		{"content-type", "textplain", false},
		{"content-type", "", false},
		{"range", "bytes=0-", true},
		{"range", "bytes=0-10", true},
		{"range", "Bytes=5-5", false},
		{"range", "bytes=5-5", true},
		{"range", "bytes=10-5", false},
		{"range", "bytes=-5", false},
		{"range", "bytes=0-1,3-4", false},
		{"range", "bytes = 0-1", false},
		{"range", "bytes=0-1 ", false},
		{"range", "items=0-1", false},
		{"range", "bytes=99999999999999999999-", false},
		{"dpr", "2", true},
		{"dpr", "1.5", true},
		{"dpr", "1.", false},
		{"dpr", ".5", false},
		{"device-memory", "8", true},
		{"downlink", "10.2", true},
		{"width", "1024", true},
		{"width", "10.5", false},
		{"viewport-width", "800", true},
		{"rtt", "50", true},
		{"ect", "4g", true},
		{"ect", "5g", false},
		{"save-data", "on", true},
		{"save-data", "ON", true},
		{"save-data", "off", false},
		{"intervention", "anything", true},
		{"x-custom", "1", false},
		{"authorization", "Bearer x", false},
		{"cache-control", "no-cache", false},
	}
	for _, tt := range tests {
		if got := isSafelistedHeader(tt.name, tt.value); got != tt.want {
			t.Errorf("isSafelistedHeader(%q, %q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestIsSafelisted(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	big := strings.Repeat("a", 128)
	tests := []struct {
		name   string
		method string
		h      http.Header
		ok     bool
		names  []string
	}{
		{"GET", "GET", nil, true, nil},
		{"lower-case get", "get", nil, true, nil},
		{"POST form", "POST", h("Content-Type", "application/x-www-form-urlencoded"), true, nil},
		{"HEAD", "HEAD", nil, true, nil},
		{"PUT", "PUT", nil, false, nil},
		{"lower-case patch", "patch", nil, false, nil},
		{"DELETE", "delete", nil, false, nil},
		{"JSON", "POST", h("Content-Type", "application/json"), false, []string{"content-type"}},
		{"custom headers sorted", "GET", h("X-B", "1", "X-A", "2", "Authorization", "x"), false, []string{"authorization", "x-a", "x-b"}},
		{"forbidden dropped", "GET", h("Cookie", "a=b", "User-Agent", "x", "Sec-Foo", "1", "Origin", "https://evil.test"), true, nil},
		{"override with forbidden method dropped", "GET", h("X-HTTP-Method-Override", "TRACE"), true, nil},
		{"override with ordinary method kept", "GET", h("X-HTTP-Method-Override", "PUT"), false, []string{"x-http-method-override"}},
		{"repeated accept joined", "GET", h("Accept", "a/b", "Accept", "c/d"), true, nil},
		{"value trimmed", "POST", h("Content-Type", "  text/plain  "), true, nil},
		{"non-canonical key", "GET", http.Header{"x-lower": {"1"}}, false, []string{"x-lower"}},
		{"1024 bytes total ok", "GET", h("Accept", big, "Accept-Language", strings.Repeat("a", 128), "Content-Language", strings.Repeat("b", 128), "Dpr", "1", "Intervention", big, "Width", "1", "Viewport-Width", "1", "Rtt", "1"), true, nil},
		{"over 1024 bytes total", "GET", h("Accept", big, "Accept-Language", big, "Content-Language", big, "Intervention", big, "Content-Type", "text/plain;"+strings.Repeat("x", 100), "Device-Memory", strings.Repeat("1", 100), "Rtt", strings.Repeat("1", 100), "Dpr", strings.Repeat("1", 100), "Width", strings.Repeat("1", 100), "Viewport-Width", strings.Repeat("1", 100)), false,
			[]string{"accept", "accept-language", "content-language", "content-type", "device-memory", "dpr", "intervention", "rtt", "viewport-width", "width"}},
		{"client hints", "GET", h("DPR", "2", "Save-Data", "on", "ECT", "4g"), true, nil},
		{"range", "GET", h("Range", "bytes=0-100"), true, nil},
		{"suffix range", "GET", h("Range", "bytes=-100"), false, []string{"range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, names := IsSafelisted(tt.method, tt.h)
			if ok != tt.ok || !slices.Equal(names, tt.names) {
				t.Errorf("IsSafelisted = %v, %q; want %v, %q", ok, names, tt.ok, tt.names)
			}
		})
	}
}

func TestRequestHeadersValue(t *testing.T) {
	if got := requestHeadersValue([]string{"x-b", "authorization", "content-type"}); got != "authorization,content-type,x-b" {
		t.Errorf("got %q", got)
	}
}

func TestCacheRange(t *testing.T) {
	for in, want := range map[string]string{
		"bytes=0-1":     "bytes=0-1",
		"BYTES=0-1":     "bytes=0-1",
		"bytes = 0 - 1": "bytes=0-1",
		"bytes=0-1,":    "bytes=0-1",
		"bytes=,5-":     "bytes=5-",
		"bytes=-5":      "bytes=-5",
		"bytes=0-1,3-4": "bytes=0-1,3-4",
		"bytes=5-3":     "bytes=5-3",
		"bytes=x-1":     "bytes=x-1",
		"items=0-1":     "items=0-1",
		"bytes=-":       "bytes=-",
		"bytes=":        "bytes=",
		"bytes=+1-2":    "bytes=1-2",
		"bytes=01-0002": "bytes=1-2",
	} {
		if got := cacheRange(in); got != want {
			t.Errorf("cacheRange(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPrivateNetworkHeaderNotForbidden is the regression test for the
// browser dropping Access-Control-Request-Private-Network set by a script:
// Chromium 156 sends it and preflights the request, as for any header
// that is not safelisted (e2e/browserdiff, case hdr-acrpn-script).
func TestPrivateNetworkHeaderNotForbidden(t *testing.T) {
	ok, names := IsSafelisted("GET", http.Header{"Access-Control-Request-Private-Network": {"true"}})
	if ok || !slices.Equal(names, []string{"access-control-request-private-network"}) {
		t.Errorf("IsSafelisted = %v, %q; want false, [access-control-request-private-network]", ok, names)
	}
}
