package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
)

// A proxy for two front-ends, with per-client and per-site rate limits.
// The zero values of everything else are the secure defaults: public
// addresses on ports 80 and 443 only, no credentials, bounded everything.
func ExampleNew() {
	p, err := proxy.New(proxy.Config{
		Origins:        []string{"https://app.example.com", "https://*.preview.example.com"},
		RequireHeaders: []string{"X-Requested-With"},
		PerIP:          proxy.Rate{Requests: 60, Per: time.Minute},
		PerOrigin:      proxy.Rate{Requests: 600, Per: time.Hour},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	// A request for the cloud metadata service is refused before any
	// connection is made; the error still carries CORS headers.
	req := httptest.NewRequest("GET", "/http://169.254.169.254/latest/meta-data/", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("X-Requested-With", "fetch")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	fmt.Println(rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	fmt.Print(string(body))
	// Output:
	// 403 https://app.example.com
	// {"error":"blocked","message":"the target address is in a private or special-purpose range","fix":"the proxy's operator can change Config.AllowPrivate"}
}

// Every problem of a configuration is reported at once.
func ExampleNew_errors() {
	_, err := proxy.New(proxy.Config{
		Origins:    []string{"https://*.com"},
		AllowPorts: []int{70000},
	})
	fmt.Println(err)
	// Output:
	// proxy: Origins "https://*.com": wildcard over the public suffix com (fix: anyone can register a domain under com: list your own domain, as in https://*.yourdomain.com)
	// proxy: AllowPorts "70000": not a port (fix: use a port between 1 and 65535)
}

var _ http.Handler = (*proxy.Proxy)(nil)
