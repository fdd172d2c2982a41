package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/proxy/prommetrics"
	"github.com/crossorigin/crossorigin/proxy/redislimit"
	"github.com/crossorigin/crossorigin/proxy/tracing"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// proxyRuntime is what lives as long as the process, across reloads: the
// rate limiter (whose counts must survive a reload), the tracer and the
// metrics registry.
type proxyRuntime struct {
	log      *slog.Logger
	stderr   io.Writer
	reg      *prometheus.Registry // process-wide collectors
	metrics  *prommetrics.Metrics
	live     *liveHandler // the proxy serving now
	limiter  proxy.Limiter
	redisLim *redislimit.Limiter // nil without --redis
	tracing  *tracing.Tracing    // nil when tracing is off
	closers  []func()
}

func newProxyRuntime(ctx context.Context, s *proxySettings, stderr io.Writer) (*proxyRuntime, []error) {
	f := s.flags
	rt := &proxyRuntime{log: f.opsLogger(stderr), stderr: stderr, reg: prometheus.NewRegistry(), live: &liveHandler{}}
	rt.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := prommetrics.New(rt.reg)
	if err != nil {
		return rt, []error{err}
	}
	rt.metrics = m
	if err := rt.registerCacheMetrics(); err != nil {
		return rt, []error{err}
	}
	lim, closeRedis, errs := redisLimiter(ctx, *f.redisURL, *f.redisFail, *f.redisPrefetch, rt.reg, rt.log)
	rt.closers = append(rt.closers, closeRedis)
	rt.limiter = proxy.NewMemoryLimiter()
	if lim != nil {
		rt.limiter, rt.redisLim = lim, lim
	}
	tr, err := tracing.New(ctx, tracing.Config{Endpoint: *f.otlp})
	if err != nil {
		errs = append(errs, fmt.Errorf("--otlp-endpoint: %v", err))
	}
	rt.tracing = tr
	rt.closers = append(rt.closers, func() { _ = tr.Shutdown(context.Background()) })
	return rt, errs
}

func (rt *proxyRuntime) close() {
	for i := len(rt.closers) - 1; i >= 0; i-- {
		rt.closers[i]()
	}
}

// newProxy builds a proxy from s that shares the runtime's limiter,
// tracer and metrics, so that counters and rate-limit state go on across
// a reload.
func (rt *proxyRuntime) newProxy(s *proxySettings) (*proxy.Proxy, error) {
	c := s.config
	c.Metrics = rt.metrics
	c.Limiter = rt.limiter
	c.WrapUpstream = rt.tracing.Transport
	return proxy.New(c)
}

func (rt *proxyRuntime) serveMetrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(rt.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// registerCacheMetrics exports the shared cache's counters of the proxy
// currently serving. A reload builds a new, empty cache, and its counters
// start afresh (Prometheus reads that as a counter reset).
func (rt *proxyRuntime) registerCacheMetrics() error {
	stat := func(f func(proxy.CacheStats) float64) func() float64 {
		return func() float64 {
			if p := rt.live.current(); p != nil {
				return f(p.CacheStats())
			}
			return 0
		}
	}
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "crossorigin", Subsystem: "proxy", Name: "cache_hits_total",
			Help: "Upstream requests answered from the shared cache (--cache-size)."}, stat(func(s proxy.CacheStats) float64 { return float64(s.Hits) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "crossorigin", Subsystem: "proxy", Name: "cache_misses_total",
			Help: "Cacheable upstream requests the shared cache could not answer."}, stat(func(s proxy.CacheStats) float64 { return float64(s.Misses) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "crossorigin", Subsystem: "proxy", Name: "cache_collapsed_total",
			Help: "Cache hits that waited for another caller's request for the same URL instead of going upstream."}, stat(func(s proxy.CacheStats) float64 { return float64(s.Collapsed) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "crossorigin", Subsystem: "proxy", Name: "cache_revalidated_total",
			Help: "Stale cached responses the target confirmed with 304 Not Modified, served from memory."}, stat(func(s proxy.CacheStats) float64 { return float64(s.Revalidated) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "crossorigin", Subsystem: "proxy", Name: "cache_bytes",
			Help: "Bytes held by the shared cache."}, stat(func(s proxy.CacheStats) float64 { return float64(s.Bytes) })),
	} {
		if err := rt.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// serveProxy serves until ctx ends, then shuts down within
// --shutdown-timeout.
func serveProxy(ctx context.Context, s *proxySettings, rt *proxyRuntime, live *liveHandler, stderr io.Writer) int {
	proxied := rt.tracing.Handler(live)
	srv := &http.Server{
		// No ServeMux: it would clean "//" out of target paths.
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/healthz":
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "ok\n")
			case "/readyz":
				serveReady(w, rt.redisLim)
			default:
				proxied.ServeHTTP(w, r)
			}
		}),
		// The handler enforces the exact cap (431 with CORS headers); the
		// server's own cap only stops what is far beyond it.
		MaxHeaderBytes:    s.config.MaxHeaderBytes + 8<<10,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(stderr, nil).WithAttrs([]slog.Attr{slog.String("component", "http")}), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *s.flags.listen)
	if err != nil {
		fmt.Fprintf(stderr, "crossorigin proxy: %v\n", err)
		return 2
	}
	if addr := *s.flags.metricsListen; addr != "" {
		stop, err := serveMetrics(addr, rt, *s.flags.pprof, stderr)
		if err != nil {
			_ = ln.Close()
			fmt.Fprintf(stderr, "crossorigin proxy: --metrics-listen: %v\n", err)
			return 2
		}
		defer stop()
	}
	scheme, serve := "http", func() error { return srv.Serve(ln) }
	if s.certs != nil {
		// ServeTLS offers HTTP/2 as well as HTTP/1.1.
		srv.TLSConfig = &tls.Config{Certificates: s.certs, MinVersion: tls.VersionTLS12}
		scheme, serve = "https", func() error { return srv.ServeTLS(ln, "", "") }
	}
	fmt.Fprintf(stderr, "crossorigin proxy: listening on %s://%s\n", scheme, ln.Addr())
	served := make(chan error, 1)
	go func() { served <- serve() }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "crossorigin proxy: %v\n", err)
		return 2
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "crossorigin proxy: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *s.flags.grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "crossorigin proxy: shutdown: %v\n", err)
		return 2
	}
	return 0
}

// serveMetrics serves /metrics, and with pprof Go's /debug/pprof/, on a
// listener of their own: operators' endpoints stay off the public one.
func serveMetrics(addr string, rt *proxyRuntime, withPprof bool, stderr io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", rt.serveMetrics)
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "crossorigin proxy: metrics on http://%s/metrics\n", ln.Addr())
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}
