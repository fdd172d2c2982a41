package csrf_test

import (
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
