package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

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
	base, stderr, _, _ := startProxyCmd(t, "--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none",
		"--rate-ip", "1000/1h", "--redis", "redis://"+srv.Addr+"/0", "--metrics-listen", "127.0.0.1:0")
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
	if _, body := proxyGet(t, metricsBase(t, stderr)+"/metrics"); !strings.Contains(body, "crossorigin_proxy_rate_limiter_degraded 1") {
		t.Error("metrics do not say the limiter is degraded")
	}
}

// sharedLimit sends n requests alternately through the proxies at bases
// and returns their statuses.
func sharedLimit(t *testing.T, target string, n int, bases ...string) []int {
	t.Helper()
	var codes []int
	for i := range n {
		resp, _ := proxyGet(t, bases[i%len(bases)]+"/"+target)
		codes = append(codes, resp.StatusCode)
	}
	return codes
}

func countOK(codes []int) int {
	n := 0
	for _, c := range codes {
		if c == 200 {
			n++
		}
	}
	return n
}

// TestProxyCommandRedisCluster: two proxies given a 3-master Redis Cluster
// (redis+cluster://) share their per-IP and per-host limits, and each
// bucket is one key in one slot.
func TestProxyCommandRedisCluster(t *testing.T) {
	nodes := redistest.StartCluster(t, 3)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	url := "redis+cluster://" + nodes[0].Addr + "," + nodes[1].Addr + "," + nodes[2].Addr
	args := []string{"--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none",
		"--rate-ip", "4/1h", "--rate-host", "100/1h", "--redis", url}
	a, _, _, _ := startProxyCmd(t, args...)
	b, _, _, _ := startProxyCmd(t, args...)
	codes := sharedLimit(t, up.URL+"/", 6, a, b)
	if want := "[200 200 200 200 429 429]"; fmtCodes(codes) != want {
		t.Fatalf("statuses %v, want %s: the proxies did not share the limit", codes, want)
	}
	var keys []string
	for _, n := range nodes {
		k, err := redistest.Do(n.Addr, "KEYS", "crossorigin:proxy:*")
		if err != nil {
			t.Fatal(err)
		}
		if k != "" {
			keys = append(keys, strings.Split(k, "\n")...)
		}
	}
	if len(keys) != 2 {
		t.Fatalf("keys %q across the cluster, want the IP bucket and the host bucket", keys)
	}
	for _, k := range keys {
		tag := k[strings.IndexByte(k, '{')+1 : strings.IndexByte(k, '}')]
		s1, _ := redistest.Do(nodes[0].Addr, "CLUSTER", "KEYSLOT", k)
		s2, _ := redistest.Do(nodes[0].Addr, "CLUSTER", "KEYSLOT", tag)
		if s1 != s2 {
			t.Errorf("key %q: slot %s, its hash tag %q: slot %s", k, s1, tag, s2)
		}
	}
}

func fmtCodes(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// TestProxyCommandRedisSentinelFailover: two proxies given a Sentinel
// (redis+sentinel://) share one limit, and after the master is killed and
// the Sentinel promotes the replica, the limit of the same window still
// holds: the buckets were replicated, and the clients follow the new
// master. (redistest's Failover, SENTINEL FAILOVER, works too but waits
// some 10 s for the old master to be turned into a replica: until then it
// takes writes from clients that have not moved yet.)
func TestProxyCommandRedisSentinelFailover(t *testing.T) {
	sn := redistest.StartSentinel(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	url := "redis+sentinel://" + sn.Sentinel.Addr + "/" + sn.MasterName
	args := []string{"--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none",
		"--rate-ip", "6/1h", "--redis", url, "--redis-fail", "closed", "--client-ip-header", "X-Client-Ip"}
	a, _, _, _ := startProxyCmd(t, args...)
	b, _, _, _ := startProxyCmd(t, args...)
	if codes := sharedLimit(t, up.URL+"/", 4, a, b); countOK(codes) != 4 {
		t.Fatalf("before the failover: statuses %v, want four 200", codes)
	}
	// The replica must hold the buckets before it is promoted.
	if n, err := redistest.Do(sn.Master.Addr, "WAIT", "1", "2000"); err != nil || n != "1" {
		t.Fatalf("WAIT: %q, %v", n, err)
	}
	sn.KillMaster(t)
	// The proxies fail closed while their clients move to the new master:
	// wait until each lets a fresh client through (Redis answered it).
	deadline := time.Now().Add(10 * time.Second)
	for i, base := range []string{a, b} {
		for probe := 0; ; probe++ {
			ip := fmt.Sprintf("192.0.2.%d", 10*i+probe%10)
			if resp, _ := proxyGet(t, base+"/"+up.URL+"/", "X-Client-Ip", ip); resp.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("proxies still refuse 10 s after the failover")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	codes := sharedLimit(t, up.URL+"/", 6, a, b)
	if ok := countOK(codes); ok != 2 {
		t.Errorf("after the failover: statuses %v, want exactly two more 200 (6 per window, 4 used)", codes)
	}
}

// FuzzRedisURL: no --redis value makes the parser panic, and what it
// accepts has at least one host:port address.
func FuzzRedisURL(f *testing.F) {
	for _, s := range []string{"redis://127.0.0.1:6379/0", "redis+sentinel://:p@a:1,b:2/m/0?db=1", "redis+cluster://a:1,b:2", "rediss://u@[::1]:6380", "redis://@:/?%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseRedisURL(s)
		if err == nil && (len(u.hosts) == 0 || u.hosts[0] == "") {
			t.Errorf("%q: accepted without an address", s)
		}
		_ = redactURL(s)
	})
}

// TestProxyCommandRedisLogsThroughSlog: go-redis's own messages (here its
// failed dials) come out as slog records of the proxy, not as raw lines.
func TestProxyCommandRedisLogsThroughSlog(t *testing.T) {
	var stderr strings.Builder
	code := runProxy(context.Background(), []string{"--listen", "127.0.0.1:0", "--redis", "redis://127.0.0.1:1/0"}, io.Discard, &stderr)
	out := stderr.String()
	if code != 2 {
		t.Errorf("exit %d with Redis unreachable, want 2", code)
	}
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "redis:") || (strings.Contains(line, "redis: ") && !strings.Contains(line, "level=") && !strings.HasPrefix(line, "crossorigin proxy: --redis")) {
			t.Errorf("raw go-redis line: %q", line)
		}
	}
	if !strings.Contains(out, "component=go-redis") {
		t.Errorf("no go-redis record in the log:\n%s", out)
	}
}
