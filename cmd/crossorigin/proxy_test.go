package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/redistest"
)

// proxyLog is a bytes.Buffer safe for the proxy's goroutines.
type proxyLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *proxyLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *proxyLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var proxyListeningRE = regexp.MustCompile(`listening on (https?://\S+)`)

var metricsListeningRE = regexp.MustCompile(`metrics on (http://\S+)/metrics`)

// metricsBase is the base URL of the --metrics-listen listener that a
// proxy started with --metrics-listen 127.0.0.1:0 announced.
func metricsBase(t *testing.T, l *proxyLog) string {
	t.Helper()
	m := metricsListeningRE.FindStringSubmatch(l.String())
	if m == nil {
		t.Fatalf("no metrics listener announced: %s", l.String())
	}
	return m[1]
}

// startProxyCmd runs `crossorigin proxy ARGS` in the background and
// returns its base URL, its stderr, a stop function and the exit code.
func startProxyCmd(t *testing.T, args ...string) (string, *proxyLog, context.CancelFunc, <-chan int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &proxyLog{}
	code := make(chan int, 1)
	go func() {
		code <- runProxy(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), io.Discard, stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := proxyListeningRE.FindStringSubmatch(stderr.String()); m != nil {
			t.Cleanup(cancel)
			return m[1], stderr, cancel, code
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("proxy exited with %d: %s", c, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("proxy did not start: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func upPort(t *testing.T, s *httptest.Server) string {
	_, p, err := net.SplitHostPort(s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func proxyGet(t *testing.T, url string, h ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestProxyCommand(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Set", r.Header.Get("X-Set"))
		_, _ = io.WriteString(w, "upstream "+r.RequestURI)
	}))
	defer up.Close()
	base, stderr, stop, code := startProxyCmd(t,
		"--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up),
		"--origin", "https://app.example", "--set-header", "X-Set: yes", "--log-format", "json",
		"--metrics-listen", "127.0.0.1:0", "--pprof")

	resp, body := proxyGet(t, base+"/"+up.URL+"/a//b", "Origin", "https://app.example")
	if resp.StatusCode != 200 || body != "upstream /a//b" || resp.Header.Get("X-Set") != "yes" {
		t.Errorf("proxied: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("ACAO %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = proxyGet(t, base+"/"+up.URL+"/", "Origin", "https://evil.example")
	if resp.StatusCode != 403 {
		t.Errorf("denied origin: %d", resp.StatusCode)
	}
	// A refusal's fix names the flag, not the Config field.
	resp, body = proxyGet(t, base+"/"+up.URL+"/", "Origin", "https://app.example", "Authorization", "Bearer t")
	if resp.StatusCode != 403 || !strings.Contains(body, `"fix":"the proxy's operator can add --credential-host 127.0.0.1"`) {
		t.Errorf("Authorization to a host that is not a credential host: %d %s", resp.StatusCode, body)
	}
	resp, body = proxyGet(t, base+"/healthz")
	if resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	// Metrics and pprof are served on their own listener only.
	if resp, _ := proxyGet(t, base+"/metrics"); resp.StatusCode == 200 {
		t.Error("/metrics is served on the public listener")
	}
	mbase := metricsBase(t, stderr)
	if resp, _ := proxyGet(t, mbase+"/debug/pprof/cmdline"); resp.StatusCode != 200 {
		t.Errorf("pprof: %d", resp.StatusCode)
	}
	_, body = proxyGet(t, mbase+"/metrics")
	for _, want := range []string{`crossorigin_proxy_requests_total{code="2xx"} 1`, `crossorigin_proxy_requests_total{code="4xx"} 3` /* denied origin, Authorization, /metrics on the public listener */, `crossorigin_proxy_refused_total{reason="credentials_refused"} 1`, "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit code %d after shutdown, want 0", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
	if !strings.Contains(stderr.String(), `"msg":"request"`) || !strings.Contains(stderr.String(), `"status":200`) {
		t.Errorf("no JSON access log: %s", stderr.String())
	}
}

// TestProxyGracefulShutdown: a request in flight when the signal comes is
// finished before the command returns.
func TestProxyGracefulShutdown(t *testing.T) {
	entered := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		time.Sleep(200 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	}))
	defer up.Close()
	base, _, stop, code := startProxyCmd(t, "--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none")
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/" + up.URL + "/")
		if err != nil {
			result <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		result <- string(b)
	}()
	<-entered
	stop()
	if got := <-result; got != "finished" {
		t.Errorf("in-flight request got %q", got)
	}
	if c := <-code; c != 0 {
		t.Errorf("exit code %d", c)
	}
}

func TestProxyCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want []string
	}{
		{"unknown flag", []string{"--nope"}, nil, 2, []string{"crossorigin proxy: unknown flag --nope\nsee 'crossorigin proxy --help'\n"}},
		{"extra argument", []string{"extra"}, nil, 2, []string{"unexpected argument"}},
		{"every problem listed", []string{"--allow-port", "x", "--allow-private", "nope", "--rate-ip", "5", "--origin", "https://*.com", "--log-format", "xml", "--set-header", "novalue"}, nil, 2,
			[]string{"--allow-port \"x\"", "--allow-private \"nope\"", "--rate-ip \"5\"", `--origin "https://*.com": wildcard over the public suffix com`, "--log-format \"xml\"", "--set-header \"novalue\"", "see 'crossorigin proxy --help'"}},
		{"bad env", nil, map[string]string{"CROSSORIGIN_PROXY_MAX_AGE": "soon"}, 2, []string{"CROSSORIGIN_PROXY_MAX_AGE"}},
		{"env list", []string{"--listen", "127.0.0.1:-1"}, map[string]string{"CROSSORIGIN_PROXY_ALLOW_PORT": "8080, 99999"}, 2, []string{`--allow-port "99999": not a port`}},
		{"unreachable redis", []string{"--redis", "redis://127.0.0.1:1/0"}, nil, 2, []string{"--redis: cannot reach"}},
		{"listen error", []string{"--listen", "127.0.0.1:-1"}, nil, 2, []string{"crossorigin proxy:"}},
		{"memory limit too small", []string{"--memory-limit", "4MiB"}, nil, 2, []string{"--memory-limit 4194304: at least 16 MiB"}},
		{"memory limit from env", []string{"--listen", "127.0.0.1:-1"}, map[string]string{"CROSSORIGIN_PROXY_MEMORY_LIMIT": "lots"}, 2, []string{"CROSSORIGIN_PROXY_MEMORY_LIMIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stderr proxyLog
			code := runProxy(t.Context(), tt.args, io.Discard, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

func TestProxyEnvFlags(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	t.Setenv("CROSSORIGIN_PROXY_ALLOW_PRIVATE", "127.0.0.1/32")
	t.Setenv("CROSSORIGIN_PROXY_ALLOW_PORT", upPort(t, up))
	t.Setenv("CROSSORIGIN_PROXY_RATE_IP", "2/1h")
	t.Setenv("CROSSORIGIN_PROXY_LOG_FORMAT", "none")
	base, _, _, _ := startProxyCmd(t)
	var codes []int
	for range 3 {
		resp, _ := proxyGet(t, base+"/"+up.URL+"/")
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("statuses %v, want [200 200 429] from the environment's settings", codes)
	}
}

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "64KiB": 64 << 10, "10MiB": 10 << 20, "1GiB": 1 << 30, "2KB": 2000, "-1": -1} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "x", "1.5MiB", "-2", "99999999999GiB"} {
		var b byteSize
		if err := b.Set(in); err == nil {
			t.Errorf("Set(%q) accepted", in)
		}
	}
}

// TestProxySIGTERM runs the real binary and stops it with SIGTERM, as a
// process manager would: it finishes cleanly with exit code 0.
func TestProxySIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "crossorigin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "proxy", "--listen", "127.0.0.1:0", "--log-format", "none")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string, 16)
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var base string
	select {
	case l := <-lines:
		m := proxyListeningRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("first line %q", l)
		}
		base = m[1]
	case <-time.After(10 * time.Second):
		t.Fatal("the proxy did not start")
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	err = cmd.Wait()
	if err != nil {
		t.Errorf("exit after SIGTERM: %v (%s)", err, strings.Join(rest, "\n"))
	}
	if !strings.Contains(strings.Join(rest, "\n"), "shutting down") {
		t.Errorf("no shutdown message: %q", rest)
	}
}

// TestProxyCommandRedis: two replicas started with --redis enforce one
// per-IP limit together.
func TestProxyCommandRedis(t *testing.T) {
	addr := redistest.Start(t)

	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	args := []string{"--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none",
		"--rate-ip", "4/1h", "--redis", "redis://" + addr + "/0"}
	a, _, _, _ := startProxyCmd(t, args...)
	b, _, _, _ := startProxyCmd(t, args...)
	var codes []int
	for i := range 6 {
		base := a
		if i%2 == 1 {
			base = b
		}
		resp, _ := proxyGet(t, base+"/"+up.URL+"/")
		codes = append(codes, resp.StatusCode)
	}
	want := []int{200, 200, 200, 200, 429, 429}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("statuses %v, want %v: the replicas did not share the limit", codes, want)
		}
	}
}

// TestProxyCommandTLS: with --tls-cert and --tls-key the proxy speaks
// HTTPS, and HTTP/2 to clients that offer it.
func TestProxyCommandTLS(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	// httptest's certificate is valid for 127.0.0.1; write it out as PEM.
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert := ts.TLS.Certificates[0]
	ts.Close()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", cert.Certificate[0])
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)

	base, _, _, _ := startProxyCmd(t, "--tls-cert", certFile, "--tls-key", keyFile,
		"--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none")
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("listening on %s", base)
	}
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool.AddCert(leaf)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := c.Get(base + "/" + up.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ok" || resp.ProtoMajor != 2 {
		t.Errorf("over TLS: %d %q %s, want 200 ok over HTTP/2", resp.StatusCode, b, resp.Proto)
	}
	// The proxy itself trusts a https target's CA given by --upstream-ca.
	tlsUp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secure") }))
	defer tlsUp.Close()
	caFile := filepath.Join(dir, "upstream-ca.pem")
	writePEM(t, caFile, "CERTIFICATE", tlsUp.Certificate().Raw)
	base2, _, _, _ := startProxyCmd(t, "--upstream-ca", caFile, "--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, tlsUp), "--log-format", "none")
	resp2, body2 := proxyGet(t, base2+"/"+tlsUp.URL+"/")
	if resp2.StatusCode != 200 || body2 != "secure" {
		t.Errorf("https target with --upstream-ca: %d %q", resp2.StatusCode, body2)
	}
	var caErr proxyLog
	if code := runProxy(t.Context(), []string{"--upstream-ca", keyFile}, io.Discard, &caErr); code != 2 || !strings.Contains(caErr.String(), "--upstream-ca") {
		t.Errorf("--upstream-ca with a key file: exit %d, %s", code, caErr.String())
	}
	var stderr proxyLog
	if code := runProxy(t.Context(), []string{"--tls-cert", certFile}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "--tls-key") {
		t.Errorf("--tls-cert alone: exit %d, %s", code, stderr.String())
	}
}

func writePEM(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
