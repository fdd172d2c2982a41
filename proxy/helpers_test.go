package proxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/crossorigin/crossorigin/proxy/prommetrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// mapResolver is a Resolver the test controls: DNS answers come from the
// map, and unknown names do not resolve.
type mapResolver map[string][]string

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := m[strings.TrimSuffix(strings.ToLower(host), ".")]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

// testTransport sends the tests' requests; it ignores proxy settings.
var testTransport = &http.Transport{MaxIdleConnsPerHost: 16}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// serverPort returns the port of a test server.
func serverPort(t testing.TB, s *httptest.Server) int {
	t.Helper()
	_, ps, err := net.SplitHostPort(s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(ps)
	return p
}

// onlyLoopback makes any connection to an address other than 127.0.0.1
// fail the test (and not happen): a bug in the guard must never send
// traffic off this machine.
func onlyLoopback(t testing.TB, p *Proxy) {
	p.guard.testHook = func(ap netip.AddrPort) error {
		if ap.Addr() != netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
			t.Errorf("proxy tried to connect to %s", ap)
			return errBlocked
		}
		return nil
	}
}

// newTestProxy builds a proxy allowed to reach the given loopback test
// servers, and serves it on loopback.
func newTestProxy(t testing.TB, c Config, upstreams ...*httptest.Server) (*Proxy, *httptest.Server) {
	t.Helper()
	if c.AllowPrivate == nil {
		c.AllowPrivate = loopback
	}
	for _, u := range upstreams {
		c.AllowPorts = append(c.AllowPorts, serverPort(t, u))
	}
	p := newMeasuredProxy(t, c)
	onlyLoopback(t, p)
	ps := httptest.NewServer(p)
	t.Cleanup(func() {
		ps.Close()
		p.Close()
	})
	return p, ps
}

// echo is an upstream that describes the request it got.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream-Uri", r.RequestURI)
		w.Header().Set("X-Upstream-Method", r.Method)
		w.Header().Set("Content-Type", "text/plain")
		for _, k := range []string{"Cookie", "Authorization", "X-Custom", "X-Set", "X-Forwarded-For", "Origin", "User-Agent", "Via"} {
			if v, ok := r.Header[k]; ok {
				w.Header().Set("X-Got-"+k, strings.Join(v, ","))
			}
		}
		_, _ = fmt.Fprintf(w, "%s %s %s", r.Method, r.RequestURI, body)
	})
}

// do sends a request to the proxy and returns the response with its body
// read. A nil header means a browser's cross-origin request from
// https://app.example (an Origin header and nothing else).
func do(t testing.TB, method, url string, header http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if header == nil {
		header = hdr("Origin", "https://app.example")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := testTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(b)
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// registries holds the Prometheus registry of each proxy that
// newMeasuredProxy made, for metricsText.
var registries sync.Map // *Proxy -> *prometheus.Registry

// newMeasuredProxy is New with Prometheus metrics (package prommetrics)
// on a registry of its own, unless c has Metrics already.
func newMeasuredProxy(t testing.TB, c Config) *Proxy {
	t.Helper()
	reg := prometheus.NewRegistry()
	if c.Metrics == nil {
		m, err := prommetrics.New(reg)
		if err != nil {
			t.Fatal(err)
		}
		c.Metrics = m
	}
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	registries.Store(p, reg)
	return p
}

// metricsText is what /metrics would show of p's metrics.
func metricsText(t testing.TB, p *Proxy) string {
	t.Helper()
	reg, ok := registries.Load(p)
	if !ok {
		t.Fatal("the proxy was not made by newMeasuredProxy")
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg.(*prometheus.Registry), promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
