// Package tracing traces the CORS proxy with OpenTelemetry: one server span
// per proxied request and, inside it, one client span per upstream hop, so
// that a redirect chain shows as the hops it took. Spans are exported with
// OTLP over HTTP.
//
// It is off unless an endpoint is given, to New or through the standard
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// variables; the exporter's other OTEL_EXPORTER_OTLP_* variables for
// OTLP/HTTP with protobuf (headers, compression, timeout, certificates), and
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER and
// OTEL_SDK_DISABLED, are honoured as the OpenTelemetry SDK defines them.
//
// A caller's traceparent header is honoured, so a page's trace continues
// through the proxy. The proxy's own spans are not announced upstream (no
// traceparent of the proxy's is added: the upstream is a third party); a
// caller's headers, its traceparent included, are forwarded as they came. Query strings are left out of span attributes: they
// often carry API keys.
//
// Wire it with the proxy's Config.WrapUpstream and around the proxy's
// handler:
//
//	t, err := tracing.New(ctx, tracing.Config{Endpoint: "http://127.0.0.1:4318"})
//	c.WrapUpstream = t.Transport
//	p, err := proxy.New(c)
//	http.ListenAndServe(addr, t.Handler(p))
//	defer t.Shutdown(context.Background())
package tracing

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Config says where spans go.
type Config struct {
	// Endpoint is the OTLP/HTTP base URL, such as http://127.0.0.1:4318
	// (spans are posted to its /v1/traces). Empty means the OTEL_*
	// variables decide, and without them tracing is off.
	Endpoint string
	// ServiceName names the service when OTEL_SERVICE_NAME does not.
	// Empty means "crossorigin-proxy".
	ServiceName string
}

// Tracing creates the proxy's spans. A nil *Tracing is valid and traces
// nothing: its Handler and Transport return what they are given.
type Tracing struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// New starts an exporter and returns a Tracing, or nil and no error when
// tracing is off (no endpoint anywhere, or OTEL_SDK_DISABLED=true).
func New(ctx context.Context, c Config) (*Tracing, error) {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return nil, nil
	}
	endpoint := c.Endpoint
	switch {
	case endpoint != "":
		endpoint += "/v1/traces"
	case os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "":
		return nil, nil
	}
	client, err := otlpSettings(endpoint, os.Getenv)
	if err != nil {
		return nil, err
	}
	exp, err := otlptrace.New(ctx, client)
	if err != nil {
		return nil, err
	}
	name := c.ServiceName
	if name == "" {
		name = "crossorigin-proxy"
	}
	// The environment's resource attributes come last, so that
	// OTEL_SERVICE_NAME wins over the default name.
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", name)),
		resource.Environment(),
	)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{
		tp:     tp,
		tracer: tp.Tracer("github.com/crossorigin/crossorigin/proxy"),
		prop:   propagation.TraceContext{},
	}, nil
}

// Shutdown sends the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// Handler starts a server span for every request h serves.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	if t == nil {
		return h
	}
	// The span starts and ends in functions of their own, so that their
	// frames are not on the stack while the proxy serves the request.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		ctx, span := t.startServer(r)
		defer endServer(span, sw)
		h.ServeHTTP(sw, r.WithContext(ctx))
	})
}

func (t *Tracing) startServer(r *http.Request) (context.Context, trace.Span) {
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	return t.tracer.Start(ctx, "proxy "+r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.EscapedPath()),
			attribute.String("client.address", r.RemoteAddr),
		))
}

func endServer(span trace.Span, sw *statusWriter) {
	span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
	if sw.status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(sw.status))
	}
	span.End()
}

// Transport starts a client span, a child of the request's server span,
// for every upstream hop that rt sends.
func (t *Tracing) Transport(rt http.RoundTripper) http.RoundTripper {
	if t == nil {
		return rt
	}
	return roundTripper{t: t, base: rt}
}

type roundTripper struct {
	t    *Tracing
	base http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := rt.startHop(req)
	resp, err := rt.base.RoundTrip(req.WithContext(ctx))
	endHop(span, resp, err)
	return resp, err
}

func (rt roundTripper) startHop(req *http.Request) (context.Context, trace.Span) {
	return rt.t.tracer.Start(req.Context(), "upstream "+req.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("http.request.method", req.Method),
			attribute.String("url.full", redact(req)),
			attribute.String("server.address", req.URL.Hostname()),
		))
}

func endHop(span trace.Span, resp *http.Response, err error) {
	defer span.End()
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
}

// redact gives the hop's URL without userinfo and query, which may hold
// secrets. The proxy keeps the target's path bytes in URL.Opaque and its
// host in Request.Host, so the URL is put together from those.
func redact(req *http.Request) string {
	host := req.URL.Host
	if host == "" {
		host = req.Host
	}
	path := req.URL.EscapedPath()
	if req.URL.Opaque != "" {
		path = req.URL.Opaque
		if strings.HasPrefix(path, "//") { // the form scheme://host/path
			if _, rest, ok := strings.Cut(path[2:], "/"); ok {
				path = "/" + rest
			} else {
				path = "/"
			}
		}
	}
	return (&url.URL{Scheme: req.URL.Scheme, Host: host}).String() + path
}

// statusWriter records the status code; Unwrap keeps
// http.ResponseController (flushing, deadlines) working through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
