package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// victim is a server on 127.0.0.1 standing for everything an SSRF could
// reach. It counts requests to /secret and redirects /redirect?to=URL.
type victim struct {
	*httptest.Server
	hits atomic.Int64
	port string
}

func newVictim(t *testing.T) *victim {
	v := &victim{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		default:
			v.hits.Add(1)
			_, _ = w.Write([]byte("secret"))
		}
	}))
	t.Cleanup(v.Close)
	v.port = strconv.Itoa(serverPort(t, v.Server))
	return v
}

// ssrfResolver answers for names an attacker controls, pointing them at
// internal addresses (DNS rebinding, wildcard DNS such as nip.io).
var ssrfResolver = mapResolver{
	"loopback.attacker.test":   {"127.0.0.1"},
	"v6loop.attacker.test":     {"::1"},
	"mapped.attacker.test":     {"::ffff:127.0.0.1"},
	"zero.attacker.test":       {"0.0.0.0"},
	"meta.attacker.test":       {"169.254.169.254"},
	"private.attacker.test":    {"10.1.2.3"},
	"cgnat.attacker.test":      {"100.64.0.1"},
	"ula.attacker.test":        {"fd12:3456::1"},
	"nat64.attacker.test":      {"64:ff9b::7f00:1"},
	"sixto4.attacker.test":     {"2002:7f00:1::1"},
	"linklocal6.attacker.test": {"fe80::1"},
	"mixed.attacker.test":      {"::1", "127.0.0.1", "0.0.0.0"},
	"127.0.0.1.nip.io":         {"127.0.0.1"},
	"localtest.me":             {"127.0.0.1"},
}

