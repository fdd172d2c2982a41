package redislimit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/redistest"
	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/proxy/redislimit"
	"github.com/redis/go-redis/v9"
)

// newProxy serves a proxy with the given limits and limiter on loopback,
// allowed to reach the upstream, and returns its URL.
func newProxy(t testing.TB, c proxy.Config, upstream *httptest.Server) string {
	t.Helper()
	c.AllowPrivate = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	port, _ := strconv.Atoi(upstream.URL[strings.LastIndexByte(upstream.URL, ':')+1:])
	c.AllowPorts = []int{port}
	p, err := proxy.New(c)
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(p)
	t.Cleanup(func() {
		ps.Close()
		p.Close()
	})
	return ps.URL
}

func upstream(t testing.TB) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s
}

// get fetches url through the proxy at base and returns the response.
func get(t testing.TB, base, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/"+url, nil)
	req.Header.Set("Origin", "https://app.example")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

func newLimiter(t testing.TB, c redis.UniversalClient, o redislimit.Options) *redislimit.Limiter {
	l := redislimit.New(c, o)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func client(t testing.TB, o *redis.Options) *redis.Client {
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// quietLog collects the limiter's log records.
type quietLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (q *quietLog) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.buf.Write(p)
}

func (q *quietLog) String() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.buf.String()
}

func (q *quietLog) logger() *slog.Logger { return slog.New(slog.NewTextHandler(q, nil)) }

// TestRedisSharedLimit: two proxy instances (two replicas behind a load
// balancer) with their own Redis clients enforce one limit together; one
// of them batches its checks (AutoPipeline).
func TestRedisSharedLimit(t *testing.T) {
	up := upstream(t)
	addr := redistest.Start(t)
	var proxies []string
	for i := range 2 {
		l := newLimiter(t, client(t, &redis.Options{Addr: addr}), redislimit.Options{Prefix: "test:", AutoPipeline: i == 1})
		proxies = append(proxies, newProxy(t, proxy.Config{PerIP: proxy.Rate{Requests: 5, Per: time.Hour}, Limiter: l}, up))
	}
	var codes []int
	for i := range 8 {
		resp := get(t, proxies[i%2], up.URL+"/")
		codes = append(codes, resp.StatusCode)
		if i == 4 && resp.Header.Get("X-Ratelimit-Remaining") != "0" {
			t.Errorf("fifth request: remaining %q, want 0", resp.Header.Get("X-Ratelimit-Remaining"))
		}
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if want := "[200 200 200 200 200 429 429 429]"; fmtInts(codes) != want {
		t.Errorf("statuses %v, want %v: the replicas did not share one limit", codes, want)
	}
	keys, err := redistest.Do(addr, "KEYS", "test:*")
	if err != nil || keys != "test:{ip:127.0.0.1}" {
		t.Errorf("redis keys %q (%v), want the one bucket test:{ip:127.0.0.1}", keys, err)
	}
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestRedisLimiterRefill(t *testing.T) {
	l := newLimiter(t, client(t, &redis.Options{Addr: redistest.Start(t)}), redislimit.Options{AutoPipeline: true})
	r := proxy.Rate{Requests: 4, Per: time.Second, Burst: 2} // a token every 250 ms
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

func TestKeyHashTag(t *testing.T) {
	l := redislimit.New(nil, redislimit.Options{Prefix: "p:"})
	if got := l.Key("h:api.example"); got != "p:{h:api.example}" {
		t.Errorf("Key = %q, want p:{h:api.example}", got)
	}
}

// hungRedis is a TCP listener that accepts connections and never answers,
// until the test ends or stop is called.
func hungRedis(t testing.TB) (addr string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read or written
			mu.Unlock()
		}
	}()
	stop = func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	}
	t.Cleanup(stop)
	return l.Addr().String(), stop
}

// TestBug6HungRedisStallsEveryRequest: a Redis that accepts connections and
// never answers made every check wait go-redis's read timeout (5 s), since
// the client the CLI built ignored context deadlines. Whatever client the
// limiter is handed, a check now ends within the limiter's timeout, and
// after a few failures the limiter stops asking: requests flow at once.
func TestBug6HungRedisStallsEveryRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  redis.Options
		auto bool
	}{
		{"default client", redis.Options{}, false},
		{"ContextTimeoutEnabled", redis.Options{ContextTimeoutEnabled: true}, false},
		{"no read timeout", redis.Options{ReadTimeout: -1, MaxRetries: 5}, false},
		{"AutoPipeline", redis.Options{ContextTimeoutEnabled: true}, true}, // closing the client then takes seconds: go-redis drains the stuck batch
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := upstream(t)
			var stop func()
			tc.opt.Addr, stop = hungRedis(t)
			// Before the client closes: a batch stuck in a pipeline would
			// hold Close for the read timeouts of all its retries.
			defer stop()
			var logs quietLog
			l := newLimiter(t, client(t, &tc.opt), redislimit.Options{Timeout: 100 * time.Millisecond, Logger: logs.logger(), AutoPipeline: tc.auto})
			base := newProxy(t, proxy.Config{
				PerIP:   proxy.Rate{Requests: 1, Per: time.Hour},
				PerHost: proxy.Rate{Requests: 1, Per: time.Hour},
				Limiter: l,
			}, up)
			start := time.Now()
			for i := range 20 {
				t0 := time.Now()
				if resp := get(t, base, up.URL+"/"); resp.StatusCode != 200 {
					t.Fatalf("request %d: status %d with Redis hung, want 200 (fail open)", i+1, resp.StatusCode)
				}
				if d := time.Since(t0); d > time.Second {
					t.Fatalf("request %d took %v with Redis hung", i+1, d)
				}
			}
			// Three failed checks (two per request) at 100 ms each, then none.
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Errorf("20 requests took %v with Redis hung, want well under 1.5 s", d)
			}
			if err := l.Ready(); !errors.Is(err, redislimit.ErrDegraded) {
				t.Errorf("Ready() = %v, want ErrDegraded", err)
			}
			if !strings.Contains(logs.String(), "rate limits degraded") {
				t.Errorf("no log line says limits are degraded: %q", logs.String())
			}
		})
	}
}

