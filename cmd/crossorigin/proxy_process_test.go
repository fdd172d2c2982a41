package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
	defer cmd.Process.Kill()
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
	resp.Body.Close()
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
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("redis-server is not installed (apt-get install redis-server); in CI this test fails instead")
		}
		t.Fatal("redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	rs := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--dir", t.TempDir(), "--save", "", "--appendonly", "no")
	out, _ := rs.StdoutPipe()
	if err := rs.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		rs.Process.Kill()
		rs.Wait()
	}()
	ready := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if strings.Contains(s.Text(), "Ready to accept connections") {
				ready <- true
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("redis-server did not start")
	}

	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()
	args := []string{"--allow-private", "127.0.0.1/32", "--allow-port", upPort(t, up), "--log-format", "none",
		"--rate-ip", "4/1h", "--redis", "redis://127.0.0.1:" + port + "/0"}
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
