// Side-by-side benchmark of crossorigin proxy against a bare
// httputil.ReverseProxy and cors-anywhere (node, from npm), all on
// loopback. Run it with the command in README.md (## proxy).
package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/redistest"
)

const proxyConcurrency = 32

// proxyBodies are the responses of the benchmark: two sizes that no
// cache may keep, and 1 KiB that a shared cache may keep for an hour.
var proxyBodies = []struct {
	name string
	size int
}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}, {"1KiB-cacheable", 1 << 10}}

// proxyImpl is one thing under load: a base URL to which the target
// URL is appended, and the process serving it (nil: this process).
type proxyImpl struct {
	name string
	base string // "" for direct
	cmd  *exec.Cmd
	skip string // why it is not measured
}

// proxyUpstream serves /1KiB and /1MiB on 127.0.0.1.
func proxyUpstream(tb testing.TB) (string, func()) {
	bodies := map[string][]byte{}
	for _, b := range proxyBodies {
		bodies["/"+b.name] = bytes.Repeat([]byte("x"), b.size)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if strings.HasSuffix(r.URL.Path, "-cacheable") {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		_, _ = w.Write(b)
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }
}

// proxyBuild builds the crossorigin command and the bare reverse proxy.
func proxyBuild(tb testing.TB) (crossorigin, bare string) {
	dir := tb.TempDir()
	crossorigin, bare = filepath.Join(dir, "crossorigin"), filepath.Join(dir, "proxybare")
	for _, b := range []struct{ dir, pkg, out string }{
		{"..", "./cmd/crossorigin", crossorigin},
		{".", "./proxybare", bare},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = b.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return crossorigin, bare
}

var proxyListenRE = regexp.MustCompile(`listening (?:on http://127\.0\.0\.1:)?(\d+)`)

// proxyStart starts a server process and waits for its "listening" line
// (on stdout or stderr) to learn its port.
func proxyStart(tb testing.TB, dir string, name string, args ...string) (*exec.Cmd, string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	proxyDieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = pw.Close()
	})
	port := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(pr)
		sent := false
		for s.Scan() {
			if m := proxyListenRE.FindStringSubmatch(s.Text()); m != nil && !sent {
				port <- m[1]
				sent = true
			}
		}
	}()
	select {
	case p := <-port:
		return cmd, "http://127.0.0.1:" + p
	case <-time.After(30 * time.Second):
		tb.Fatalf("%s did not start", name)
		return nil, ""
	}
}

// proxyCorsAnywhere installs cors-anywhere from the lock file if needed
// and starts it; it returns a reason instead if node or npm is missing.
func proxyCorsAnywhere(tb testing.TB) (*exec.Cmd, string, string) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, "", tool + " is not installed (apt-get install nodejs npm): cors-anywhere not measured"
		}
	}
	dir, _ := filepath.Abs("cors-anywhere")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cors-anywhere")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	cmd, base := proxyStart(tb, dir, "node", "server.js", "0")
	return cmd, base, ""
}

// proxyImpls starts everything under test against the upstream.
func proxyImpls(tb testing.TB, upstream string) []*proxyImpl {
	crossorigin, bare := proxyBuild(tb)
	_, upPort, _ := net.SplitHostPort(strings.TrimPrefix(upstream, "http://"))
	args := []string{"proxy", "--listen", "127.0.0.1:0",
		"--allow-private", "127.0.0.1/32", "--allow-port", upPort, "--log-format", "none",
		"--max-idle-conns-per-host", "64"}
	co, coBase := proxyStart(tb, ".", crossorigin, args...)
	cc, ccBase := proxyStart(tb, ".", crossorigin, append(args, "--cache-size", "64MiB")...)
	bp, bareBase := proxyStart(tb, ".", bare, "--pool", "64")
	impls := []*proxyImpl{
		{name: "direct"},
		{name: "crossorigin", base: coBase, cmd: co},
		{name: "crossorigin-cache", base: ccBase, cmd: cc},
	}
	impls = append(impls, proxyRedisImpls(tb, crossorigin, args)...)
	impls = append(impls, &proxyImpl{name: "reverseproxy", base: bareBase, cmd: bp})
	ca, caBase, skip := proxyCorsAnywhere(tb)
	impls = append(impls, &proxyImpl{name: "cors-anywhere", base: caBase, cmd: ca, skip: skip})
	return impls
}