// TestSSRFBattery sends target spellings that reach loopback, private,
// link-local and metadata addresses. Every one must be refused (400 or
// 403 with a coarse class), and the victim on 127.0.0.1 must see nothing.
func TestSSRFBattery(t *testing.T) {
	v := newVictim(t)
	P := v.port
	p, err := New(Config{AllowPorts: []int{serverPort(t, v.Server)}, Resolver: ssrfResolver})
	if err != nil {
		t.Fatal(err)
	}
	onlyLoopback(t, p)
	ps := httptest.NewServer(p)
	defer ps.Close()

	targets := []string{
		"http://127.0.0.1:" + P + "/secret",
		"http://localhost:" + P + "/secret",
		"http://LOCALHOST:" + P + "/secret",
		"http://localhost.:" + P + "/secret",
		"http://foo.localhost:" + P + "/secret",
		"http://2130706433:" + P + "/secret",
		"http://0x7f000001:" + P + "/secret",
		"http://0177.0.0.1:" + P + "/secret",
		"http://0x7f.0.0.1:" + P + "/secret",
		"http://127.1:" + P + "/secret",
		"http://127.0.1:" + P + "/secret",
		"http://0:" + P + "/secret",
		"http://017700000001:" + P + "/secret",
		"http://127.000.000.001:" + P + "/secret",
		"http://127.0.0.1.:" + P + "/secret",
		"http://%31%32%37.0.0.1:" + P + "/secret",
		"http://0.0.0.0:" + P + "/secret",
		"http://[::1]:" + P + "/secret",
		"http://[::]:" + P + "/secret",
		"http://[::ffff:127.0.0.1]:" + P + "/secret",
		"http://[::ffff:7f00:1]:" + P + "/secret",
		"http://[0:0:0:0:0:ffff:127.0.0.1]:" + P + "/secret",
		"http://[::ffff:0.0.0.0]:" + P + "/secret",
		"http://[::127.0.0.1]:" + P + "/secret",
		"http://[64:ff9b::7f00:1]:" + P + "/secret",
		"http://[2002:7f00:1::1]:" + P + "/secret",
		"http://[fe80::1%25lo]:" + P + "/secret",
		"http://[fd00::1]:" + P + "/secret",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:169.254.169.254]/latest/meta-data/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://10.0.0.1:" + P + "/secret",
		"http://172.16.0.1/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://198.18.0.1/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://printer.local/",
		// Names resolving to internal addresses, checked at dial time.
		"http://loopback.attacker.test:" + P + "/secret",
		"http://v6loop.attacker.test:" + P + "/secret",
		"http://mapped.attacker.test:" + P + "/secret",
		"http://zero.attacker.test:" + P + "/secret",
		"http://meta.attacker.test/latest/meta-data/",
		"http://private.attacker.test:" + P + "/secret",
		"http://cgnat.attacker.test/",
		"http://ula.attacker.test/",
		"http://nat64.attacker.test:" + P + "/secret",
		"http://sixto4.attacker.test:" + P + "/secret",
		"http://linklocal6.attacker.test/",
		"http://mixed.attacker.test:" + P + "/secret",
		"http://127.0.0.1.nip.io:" + P + "/secret",
		"http://localtest.me:" + P + "/secret",
		// Scheme-less and query forms.
		"127.0.0.1:" + P + "/secret",
		"2130706433:" + P + "/secret",
		"[::1]:" + P + "/secret",
		// Other schemes, userinfo and ports.
		"file:///etc/passwd",
		"gopher://127.0.0.1:" + P + "/",
		"ftp://loopback.attacker.test/",
		"http://user:pass@loopback.attacker.test:" + P + "/secret",
		"http://example.com@127.0.0.1:" + P + "/secret",
		"http://loopback.attacker.test:6379/",
	}
	if len(targets) < 30 {
		t.Fatalf("battery has %d spellings, want at least 30", len(targets))
	}
	for _, target := range targets {
		for _, form := range []string{"path", "query"} {
			u := ps.URL + "/" + target
			if form == "query" {
				u = ps.URL + "/?url=" + url.QueryEscape(target)
			}
			resp, body := do(t, "GET", u, hdr("Origin", "https://app.example"), nil)
			if resp.StatusCode != 400 && resp.StatusCode != 403 {
				t.Errorf("%s (%s): status %d, want 400 or 403; body %q", target, form, resp.StatusCode, body)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s (%s): no CORS header on the error", target, form)
			}
			if strings.Contains(body, "secret") || strings.Contains(body, "refused") || strings.Contains(body, "127.0.0.1") {
				t.Errorf("%s (%s): body leaks: %q", target, form, body)
			}
		}
	}
	if n := v.hits.Load(); n != 0 {
		t.Fatalf("the victim on 127.0.0.1 got %d requests", n)
	}
}

// TestSSRFRedirects: a permitted target redirects into internal
// addresses; every hop is checked again.
func TestSSRFRedirects(t *testing.T) {
	v := newVictim(t)
	P := v.port
	// The proxy may reach exactly 127.0.0.1 (to talk to the redirector),
	// nothing else.
	p, ps := newTestProxy(t, Config{Resolver: ssrfResolver}, v.Server)
	_ = p
	into := []string{
		"http://0.0.0.0:" + P + "/secret",
		"http://[::ffff:0.0.0.0]:" + P + "/secret",
		"http://0:" + P + "/secret",
		"http://[::1]:" + P + "/secret",
		"http://zero.attacker.test:" + P + "/secret",
		"http://v6loop.attacker.test:" + P + "/secret",
		"http://169.254.169.254/latest/meta-data/",
		"http://meta.attacker.test/latest/meta-data/",
		"http://private.attacker.test:" + P + "/secret",
		"http://127.0.0.1:6379/",
		"gopher://127.0.0.1:" + P + "/",
		"http://user:pw@127.0.0.1:" + P + "/secret",
	}
	for _, to := range into {
		u := ps.URL + "/http://127.0.0.1:" + P + "/redirect?to=" + url.QueryEscape(to)
		resp, body := do(t, "GET", u, nil, nil)
		if resp.StatusCode != 400 && resp.StatusCode != 403 && resp.StatusCode != 302 {
			t.Errorf("redirect to %s: status %d, body %q", to, resp.StatusCode, body)
		}
		if resp.StatusCode != 302 && resp.Header.Get("X-Cors-Redirect-1") == "" {
			t.Errorf("redirect to %s: refused before the first hop (%d %q); the test proves nothing", to, resp.StatusCode, body)
		}
		if resp.StatusCode == 302 && !strings.HasPrefix(resp.Header.Get("Location"), "/") {
			t.Errorf("redirect to %s handed back with Location %q, not through the proxy", to, resp.Header.Get("Location"))
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("redirect to %s: no CORS header on the error", to)
		}
	}
	if n := v.hits.Load(); n != 0 {
		t.Fatalf("the victim got %d requests through redirects", n)
	}
}

