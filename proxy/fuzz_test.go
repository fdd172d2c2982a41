package proxy

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// FuzzTarget feeds arbitrary request targets through parsing and the
// target policy. Nothing may panic, and whatever is accepted must be an
// http(s) URL without userinfo whose literal address, if any, is public.
func FuzzTarget(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a//b?c", "example.com:443/x", "//example.com", "http://127.0.0.1/",
		"http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1%25lo]/",
		"http://user@example.com/", "https:/x", "?url=http://10.0.0.1/", "?url=%zz", "http://%31%32%37.0.0.1/",
		"http://example.com:99999/", "HTTP://EXAMPLE.COM./", "http://xn--nxasmq6b.example/", "http://[::]/",
	} {
		f.Add(s)
	}
	p, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, " \r\n\t\x00") || len(s) > 4096 {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.RequestURI = "/" + s
		tg, pe := parseTarget(r)
		if pe != nil || tg == nil {
			return
		}
		_ = tg.String()
		_ = tg.requestURL(false).RequestURI()
		_ = tg.requestURL(true).String()
		if p.checkTarget(tg.u) != nil {
			return
		}
		if tg.u.Scheme != "http" && tg.u.Scheme != "https" {
			t.Fatalf("accepted scheme %q in %q", tg.u.Scheme, s)
		}
		if tg.u.User != nil {
			t.Fatalf("accepted userinfo in %q", s)
		}
		if ip, err := netip.ParseAddr(tg.u.Hostname()); err == nil && IsSpecialPurpose(ip) {
			t.Fatalf("accepted special-purpose address %s in %q", ip, s)
		}
	})
}
