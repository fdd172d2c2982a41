package proxy

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestForwardedHeaders: with ForwardedFor, the X-Forwarded-* family
// describes how the client reached the proxy (as cors-anywhere's xfwd
// does); with Forwarded, the standard header says the same; what the
// caller sent in these headers never goes through.
func TestForwardedHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	defer up.Close()
	forged := hdr("Origin", "https://app.example", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "gopher",
		"X-Forwarded-Host", "evil.example", "X-Forwarded-Port", "1", "Forwarded", "for=6.6.6.6")
	for _, tt := range []struct {
		name string
		c    Config
		want map[string]string // "" means absent
	}{
		{"off", Config{}, map[string]string{
			"X-Forwarded-For": "", "X-Forwarded-Proto": "", "X-Forwarded-Host": "", "X-Forwarded-Port": "", "Forwarded": "",
		}},
		{"x-forwarded", Config{ForwardedFor: true}, map[string]string{
			"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "proxy.example:8443",
			"X-Forwarded-Port": "8443", "Forwarded": "",
		}},
		{"forwarded", Config{Forwarded: true, ForwardedBy: "_crossorigin"}, map[string]string{
			"X-Forwarded-For": "", "Forwarded": `for=127.0.0.1;by=_crossorigin;host="proxy.example:8443";proto=http`,
		}},
		{"both", Config{ForwardedFor: true, Forwarded: true}, map[string]string{
			"X-Forwarded-For": "127.0.0.1", "Forwarded": `for=127.0.0.1;host="proxy.example:8443";proto=http`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := newTestProxy(t, tt.c, up)
			req := mustRequest(t, "GET", ps.URL+"/"+up.URL+"/", nil)
			req.Host = "proxy.example:8443"
			for k, v := range forged {
				req.Header[k] = v
			}
			resp, err := testTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			h := <-got
			for k, want := range tt.want {
				if v := h.Values(k); len(v) > 1 || h.Get(k) != want {
					t.Errorf("%s: %q, want %q", k, v, want)
				}
			}
		})
	}
}

// TestForwardedElement: RFC 7239's quoting: IPv6 nodes in brackets and
// quotes, obfuscated identifiers and IPv4 bare, ports and odd hosts quoted
// with escapes, anything else "unknown".
func TestForwardedElement(t *testing.T) {
	for _, tt := range []struct{ client, by, host, proto, want string }{
		{"192.0.2.60", "", "example.com", "http", "for=192.0.2.60;host=example.com;proto=http"},
		{"2001:db8:cafe::17", "", "example.com", "https", `for="[2001:db8:cafe::17]";host=example.com;proto=https`},
		{"::ffff:192.0.2.7", "", "", "http", "for=192.0.2.7;proto=http"},
		{"fe80::1%eth0", "", "", "http", `for="[fe80::1]";proto=http`},
		{"_hidden", "_SEVKISEK", "", "http", "for=_hidden;by=_SEVKISEK;proto=http"},
		{"", "203.0.113.43", "", "http", "for=unknown;by=203.0.113.43;proto=http"},
		{"@unix", "2001:db8::1", "[2001:db8::2]:8080", "http", `for=unknown;by="[2001:db8::1]";host="[2001:db8::2]:8080";proto=http`},
		{"192.0.2.1", "", `a"b\c`, "http", `for=192.0.2.1;host="a\"b\\c";proto=http`},
	} {
		if got := forwardedElement(tt.client, tt.by, tt.host, tt.proto); got != tt.want {
			t.Errorf("forwardedElement(%q, %q, %q, %q) = %s, want %s", tt.client, tt.by, tt.host, tt.proto, got, tt.want)
		}
	}
}

func TestForwardedByConfig(t *testing.T) {
	for by, ok := range map[string]bool{"_crossorigin": true, "_a.b-c_d": true, "192.0.2.1": true, "::1": true, "_": false, "proxy": false, "_a b": false, "unknown": false} {
		_, err := New(Config{Forwarded: true, ForwardedBy: by})
		if (err == nil) != ok {
			t.Errorf("ForwardedBy %q: %v", by, err)
		}
	}
	if _, err := New(Config{ForwardedBy: "_x"}); err == nil {
		t.Error("ForwardedBy without Forwarded accepted")
	}
}

// TestRequestPort: the port comes from Host, else from the connection.
func TestRequestPort(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "proxy.example"
	if got := requestPort(r, "https"); got != "443" {
		t.Errorf("no port anywhere: %q", got)
	}
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
	if got := requestPort(r, "http"); got != "8080" {
		t.Errorf("from the connection: %q", got)
	}
}
