package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/redistest"
)

// rssConcurrency is the load of BenchmarkProxyRSSAllFeatures.
const rssConcurrency = 256

// BenchmarkProxyRSSAllFeatures runs crossorigin proxy with every feature
// on (per-IP, per-origin and per-host limits on a local redis-server, the
// shared cache, the circuit breaker, JSON access logs, OpenTelemetry
// tracing of every request to an OTLP/HTTP receiver in this process, and
// Prometheus metrics on their own listener, scraped every second) under
// 256 concurrent clients, half on a cacheable and half on an uncacheable
// 1 KiB response, and reports its peak resident set (VmHWM). Target: under
// 40 MB. RSS_ARGS replaces the feature flags (everything after
// --allow-port), to see what one feature costs; in it $REDIS, $OTLP and
// $METRICS stand for the addresses of the benchmark's servers:
// RSS_ARGS="--log-format none" measures the bare proxy. RSS_EXTRA adds
// flags to them: RSS_EXTRA="--memory-limit 28MiB".
func BenchmarkProxyRSSAllFeatures(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc for memory")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	upstream, stop := proxyUpstream(b)
	defer stop()
	otlp, spans := otlpReceiver(b)
	crossorigin, _ := proxyBuild(b)
	srv := redistest.StartServer(b)
	metrics := freeAddr(b)
	_, upPort, _ := net.SplitHostPort(strings.TrimPrefix(upstream, "http://"))
	args := []string{"proxy", "--listen", "127.0.0.1:0",
		"--allow-private", "127.0.0.1/32", "--allow-port", upPort, "--log-format", "json",
		"--max-idle-conns-per-host", "256", "--max-in-flight", "1024",
		"--cache-size", "64MiB", "--redis", "redis://$REDIS/0",
		"--rate-ip", "100000000/1s", "--rate-origin", "100000000/1s", "--rate-host", "100000000/1s",
		"--breaker-failures", "5", "--otlp-endpoint", "$OTLP", "--metrics-listen", "$METRICS"}
	if v := os.Getenv("RSS_ARGS"); v != "" {
		args = append(args[:7], strings.Fields(v)...)
	}
	args = append(args, strings.Fields(os.Getenv("RSS_EXTRA"))...)
	vars := map[string]string{"REDIS": srv.Addr, "OTLP": otlp, "METRICS": metrics}
	for i, a := range args {
		args[i] = os.Expand(a, func(k string) string { return vars[k] })
	}
	cmd, base := proxyStart(b, ".", crossorigin, args...)
	im := &proxyImpl{name: "crossorigin-all", base: base, cmd: cmd}
	c := &http.Client{Transport: &http.Transport{
		MaxIdleConns: rssConcurrency * 2, MaxIdleConnsPerHost: rssConcurrency * 2, DisableCompression: true,
	}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	urls := []string{im.url(upstream, "1KiB"), im.url(upstream, "1KiB-cacheable")}
	scraped := make(chan int)
	done := make(chan struct{})
	go func() { scraped <- scrapeEvery(c, "http://"+metrics+"/metrics", time.Second, done) }()
	b.ResetTimer()
	cpu0 := proxyCPU(im)
	start := time.Now()
	err := rssLoad(c, urls, b.N+rssConcurrency*8)
	elapsed := time.Since(start)
	cpu := proxyCPU(im) - cpu0
	b.StopTimer()
	close(done)
	scrapes := <-scraped
	if err != nil {
		b.Fatal(err)
	}
	hwm, rss := proxyMemory(cmd.Process.Pid)
	parts := procStatusMB(cmd.Process.Pid)
	anon, file := parts["RssAnon"], parts["RssFile"]
	b.ReportMetric(float64(b.N+rssConcurrency*8)/elapsed.Seconds(), "req/s")
	b.ReportMetric(hwm, "peak-RSS-MB")
	perReq := float64(cpu.Microseconds()) / float64(b.N+rssConcurrency*8)
	b.ReportMetric(perReq, "proxy-CPU-µs/req")
	fmt.Printf("crossorigin proxy, all features, concurrency %d: peak RSS %.1f MB (now %.1f MB: %.1f MB anonymous, %.1f MB file-backed, mostly the binary's own pages), target < 40 MB; proxy CPU %.0f µs/req; %d OTLP exports received, %d metrics scrapes\n",
		rssConcurrency, hwm, rss, anon, file, perReq, spans.Load(), scrapes)
}

// rssLoad sends n requests at rssConcurrency, alternating between urls.
func rssLoad(c *http.Client, urls []string, n int) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range rssConcurrency {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := proxyGet(c, urls[i%int64(len(urls))], 1<<10); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// otlpReceiver is an OTLP/HTTP endpoint that accepts every export of
// traces and discards it, counting the exports.
func otlpReceiver(tb testing.TB) (string, *atomic.Int64) {
	var exports atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method != "POST" || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		exports.Add(1)
		// An empty ExportTraceServiceResponse: full success.
		w.Header().Set("Content-Type", "application/x-protobuf")
	})}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), &exports
}

// freeAddr is a loopback address with a port that was free a moment ago.
func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// scrapeEvery fetches url every d until done, as Prometheus would, and
// returns how many scrapes succeeded.
func scrapeEvery(c *http.Client, url string, d time.Duration, done <-chan struct{}) int {
	n := 0
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-done:
			return n
		case <-t.C:
		}
		resp, err := c.Get(url)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode == 200 {
			n++
		}
	}
}
