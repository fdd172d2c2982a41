package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTargetForms(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{}, up)
	base := up.URL // http://127.0.0.1:PORT
	hostPort := strings.TrimPrefix(base, "http://")
	tests := []struct {
		name, path, wantURI, wantReqURL string
	}{
		{"path", "/" + base + "/a/b?x=1", "/a/b?x=1", base + "/a/b?x=1"},
		{"double slash kept", "/" + base + "/echo//a///b", "/echo//a///b", base + "/echo//a///b"},
		{"leading double slash kept", "/" + base + "//x", "//x", base + "//x"},
		{"escapes kept", "/" + base + "/a%2Fb/%7e/c%20d", "/a%2Fb/%7e/c%20d", base + "/a%2Fb/%7e/c%20d"},
		{"dot segments kept", "/" + base + "/a/../b/./c", "/a/../b/./c", base + "/a/../b/./c"},
		{"no path", "/" + base, "/", base + "/"},
		{"scheme-less", "/" + hostPort + "/s?q", "/s?q", base + "/s?q"},
		{"query form", "/?url=" + base + "%2Fq%2F%2Fr%3Fa%3Db", "/q//r?a=b", base + "/q//r?a=b"},
		{"upper-case scheme", "/HTTP://" + hostPort + "/u", "/u", base + "/u"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "GET", ps.URL+tt.path, nil, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Upstream-Uri"); got != tt.wantURI {
				t.Errorf("upstream saw %q, want %q", got, tt.wantURI)
			}
			if got := resp.Header.Get("X-Request-Url"); got != tt.wantReqURL {
				t.Errorf("X-Request-URL = %q, want %q", got, tt.wantReqURL)
			}
			if got := resp.Header.Get("X-Final-Url"); got != tt.wantReqURL {
				t.Errorf("X-Final-URL = %q, want %q", got, tt.wantReqURL)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Error("no Access-Control-Allow-Origin: *")
			}
		})
	}
}

func TestParseTargetString(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"example.com/x", "http://example.com/x"},
		{"example.com:443/x", "https://example.com:443/x"},
		{"example.com:8443/x", "http://example.com:8443/x"},
		{"//example.com/x", "http://example.com/x"},
		{"https://example.com", "https://example.com/"},
		{"https://example.com?q", "https://example.com/?q"},
		{"https://example.com/a#frag", "https://example.com/a"},
		{"1.2.3.4/x", "http://1.2.3.4/x"},
		{"[2001:4860::1]:443/", "https://[2001:4860::1]:443/"},
		{"favicon.ico", "http://favicon.ico/"}, // a TLD-shaped name, as in cors-anywhere
		{"localhost:9000/x", ""},
		{"robots", ""},
		{"https:/example.com", ""},
		{"http:/example.com", ""},
		{"ftp://example.com/", ""},
		{"javascript://example.com/%0aalert(1)", ""},
		{"https://user@example.com/", ""},
		{"https://exa mple.com/", ""},
		{"https://", ""},
		{"https:///x", ""},
	}
	for _, tt := range tests {
		tg, pe := parseTargetString(tt.in)
		got := ""
		if pe == nil {
			got = tg.String()
		}
		if got != tt.want {
			t.Errorf("parseTargetString(%q) = %q (%v), want %q", tt.in, got, pe, tt.want)
		}
	}
}

