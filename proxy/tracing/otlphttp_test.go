package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/proxy/tracing"
)

// TestExporterEnvironment: the OTEL_EXPORTER_OTLP_* variables for
// OTLP/HTTP reach the wire (the traces endpoint as given, headers
// percent-decoded, gzip), a collector's 503 is retried, and what the
// receiver decodes are the spans sent.
func TestExporterEnvironment(t *testing.T) {
	rc := newReceiver(t)
	var posts, refused atomic.Int64
	var header atomic.Value
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			refused.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		header.Store(r.Header.Clone())
		r.URL.Path = "/v1/traces" // the receiver's path
		rc.Config.Handler.ServeHTTP(w, r)
	}))
	defer front.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1") // overridden by TRACES_ENDPOINT
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", front.URL+"/custom/path")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-team = blue")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5000")
	tr, err := tracing.New(context.Background(), tracing.Config{})
	if err != nil || tr == nil {
		t.Fatalf("New: %v, %v", tr, err)
	}
	srv := httptest.NewServer(tr.Handler(http.NotFoundHandler()))
	for range 3 {
		resp, err := http.Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if refused.Load() != 1 || posts.Load() != 2 {
		t.Errorf("%d posts (%d refused), want 2 (1 refused, then retried)", posts.Load(), refused.Load())
	}
	h, _ := header.Load().(http.Header)
	if h.Get("Api-Key") != "a b" || h.Get("X-Team") != "blue" || h.Get("Content-Encoding") != "gzip" {
		t.Errorf("headers %v", h)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.spans) != 3 {
		t.Errorf("receiver decoded %d spans, want 3", len(rc.spans))
	}
}

// TestExporterBadEnvironment: a variable the exporter cannot honour is an
// error of New, not a silently different exporter.
func TestExporterBadEnvironment(t *testing.T) {
	for _, kv := range [][2]string{
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
		{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10s"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent.pem"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "127.0.0.1:4318"},
	} {
		t.Run(kv[0], func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
			t.Setenv(kv[0], kv[1])
			if tr, err := tracing.New(context.Background(), tracing.Config{}); err == nil {
				_ = tr.Shutdown(context.Background())
				t.Errorf("%s=%s: no error", kv[0], kv[1])
			}
		})
	}
}
