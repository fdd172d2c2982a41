package browser

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestAddressSpaceOf(t *testing.T) {
	for _, tc := range []struct {
		host string
		want AddressSpace
	}{
		{"127.0.0.1", LoopbackSpace}, {"127.9.9.9", LoopbackSpace}, {"::1", LoopbackSpace}, {"[::1]", LoopbackSpace},
		{"::ffff:127.0.0.1", LoopbackSpace}, {"localhost", LoopbackSpace}, {"api.localhost.", LoopbackSpace},
		{"10.1.2.3", PrivateSpace}, {"172.16.0.1", PrivateSpace}, {"172.31.255.255", PrivateSpace}, {"192.168.1.1", PrivateSpace},
		{"169.254.169.254", PrivateSpace}, {"100.64.0.1", PrivateSpace}, {"fd00::1", PrivateSpace}, {"fe80::1", PrivateSpace},
		{"172.32.0.1", PublicSpace}, {"203.0.113.5", PublicSpace}, {"8.8.8.8", PublicSpace}, {"2001:db8::1", PublicSpace},
		{"app.example.com", UnknownSpace},
	} {
		if got := hostSpace(tc.host); got != tc.want {
			t.Errorf("hostSpace(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
	if got := AddressSpaceOf(netip.Addr{}); got != UnknownSpace {
		t.Errorf("AddressSpaceOf(invalid) = %v", got)
	}
}

// TestLocalNetworkAccess checks each engine's Local Network Access for a
// request to loopback: Chromium refuses it from a less private page
// (outright when the page is not a secure context), Firefox holds it for
// the permission unless the page is opaque or private, WebKit has none.
func TestLocalNetworkAccess(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	})
	for _, tc := range []struct {
		e          Engine
		origin     string
		space      AddressSpace
		permission bool
		want       Reason // "" means sent
	}{
		{Chromium, "null", PublicSpace, false, InsecureLocalNetwork}, // a data: document
		{Chromium, "null", PublicSpace, true, InsecureLocalNetwork},  // the permission needs a secure context
		{Chromium, "https://app.example", PublicSpace, false, LocalNetworkAccessPermissionDenied},
		{Chromium, "https://app.example", PublicSpace, true, ""},
		{Chromium, "http://192.168.1.10", UnknownSpace, false, InsecureLocalNetwork}, // derived: private
		{Chromium, "https://10.0.0.1", UnknownSpace, false, LocalNetworkAccessPermissionDenied},
		{Chromium, "http://203.0.113.5:8080", UnknownSpace, false, InsecureLocalNetwork}, // derived: public
		{Chromium, "http://127.0.0.1:1", UnknownSpace, false, ""},                        // same space
		{Chromium, "http://app.example", UnknownSpace, false, ""},                        // a name: not known, not checked
		{Firefox, "null", PublicSpace, false, ""},
		{Firefox, "http://203.0.113.5", UnknownSpace, false, LocalNetworkAccessPermissionDenied},
		{Firefox, "http://203.0.113.5", UnknownSpace, true, ""},
		{Firefox, "http://192.168.1.10", UnknownSpace, false, ""}, // private to loopback is not checked
		{WebKit, "null", PublicSpace, false, ""},
		{WebKit, "http://203.0.113.5", UnknownSpace, false, ""},
	} {
		tr := &Transport{Origin: tc.origin, PageAddressSpace: tc.space, LocalNetworkAccess: tc.permission, Engine: tc.e}
		before := len(a.requests())
		_, err := do(t, tr, "GET", a.URL+"/lna", nil)
		reached := len(a.requests()) > before
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v from %s (%v, permission %v): %v, want sent", tc.e, tc.origin, tc.space, tc.permission, err)
		case tc.want != "":
			if e := asError(t, err); e.Reason != tc.want || e.Param != "loopback" || reached {
				t.Errorf("%v from %s (%v, permission %v): %s %q, reached %v; want %s before sending", tc.e, tc.origin, tc.space, tc.permission, e.Reason, e.Param, reached, tc.want)
			}
		}
	}
}
