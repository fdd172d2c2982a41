package tracing_test

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/proxy/tracing"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// receiver is a real OTLP/HTTP endpoint on loopback that decodes the
// protobuf export requests it gets.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	attrs map[string]string // resource attributes
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{attrs: map[string]string{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("receiver got %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "bad request", 400)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Error(err)
			return
		}
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			t.Errorf("not an OTLP export request: %v", err)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, kv := range rs.GetResource().GetAttributes() {
				rc.attrs[kv.Key] = kv.GetValue().GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				rc.spans = append(rc.spans, ss.Spans...)
			}
		}
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if iv := kv.GetValue().GetIntValue(); iv != 0 {
				return strconv.FormatInt(iv, 10)
			}
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestSpansOfARedirectedRequest: one proxied request that the upstream
// redirects once gives a server span and two client spans (one a hop),
// children of it in the caller's trace; the query string stays out.
func TestSpansOfARedirectedRequest(t *testing.T) {
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	const callerParent = "00-" + traceID + "-00f067aa0ba902b7-01"
	rc := newReceiver(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new?key=secret", http.StatusFound)
			return
		}
		if got := r.Header.Get("Traceparent"); got != callerParent {
			t.Errorf("upstream got traceparent %q, want the caller's own %q", got, callerParent)
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer up.Close()
	ctx := context.Background()
	tr, err := tracing.New(ctx, tracing.Config{Endpoint: rc.URL, ServiceName: "test-proxy"})
	if err != nil || tr == nil {
		t.Fatalf("New: %v, %v", tr, err)
	}
	port, _ := strconv.Atoi(up.URL[strings.LastIndexByte(up.URL, ':')+1:])
	p, err := proxy.New(proxy.Config{
		AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		AllowPorts:   []int{port},
		WrapUpstream: tr.Transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ps := httptest.NewServer(tr.Handler(p))
	defer ps.Close()

	req, _ := http.NewRequest("GET", ps.URL+"/"+up.URL+"/old?key=secret", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Traceparent", callerParent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tr.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.attrs["service.name"] != "test-proxy" {
		t.Errorf("service.name %q", rc.attrs["service.name"])
	}
	var server *tracepb.Span
	var hops []*tracepb.Span
	for _, s := range rc.spans {
		if hex.EncodeToString(s.TraceId) != traceID {
			t.Errorf("span %q in trace %x, want the caller's %s", s.Name, s.TraceId, traceID)
		}
		switch s.Kind {
		case tracepb.Span_SPAN_KIND_SERVER:
			server = s
		case tracepb.Span_SPAN_KIND_CLIENT:
			hops = append(hops, s)
		}
	}
	if server == nil || len(hops) != 2 {
		t.Fatalf("got %d spans (server %v, %d hops), want 1 server and 2 client spans", len(rc.spans), server != nil, len(hops))
	}
	if got := attr(server, "http.response.status_code"); got != "200" {
		t.Errorf("server span status %q", got)
	}
	wantStatus := []string{"302", "200"}
	for i, h := range hops {
		if string(h.ParentSpanId) != string(server.SpanId) {
			t.Errorf("hop %d is not a child of the server span", i)
		}
		if got := attr(h, "http.response.status_code"); got != wantStatus[i] {
			t.Errorf("hop %d status %q, want %s", i, got, wantStatus[i])
		}
		if u := attr(h, "url.full"); strings.Contains(u, "secret") || !strings.HasPrefix(u, up.URL) {
			t.Errorf("hop %d url.full %q", i, u)
		}
	}
}

func TestOffWithoutEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tr, err := tracing.New(context.Background(), tracing.Config{})
	if err != nil || tr != nil {
		t.Fatalf("New without endpoint = %v, %v; want nil, nil", tr, err)
	}
	h := http.NotFoundHandler()
	if got := tr.Handler(h); got == nil {
		t.Error("nil Tracing's Handler returned nil")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestEnvironmentEndpointAndDisable(t *testing.T) {
	rc := newReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rc.URL)
	t.Setenv("OTEL_SERVICE_NAME", "from-env")
	tr, err := tracing.New(context.Background(), tracing.Config{})
	if err != nil || tr == nil {
		t.Fatalf("New with OTEL_EXPORTER_OTLP_ENDPOINT = %v, %v", tr, err)
	}
	srv := httptest.NewServer(tr.Handler(http.NotFoundHandler()))
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	srv.Close()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	if len(rc.spans) != 1 || rc.attrs["service.name"] != "from-env" {
		t.Errorf("got %d spans, service.name %q; want 1 and from-env", len(rc.spans), rc.attrs["service.name"])
	}
	rc.mu.Unlock()
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if tr, err := tracing.New(context.Background(), tracing.Config{}); tr != nil || err != nil {
		t.Errorf("OTEL_SDK_DISABLED=true: New = %v, %v", tr, err)
	}
}