func TestHelpAndSpecialPaths(t *testing.T) {
	_, ps := newTestProxy(t, Config{Help: "custom help\n"})
	resp, body := do(t, "GET", ps.URL+"/", nil, nil)
	if resp.StatusCode != 200 || body != "custom help\n" {
		t.Errorf("/ = %d %q, want the help page", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", ps.URL+"/?url=", nil, nil)
	if resp.StatusCode != 200 || body != "custom help\n" {
		t.Errorf("/?url= = %d %q, want the help page", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", ps.URL+"/iscorsneeded", nil, nil)
	if resp.StatusCode != 200 || body != "no" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("/iscorsneeded = %d %q ACAO %q", resp.StatusCode, body, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, body = do(t, "GET", ps.URL+"/robots.txt", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Disallow: /") {
		t.Errorf("/robots.txt = %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, "GET", ps.URL+"/favicon.ico", nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("/favicon.ico = %d, want 404 (not a host to resolve)", resp.StatusCode)
	}
	resp, body = do(t, "GET", ps.URL+"/https:/example.com/", nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "slash") {
		t.Errorf("missing slash = %d %q", resp.StatusCode, body)
	}
}

func TestOrigins(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{
		Origins:     []string{"https://app.example.com", "https://*.trusted.example"},
		DenyOrigins: []string{"https://bad.trusted.example"},
	}, up)
	tests := []struct {
		origin   string
		status   int
		wantACAO string
	}{
		{"https://app.example.com", 200, "https://app.example.com"},
		{"https://x.trusted.example", 200, "https://x.trusted.example"},
		{"https://bad.trusted.example", 403, ""},
		{"https://evil.example", 403, ""},
		{"null", 403, ""},
		{"", 403, ""},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		resp, body := do(t, "GET", ps.URL+"/"+up.URL+"/x", h, nil)
		if resp.StatusCode != tt.status {
			t.Errorf("origin %q: status %d, want %d (%s)", tt.origin, resp.StatusCode, tt.status, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
			t.Errorf("origin %q: ACAO %q, want %q", tt.origin, got, tt.wantACAO)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("origin %q: no Vary: Origin", tt.origin)
		}
		if tt.status == 403 && resp.Header.Get("X-Proxy-Error") != "origin_denied" {
			t.Errorf("origin %q: class %q", tt.origin, resp.Header.Get("X-Proxy-Error"))
		}
	}
}

func TestPreflight(t *testing.T) {
	var hits int
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.Header().Set("X-Method", r.Method)
	}))
	defer up.Close()
	_, ps := newTestProxy(t, Config{
		Origins:   []string{"https://app.example.com"},
		MaxAge:    10 * time.Minute,
		PerOrigin: Rate{Requests: 3, Per: time.Hour},
	}, up)
	pre := hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "content-type,x-custom", "Access-Control-Request-Private-Network", "true")
	resp, _ := do(t, "OPTIONS", ps.URL+"/"+up.URL+"/x", pre, nil)
	if resp.StatusCode != 204 {
		t.Fatalf("preflight status %d", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":          "https://app.example.com",
		"Access-Control-Allow-Methods":         "*",
		"Access-Control-Allow-Headers":         "*, Authorization",
		"Access-Control-Max-Age":               "600",
		"Access-Control-Allow-Private-Network": "true",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// Preflights for what browsers may not send fail.
	for _, bad := range []http.Header{
		hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "B@D"),
	} {
		resp, _ := do(t, "OPTIONS", ps.URL+"/"+up.URL+"/x", bad, nil)
		if resp.StatusCode != 403 || resp.Header.Get("X-Proxy-Error") != "preflight_refused" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %v: %d %q", bad, resp.StatusCode, resp.Header.Get("X-Proxy-Error"))
		}
	}
	// A denied origin's preflight is refused, not answered.
	resp, _ = do(t, "OPTIONS", ps.URL+"/"+up.URL+"/x", hdr("Origin", "https://evil.example", "Access-Control-Request-Method", "PUT"), nil)
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("denied origin preflight: %d, Allow-Methods %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Methods"))
	}
	// Preflights count against the rate limit (3 per hour), Authorization
	// or not: the preflight is only a question.
	auth := hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization")
	resp, _ = do(t, "OPTIONS", ps.URL+"/"+up.URL+"/x", auth, nil)
	if resp.StatusCode != 204 || !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight for Authorization: %d, Allow-Headers %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Headers"))
	}
	resp, _ = do(t, "OPTIONS", ps.URL+"/"+up.URL+"/x", pre, nil)
	if resp.StatusCode != 429 {
		t.Errorf("third preflight: status %d, want 429", resp.StatusCode)
	}
	// A plain OPTIONS (not a preflight) is forwarded.
	_, ps2 := newTestProxy(t, Config{}, up)
	resp, _ = do(t, "OPTIONS", ps2.URL+"/"+up.URL+"/x", nil, nil)
	if resp.Header.Get("X-Method") != "OPTIONS" {
		t.Errorf("plain OPTIONS was not forwarded")
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 1 {
		t.Errorf("upstream saw %d requests, want 1 (preflights are answered locally)", hits)
	}
}

func TestRequestHeaders(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{
		RequireHeaders: []string{"X-Requested-With", "Origin"},
		RemoveHeaders:  []string{"X-Custom"},
		SetHeaders:     map[string]string{"X-Set": "by-proxy"},
	}, up)
	resp, body := do(t, "GET", ps.URL+"/"+up.URL+"/x", http.Header{}, nil)
	if resp.StatusCode != 400 || resp.Header.Get("X-Proxy-Error") != "missing_header" {
		t.Errorf("without a required header: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", ps.URL+"/"+up.URL+"/x", hdr("X-Requested-With", "x", "X-Custom", "secret", "X-Forwarded-For", "6.6.6.6",
		"Cookie", "session=1", "Connection", "X-Hop", "X-Hop", "h"), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %q", resp.StatusCode, body)
	}
	for _, k := range []string{"X-Got-X-Custom", "X-Got-Cookie", "X-Got-Authorization", "X-Got-X-Forwarded-For", "X-Got-X-Hop"} {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("upstream got %s: %q", strings.TrimPrefix(k, "X-Got-"), v)
		}
	}
	if resp.Header.Get("X-Got-X-Set") != "by-proxy" {
		t.Errorf("SetHeaders not applied")
	}
}

func TestCredentials(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "a=1")
		w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("X-Auth", r.Header.Get("Authorization"))
		w.Header().Set("Access-Control-Allow-Origin", "https://upstream.example")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("X-Visible", "yes")
	}))
	defer up.Close()
	h := hdr("Cookie", "s=1", "Origin", "https://app.example")
	_, ps := newTestProxy(t, Config{}, up)
	resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", h, nil)
	if resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("X-Cookie") != "" || resp.Header.Get("X-Auth") != "" {
		t.Errorf("credentials crossed the proxy: %v", resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("upstream CORS headers leaked: %v", resp.Header)
	}
	if resp.Header.Get("Access-Control-Expose-Headers") != "*" || resp.Header.Get("X-Visible") != "yes" {
		t.Errorf("X-Visible not exposed: %q", resp.Header.Get("Access-Control-Expose-Headers"))
	}
	_, ps = newTestProxy(t, Config{CredentialHosts: []string{"127.0.0.1"}, Origins: []string{"https://app.example"}}, up)
	h.Set("Authorization", "Basic x")
	resp, _ = do(t, "GET", ps.URL+"/"+up.URL+"/", h, nil)
	if resp.Header.Get("Set-Cookie") != "a=1" || resp.Header.Get("X-Cookie") != "s=1" || resp.Header.Get("X-Auth") != "Basic x" {
		t.Errorf("CredentialHosts: credentials not forwarded: %v", resp.Header)
	}
}

