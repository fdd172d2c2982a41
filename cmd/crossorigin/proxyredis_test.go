package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestRedisURLForms: each --redis form builds the matching go-redis client
// with context deadlines honoured; each bad form is refused with a reason.
func TestRedisURLForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // client type, or "" when the form is refused
		err  string // part of the reason
	}{
		{"redis://127.0.0.1:6379/0", "*redis.Client", ""},
		{"rediss://user:pw@cache.example:6380/2?dial_timeout=1s", "*redis.Client", ""},
		{"redis+cluster://10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000", "*redis.ClusterClient", ""},
		{"rediss+cluster://u:p@10.0.0.1:7000,10.0.0.2:7000", "*redis.ClusterClient", ""},
		{"redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster", "*redis.Client", ""},
		{"redis+sentinel://:pw@10.0.0.1:26379/mymaster/3", "*redis.Client", ""},
		{"127.0.0.1:6379", "", "no scheme"},
		{"http://127.0.0.1:6379", "", "unknown scheme"},
		{"redis+ring://127.0.0.1:6379", "", "unknown scheme"},
		{"redis://a:1,b:2", "", "several addresses"},
		{"redis://127.0.0.1", "", "not host:port"},
		{"redis+cluster://a:1,,b:2", "", "not host:port"},
		{"redis+cluster://a:1,b:2/0", "", "no database number"},
		{"redis+sentinel://a:26379", "", "no master name"},
		{"redis+sentinel://a:26379/m/x", "", "database number"},
		{"redis://127.0.0.1:6379/0?bogus=1", "", "unexpected option"},
	} {
		c, err := newRedisClient(tc.in)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one saying %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		got := ""
		switch c := c.(type) {
		case *redis.Client:
			got = "*redis.Client"
			if !c.Options().ContextTimeoutEnabled {
				t.Errorf("%s: ContextTimeoutEnabled off", tc.in)
			}
		case *redis.ClusterClient:
			got = "*redis.ClusterClient"
			if !c.Options().ContextTimeoutEnabled {
				t.Errorf("%s: ContextTimeoutEnabled off", tc.in)
			}
		}
		if got != tc.want {
			t.Errorf("%s: client %T, want %s", tc.in, c, tc.want)
		}
		_ = c.Close()
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://u:secret@h:1/0":         "redis://u:xxxxx@h:1/0",
		"redis+sentinel://:secret@h:1/m": "redis+sentinel://:xxxxx@h:1/m",
		"redis://h:1/0":                  "redis://h:1/0",
		"redis://user@h:1":               "redis://user@h:1",
		"redis://h:1/0?password=x@y":     "redis://h:1/0?password=x@y",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestProxyCommandBadRedis: bad --redis and --redis-fail values are usage
// errors (exit 2) naming the flag, all reported at once, without the
// password.
func TestProxyCommandBadRedis(t *testing.T) {
	var stderr strings.Builder
	code := runProxy(context.Background(), []string{"--listen", "127.0.0.1:0", "--redis", "redis://u:hunter2@a:1,b:2", "--redis-fail", "maybe"}, io.Discard, &stderr)
	out := stderr.String()
	if code != 2 || !strings.Contains(out, `--redis "redis://u:xxxxx@a:1,b:2"`) || !strings.Contains(out, `--redis-fail "maybe"`) || strings.Contains(out, "hunter2") {
		t.Errorf("exit %d, stderr:\n%s", code, out)
	}
}

// TestProxyCommandReadyz: /readyz says 200 while Redis answers and 503
// once it is gone; /healthz stays 200; the degraded gauge says 1.
func TestProxyCommandReadyz(t *testing.T) {
	srv := redistest.StartServer(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	base, _, _, _ := startProxyCmd(t, "--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none",
		"--rate-ip", "1000/1h", "--redis", "redis://"+srv.Addr+"/0")
	if resp, body := proxyGet(t, base+"/readyz"); resp.StatusCode != 200 {
		t.Fatalf("/readyz %d %q with Redis up", resp.StatusCode, body)
	}
	srv.Kill()
	for range 5 {
		if resp, _ := proxyGet(t, base+"/"+up.URL+"/"); resp.StatusCode != 200 {
			t.Fatalf("status %d with Redis dead, want 200 (fail open)", resp.StatusCode)
		}
	}
	if resp, body := proxyGet(t, base+"/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "degraded") {
		t.Errorf("/readyz %d %q with Redis dead, want 503 saying degraded", resp.StatusCode, body)
	}
	if resp, _ := proxyGet(t, base+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz %d with Redis dead, want 200 (liveness)", resp.StatusCode)
	}
	if _, body := proxyGet(t, base+"/metrics"); !strings.Contains(body, "crossorigin_proxy_rate_limiter_degraded 1") {
		t.Error("metrics do not say the limiter is degraded")
	}
}
