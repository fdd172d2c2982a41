package proxy

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestCircuitBreaker is issue 13's item 4 (part): after BreakerFailures
// consecutive failures of a target, its requests are refused at once with
// 503 circuit_open and Retry-After, without a connection, while other
// services go on; after the cool-down one probe goes through: a failing
// probe opens the circuit again, a good one closes it.
func TestCircuitBreaker(t *testing.T) {
	var dead atomic.Bool
	var conns atomic.Int64
	dead.Store(true)
	url, port := rawUpstream(t, func(c net.Conn) {
		conns.Add(1)
		if dead.Load() {
			return // hang up without an answer
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	})
	other := httptest.NewServer(echoHandler())
	defer other.Close()
	p, ps := hostileProxy(t, Config{BreakerFailures: 3, BreakerCooldown: 300 * time.Millisecond, AllowPorts: []int{serverPort(t, other)}}, port)

	get := func(u string) *http.Response {
		resp, _ := do(t, "GET", ps.URL+"/"+u+"/", nil, nil)
		return resp
	}
	for i := range 3 {
		if resp := get(url); resp.StatusCode != 502 {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	before := conns.Load()
	resp := get(url)
	if resp.StatusCode != 503 || resp.Header.Get("X-Proxy-Error") != "circuit_open" || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("open circuit: %d %q Retry-After %q", resp.StatusCode, resp.Header.Get("X-Proxy-Error"), resp.Header.Get("Retry-After"))
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("the refusal has no CORS headers")
	}
	if conns.Load() != before {
		t.Error("an open circuit still connected to the target")
	}
	if resp := get(other.URL); resp.StatusCode != 200 {
		t.Errorf("another service of the same host: %d", resp.StatusCode)
	}

	time.Sleep(350 * time.Millisecond)
	if resp := get(url); resp.StatusCode != 502 {
		t.Errorf("failing probe: %d, want 502", resp.StatusCode)
	}
	if resp := get(url); resp.StatusCode != 503 {
		t.Errorf("after a failed probe: %d, want 503 (open again)", resp.StatusCode)
	}
	dead.Store(false)
	time.Sleep(350 * time.Millisecond)
	for i := range 3 {
		if resp := get(url); resp.StatusCode != 200 {
			t.Errorf("after a good probe, request %d: %d", i+1, resp.StatusCode)
		}
	}

	metrics := metricsText(t, p)
	for _, want := range []string{"crossorigin_proxy_circuit_opened_total 2", `crossorigin_proxy_refused_total{reason="circuit_open"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestCircuitBreakerSavesInFlight: callers of a target that never answers
// stop holding MaxInFlight slots once its circuit opens, so that the
// others are still served.
func TestCircuitBreakerSavesInFlight(t *testing.T) {
	url, port := rawUpstream(t, silence)
	other := httptest.NewServer(echoHandler())
	defer other.Close()
	_, ps := hostileProxy(t, Config{BreakerFailures: 2, BreakerCooldown: time.Minute, ResponseHeaderTimeout: 100 * time.Millisecond,
		MaxInFlight: 4, AllowPorts: []int{serverPort(t, other)}}, port)
	codes := map[int]int{}
	for range 20 {
		resp, _ := do(t, "GET", ps.URL+"/"+url+"/", nil, nil)
		codes[resp.StatusCode]++
	}
	if codes[504] != 2 || codes[503] != 18 {
		t.Errorf("statuses %v, want 2 timeouts then 18 refusals", codes)
	}
	if resp, _ := do(t, "GET", ps.URL+"/"+other.URL+"/", nil, nil); resp.StatusCode != 200 {
		t.Errorf("another target: %d", resp.StatusCode)
	}
}

func TestBreakerConfig(t *testing.T) {
	if _, err := New(Config{BreakerCooldown: -time.Second}); err == nil {
		t.Error("negative BreakerCooldown accepted")
	}
	p, err := New(Config{BreakerFailures: -1})
	if err != nil || p.breaker != nil {
		t.Errorf("BreakerFailures -1: %v, breaker %v", err, p.breaker)
	}
	p, err = New(Config{})
	if err != nil || p.breaker == nil || p.breaker.failures != DefaultBreakerFailures || p.breaker.cooldown != DefaultBreakerCooldown {
		t.Errorf("defaults: %v %+v", err, p.breaker)
	}
}

// TestBreakerBounded: only failing hosts are kept, and no more than
// maxBreakerHosts of them.
func TestBreakerBounded(t *testing.T) {
	b := newBreaker(1, time.Minute, nil)
	now := time.Now()
	for i := range maxBreakerHosts + 100 {
		b.report("h:"+strconv.Itoa(i), outcomeFailure, now)
	}
	if len(b.hosts) != maxBreakerHosts {
		t.Errorf("%d hosts kept", len(b.hosts))
	}
	b.report("h:1", outcomeOK, now)
	if _, ok := b.allow("h:1", now); !ok || len(b.hosts) != maxBreakerHosts-1 {
		t.Error("a success did not close and forget the circuit")
	}
}