// TestCredentialHostsWithAnyOrigin: forwarding credentials while every
// origin may call is the dangerous combination that New refuses.
func TestCredentialHostsWithAnyOrigin(t *testing.T) {
	for _, origins := range [][]string{nil, {"*"}} {
		_, err := New(Config{CredentialHosts: []string{"*.example.com"}, Origins: origins})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "CredentialHosts" {
			t.Errorf("Origins %q: err %v, want a CredentialHosts problem", origins, err)
		}
	}
	if _, err := New(Config{CredentialHosts: []string{"*.example.com"}, Origins: []string{"https://app.example.com"}}); err != nil {
		t.Errorf("listed origins: %v", err)
	}
}

func TestRedirects(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/r/"):
			code, _ := strconv.Atoi(r.URL.Path[3:6])
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(code)
		case r.URL.Path == "/loop":
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			http.Redirect(w, r, "/loop?n="+strconv.Itoa(n+1), http.StatusFound)
		default:
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Method", r.Method)
			w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
			_, _ = w.Write(body)
		}
	}))
	defer up.Close()
	_, ps := newTestProxy(t, Config{MaxRedirects: 3}, up)
	tests := []struct {
		name, method, path, body string
		status                   int
		wantMethod, wantBody     string
		wantLocation             string
	}{
		{"302 POST becomes GET", "POST", "/r/302?to=/end", "data", 200, "GET", "", ""},
		{"303 becomes GET", "PUT", "/r/303?to=/end", "data", 200, "GET", "", ""},
		{"301 GET", "GET", "/r/301?to=/end", "", 200, "GET", "", ""},
		{"307 keeps method and body", "POST", "/r/307?to=/end", "data", 200, "POST", "data", ""},
		{"308 keeps method and body", "PUT", "/r/308?to=/end", "data", 200, "PUT", "data", ""},
		{"hop limit hands back", "GET", "/loop?n=0", "", 302, "", "", "/" + up.URL + "/loop?n=4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, ps.URL+"/"+up.URL+tt.path, hdr("Content-Type", "text/plain"), strings.NewReader(tt.body))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.wantLocation != "" {
				if got := resp.Header.Get("Location"); got != tt.wantLocation {
					t.Errorf("Location %q, want %q", got, tt.wantLocation)
				}
				if resp.Header.Get("X-Cors-Redirect-3") == "" {
					t.Errorf("no X-CORS-Redirect-3: %v", resp.Header)
				}
				return
			}
			if resp.Header.Get("X-Method") != tt.wantMethod || body != tt.wantBody {
				t.Errorf("upstream got %s %q, want %s %q", resp.Header.Get("X-Method"), body, tt.wantMethod, tt.wantBody)
			}
			if tt.wantMethod == "GET" && tt.method != "GET" && resp.Header.Get("X-Content-Type") != "" {
				t.Errorf("Content-Type kept after a method change")
			}
			if !strings.HasPrefix(resp.Header.Get("X-Cors-Redirect-1"), tt.path[3:6]+" "+up.URL+"/end") {
				t.Errorf("X-CORS-Redirect-1 = %q", resp.Header.Get("X-Cors-Redirect-1"))
			}
			if resp.Header.Get("X-Final-Url") != up.URL+"/end" || resp.Header.Get("X-Request-Url") != up.URL+tt.path {
				t.Errorf("X-Request-URL %q, X-Final-URL %q", resp.Header.Get("X-Request-Url"), resp.Header.Get("X-Final-Url"))
			}
		})
	}
	// A 307 with a body too large to replay is handed to the caller.
	big := strings.Repeat("x", DefaultMaxReplayBody+1)
	resp, _ := do(t, "POST", ps.URL+"/"+up.URL+"/r/307?to=/end", nil, strings.NewReader(big))
	if resp.StatusCode != 307 || resp.Header.Get("Location") != "/"+up.URL+"/end" {
		t.Errorf("307 with a large body: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Each hop is checked: a redirect to a port that is not allowed.
	resp, _ = do(t, "GET", ps.URL+"/"+up.URL+"/r/302?to=http://127.0.0.1:1/", nil, nil)
	if resp.StatusCode != 403 || resp.Header.Get("X-Proxy-Error") != "blocked" {
		t.Errorf("redirect to a closed port: %d %q", resp.StatusCode, resp.Header.Get("X-Proxy-Error"))
	}
}

func TestRedirectHTTPSDowngrade(t *testing.T) {
	plain := httptest.NewServer(echoHandler())
	defer plain.Close()
	tlsUp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Redirect(w, r, plain.URL+"/x", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("over tls"))
	}))
	defer tlsUp.Close()
	_, ps := newTestProxy(t, Config{TLSConfig: tlsUp.Client().Transport.(*http.Transport).TLSClientConfig}, plain, tlsUp)
	resp, body := do(t, "GET", ps.URL+"/"+tlsUp.URL+"/ok", nil, nil)
	if resp.StatusCode != 200 || body != "over tls" {
		t.Logf("%v", resp.Header)
		t.Fatalf("https target: %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, "GET", ps.URL+"/"+tlsUp.URL+"/down", nil, nil)
	if resp.StatusCode != 403 {
		t.Errorf("https to http redirect: status %d, want 403", resp.StatusCode)
	}
	// Without the test CA, the certificate is not trusted: class tls.
	_, ps = newTestProxy(t, Config{}, tlsUp)
	resp, body = do(t, "GET", ps.URL+"/"+tlsUp.URL+"/ok", nil, nil)
	if resp.StatusCode != 502 || resp.Header.Get("X-Proxy-Error") != "tls" || strings.Contains(body, "x509") {
		t.Errorf("untrusted certificate: %d %q %q", resp.StatusCode, resp.Header.Get("X-Proxy-Error"), body)
	}
}

func TestRedirectSameOrigin(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{RedirectSameOrigin: true}, up)
	resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/x?y", hdr("Origin", up.URL), nil)
	if resp.StatusCode != 301 || resp.Header.Get("Location") != up.URL+"/x?y" {
		t.Errorf("same-origin target: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = do(t, "GET", ps.URL+"/"+up.URL+"/x?y", hdr("Origin", "https://other.example"), nil)
	if resp.StatusCode != 200 {
		t.Errorf("cross-origin target: %d", resp.StatusCode)
	}
}

// TestStarPolicyOmitsHeadersWithoutOrigin is issue 11's bug 1 as the proxy
// inherits it from package cors: with any origin allowed, a request
// without Origin (an <img>, a no-cors fetch) gets the same CORS headers as
// a CORS request, Access-Control-Allow-Origin: * included, so that a cache
// that stored either can hand it to the other.
func TestStarPolicyOmitsHeadersWithoutOrigin(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{}, up)
	without, _ := do(t, "GET", ps.URL+"/"+up.URL+"/img", http.Header{}, nil)
	with, _ := do(t, "GET", ps.URL+"/"+up.URL+"/img", hdr("Origin", "https://app.example"), nil)
	if without.StatusCode != 200 || with.StatusCode != 200 {
		t.Fatalf("statuses %d and %d", without.StatusCode, with.StatusCode)
	}
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"} {
		if a, b := without.Header.Values(k), with.Header.Values(k); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: %q without Origin, %q with one", k, a, b)
		}
	}
	if got := without.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("without Origin: Access-Control-Allow-Origin %q, want *", got)
	}
}

