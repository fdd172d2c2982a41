package proxy

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAuthorizationRefusalReadable is issue 13's first item: a page that
// sends Authorization through the proxy to a host that is not a
// credential host gets its preflight passed (Authorization listed by name:
// "*" does not cover it), and then a 403 with the CORS headers any
// proxied response for it would carry and a JSON body saying why and what
// to change, instead of the header silently dropped and a puzzling 401
// from the target.
func TestAuthorizationRefusalReadable(t *testing.T) {
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer up.Close()
	for _, tt := range []struct {
		name    string
		c       Config
		acao    string
		vary    bool
		wantFix string
	}{
		{"any origin", Config{}, "*", false, `the proxy's operator can add "127.0.0.1" to Config.CredentialHosts`},
		{"listed origins", Config{Origins: []string{"https://app.example"}}, "https://app.example", true, `the proxy's operator can add "127.0.0.1" to Config.CredentialHosts`},
		{"FixFor", Config{FixFor: func(field, value string) string {
			if field == "CredentialHosts" {
				return "start the proxy with --credential-host " + value
			}
			return ""
		}}, "*", false, "start the proxy with --credential-host 127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, ps := newTestProxy(t, tt.c, up)
			url := ps.URL + "/" + up.URL + "/me"
			pre, _ := do(t, "OPTIONS", url, hdr("Origin", "https://app.example", "Access-Control-Request-Method", "GET",
				"Access-Control-Request-Headers", "authorization"), nil)
			if pre.StatusCode != 204 || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
				t.Errorf("preflight: %d, Allow-Headers %q", pre.StatusCode, pre.Header.Get("Access-Control-Allow-Headers"))
			}
			before := hits.Load()
			resp, body := do(t, "GET", url, hdr("Origin", "https://app.example", "Authorization", "Bearer secret"), nil)
			if hits.Load() != before {
				t.Error("the request reached the target")
			}
			if resp.StatusCode != 403 || resp.Header.Get("X-Proxy-Error") != "credentials_refused" {
				t.Errorf("status %d, X-Proxy-Error %q", resp.StatusCode, resp.Header.Get("X-Proxy-Error"))
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if varies(resp.Header, "Origin") != tt.vary {
				t.Errorf("Vary %q", resp.Header.Values("Vary"))
			}
			if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Access-Control-Expose-Headers") != "*" {
				t.Errorf("Content-Type %q, Expose-Headers %q", resp.Header.Get("Content-Type"), resp.Header.Get("Access-Control-Expose-Headers"))
			}
			var ref Refusal
			if err := json.Unmarshal([]byte(body), &ref); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if ref.Error != "credentials_refused" || !strings.Contains(ref.Message, "Authorization") || ref.Fix != tt.wantFix {
				t.Errorf("refusal %+v, want fix %q", ref, tt.wantFix)
			}
			if strings.Contains(body, "secret") {
				t.Error("the refusal repeats the credential")
			}
			metrics := metricsText(t, p)
			if !strings.Contains(metrics, `crossorigin_proxy_refused_total{reason="credentials_refused"} 1`) {
				t.Error("the refusal is not counted by its code")
			}
		})
	}
	// A credential host gets Authorization as before.
	_, ps := newTestProxy(t, Config{CredentialHosts: []string{"127.0.0.1"}, Origins: []string{"https://app.example"}}, up)
	if resp, body := do(t, "GET", ps.URL+"/"+up.URL+"/me", hdr("Origin", "https://app.example", "Authorization", "Bearer t"), nil); resp.StatusCode != 200 {
		t.Errorf("credential host: %d %q", resp.StatusCode, body)
	}
}