// proxyRedisImpls starts crossorigin with per-IP and per-host limits (a
// budget never reached) on a local redis-server, with the default
// --redis-prefetch and with one round trip per check, and once more with
// a Redis that is killed after the proxy started (the limiter then fails
// open and stops asking it).
func proxyRedisImpls(tb testing.TB, crossorigin string, args []string) []*proxyImpl {
	if _, err := exec.LookPath("redis-server"); err != nil {
		skip := "redis-server is not installed (apt-get install redis-server): the Redis limiter not measured"
		return []*proxyImpl{{name: "crossorigin-redis", skip: skip}, {name: "crossorigin-redis-exact", skip: skip}, {name: "crossorigin-redis-dead", skip: skip}}
	}
	var impls []*proxyImpl
	for _, name := range []string{"crossorigin-redis", "crossorigin-redis-exact", "crossorigin-redis-dead"} {
		srv := redistest.StartServer(tb)
		rargs := append(args, "--rate-ip", "100000000/1s", "--rate-host", "100000000/1s", "--redis", "redis://"+srv.Addr+"/0")
		if name == "crossorigin-redis-exact" {
			rargs = append(rargs, "--redis-prefetch", "0") // one round trip per check
		}
		cmd, base := proxyStart(tb, ".", crossorigin, rargs...)
		if name == "crossorigin-redis-dead" {
			srv.Kill()
		}
		impls = append(impls, &proxyImpl{name: name, base: base, cmd: cmd})
	}
	return impls
}

// proxyClient is the load generator's client: keep-alive, a pool for the
// concurrency, no proxy from the environment, no transparent gzip.
func proxyClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        proxyConcurrency * 2,
			MaxIdleConnsPerHost: proxyConcurrency * 2,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// proxyLoad sends n GET requests at proxyConcurrency and checks each.
func proxyLoad(c *http.Client, url string, size int, n int) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range proxyConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := proxyGet(c, url, size); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func proxyGet(c *http.Client, url string, size int) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	// cors-anywhere's README configuration requires one of these.
	req.Header.Set("Origin", "http://app.test")
	req.Header.Set("X-Requested-With", "bench")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || n != int64(size) {
		return fmt.Errorf("%s: status %d, %d bytes", url, resp.StatusCode, n)
	}
	return nil
}

// proxyCPU is the CPU time (user and system) a server process has used;
// zero for implementations running in this process.
func proxyCPU(im *proxyImpl) time.Duration {
	if im.cmd == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", im.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesized command name; utime and stime are
	// the 14th and 15th fields of the line, in clock ticks (100 Hz).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// proxyMemory reads a process's peak and current resident set in MB.
func proxyMemory(pid int) (hwm, rss float64) {
	m := procStatusMB(pid)
	return m["VmHWM"], m["VmRSS"]
}

// procStatusMB reads the memory fields (in kB) of /proc/PID/status, in MB
// by field name ("VmHWM", "RssAnon", ...); empty when it cannot be read.
func procStatusMB(pid int) map[string]float64 {
	m := map[string]float64{}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		m[strings.TrimSuffix(f[0], ":")] = kb / 1024
	}
	return m
}

// BenchmarkProxy measures requests/s through each implementation at
// concurrency 32, for 1 KiB and 1 MiB bodies, and prints the ratios.
func BenchmarkProxy(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc for memory")
	}
	upstream, stop := proxyUpstream(b)
	defer stop()
	impls := proxyImpls(b, upstream)
	for _, body := range proxyBodies {
		for _, im := range impls {
			b.Run("body="+body.name+"/impl="+im.name, func(b *testing.B) {
				if im.skip != "" {
					b.Skip(im.skip)
				}
				c := proxyClient()
				defer c.CloseIdleConnections()
				url := im.url(upstream, body.name)
				// Warm up the pools on both sides.
				if err := proxyLoad(c, url, body.size, proxyConcurrency*4); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(body.size))
				b.ResetTimer()
				start := time.Now()
				if err := proxyLoad(c, url, body.size, b.N); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
				if im.cmd != nil {
					hwm, _ := proxyMemory(im.cmd.Process.Pid)
					b.ReportMetric(hwm, "peak-RSS-MB")
				}
			})
		}
	}
	// The table for bench/README.md. On a shared 2-core machine a
	// neighbour's load swings req/s several-fold between sub-benchmarks, so
	// the ratios come from a separate interleaved measurement: short
	// slices of every implementation in turn, so that drift hits all alike.
	fmt.Print(proxyTable(b, upstream, impls))
}

