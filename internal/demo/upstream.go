package demo

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// newUpstreamServer is a third-party API without any CORS support: a
// browser page can reach it only through the proxy.
func newUpstreamServer(log *requestLog) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"message": "hello from an upstream without CORS", "method": r.Method})
	})
	return log.logged("upstream", mux)
}

// newProxyServer stands in for the proxy package until it lands: it
// forwards /<upstream path> to the built-in upstream and allows any origin.
func newProxyServer(upstream string, log *requestLog) http.Handler {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Header.Del("Cookie")
	}, ModifyResponse: func(resp *http.Response) error {
		resp.Header.Set("Access-Control-Allow-Origin", "*")
		return nil
	}}
	return log.logged("proxy", rp)
}
