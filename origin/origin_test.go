package origin

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://example.com", "https://example.com"},
		{"HTTPS://EXAMPLE.com", "https://example.com"},
		{"https://example.com:443", "https://example.com"},
		{"http://example.com:80", "http://example.com"},
		{"http://example.com:443", "http://example.com:443"},
		{"https://example.com:8443", "https://example.com:8443"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://[0:0:0:0:0:0:0:1]", "http://[::1]"},
		{"http://[2001:DB8::1]", "http://[2001:db8::1]"},
		{"http://[::ffff:192.0.2.128]", "http://[::ffff:c000:280]"},
		{"http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]"},
		{"https://under_score.example.com", "https://under_score.example.com"},
		{"https://example.com.", "https://example.com."},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		{"null", "null"},
		{"chrome-extension://abcdef", "chrome-extension://abcdef"},
	}
	for _, tt := range tests {
		o, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := o.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, reason string
	}{
		{"", "empty"},
		{"example.com", "missing scheme"},
		{"https://example.com/", "trailing slash"},
		{"https://example.com/path", "has a path"},
		{"https://example.com?q", "query"},
		{"https://example.com#f", "fragment"},
		{"https://user:pw@example.com", "userinfo"},
		{"https://", "empty host"},
		{"https://example.com:", "empty port"},
		{"https://example.com:0", "invalid port"},
		{"https://example.com:65536", "invalid port"},
		{"https://example.com:8o", "invalid port"},
		{"https://exa mple.com", "invalid character"},
		{"https://bücher.example", "non-ASCII"},
		{"https://a..example.com", "empty label"},
		{"https://.example.com", "empty label"},
		{"http://0x7f.1", "non-canonical IPv4"},
		{"http://127.1", "non-canonical IPv4"},
		{"http://0177.0.0.1", "non-canonical IPv4"},
		{"http://2130706433", "non-canonical IPv4"},
		{"http://[fe80::1%25eth0]", "invalid IPv6"},
		{"http://[::1", "unclosed"},
		{"1https://example.com", "invalid scheme"},
		{"https://" + strings.Repeat("a", MaxLength), "longer than"},
		{"https://" + strings.Repeat("a.", 127) + "aa", "longer than 253"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) error = %v, want *Error", tt.in, err)
			continue
		}
		if !strings.Contains(e.Reason, tt.reason) {
			t.Errorf("Parse(%q) reason = %q, want it to contain %q", tt.in, e.Reason, tt.reason)
		}
	}
}

func TestOriginProperties(t *testing.T) {
	tests := []struct {
		in               string
		loopback, secure bool
		site             string
		port             int
	}{
		{"https://app.example.co.uk", false, true, "https://example.co.uk", 443},
		{"http://app.example.com:8080", false, false, "http://example.com", 8080},
		{"http://localhost:3000", true, true, "http://localhost", 3000},
		{"http://api.localhost", true, true, "http://api.localhost", 80},
		{"http://127.0.0.2", true, true, "http://127.0.0.2", 80},
		{"http://[::1]:1", true, true, "http://[::1]", 1},
		{"https://user.github.io", false, true, "https://user.github.io", 443},
		{"null", false, false, "null", 0},
	}
	for _, tt := range tests {
		o := MustParse(tt.in)
		if got := o.IsLoopback(); got != tt.loopback {
			t.Errorf("%s IsLoopback = %v", tt.in, got)
		}
		if got := o.IsPotentiallyTrustworthy(); got != tt.secure {
			t.Errorf("%s IsPotentiallyTrustworthy = %v", tt.in, got)
		}
		if got := o.Site(); got != tt.site {
			t.Errorf("%s Site = %q, want %q", tt.in, got, tt.site)
		}
		if got := o.EffectivePort(); got != tt.port {
			t.Errorf("%s EffectivePort = %d, want %d", tt.in, got, tt.port)
		}
	}
	a, b := MustParse("https://a.example.com"), MustParse("https://b.example.com:8443")
	if !a.SameSite(b) {
		t.Error("subdomains of one site are not same-site")
	}
	if a.SameSite(MustParse("http://a.example.com")) {
		t.Error("http and https are same-site")
	}
	if (Origin{}).SameSite(Origin{}) {
		t.Error("opaque origins are same-site")
	}
}

func TestFromURL(t *testing.T) {
	tests := map[string]string{
		"https://Example.com:443/path?q#f": "https://example.com",
		"http://[::1]:8080/":               "http://[::1]:8080",
		"file:///etc/passwd":               "null",
		"data:text/plain,hi":               "null",
		"wss://example.com/socket":         "wss://example.com",
	}
	for in, want := range tests {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FromURL(u).String(); got != want {
			t.Errorf("FromURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"https://example.com", "HTTP://A.B:80", "http://[::1]:1", "null", "https://x/", "http://0x7f.1", "a://b@c", "http://[::ffff:1.2.3.4]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := Parse(s)
		if want := err == nil && !o.IsOpaque() && o.String() == s; IsSerialized(s) != want {
			t.Fatalf("IsSerialized(%q) = %v, want %v (Parse: %v, %v)", s, !want, want, o, err)
		}
		if err != nil {
			return
		}
		out := o.String()
		o2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, out, err)
		}
		if o2 != o || o2.String() != out {
			t.Fatalf("round trip of %q: %q then %q", s, out, o2.String())
		}
		if c, ok := splitCanonical(out); !ok && !o.IsOpaque() {
			t.Fatalf("serialization %q is not canonical (%+v)", out, c)
		}
	})
}

func TestIsSerialized(t *testing.T) {
	for s, want := range map[string]bool{
		"https://example.com": true, "http://localhost:8080": true, "http://[::1]:3000": true, "http://127.0.0.1": true,
		"https://a_b.example": true, "https://example.com.": true,
		"null": false, "": false, "https://Example.com": false, "https://example.com:443": false, "https://example.com/": false,
		"https://a..b": false, "http://[::0001]": false, "http://0x7f.1": false, "https://example.com:": false, "https://example.com:080": false,
		"HTTPS://example.com": false, "https//example.com": false, "https://": false,
	} {
		if got := IsSerialized(s); got != want {
			t.Errorf("IsSerialized(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParsesAsIPv4(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1":    true,
		"127.1":        true,
		"2130706433":   true,
		"0x7f.1":       true,
		"0X7F":         true,
		"1.2.3.4.":     true,
		"example.com":  false,
		"1.example":    false,
		"example.0x1g": false,
		"":             false,
		".":            false,
	} {
		if got := ParsesAsIPv4(host); got != want {
			t.Errorf("ParsesAsIPv4(%q) = %v, want %v", host, got, want)
		}
	}
}