func TestIsSpecialPurpose(t *testing.T) {
	special := []string{
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.255.254",
		"169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1",
		"192.168.0.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
		"64:ff9b::808:808", "64:ff9b:1::1", "100::1", "2001::1", "2001:db8::1", "2002:808:808::1",
		"fc00::1", "fd00::1", "fe80::1", "fec0::1", "ff02::1", "fe80::1%eth0",
	}
	public := []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255",
		"172.32.0.0", "192.167.255.255", "223.255.255.255", "::ffff:8.8.8.8",
		"2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860:4860::8888",
	}
	for _, s := range special {
		if !IsSpecialPurpose(netip.MustParseAddr(s)) {
			t.Errorf("IsSpecialPurpose(%s) = false, want true", s)
		}
	}
	for _, s := range public {
		if IsSpecialPurpose(netip.MustParseAddr(s)) {
			t.Errorf("IsSpecialPurpose(%s) = true, want false", s)
		}
	}
	if !IsSpecialPurpose(netip.Addr{}) {
		t.Error("the zero Addr must count as special")
	}
}

// TestGuardControl checks the dial-time Control function directly, as the
// dialer calls it.
func TestGuardControl(t *testing.T) {
	g := newGuard(&Config{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}, AllowPorts: []int{8080}})
	tests := []struct {
		addr string
		ok   bool
	}{
		{"8.8.8.8:443", true},
		{"8.8.8.8:80", true},
		{"8.8.8.8:8080", true},
		{"8.8.8.8:22", false},
		{"[2606:4700::1111]:443", true},
		{"127.0.0.1:80", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"[::1]:443", false},
		{"0.0.0.0:80", false},
		{"169.254.169.254:80", false},
		{"10.9.1.1:80", true},
		{"10.10.1.1:80", false},
		{"[::ffff:10.9.1.1]:80", true},
		{"[fe80::1%eth0]:80", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		err := g.control("tcp", tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("control(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

// TestDialFiltersAddresses: of a name's addresses, only the allowed ones
// are dialed (onlyLoopback fails the test on any other attempt).
func TestDialFiltersAddresses(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{Resolver: mapResolver{
		"mixed.example": {"10.0.0.1", "::1", "169.254.169.254", "127.0.0.1"},
		"none.example":  {"10.0.0.1", "::1"},
	}}, up)
	port := strconv.Itoa(serverPort(t, up))
	resp, body := do(t, "GET", ps.URL+"/http://mixed.example:"+port+"/ok", nil, nil)
	if resp.StatusCode != 200 || body != "GET /ok " {
		t.Errorf("mixed answers: %d %q, want the allowed address used", resp.StatusCode, body)
	}
	resp, _ = do(t, "GET", ps.URL+"/http://none.example:"+port+"/", nil, nil)
	if resp.StatusCode != 403 || resp.Header.Get("X-Proxy-Error") != "blocked" {
		t.Errorf("only refused answers: %d %q", resp.StatusCode, resp.Header.Get("X-Proxy-Error"))
	}
}
