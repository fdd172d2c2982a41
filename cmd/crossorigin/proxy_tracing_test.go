package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestProxyOTLPEndpoint: with --otlp-endpoint the command exports its spans
// there, and flushes them when it shuts down.
func TestProxyOTLPEndpoint(t *testing.T) {
	var exports atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			exports.Add(1)
		}
	}))
	defer rc.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	base, stderr, stop, code := startProxyCmd(t, "--otlp-endpoint", rc.URL, "--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up))
	if resp, body := proxyGet(t, base+"/"+up.URL+"/x", "Origin", "https://app.example"); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d: %s", c, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("proxy did not stop")
	}
	if exports.Load() == 0 {
		t.Errorf("no spans reached the OTLP endpoint; log:\n%s", stderr)
	}
}

// TestProxyCacheMetrics: the shared cache's hits are counted on /metrics.
func TestProxyCacheMetrics(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=60")
		_, _ = w.Write([]byte("cached"))
	}))
	defer up.Close()
	base, stderr, _, _ := startProxyCmd(t, "--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up),
		"--cache-size", "1MiB", "--metrics-listen", "127.0.0.1:0", "--log-format", "none")
	for range 3 {
		if resp, body := proxyGet(t, base+"/"+up.URL+"/x", "Origin", "https://app.example"); resp.StatusCode != 200 || body != "cached" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	}
	_, body := proxyGet(t, metricsBase(t, stderr)+"/metrics")
	for _, want := range []string{"crossorigin_proxy_cache_hits_total 2", "crossorigin_proxy_cache_misses_total 1", "crossorigin_proxy_cache_collapsed_total 0", `crossorigin_proxy_requests_total{code="2xx"} 3`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
