package proxy

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// startRedis runs a real redis-server for the length of the test and
// returns a client of it.
func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRedisSharedLimit: two proxy instances (two replicas behind a load
// balancer) with their own Redis clients enforce one limit together.
func TestRedisSharedLimit(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	rc := startRedis(t)
	rc2 := redis.NewClient(&redis.Options{Addr: rc.Options().Addr})
	defer rc2.Close()
	cfg := func(c *redis.Client) Config {
		return Config{PerIP: Rate{Requests: 5, Per: time.Hour}, Limiter: NewRedisLimiter(c, "test:")}
	}
	_, a := newTestProxy(t, cfg(rc), up)
	_, b := newTestProxy(t, cfg(rc2), up)
	var codes []int
	for i := range 8 {
		ps := a
		if i%2 == 1 {
			ps = b
		}
		resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", nil, nil)
		codes = append(codes, resp.StatusCode)
		if i == 4 && resp.Header.Get("X-Ratelimit-Remaining") != "0" {
			t.Errorf("fifth request: remaining %q, want 0", resp.Header.Get("X-Ratelimit-Remaining"))
		}
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if want := []int{200, 200, 200, 200, 200, 429, 429, 429}; !equalInts(codes, want) {
		t.Errorf("statuses %v, want %v: the replicas did not share one limit", codes, want)
	}
	keys, err := rc.Keys(context.Background(), "test:*").Result()
	if err != nil || len(keys) != 1 {
		t.Errorf("redis keys %v (%v), want one bucket", keys, err)
	}
}

func TestRedisLimiterRefill(t *testing.T) {
	rc := startRedis(t)
	l := NewRedisLimiter(rc, "")
	r := Rate{Requests: 4, Per: time.Second, Burst: 2} // a token every 250 ms
	ctx := context.Background()
	for i, want := range []bool{true, true, false} {
		d, err := l.Allow(ctx, "k", r)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed != want {
			t.Fatalf("call %d: allowed %v, want %v", i+1, d.Allowed, want)
		}
		if !d.Allowed && (d.RetryAfter <= 0 || d.RetryAfter > 250*time.Millisecond) {
			t.Errorf("RetryAfter %v, want in (0, 250ms]", d.RetryAfter)
		}
	}
	time.Sleep(260 * time.Millisecond) // one token's worth of refill
	if d, _ := l.Allow(ctx, "k", r); !d.Allowed {
		t.Error("no token after the refill interval")
	}
}

// TestRedisDown: a limiter store that fails lets requests through and
// counts the failure.
func TestRedisDown(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rc.Close()
	p, ps := newTestProxy(t, Config{PerIP: Rate{Requests: 1, Per: time.Hour}, Limiter: NewRedisLimiter(rc, "")}, up)
	for range 3 {
		if resp, _ := do(t, "GET", ps.URL+"/"+up.URL+"/", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("status %d with Redis down, want 200 (fail open)", resp.StatusCode)
		}
	}
	rec := httptest.NewRecorder()
	p.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "crossorigin_proxy_rate_limiter_errors_total 3") {
		t.Error("limiter errors not counted")
	}
}