// proxyRounds and proxySlice shape the interleaved measurement.
const (
	proxyRounds = 6
	proxySlice  = 400 * time.Millisecond
)

func proxyTable(b *testing.B, upstream string, impls []*proxyImpl) string {
	var out strings.Builder
	fmt.Fprintf(&out, "\ninterleaved: %d rounds of %v per implementation and body, concurrency %d, GOMAXPROCS %d\n", proxyRounds, proxySlice, proxyConcurrency, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&out, "| body | impl | req/s | vs cors-anywhere | vs reverseproxy | vs crossorigin | proxy CPU µs/req | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n")
	for _, body := range proxyBodies {
		reqs := map[string]int{}
		spent := map[string]time.Duration{}
		cpu := map[string]time.Duration{}
		for range proxyRounds {
			for _, im := range impls {
				if im.skip != "" {
					continue
				}
				c := proxyClient()
				cpu0 := proxyCPU(im)
				n, d, err := proxyLoadFor(c, im.url(upstream, body.name), body.size, proxySlice)
				cpu[im.name] += proxyCPU(im) - cpu0
				c.CloseIdleConnections()
				if err != nil {
					b.Fatalf("%s: %v", im.name, err)
				}
				reqs[im.name] += n
				spent[im.name] += d
			}
		}
		rps := func(name string) float64 {
			if spent[name] == 0 {
				return 0
			}
			return float64(reqs[name]) / spent[name].Seconds()
		}
		for _, im := range impls {
			r := rps(im.name)
			if r == 0 {
				continue
			}
			ratio := func(base string) string {
				if rps(base) == 0 {
					return "-"
				}
				return fmt.Sprintf("%.2fx", r/rps(base))
			}
			mem := "-"
			if im.cmd != nil {
				// Peak since the process started: the sub-benchmarks and
				// every round so far included.
				hwm, _ := proxyMemory(im.cmd.Process.Pid)
				mem = fmt.Sprintf("%.1f", hwm)
			}
			perReq := "-"
			if im.cmd != nil && reqs[im.name] > 0 {
				perReq = fmt.Sprintf("%.0f", float64(cpu[im.name].Microseconds())/float64(reqs[im.name]))
			}
			fmt.Fprintf(&out, "| %s | %s | %.0f | %s | %s | %s | %s | %s |\n", body.name, im.name, r, ratio("cors-anywhere"), ratio("reverseproxy"), ratio("crossorigin"), perReq, mem)
		}
	}
	return out.String()
}

// proxyLoadFor sends requests at proxyConcurrency for about d (at most
// one million) and reports how many completed in how long.
func proxyLoadFor(c *http.Client, url string, size int, d time.Duration) (int, time.Duration, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range proxyConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) && done.Load() < 1_000_000 {
				if err := proxyGet(c, url, size); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(done.Load()), time.Since(start), firstErr
}

// url is the address that fetches the upstream's /name through im.
func (im *proxyImpl) url(upstream, name string) string {
	if im.base == "" {
		return upstream + "/" + name
	}
	return im.base + "/" + upstream + "/" + name
}

// TestProxyHarness checks the benchmark's set-up without measuring: each
// implementation answers one request of each size correctly.
func TestProxyHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	upstream, stop := proxyUpstream(t)
	defer stop()
	c := proxyClient()
	defer c.CloseIdleConnections()
	for _, im := range proxyImpls(t, upstream) {
		if im.skip != "" {
			t.Log(im.skip)
			continue
		}
		for _, body := range proxyBodies {
			if err := proxyGet(c, im.url(upstream, body.name), body.size); err != nil {
				t.Errorf("%s: %v", im.name, err)
			}
		}
	}
}
