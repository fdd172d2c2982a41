package proxy

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the proxy's Prometheus collectors. Label values are
// resolved once here so that the request path does no map lookups.
type metrics struct {
	registry      *prometheus.Registry  // nil when Config.Registerer was set
	requests      [6]prometheus.Counter // by status class: other, 1xx..5xx
	upstream      prometheus.Observer
	blocks        [len(classInfo)]prometheus.Counter
	rateLimited   [3]prometheus.Counter // by dimension: dimIP, dimOrigin, dimHost
	limiterErrors prometheus.Counter
	inFlight      prometheus.Gauge
	breakerOpened prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{}
	if reg == nil {
		m.registry = prometheus.NewRegistry()
		reg = m.registry
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "requests_total",
		Help: "Requests answered, by status class.",
	}, []string{"code"})
	upstream := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "upstream_duration_seconds",
		Help:    "Time from sending a request upstream to its response headers, per hop.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	blocks := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "refused_total",
		Help: "Requests refused or failed, by reason (blocked, origin_denied, dns, timeout ...).",
	}, []string{"reason"})
	rateLimited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "rate_limited_total",
		Help: "Requests refused by a rate limit, by dimension.",
	}, []string{"dimension"})
	m.limiterErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "rate_limiter_errors_total",
		Help: "Rate-limit checks that failed (for example Redis unreachable); such requests are let through.",
	})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "in_flight",
		Help: "Requests being proxied right now.",
	})
	m.breakerOpened = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "circuit_opened_total",
		Help: "Times a target host's circuit opened after consecutive failures (its requests then get 503 circuit_open, counted in refused_total).",
	})
	for _, c := range []prometheus.Collector{requests, upstream, blocks, rateLimited, m.limiterErrors, m.inFlight, m.breakerOpened} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for i, code := range []string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"} {
		m.requests[i] = requests.WithLabelValues(code)
	}
	m.upstream = upstream
	for c := range classInfo {
		if c != int(classNone) {
			m.blocks[c] = blocks.WithLabelValues(classInfo[c].name)
		}
	}
	m.rateLimited[dimIP] = rateLimited.WithLabelValues("ip")
	m.rateLimited[dimOrigin] = rateLimited.WithLabelValues("origin")
	m.rateLimited[dimHost] = rateLimited.WithLabelValues("host")
	return m, nil
}

// Rate-limit dimensions.
const (
	dimIP = iota
	dimOrigin
	dimHost
)

func (m *metrics) observeStatus(status int) {
	i := status / 100
	if i < 1 || i > 5 {
		i = 0
	}
	m.requests[i].Inc()
}

// Metrics returns the handler for the proxy's Prometheus metrics, or nil
// if Config.Registerer was set (serve that registry instead).
func (p *Proxy) Metrics() http.Handler {
	if p.metrics.registry == nil {
		return nil
	}
	return promhttp.HandlerFor(p.metrics.registry, promhttp.HandlerOpts{})
}
