package csrf_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
)

// TestRequiredHeaderAgreesWithCORS is the regression test for csrf and
// cors disagreeing about Access-Control-Request-Private-Network (csrf
// accepted it as RequiredHeader, cors refused it in RequestHeaders as a
// header scripts cannot set): a header a page cannot set is refused by
// both packages, one it can set is accepted by both, since both read the
// same table. Chromium 156 and Firefox let a script set
// Access-Control-Request-Private-Network (e2e/browserdiff, case
// hdr-acrpn-script).
func TestRequiredHeaderAgreesWithCORS(t *testing.T) {
	for _, tt := range []struct {
		name   string
		usable bool
	}{
		{"Access-Control-Request-Private-Network", true},
		{"access-control-request-private-network", true},
		{"Access-Control-Request-Method", false},
		{"Access-Control-Request-Headers", false},
		{"Cookie", false},
		{"Cookie2", false},
		{"Keep-Alive", false},
		{"Sec-Fetch-Mode", false},
		{"Proxy-Authorization", false},
		{"X-Requested-With", true},
		{"X-CSRF-Token", true},
	} {
		_, errCSRF := csrf.New(csrf.Config{RequiredHeader: tt.name})
		_, errCORS := cors.New(cors.Config{Origins: []string{"https://app.example"}, RequestHeaders: []string{tt.name}})
		if (errCSRF == nil) != tt.usable || (errCORS == nil) != tt.usable {
			t.Errorf("%s: csrf error %v, cors error %v; want usable=%v in both", tt.name, errCSRF, errCORS, tt.usable)
		}
	}
}

// TestTrustCORSOriginFunc checks that a CORS policy that decides by the
// request (an OriginFunc allowing each tenant's origin on its own host) is
// asked about the request: its origin is trusted on its tenant's host and
// nowhere else. Before, only Origins was consulted and the tenant's own
// page was refused.
func TestTrustCORSOriginFunc(t *testing.T) {
	tenants := map[string]string{"a.api.example": "https://a.example", "b.api.example": "https://b.example"}
	m, err := cors.New(cors.Config{
		OriginFunc:  func(r *http.Request, o string) bool { return tenants[r.Host] == o },
		Credentials: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := csrf.New(csrf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g.TrustCORS(m)
	for _, tt := range []struct {
		host, origin string
		ok           bool
	}{
		{"a.api.example", "https://a.example", true},
		{"b.api.example", "https://b.example", true},
		{"b.api.example", "https://a.example", false}, // another tenant's page
		{"c.api.example", "https://a.example", false},
		{"a.api.example", "https://evil.example", false},
	} {
		r := httptest.NewRequest("POST", "https://"+tt.host+"/orders", nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Origin", tt.origin)
		if err := g.Check(r); (err == nil) != tt.ok {
			t.Errorf("%s from %s: Check = %v, want allowed %v", tt.host, tt.origin, err, tt.ok)
		}
	}
}
