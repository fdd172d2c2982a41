package cors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestHeadersPrivateNetworkAllowed is the regression test for New
// refusing Access-Control-Request-Private-Network in RequestHeaders as a
// header scripts cannot set: Chromium 156 lets a script set it and lists
// it in the preflight's Access-Control-Request-Headers.
func TestRequestHeadersPrivateNetworkAllowed(t *testing.T) {
	m, err := New(Config{Origins: []string{"https://app.example"}, Methods: []string{"PUT"}, RequestHeaders: []string{"Access-Control-Request-Private-Network"}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("OPTIONS", "/", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "access-control-request-private-network")
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	if got := rec.Header().Get("Access-Control-Allow-Headers"); !strings.EqualFold(got, "Access-Control-Request-Private-Network") {
		t.Errorf("Access-Control-Allow-Headers = %q, want the header allowed", got)
	}
}