// TestRedisKilled: a real redis-server killed mid-test costs no request
// more than the limiter's timeout, the limiter says it is degraded, and
// once a Redis answers on the address again the limits are enforced again.
func TestRedisKilled(t *testing.T) {
	up := upstream(t)
	srv := redistest.StartServer(t)
	var logs quietLog
	l := newLimiter(t, client(t, &redis.Options{Addr: srv.Addr}), redislimit.Options{
		Timeout: 100 * time.Millisecond, RetryEvery: 100 * time.Millisecond, Logger: logs.logger(),
	})
	reg := proxy.Config{PerIP: proxy.Rate{Requests: 3, Per: time.Hour}, Limiter: l}
	base := newProxy(t, reg, up)
	for i, want := range []int{200, 200, 200, 429} {
		if resp := get(t, base, up.URL+"/"); resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	srv.Kill()
	start := time.Now()
	for i := range 50 {
		if resp := get(t, base, up.URL+"/"); resp.StatusCode != 200 {
			t.Fatalf("request %d after the kill: status %d, want 200 (fail open)", i+1, resp.StatusCode)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("50 requests took %v with Redis dead", d)
	}
	if err := l.Ready(); !errors.Is(err, redislimit.ErrDegraded) {
		t.Fatalf("Ready() = %v, want ErrDegraded", err)
	}
	// A new Redis on the same port: the probe finds it, limits apply again
	// (its buckets are empty: three more requests, then 429).
	redistest.StartServer(t, "--port", strconv.Itoa(srv.Port))
	deadline := time.Now().Add(5 * time.Second)
	for l.Ready() != nil {
		if time.Now().After(deadline) {
			t.Fatal("limiter still degraded 5 s after Redis came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, want := range []int{200, 200, 200, 429} {
		if resp := get(t, base, up.URL+"/"); resp.StatusCode != want {
			t.Fatalf("request %d after recovery: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if !strings.Contains(logs.String(), "rate limits enforced again") {
		t.Errorf("no log line says limits are enforced again: %q", logs.String())
	}
}

// TestFailClosed: with FailClosed, requests are refused with 429 and a
// Retry-After while Redis cannot be asked.
func TestFailClosed(t *testing.T) {
	up := upstream(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	_ = l.Close() // nothing listens: connections are refused
	lim := newLimiter(t, client(t, &redis.Options{Addr: addr, MaxRetries: -1}), redislimit.Options{
		FailClosed: true, Logger: (&quietLog{}).logger(),
	})
	base := newProxy(t, proxy.Config{PerIP: proxy.Rate{Requests: 100, Per: time.Hour}, Limiter: lim}, up)
	for i := range 5 {
		resp := get(t, base, up.URL+"/")
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("request %d: status %d, Retry-After %q; want 429 with Retry-After (fail closed)",
				i+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if lim.Ready() == nil {
		t.Error("Ready() = nil with Redis down")
	}
}

// TestDegradedNotLoggedPerRequest: while the limiter is degraded the proxy
// lets requests through without a log record for each one.
func TestDegradedNotLoggedPerRequest(t *testing.T) {
	up := upstream(t)
	var proxyLog quietLog
	addr, _ := hungRedis(t)
	lim := newLimiter(t, client(t, &redis.Options{Addr: addr}), redislimit.Options{
		Timeout: 50 * time.Millisecond, Logger: (&quietLog{}).logger(),
	})
	base := newProxy(t, proxy.Config{PerIP: proxy.Rate{Requests: 1, Per: time.Hour}, Limiter: lim, Logger: proxyLog.logger()}, up)
	for range 10 {
		get(t, base, up.URL+"/")
	}
	if n := strings.Count(proxyLog.String(), "rate limiter failed"); n != 3 {
		t.Errorf("%d per-request limiter warnings, want 3 (the failures before the limiter degraded)", n)
	}
}

// TestLoggerAdapter: go-redis's own messages reach slog.
func TestLoggerAdapter(t *testing.T) {
	var logs quietLog
	redislimit.Logger{L: logs.logger()}.Printf(context.Background(), "redis: dial %s: %v", "127.0.0.1:1", "refused")
	if got := logs.String(); !strings.Contains(got, `msg="redis: dial 127.0.0.1:1: refused"`) || !strings.Contains(got, "level=WARN") {
		t.Errorf("log record %q", got)
	}
}

// TestConcurrentChecksExact: checks from many goroutines at once, batched
// or not, spend a bucket exactly: no token is lost or granted twice.
func TestConcurrentChecksExact(t *testing.T) {
	addr := redistest.Start(t)
	for _, auto := range []bool{false, true} {
		l := newLimiter(t, client(t, &redis.Options{Addr: addr, ContextTimeoutEnabled: true}), redislimit.Options{AutoPipeline: auto, Timeout: 2 * time.Second})
		key := "exact:" + strconv.FormatBool(auto)
		var mu sync.Mutex
		var allowed, errs int
		var wg sync.WaitGroup
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := l.Allow(context.Background(), key, proxy.Rate{Requests: 50, Per: time.Hour})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs++
				} else if d.Allowed {
					allowed++
				}
			}()
		}
		wg.Wait()
		if allowed != 50 || errs != 0 {
			t.Errorf("AutoPipeline %v: %d of 200 allowed, %d errors; want 50 and 0", auto, allowed, errs)
		}
	}
}

// TestPrefetch: with Prefetch, a busy key needs few round trips, the
// limit is never exceeded, and a bucket near its limit is spent exactly.
func TestPrefetch(t *testing.T) {
	addr := redistest.Start(t)
	c := client(t, &redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	var calls atomicCounter
	c.AddHook(&calls)
	l := newLimiter(t, c, redislimit.Options{Prefetch: 64})
	ctx := context.Background()
	// A busy key with a large budget: most checks are served here.
	big := proxy.Rate{Requests: 1_000_000, Per: time.Hour}
	for range 1000 {
		if d, err := l.Allow(ctx, "busy", big); err != nil || !d.Allowed {
			t.Fatalf("busy key refused: %+v, %v", d, err)
		}
	}
	t.Logf("%d round trips for 1000 checks of a busy key", calls.load())
	if n := calls.load(); n > 100 {
		t.Errorf("%d round trips for 1000 checks of a busy key, want far fewer", n)
	}
	// A small budget is spent exactly, however fast the checks come.
	small := proxy.Rate{Requests: 10, Per: time.Hour}
	allowed := 0
	for range 50 {
		if d, _ := l.Allow(ctx, "small", small); d.Allowed {
			allowed++
		}
	}
	if allowed != 10 {
		t.Errorf("%d of 50 allowed with a budget of 10", allowed)
	}
	// Never more than the limit across replicas that prefetch.
	l2 := newLimiter(t, client(t, &redis.Options{Addr: addr}), redislimit.Options{Prefetch: 64})
	mid := proxy.Rate{Requests: 200, Per: time.Hour}
	allowed = 0
	for i := range 600 {
		lim := l
		if i%3 == 0 {
			lim = l2
		}
		if d, _ := lim.Allow(ctx, "mid", mid); d.Allowed {
			allowed++
		}
	}
	t.Logf("%d of 600 allowed through two prefetching replicas, budget 200", allowed)
	if allowed > 200 || allowed < 150 {
		t.Errorf("%d of 600 allowed through two prefetching replicas with a budget of 200, want at most 200 and not much less", allowed)
	}
}

// atomicCounter is a go-redis hook counting the commands sent.
type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (a *atomicCounter) load() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

func (a *atomicCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (a *atomicCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		a.mu.Lock()
		a.n++
		a.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (a *atomicCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
