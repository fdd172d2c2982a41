package fetch

import (
	"strings"
	"testing"
)

func TestIsToken(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"x-request-id", true},
		{"Content-Type", true},
		{"!#$%&'*+-.^_`|~09AZaz", true},
		{"", false},
		{"a b", false},
		{"a,b", false},
		{"a:b", false},
		{"é", false},
		{"a\x00", false},
		{"\"quoted\"", false},
		{"a\x7f", false},
	} {
		if got := IsToken(tt.in); got != tt.want {
			t.Errorf("IsToken(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestIsTokenDelimiters checks every byte against RFC 9110's definition:
// visible ASCII except the delimiters.
func TestIsTokenDelimiters(t *testing.T) {
	const delimiters = "\"(),/:;<=>?@[\\]{}"
	for c := 0; c < 256; c++ {
		want := c > 0x20 && c < 0x7f && !strings.ContainsRune(delimiters, rune(c))
		if got := IsToken(string([]byte{byte(c)})); got != want {
			t.Errorf("IsToken(%q) = %v, want %v", rune(c), got, want)
		}
	}
}

func TestHeaderValue(t *testing.T) {
	for _, tt := range []struct {
		in, normalized string
		valid          bool // whether in is a header value as it is
	}{
		{"text/plain", "text/plain", true},
		{"", "", true},
		{" a ", "a", false},
		{"\ta\r\n", "a", false},
		{"a b", "a b", true},
		{"a\x00b", "a\x00b", false},
		{"a\rb", "a\rb", false},
		{"a\nb", "a\nb", false},
		{"a\x01b", "a\x01b", true}, // control bytes other than NUL, CR, LF are allowed
	} {
		if got := NormalizeHeaderValue(tt.in); got != tt.normalized {
			t.Errorf("NormalizeHeaderValue(%q) = %q, want %q", tt.in, got, tt.normalized)
		}
		if got := IsHeaderValue(tt.in); got != tt.valid {
			t.Errorf("IsHeaderValue(%q) = %v, want %v", tt.in, got, tt.valid)
		}
	}
}

func TestMethods(t *testing.T) {
	for _, tt := range []struct {
		in, normalized        string
		forbidden, safelisted bool
	}{
		{"get", "GET", false, true},
		{"Head", "HEAD", false, true},
		{"post", "POST", false, true},
		{"put", "PUT", false, false},
		{"delete", "DELETE", false, false},
		{"options", "OPTIONS", false, false},
		{"patch", "patch", false, false}, // not normalized: sent as written
		{"PATCH", "PATCH", false, false},
		{"connect", "connect", true, false},
		{"Trace", "Trace", true, false},
		{"TRACK", "TRACK", true, false},
	} {
		n := NormalizeMethod(tt.in)
		if n != tt.normalized {
			t.Errorf("NormalizeMethod(%q) = %q, want %q", tt.in, n, tt.normalized)
		}
		if got := IsForbiddenMethod(tt.in); got != tt.forbidden {
			t.Errorf("IsForbiddenMethod(%q) = %v", tt.in, got)
		}
		if got := IsCORSSafelistedMethod(n); got != tt.safelisted {
			t.Errorf("IsCORSSafelistedMethod(%q) = %v", n, got)
		}
	}
	if IsCORSSafelistedMethod("get") {
		t.Error(`IsCORSSafelistedMethod("get") = true: the comparison is case-sensitive`)
	}
}

func TestForbiddenRequestHeader(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		want        bool
	}{
		{"Cookie", "", true},
		{"cookie2", "", true},
		{"Host", "", true},
		{"Keep-Alive", "", true},
		{"Sec-Fetch-Site", "", true},
		{"sec-foo", "", true},
		{"Proxy-Authorization", "", true},
		{"proxy-", "", true},
		{"Access-Control-Request-Private-Network", "true", false}, // see the package documentation
		{"User-Agent", "", false},                                 // the standard allows it; Chromium's departure lives in browser
		{"Authorization", "", false},
		{"Content-Type", "", false},
		{"X-Requested-With", "", false},
		{"Secret", "", false},
		{"Proxyish", "", false},
		{"X-HTTP-Method-Override", "PUT", false},
		{"X-HTTP-Method-Override", "TRACE", true},
		{"x-http-method", "connect", true},
		{"X-Method-Override", "GET, track", true},
		{"X-Method-Override", " TRACE ", true},
		{"X-Other-Override", "TRACE", false},
	} {
		if got := IsForbiddenRequestHeader(tt.name, tt.value); got != tt.want {
			t.Errorf("IsForbiddenRequestHeader(%q, %q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
	for name := range forbiddenRequestHeaders {
		if name != strings.ToLower(name) || !IsToken(name) {
			t.Errorf("table entry %q is not a lower-case header name", name)
		}
		if !IsForbiddenRequestHeaderName(strings.ToUpper(name)) {
			t.Errorf("IsForbiddenRequestHeaderName(%q) = false", strings.ToUpper(name))
		}
	}
}

func TestHeaderNameTables(t *testing.T) {
	for _, tt := range []struct {
		pred func(string) bool
		fn   string
		yes  []string
		no   []string
	}{
		{IsForbiddenResponseHeaderName, "IsForbiddenResponseHeaderName",
			[]string{"Set-Cookie", "set-cookie2"}, []string{"Cookie", "Set-Cookie3"}},
		{IsCORSSafelistedResponseHeaderName, "IsCORSSafelistedResponseHeaderName",
			[]string{"Cache-Control", "content-language", "Content-Length", "Content-Type", "Expires", "Last-Modified", "PRAGMA"},
			[]string{"ETag", "Date", "Set-Cookie", "X-Request-Id"}},
		{IsRequestBodyHeaderName, "IsRequestBodyHeaderName",
			[]string{"Content-Encoding", "Content-Language", "Content-Location", "content-type"},
			[]string{"Content-Length", "Accept"}},
		{IsNoCORSSafelistedRequestHeaderName, "IsNoCORSSafelistedRequestHeaderName",
			[]string{"Accept", "Accept-Language", "Content-Language", "Content-Type"},
			[]string{"Range", "Authorization"}},
		{IsCORSSafelistedRequestHeaderName, "IsCORSSafelistedRequestHeaderName",
			[]string{"Accept", "Accept-Language", "Content-Language", "Content-Type", "range"},
			[]string{"Authorization", "X-Requested-With", "Origin"}},
	} {
		for _, n := range tt.yes {
			if !tt.pred(n) {
				t.Errorf("%s(%q) = false", tt.fn, n)
			}
		}
		for _, n := range tt.no {
			if tt.pred(n) {
				t.Errorf("%s(%q) = true", tt.fn, n)
			}
		}
	}
}

func TestCORSSafelistedRequestHeader(t *testing.T) {
	long := strings.Repeat("a", MaxSafelistedValue)
	for _, tt := range []struct {
		name, value string
		want        bool
	}{
		{"Accept", "*/*", true},
		{"accept", long, true},
		{"accept", long + "a", false},
		{"Accept", "text/html(", false},
		{"Accept", "a\tb", true}, // tab is not unsafe
		{"Accept", "a\x01b", false},
		{"Accept-Language", "en-US,en;q=0.9", true},
		{"Accept-Language", "en_US", false},
		{"Content-Language", "de, *", true},
		{"Content-Type", "text/plain", true},
		{"Content-Type", "Text/Plain; charset=utf-8", true},
		{"Content-Type", "text/plain;charset=\"x\"", false}, // '"' is unsafe
		{"Content-Type", "application/x-www-form-urlencoded", true},
		{"Content-Type", "multipart/form-data; boundary=x", true},
		{"Content-Type", "application/json", false},
		{"Content-Type", "text/plain/x", false},
		{"Content-Type", " text/plain ", true},
		{"Content-Type", "text /plain", false},
		{"Content-Type", "text", false},
		{"Range", "bytes=0-", true},
		{"Range", "bytes=0-10", true},
		{"Range", "bytes=10-0", false},
		{"Range", "bytes=-10", false}, // suffix ranges need a preflight
		{"Range", "bytes=0-1,3-4", false},
		{"Range", "Bytes=0-1", false},
		{"Range", "bytes= 0-1", false},
		{"Range", "bytes=99999999999999999999-", false},
		{"Authorization", "x", false},
		{"X-Requested-With", "x", false},
	} {
		if got := IsCORSSafelistedRequestHeader(tt.name, tt.value); got != tt.want {
			t.Errorf("IsCORSSafelistedRequestHeader(%q, %q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestCORSUnsafeRequestHeaderByte(t *testing.T) {
	const unsafe = "\"():<>?@[\\]{}\x7f"
	for c := 0; c < 256; c++ {
		want := c < 0x20 && c != '\t' || strings.ContainsRune(unsafe, rune(c))
		if got := IsCORSUnsafeRequestHeaderByte(byte(c)); got != want {
			t.Errorf("IsCORSUnsafeRequestHeaderByte(%#x) = %v, want %v", c, got, want)
		}
	}
}

func FuzzCORSSafelistedRequestHeader(f *testing.F) {
	for _, s := range []string{"text/plain", "bytes=0-1", "en-US", "\x00", "a/b/c"} {
		f.Add("content-type", s)
		f.Add("range", s)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		if IsCORSSafelistedRequestHeader(name, value) {
			if len(value) > MaxSafelistedValue {
				t.Fatalf("%q: %d bytes safelisted", name, len(value))
			}
			if !IsCORSSafelistedRequestHeaderName(name) {
				t.Fatalf("%q safelisted but its name is not", name)
			}
		}
	})
}
