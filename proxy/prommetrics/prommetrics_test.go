package prommetrics_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/proxy/prommetrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var _ proxy.Metrics = (*prommetrics.Metrics)(nil)

// TestMetrics: each measurement lands in its Prometheus series, and a
// registry cannot take two proxies' collectors.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prommetrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.Request(200)
	m.Request(404)
	m.Request(700)
	m.Upstream(20 * time.Millisecond)
	m.Refused("blocked")
	m.RateLimited("ip")
	m.LimiterError()
	m.InFlight(1)
	m.InFlight(1)
	m.InFlight(-1)
	m.CircuitOpened()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`crossorigin_proxy_requests_total{code="2xx"} 1`,
		`crossorigin_proxy_requests_total{code="4xx"} 1`,
		`crossorigin_proxy_requests_total{code="other"} 1`,
		`crossorigin_proxy_upstream_duration_seconds_count 1`,
		`crossorigin_proxy_refused_total{reason="blocked"} 1`,
		`crossorigin_proxy_rate_limited_total{dimension="ip"} 1`,
		`crossorigin_proxy_rate_limiter_errors_total 1`,
		`crossorigin_proxy_in_flight 1`,
		`crossorigin_proxy_circuit_opened_total 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if _, err := prommetrics.New(reg); err == nil {
		t.Error("a second set of collectors registered on the same registry")
	}
}