// TestRedirectSameOriginVaryOrigin is issue 11's bug 3: the 301 that
// RedirectSameOrigin sends depends on Origin, so it must say Vary: Origin
// and keep out of shared caches; and so must the proxied answer that other
// origins get for the same URL, or a cache would hand one to the other.
func TestRedirectSameOriginVaryOrigin(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	for _, origins := range [][]string{nil, {"https://other.example", up.URL}} {
		_, ps := newTestProxy(t, Config{RedirectSameOrigin: true, Origins: origins}, up)
		resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/x", hdr("Origin", up.URL), nil)
		if resp.StatusCode != 301 {
			t.Fatalf("Origins %v: same-origin target: %d", origins, resp.StatusCode)
		}
		if !varies(resp.Header, "Origin") {
			t.Errorf("Origins %v: the 301 has Vary %q, want Origin", origins, resp.Header.Values("Vary"))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "private" {
			t.Errorf("Origins %v: the 301 has Cache-Control %q, want private", origins, cc)
		}
		resp, _ = do(t, "GET", ps.URL+"/"+up.URL+"/x", hdr("Origin", "https://other.example"), nil)
		if resp.StatusCode != 200 || !varies(resp.Header, "Origin") {
			t.Errorf("Origins %v: another origin got %d with Vary %q, want 200 with Origin", origins, resp.StatusCode, resp.Header.Values("Vary"))
		}
	}
}

// varies reports whether h's Vary lists name.
func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) || strings.TrimSpace(f) == "*" {
				return true
			}
		}
	}
	return false
}

