package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
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
)

// TestProxyReloadOnSIGHUP runs the real binary with --config, rewrites the
// file and sends SIGHUP: the new configuration applies to new requests, a
// request in flight finishes under the old one, and a bad file keeps the
// running configuration.
func TestProxyReloadOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer up.Close()
	defer close(release)
	dir := t.TempDir()
	conf := filepath.Join(dir, "proxy.toml")
	write := func(text string) {
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := fmt.Sprintf("allow-private = [\"127.0.0.1/32\"]\nallow-port = [%q]\nlog-format = \"json\"\n", upPort(t, up))
	write(base)

	bin := filepath.Join(dir, "crossorigin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "proxy", "--listen", "127.0.0.1:0", "--config", conf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	log := newLineLog(stderr)
	proxyURL := log.waitFor(t, proxyListeningRE.String())[1]
	get := func(path string) int {
		resp, _ := proxyGet(t, proxyURL+"/"+up.URL+path, "Origin", "https://app.example")
		return resp.StatusCode
	}
	if code := get("/a"); code != 200 {
		t.Fatalf("before reload: %d", code)
	}

	// A request in flight when the configuration changes.
	inflight := make(chan int, 1)
	go func() {
		resp, err := http.Get(proxyURL + "/" + up.URL + "/slow")
		if err != nil {
			inflight <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		inflight <- resp.StatusCode
	}()
	time.Sleep(200 * time.Millisecond)

	write(base + "deny-host = [\"127.0.0.1\"]\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	log.waitFor(t, "configuration reloaded")
	if code := get("/b"); code != 403 {
		t.Errorf("after reload with deny-host: %d, want 403", code)
	}
	release <- struct{}{}
	if code := <-inflight; code != 200 {
		t.Errorf("the request in flight ended with %d, want 200 under the old configuration", code)
	}

	write(base + "deny-host = [\"127.0.0.1\"]\nrate-ip = \"often\"\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	line := log.waitFor(t, "reload failed.*")[0]
	if !strings.Contains(line, "rate-ip") {
		t.Errorf("the failed reload does not name the bad key: %s", line)
	}
	if code := get("/c"); code != 403 {
		t.Errorf("after a bad reload: %d, want 403 (the running configuration)", code)
	}
}

func TestProxyCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(good, []byte("origin = [\"https://app.example.com\"]\nmax-age = 600\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("origin = [\"https://app.example.com/\"]\nrate-ip = \"5\"\nallow-prot = [\"8080\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := runProxy(context.Background(), []string{"--config", good, "--check-config"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "valid") {
		t.Errorf("good file: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	code := runProxy(context.Background(), []string{"--config", bad, "--check-config"}, &out, &errOut)
	if code != 2 {
		t.Errorf("bad file: exit %d, want 2", code)
	}
	for _, want := range []string{bad + `:3: allow-prot: unknown key (did you mean "allow-port"?)`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	// With the unknown key fixed, the remaining problems are all listed,
	// each at its key and line: bad values, and the dangerous combination
	// of credentials with any origin.
	if err := os.WriteFile(bad, []byte("rate-ip = \"5\"\ncredential-host = [\"*.example.com\"]\nmax-age = \"soon\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	code = runProxy(context.Background(), []string{"--config", bad, "--check-config"}, &out, &errOut)
	for _, want := range []string{bad + `:1: rate-ip "5": `, bad + `:2: credential-host: forwarding credentials while any origin`, bad + `:3: max-age: "soon": `} {
		if code != 2 || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d; stderr lacks %q:\n%s", code, want, errOut.String())
		}
	}
}

// lineLog collects a process's output lines and waits for patterns.
type lineLog struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func newLineLog(r io.Reader) *lineLog {
	l := &lineLog{more: make(chan struct{}, 1)}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, s.Text())
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

// waitFor returns the submatches of the first line not yet seen that
// matches the regular expression re, failing after 15 s.
func (l *lineLog) waitFor(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(15 * time.Second)
	seen := 0
	for {
		l.mu.Lock()
		for ; seen < len(l.lines); seen++ {
			if m := rx.FindStringSubmatch(l.lines[seen]); m != nil {
				l.lines = l.lines[seen+1:]
				l.mu.Unlock()
				return m
			}
		}
		all := strings.Join(l.lines, "\n")
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-deadline:
			t.Fatalf("no line matching %q; output:\n%s", re, all)
		}
	}
}
