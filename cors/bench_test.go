package cors

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// benchWriter is a ResponseWriter whose header map is reused, so that
// benchmarks count only the middleware's allocations.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(int)             {}

func benchServe(b *testing.B, c Config, r *http.Request) {
	m, err := New(c)
	if err != nil {
		b.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := &benchWriter{h: make(http.Header, 16)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	base := Config{
		Origins:        []string{"https://app.example.com"},
		Methods:        []string{"GET", "POST", "PUT", "DELETE"},
		RequestHeaders: []string{"Accept", "Authorization", "Content-Type", "X-A", "X-B", "X-C", "X-D", "X-E", "X-F", "X-G"},
	}
	creds := base
	creds.Credentials = true
	creds.ExposedHeaders = []string{"X-Request-Id", "X-Total"}
	creds.MaxAge = 10 * time.Minute
	req := func(method, origin string, hdrs ...string) *http.Request {
		r, _ := http.NewRequest(method, "https://api.example.com/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdrs); i += 2 {
			r.Header.Set(hdrs[i], hdrs[i+1])
		}
		return r
	}
	for _, bc := range []struct {
		name string
		c    Config
		r    *http.Request
	}{
		{"noOrigin", base, req("GET", "")},
		{"actualAllowed", base, req("GET", "https://app.example.com")},
		{"actualDisallowed", base, req("GET", "https://evil.example")},
		{"preflight1", base, req("OPTIONS", "https://app.example.com", hdrReqMethod, "PUT", hdrReqHeaders, "content-type")},
		{"preflight10", base, req("OPTIONS", "https://app.example.com", hdrReqMethod, "PUT", hdrReqHeaders, "accept,authorization,content-type,x-a,x-b,x-c,x-d,x-e,x-f,x-g")},
		{"preflightDisallowed", base, req("OPTIONS", "https://evil.example", hdrReqMethod, "PUT")},
		{"preflightEvil", base, req("OPTIONS", "https://app.example.com", hdrReqMethod, "PUT", hdrReqHeaders, strings.Repeat("a,", 2048))},
		{"credsActual", creds, req("GET", "https://app.example.com")},
		{"credsPreflight", creds, req("OPTIONS", "https://app.example.com", hdrReqMethod, "PUT", hdrReqHeaders, "content-type")},
	} {
		b.Run(bc.name, func(b *testing.B) { benchServe(b, bc.c, bc.r) })
	}
}