// TestErrorClasses: failures are coarse classes with CORS headers and no
// network error text.
func TestErrorClasses(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedPort := serverPort(t, closed)
	closed.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 2048))
	}))
	defer big.Close()
	_, ps := newTestProxy(t, Config{
		ResponseHeaderTimeout: 100 * time.Millisecond,
		MaxResponseBody:       1024,
		MaxRequestBody:        16,
		MaxHeaderBytes:        4096,
		Resolver:              mapResolver{"known.example": {"127.0.0.1"}},
		AllowPorts:            []int{closedPort},
	}, slow, big)
	tests := []struct {
		name, method, target string
		header               http.Header
		body                 string
		status               int
		class                string
	}{
		{"timeout", "GET", slow.URL + "/", nil, "", 504, "timeout"},
		{"refused", "GET", "http://127.0.0.1:" + strconv.Itoa(closedPort) + "/", nil, "", 502, "refused"},
		{"dns", "GET", "http://unknown.example/", nil, "", 502, "dns"},
		{"response too large", "GET", big.URL + "/", nil, "", 502, "response_too_large"},
		{"request too large", "POST", big.URL + "/", nil, strings.Repeat("y", 17), 413, "request_too_large"},
		{"header too large", "GET", big.URL + "/", hdr("X-Big", strings.Repeat("z", 5000)), "", 431, "header_too_large"},
		{"port", "GET", "http://example.com:22/", nil, "", 403, "blocked"},
		{"scheme", "GET", "ftp://example.com/", nil, "", 400, "bad_target"},
		{"userinfo", "GET", "http://a:b@example.com/", nil, "", 400, "bad_target"},
		{"numeric ipv4", "GET", "http://2130706433/", nil, "", 400, "bad_target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			h := hdr("Origin", "https://app.example")
			for k, v := range tt.header {
				h[k] = v
			}
			resp, b := do(t, tt.method, ps.URL+"/"+tt.target, h, body)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Proxy-Error") != tt.class {
				t.Errorf("got %d %q, want %d %q (body %q)", resp.StatusCode, resp.Header.Get("X-Proxy-Error"), tt.status, tt.class, b)
			}
			var ref Refusal
			if err := json.Unmarshal([]byte(b), &ref); err != nil || ref.Error != tt.class || ref.Message == "" || ref.Fix == "" {
				t.Errorf("body %q is not a Refusal of class %s (%v)", b, tt.class, err)
			}
			for _, leak := range []string{"dial", "connection refused", "127.0.0.1", "no such host", "i/o", "EOF"} {
				if strings.Contains(b, leak) {
					t.Errorf("body %q leaks %q", b, leak)
				}
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header on the error")
			}
			if resp.Header.Get("Access-Control-Expose-Headers") != "*" {
				t.Errorf("X-Proxy-Error not exposed: %q", resp.Header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}

func TestStreamedResponseCap(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 8 {
			_, _ = w.Write(bytes.Repeat([]byte("x"), 512))
			w.(http.Flusher).Flush()
		}
	}))
	defer up.Close()
	_, ps := newTestProxy(t, Config{MaxResponseBody: 1024}, up)
	resp, err := testTransport.RoundTrip(mustRequest(t, "GET", ps.URL+"/"+up.URL+"/", nil))
	if err != nil {
		return // cut before the headers went out: also a refusal
	}
	defer func() { _ = resp.Body.Close() }()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil || n > 1024 {
		t.Errorf("read %d bytes, err %v: want a cut connection at most 1024 bytes in", n, err)
	}
}

func mustRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestStreaming(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: first\n\n"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte("data: second\n\n"))
	}))
	defer up.Close()
	_, ps := newTestProxy(t, Config{}, up)
	resp, err := testTransport.RoundTrip(mustRequest(t, "GET", ps.URL+"/"+up.URL+"/", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	buf := make([]byte, 64)
	n, err := resp.Body.Read(buf)
	if err != nil || string(buf[:n]) != "data: first\n\n" {
		t.Fatalf("first event: %q %v (the proxy buffered the stream)", buf[:n], err)
	}
	close(release)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "data: second\n\n" {
		t.Errorf("second event: %q", rest)
	}
}

// TestAbortedDownloadsLeakNothing: 20 callers hang up in the middle of a
// 1 MiB download; every upstream connection must be closed (not parked
// in the pool half-read, not left open).
func TestAbortedDownloadsLeakNothing(t *testing.T) {
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	done := make(chan struct{}, 20)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		chunk := bytes.Repeat([]byte("x"), 16<<10)
		for range 64 { // 1 MiB, slowly enough that the caller leaves first
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}))
	up.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
		}
	}
	up.Start()
	defer up.Close()
	_, ps := newTestProxy(t, Config{}, up)
	for range 20 {
		resp, err := testTransport.RoundTrip(mustRequest(t, "GET", ps.URL+"/"+up.URL+"/1m", nil))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, resp.Body, 32<<10); err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close() // hang up mid-download
	}
	testTransport.CloseIdleConnections()
	for range 20 {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("an upstream handler never saw the caller leave")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(open)
		mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d upstream connections still open after the callers left", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInFlightCap(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	defer up.Close()
	_, ps := newTestProxy(t, Config{MaxInFlight: 1}, up)
	errc := make(chan int)
	go func() {
		resp, err := testTransport.RoundTrip(mustRequest(t, "GET", ps.URL+"/"+up.URL+"/", nil))
		if err != nil {
			errc <- 0
			return
		}
		_ = resp.Body.Close()
		errc <- resp.StatusCode
	}()
	<-entered
	resp, body := do(t, "GET", ps.URL+"/"+up.URL+"/", nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"error":"overloaded"`) {
		t.Errorf("second request: %d Retry-After %q %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	close(release)
	if code := <-errc; code != 200 {
		t.Errorf("first request: %d", code)
	}
}

func TestRateLimits(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	t.Run("per IP", func(t *testing.T) {
		_, ps := newTestProxy(t, Config{PerIP: Rate{Requests: 3, Per: time.Hour}}, up)
		for i := range 4 {
			resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", nil, nil)
			want, remaining := 200, strconv.Itoa(2-i)
			if i == 3 {
				want, remaining = 429, "0"
			}
			if resp.StatusCode != want {
				t.Fatalf("request %d: %d, want %d", i+1, resp.StatusCode, want)
			}
			if resp.Header.Get("X-Ratelimit-Limit") != "3" || resp.Header.Get("X-Ratelimit-Remaining") != remaining {
				t.Errorf("request %d: limit %q remaining %q, want 3 %s", i+1, resp.Header.Get("X-Ratelimit-Limit"), resp.Header.Get("X-Ratelimit-Remaining"), remaining)
			}
			if i == 3 {
				if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra < 1 || ra > 1200 {
					t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
				}
				if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
					t.Error("429 without CORS headers")
				}
			}
		}
	})
	t.Run("per origin site", func(t *testing.T) {
		_, ps := newTestProxy(t, Config{PerOrigin: Rate{Requests: 2, Per: time.Hour}}, up)
		codes := []int{}
		for _, o := range []string{"https://a.example.com", "https://b.example.com", "https://c.example.com", "https://other.example"} {
			resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", hdr("Origin", o), nil)
			codes = append(codes, resp.StatusCode)
		}
		if want := []int{200, 200, 429, 200}; !equalInts(codes, want) {
			t.Errorf("statuses %v, want %v (subdomains share their site's budget)", codes, want)
		}
	})
}

func TestPerHostLimit(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	p, ps := newTestProxy(t, Config{PerHost: Rate{Requests: 2, Per: time.Hour}, PerIP: Rate{Requests: 100, Per: time.Hour},
		Resolver: mapResolver{"other.example": {"127.0.0.1"}}}, up)
	port := strconv.Itoa(serverPort(t, up))
	var codes []int
	for _, target := range []string{up.URL, up.URL, up.URL, "http://other.example:" + port} {
		resp, _ := do(t, "GET", ps.URL+"/"+target+"/", nil, nil)
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 200 && resp.Header.Get("X-Ratelimit-Limit") != "2" {
			t.Errorf("headers show the limit %q, want the tighter per-host 2", resp.Header.Get("X-Ratelimit-Limit"))
		}
	}
	if want := []int{200, 200, 429, 200}; !equalInts(codes, want) {
		t.Errorf("statuses %v, want %v", codes, want)
	}
	metrics := metricsText(t, p)
	if !strings.Contains(metrics, `crossorigin_proxy_rate_limited_total{dimension="host"} 1`) {
		t.Error("per-host refusal not counted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMemoryLimiterBounded(t *testing.T) {
	l := NewMemoryLimiter()
	l.maxKeys = 100
	r := Rate{Requests: 1, Per: time.Hour}
	for i := range 100*memoryShards + 5000 {
		if _, err := l.Allow(t.Context(), strconv.Itoa(i), r); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for i := range l.shards {
		total += len(l.shards[i].m)
	}
	if total > 100*memoryShards {
		t.Errorf("%d keys kept, want at most %d", total, 100*memoryShards)
	}
}

func TestObservability(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))
	p, ps := newTestProxy(t, Config{Logger: logger}, up)
	resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", hdr("X-Request-Id", "abc-123"), nil)
	if resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Errorf("request id not kept: %q", resp.Header.Get("X-Request-Id"))
	}
	resp, _ = do(t, "GET", ps.URL+"/http://169.254.169.254/", hdr("X-Request-Id", "bad id!"), nil)
	if id := resp.Header.Get("X-Request-Id"); id == "" || id == "bad id!" {
		t.Errorf("request id %q", id)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	for _, want := range []string{`"id":"abc-123"`, `"status":200`, `"status":403`, `"class":"blocked"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	metrics := metricsText(t, p)
	for _, want := range []string{
		`crossorigin_proxy_requests_total{code="2xx"} 1`,
		`crossorigin_proxy_requests_total{code="4xx"} 1`,
		`crossorigin_proxy_refused_total{reason="blocked"} 1`,
		`crossorigin_proxy_upstream_duration_seconds_count 1`,
		`crossorigin_proxy_in_flight 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestSetHeadersControlCharacters is issue 11's bug 4: SetHeaders names
// and values with control characters, which would split a header (CR, LF),
// be cut short (NUL) or make Go's transport refuse every request (any
// other control character), are configuration errors from New, each one
// listed.
func TestSetHeadersControlCharacters(t *testing.T) {
	bad := map[string]string{
		"X-A\r\nX-B": "v",
		"X-Nul\x00":  "v",
		"X-Cr":       "v\rX-Injected: 1",
		"X-Lf":       "v\nX-Injected: 1",
		"X-Crlf":     "v\r\nX-Injected: 1",
		"X-Nul":      "v\x00w",
		"X-Soh":      "v\x01w",
		"X-Del":      "v\x7fw",
		"X-Esc":      "\x1b[31m",
		"X-Space":    " v",
		"X-Tab-End":  "v\t",
	}
	_, err := New(Config{SetHeaders: bad})
	if err == nil {
		t.Fatal("New accepted SetHeaders with control characters")
	}
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != len(bad) {
		t.Errorf("%d problems listed, want %d:\n%v", len(errs), len(bad), err)
	}
	for _, e := range errs {
		var ce *ConfigError
		if !errors.As(e, &ce) || ce.Field != "SetHeaders" || ce.Fix == "" {
			t.Errorf("%v: want a *ConfigError for SetHeaders with a fix", e)
		}
	}
	// Tabs inside a value and every visible character are fine.
	ok := map[string]string{"X-Ok": "a\tb ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", "X-Utf8": "caf\u00e9"}
	if _, err := New(Config{SetHeaders: ok}); err != nil {
		t.Errorf("valid SetHeaders refused: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{
		Origins:      []string{"https://ok.example", "https://*.com/path"},
		DenyOrigins:  []string{"nope"},
		AllowPorts:   []int{0, 70000},
		AllowHosts:   []string{"https://example.com"},
		SetHeaders:   map[string]string{"Bad Header": "x"},
		DialTimeout:  -time.Second,
		PerIP:        Rate{Requests: 5},
		MaxAge:       -time.Second,
		AllowPrivate: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
	})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	fields := map[string]bool{}
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Errorf("not a *ConfigError: %v", e)
			continue
		}
		if ce.Problem == "" || ce.Fix == "" {
			t.Errorf("%v has no fix", ce)
		}
		fields[ce.Field] = true
	}
	for _, f := range []string{"Origins", "DenyOrigins", "AllowPorts", "AllowHosts", "SetHeaders", "DialTimeout", "PerIP", "MaxAge", "AllowPrivate"} {
		if !fields[f] {
			t.Errorf("no error for %s in:\n%v", f, err)
		}
	}
	if _, err := New(Config{}); err != nil {
		t.Errorf("the zero Config: %v", err)
	}
	// What package cors refuses comes back as a *ConfigError too.
	_, err = New(Config{Origins: []string{"null"}, MaxAge: 48 * time.Hour})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(err.(interface{ Unwrap() []error }).Unwrap()) != 2 {
		t.Errorf("null origin and a 48h MaxAge: %v", err)
	}
}

// TestChunkedRequestCap: a body without Content-Length is counted while it
// streams and cut at the cap.
func TestChunkedRequestCap(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{MaxRequestBody: 100 << 10}, up)
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(bytes.Repeat([]byte("a"), 200<<10))
		_ = pw.Close()
	}()
	resp, body := do(t, "POST", ps.URL+"/"+up.URL+"/", nil, pr)
	if resp.StatusCode != 413 || resp.Header.Get("X-Proxy-Error") != "request_too_large" {
		t.Errorf("chunked body over the cap: %d %q", resp.StatusCode, body)
	}
}

func TestClientIP(t *testing.T) {
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for remote, want := range map[string]string{
		"192.0.2.7:5000":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":      "192.0.2.7",
		"not-an-address":             "not-an-address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := p.clientIP(r); got != want {
			t.Errorf("clientIP(%s) = %q, want %q", remote, got, want)
		}
	}
}

// TestPerHostLimitCanonicalHost is issue 11's bug 5 (first half): the
// per-host limit is keyed on the canonical host, so that spelling a host
// differently does not buy a new budget.
func TestPerHostLimitCanonicalHost(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	port := strconv.Itoa(serverPort(t, up))
	_, ps := newTestProxy(t, Config{
		PerHost:  Rate{Requests: 2, Per: time.Hour},
		Resolver: mapResolver{"victim.example": {"127.0.0.1"}},
	}, up)
	for _, spellings := range [][]string{{
		"http://victim.example:" + port,
		"http://VICTIM.example:" + port,
		"http://victim.example.:" + port,
		"http://Victim.Example.:" + port,
		"victim.example:" + port,
		"//VICTIM.EXAMPLE:" + port,
	}, {
		"http://127.0.0.1:" + port,
		"http://[::ffff:127.0.0.1]:" + port,
		"http://[0:0:0:0:0:ffff:127.0.0.1]:" + port,
		"http://[::FFFF:7F00:1]:" + port,
		"127.0.0.1:" + port,
	}} {
		var codes []int
		for _, target := range spellings {
			resp, body := do(t, "GET", ps.URL+"/"+target+"/", nil, nil)
			codes = append(codes, resp.StatusCode)
			if resp.StatusCode != 200 && resp.StatusCode != 429 {
				t.Errorf("%s: %d %q", target, resp.StatusCode, body)
			}
		}
		want := []int{200, 200}
		for range spellings[2:] {
			want = append(want, 429)
		}
		if !equalInts(codes, want) {
			t.Errorf("spellings %q: statuses %v, want %v (one budget of 2)", spellings, codes, want)
		}
	}
}

// TestClientIPHeaderGroupsIPv6 is issue 11's bug 5 (second half): behind a
// load balancer (ClientIPHeader), IPv6 clients are grouped by /64 as
// direct connections are, so that 20 addresses of one /64 share a limit.
func TestClientIPHeaderGroupsIPv6(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{
		ClientIPHeader: "x-forwarded-for",
		PerIP:          Rate{Requests: 5, Per: time.Hour},
	}, up)
	passed := 0
	for i := range 20 {
		client := fmt.Sprintf("2001:db8:7:8:%x::%x", i, i+1)
		resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", hdr("Origin", "https://app.example", "X-Forwarded-For", "6.6.6.6, "+client), nil)
		if resp.StatusCode == 200 {
			passed++
		}
	}
	if passed != 5 {
		t.Errorf("%d of 20 addresses of one /64 passed a limit of 5", passed)
	}
	// Another /64, and an IPv4 client, have budgets of their own; the
	// IPv4-mapped spelling of that client is the same client.
	for _, client := range []string{"2001:db8:7:9::1", "192.0.2.7", "::ffff:192.0.2.7", "[::ffff:c000:207]"} {
		resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", hdr("Origin", "https://app.example", "X-Forwarded-For", client), nil)
		if resp.StatusCode != 200 {
			t.Errorf("client %s: %d", client, resp.StatusCode)
		}
	}
	for i := range 3 {
		resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", hdr("Origin", "https://app.example", "X-Forwarded-For", "192.0.2.7"), nil)
		if want := []int{200, 200, 429}[i]; resp.StatusCode != want {
			t.Errorf("client 192.0.2.7, request %d more: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
}

func TestForwardedFor(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{ForwardedFor: true}, up)
	resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", hdr("Origin", "https://app.example", "X-Forwarded-For", "6.6.6.6"), nil)
	if got := resp.Header.Get("X-Got-X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want the caller's address only", got)
	}
}

// TestOutboundProxy: HTTP_PROXY is ignored unless Config.Proxy says
// otherwise; then requests go through the egress proxy.
func TestOutboundProxy(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	var egressHits int
	var mu sync.Mutex
	egress := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		egressHits++
		mu.Unlock()
		_, _ = io.WriteString(w, "via egress "+r.URL.String())
	}))
	defer egress.Close()
	t.Setenv("HTTP_PROXY", egress.URL)
	t.Setenv("http_proxy", egress.URL)
	target := "http://up.example:" + strconv.Itoa(serverPort(t, up)) + "/x"
	res := mapResolver{"up.example": {"127.0.0.1"}}

	_, ps := newTestProxy(t, Config{Resolver: res}, up)
	resp, body := do(t, "GET", ps.URL+"/"+target, nil, nil)
	if resp.StatusCode != 200 || body != "GET /x " {
		t.Errorf("direct: %d %q", resp.StatusCode, body)
	}
	mu.Lock()
	if egressHits != 0 {
		t.Errorf("HTTP_PROXY was used without Config.Proxy")
	}
	mu.Unlock()

	egressURL, _ := url.Parse(egress.URL)
	_, ps = newTestProxy(t, Config{Resolver: res, Proxy: http.ProxyURL(egressURL)}, up, egress)
	resp, body = do(t, "GET", ps.URL+"/"+target, nil, nil)
	if resp.StatusCode != 200 || body != "via egress "+target {
		t.Errorf("through Config.Proxy: %d %q", resp.StatusCode, body)
	}
}

// TestLoop: a target that points back at the proxy is refused on the
// second pass instead of looping.
func TestLoop(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	p, err := New(Config{AllowPrivate: loopback, AllowPorts: []int{serverPort(t, up)}})
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(p)
	defer ps.Close()
	p.guard.allowPorts[serverPort(t, ps)] = true
	resp, body := do(t, "GET", ps.URL+"/"+ps.URL+"/"+up.URL+"/x", nil, nil)
	if resp.StatusCode != 403 || resp.Header.Get("X-Proxy-Error") != "blocked" || !strings.Contains(body, "loop") {
		t.Errorf("proxy through itself: %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, "GET", ps.URL+"/"+up.URL+"/x", nil, nil)
	if got := resp.Header.Get("X-Got-Via"); got != "1.1 crossorigin-proxy" {
		t.Errorf("upstream got Via %q", got)
	}
}

// TestSlowBodyBounded: a caller that sends its body slower than the total
// timeout allows is cut off, not waited for.
func TestSlowBodyBounded(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{Timeout: 200 * time.Millisecond}, up)
	pr, pw := io.Pipe()
	defer func() { _ = pw.Close() }()
	go func() {
		_, _ = pw.Write([]byte("a")) // and then nothing
	}()
	req := mustRequest(t, "POST", ps.URL+"/"+up.URL+"/", pr)
	req.ContentLength = 10
	req.Header.Set("Origin", "https://app.example")
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := testTransport.RoundTrip(req)
		if err == nil {
			_ = resp.Body.Close()
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the proxy waited for a stalled request body")
	}
}

// TestSlowReaderBounded: a caller that stops reading a large response is
// cut off after the total timeout; the upstream exchange ends with it.
func TestSlowReaderBounded(t *testing.T) {
	ended := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(ended)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 1024 { // up to 64 MiB, far more than socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer up.Close()
	p, ps := newTestProxy(t, Config{Timeout: 300 * time.Millisecond, MaxResponseBody: -1}, up)
	resp, err := testTransport.RoundTrip(mustRequest(t, "GET", ps.URL+"/"+up.URL+"/", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	select { // read nothing
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream exchange outlived the timeout while the caller did not read")
	}
	// The proxy's handler, blocked writing to the caller, gives up too.
	deadline := time.Now().Add(10 * time.Second)
	for p.inFlight.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the handler is still writing to a caller that does not read")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
