package bench

import (
	"fmt"
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
// shared cache, JSON access logs, metrics) under 256 concurrent clients,
// half on a cacheable and half on an uncacheable 1 KiB response, and
// reports its peak resident set. Target: under 40 MB. RSS_ARGS replaces
// the feature flags (everything after --allow-port), to see what one
// feature costs: RSS_ARGS="--log-format none" measures the bare proxy.
func BenchmarkProxyRSSAllFeatures(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc for memory")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	upstream, stop := proxyUpstream(b)
	defer stop()
	crossorigin, _ := proxyBuild(b)
	srv := redistest.StartServer(b)
	_, upPort, _ := net.SplitHostPort(strings.TrimPrefix(upstream, "http://"))
	args := []string{"proxy", "--listen", "127.0.0.1:0",
		"--allow-private", "127.0.0.1/32", "--allow-port", upPort, "--log-format", "json",
		"--max-idle-conns-per-host", "256", "--max-in-flight", "1024",
		"--cache-size", "64MiB", "--redis", "redis://" + srv.Addr + "/0",
		"--rate-ip", "100000000/1s", "--rate-origin", "100000000/1s", "--rate-host", "100000000/1s"}
	if v := os.Getenv("RSS_ARGS"); v != "" {
		args = append(args[:7], strings.Fields(v)...)
	}
	cmd, base := proxyStart(b, ".", crossorigin, args...)
	im := &proxyImpl{name: "crossorigin-all", base: base, cmd: cmd}
	c := &http.Client{Transport: &http.Transport{
		MaxIdleConns: rssConcurrency * 2, MaxIdleConnsPerHost: rssConcurrency * 2, DisableCompression: true,
	}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	urls := []string{im.url(upstream, "1KiB"), im.url(upstream, "1KiB-cacheable")}
	b.ResetTimer()
	start := time.Now()
	if err := rssLoad(c, urls, b.N+rssConcurrency*8); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	hwm, rss := proxyMemory(cmd.Process.Pid)
	parts := procStatusMB(cmd.Process.Pid)
	anon, file := parts["RssAnon"], parts["RssFile"]
	b.ReportMetric(float64(b.N+rssConcurrency*8)/elapsed.Seconds(), "req/s")
	b.ReportMetric(hwm, "peak-RSS-MB")
	fmt.Printf("crossorigin proxy, all features, concurrency %d: peak RSS %.1f MB (now %.1f MB: %.1f MB anonymous, %.1f MB file-backed, mostly the binary's own pages), target < 40 MB\n", rssConcurrency, hwm, rss, anon, file)
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
