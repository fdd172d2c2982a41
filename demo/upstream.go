package demo

import (
	"fmt"
	"net/http"
	"net/netip"

	"github.com/crossorigin/crossorigin/proxy"
)

// newUpstreamServer is a third-party API without any CORS support: a
// browser page can read it only through the proxy.
func newUpstreamServer(log *requestLog) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"message": "hello from an upstream without CORS", "method": r.Method})
	})
	return log.logged("upstream", mux)
}

// newProxyServer is the CORS proxy, for the page origin only, with the one
// hole in its SSRF guard that the demo needs: the upstream's loopback
// address and port.
func newProxyServer(pageOrigin string, upstream netip.Addr, port int) (*proxy.Proxy, error) {
	p, err := proxy.New(proxy.Config{
		Origins:      []string{pageOrigin},
		AllowHosts:   []string{upstream.String()},
		AllowPrivate: []netip.Prefix{netip.PrefixFrom(upstream, upstream.BitLen())},
		AllowPorts:   []int{port},
	})
	if err != nil {
		return nil, fmt.Errorf("demo: proxy: %w", err)
	}
	return p, nil
}
