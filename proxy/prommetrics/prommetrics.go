// Package prommetrics exports the measurements of a proxy.Proxy to
// Prometheus, so that package proxy itself names no Prometheus type:
//
//	reg := prometheus.NewRegistry()
//	m, err := prommetrics.New(reg)
//	if err != nil { ... }
//	p, err := proxy.New(proxy.Config{Metrics: m})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The metrics are crossorigin_proxy_requests_total{code} (by status
// class), upstream_duration_seconds, refused_total{reason},
// rate_limited_total{dimension}, rate_limiter_errors_total, in_flight and
// circuit_opened_total.
package prommetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics implements proxy.Metrics with Prometheus collectors. The label
// values of the per-request counters are resolved once, so that the
// request path does no map lookups.
type Metrics struct {
	requests      [6]prometheus.Counter // by status class: other, 1xx..5xx
	upstream      prometheus.Observer
	refused       *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	limiterErrors prometheus.Counter
	inFlight      prometheus.Gauge
	circuitOpened prometheus.Counter
}

// New registers the proxy's collectors with reg and returns the Metrics
// to put in proxy.Config.Metrics. A registry serves one proxy at a time.
func New(reg prometheus.Registerer) (*Metrics, error) {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "crossorigin", Subsystem: "proxy", Name: name, Help: help}
	}
	requests := prometheus.NewCounterVec(opts("requests_total", "Requests answered, by status class."), []string{"code"})
	upstream := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "upstream_duration_seconds",
		Help:    "Time from sending a request upstream to its response headers, per hop.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m := &Metrics{
		upstream:      upstream,
		refused:       prometheus.NewCounterVec(opts("refused_total", "Requests refused or failed, by reason (blocked, origin_denied, credentials_refused, dns, timeout ...)."), []string{"reason"}),
		rateLimited:   prometheus.NewCounterVec(opts("rate_limited_total", "Requests refused by a rate limit, by dimension."), []string{"dimension"}),
		limiterErrors: prometheus.NewCounter(opts("rate_limiter_errors_total", "Rate-limit checks that failed (for example Redis unreachable); such requests are let through.")),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "crossorigin", Subsystem: "proxy", Name: "in_flight",
			Help: "Requests being proxied right now.",
		}),
		circuitOpened: prometheus.NewCounter(opts("circuit_opened_total", "Times a target's circuit opened after consecutive failures (its requests then get 503 circuit_open, counted in refused_total).")),
	}
	for _, c := range []prometheus.Collector{requests, upstream, m.refused, m.rateLimited, m.limiterErrors, m.inFlight, m.circuitOpened} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for i, code := range []string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"} {
		m.requests[i] = requests.WithLabelValues(code)
	}
	return m, nil
}

// Request implements proxy.Metrics.
func (m *Metrics) Request(status int) {
	i := status / 100
	if i < 1 || i > 5 {
		i = 0
	}
	m.requests[i].Inc()
}

// Upstream implements proxy.Metrics.
func (m *Metrics) Upstream(d time.Duration) { m.upstream.Observe(d.Seconds()) }

// Refused implements proxy.Metrics.
func (m *Metrics) Refused(code string) { m.refused.WithLabelValues(code).Inc() }

// RateLimited implements proxy.Metrics.
func (m *Metrics) RateLimited(dimension string) { m.rateLimited.WithLabelValues(dimension).Inc() }

// LimiterError implements proxy.Metrics.
func (m *Metrics) LimiterError() { m.limiterErrors.Inc() }

// InFlight implements proxy.Metrics.
func (m *Metrics) InFlight(delta int) { m.inFlight.Add(float64(delta)) }

// CircuitOpened implements proxy.Metrics.
func (m *Metrics) CircuitOpened() { m.circuitOpened.Inc() }
