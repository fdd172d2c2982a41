package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// switchingServer answers every request with 101 Switching Protocols and
// then says nothing, holding the connection open.
func switchingServer(t *testing.T) string {
	return rawServer(t, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
}

// silentServer reads requests and never answers.
func silentServer(t *testing.T) string { return rawServer(t, "") }

// rawServer writes answer after each request head, then holds the
// connection open, silent, until the test ends.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				_, _ = c.Write([]byte(answer))
				_, _ = io.Copy(io.Discard, c) // silence until closed
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/me"
}

// buildCLI builds the crossorigin binary into the test's directory.
func buildCLI(t *testing.T) (string, error) {
	bin := filepath.Join(t.TempDir(), "crossorigin")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
}

// TestBug8InterruptStopsScan is bug 8 of issue 11 on the built binary: a
// target that answers 101 and goes silent made the CLI ignore Ctrl-C, and
// an interrupted scan printed nothing. SIGINT stops it at once, with the
// findings so far (here a target that never answers keeps the scan busy).
func TestBug8InterruptStopsScan(t *testing.T) {
	bin, err := buildCLI(t)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}))
	t.Cleanup(ts.Close)
	reflect := ts.URL + "/me"
	cmd := exec.Command(bin, "scan", reflect, switchingServer(t), silentServer(t), "--timeout", "10m")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the reflecting API has had all its probes (its count
	// stops growing), however loaded the machine.
	for last, deadline := int64(-1), time.Now().Add(20*time.Second); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		cur := n.Load()
		if cur > 0 && cur == last {
			break
		}
		last = cur
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if elapsed := time.Since(sent); elapsed > time.Second {
			t.Errorf("the CLI took %v to stop after SIGINT", elapsed)
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("exit %v, want 1 (a critical finding)", err)
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Logf("killed: %v", <-done)
		t.Fatalf("the CLI ignored SIGINT\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	for _, want := range []string{"[reflect-any-origin] " + reflect, "interrupted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}

// TestScanTimeoutBoundsTarget: --timeout bounds the whole scan of a
// target that answers 101 and goes silent.
func TestScanTimeoutBoundsTarget(t *testing.T) {
	silent := switchingServer(t)
	start := time.Now()
	code, out, errOut := scanCmd(t, silent, "--timeout", "1s")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v with --timeout 1s", elapsed)
	}
	if code != 2 || !strings.Contains(out, "Not scanned") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
}

// TestScanListBadLines is item 3 of issue 12: a bad line of --list is
// reported with its line number and skipped; exit 2 only when no target
// could be scanned.
func TestScanListBadLines(t *testing.T) {
	reflect := reflectingAPI(t, nil)
	dir := t.TempDir()
	list := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(list, []byte("# targets\nftp://example.com/\n"+reflect+"\n\nhttps://u:p@example.com/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := scanCmd(t, "--list", list)
	if code != 1 || !strings.Contains(out, "Scanned 1 URL(s)") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{list + ":2: ", "only http and https", list + ":5: ", "userinfo"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("not a url\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := scanCmd(t, "--list", bad); code != 2 || !strings.Contains(errOut, bad+":1: ") {
		t.Errorf("only bad lines: exit %d, %s", code, errOut)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	correct := correctAPI(t)
	if code, out, errOut := scanCmd(t, correct, deadURL); code != 0 || !strings.Contains(out, "Not scanned") {
		t.Errorf("one target scanned, one unreachable: exit %d, want 0\n%s%s", code, out, errOut)
	}
}

// counter counts the requests of several servers and the most in flight
// at once over all of them.
type counter struct {
	n, inFlight, most atomic.Int64
}

func (c *counter) server(t *testing.T) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		cur := c.inFlight.Add(1)
		defer c.inFlight.Add(-1)
		for {
			m := c.most.Load()
			if cur <= m || c.most.CompareAndSwap(m, cur) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/"
}

// TestScanRateAndConcurrency is item 3 of issue 12: --rate bounds the
// requests per second over all targets, --concurrency those in flight.
func TestScanRateAndConcurrency(t *testing.T) {
	var c counter
	a, b := c.server(t), c.server(t)
	start := time.Now()
	code, out, errOut := scanCmd(t, a, b, "--rate", "100", "--concurrency", "3")
	elapsed := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	total := c.n.Load()
	if least := time.Duration(float64(total-1) / 100 * float64(time.Second)); elapsed < least*9/10 {
		t.Errorf("%d requests in %v, faster than 100 per second", total, elapsed)
	}
	if m := c.most.Load(); m > 3 {
		t.Errorf("%d requests in flight with --concurrency 3", m)
	}
	var c2 counter
	code, _, _ = scanCmd(t, c2.server(t), c2.server(t), "--concurrency", "2")
	if m := c2.most.Load(); code != 0 || m > 2 || m < 1 {
		t.Errorf("exit %d, %d requests in flight with --concurrency 2", code, m)
	}
}

// TestScanInsecure: --insecure scans a server whose certificate cannot be
// verified, and the report says so.
func TestScanInsecure(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	if code, out, _ := scanCmd(t, ts.URL); code != 2 || !strings.Contains(out, "certificate") {
		t.Errorf("without --insecure: exit %d\n%s", code, out)
	}
	code, out, _ := scanCmd(t, ts.URL, "--insecure")
	if code != 1 || !strings.Contains(out, "TLS certificates were not verified") || !strings.Contains(out, "[reflect-any-origin]") {
		t.Errorf("with --insecure: exit %d\n%s", code, out)
	}
	code, out, _ = scanCmd(t, ts.URL, "--insecure", "--json")
	if code != 1 || !strings.Contains(out, `"insecure": true`) {
		t.Errorf("with --insecure --json: exit %d\n%s", code, out)
	}
}

// siblingChecks are broken checks of one trusted origin (issue 12, item
// 1), as a server would write them.
var siblingChecks = []struct {
	name, class string
	check       func(trusted string) func(o string) bool
}{
	{"prefix", "prefix-match", func(tr string) func(string) bool {
		return func(o string) bool { return strings.HasPrefix(o, tr) }
	}},
	{"substring", "substring-match", func(tr string) func(string) bool {
		return func(o string) bool { return strings.Contains(tr+" https://admin.example.org", o) }
	}},
	{"unescaped dot", "unescaped-dot", func(tr string) func(string) bool {
		return regexp.MustCompile("^" + tr + "$").MatchString
	}},
	{"any port", "any-port-trusted", func(tr string) func(string) bool {
		t, _ := url.Parse(tr)
		return func(o string) bool {
			u, err := url.Parse(o)
			return err == nil && u.Scheme == t.Scheme && u.Hostname() == t.Hostname()
		}
	}},
	{"http", "http-origin-trusted", func(tr string) func(string) bool {
		t, _ := url.Parse(tr)
		return func(o string) bool {
			u, err := url.Parse(o)
			return err == nil && u.Host == t.Host
		}
	}},
}

// TestScanTrustedSiblings is item 1 of issue 12 through the CLI: an HTTPS
// API on loopback, reached as api.example.com with --resolve, trusts its
// front end with a broken check; each bug is found with --origin and, for
// a front end on the same registrable domain, by sibling discovery alone.
func TestScanTrustedSiblings(t *testing.T) {
	for _, bug := range siblingChecks {
		for _, tc := range []struct {
			how, trusted string
			args         []string
		}{
			{"sibling discovery", "https://app.example.com", nil},
			{"--origin", "https://frontend.partner-cloud.net", []string{"--origin", "https://frontend.partner-cloud.net"}},
		} {
			t.Run(bug.name+" "+tc.how, func(t *testing.T) {
				allow := bug.check(tc.trusted)
				ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Vary", "Origin")
					if o := r.Header.Get("Origin"); allow(o) {
						w.Header().Set("Access-Control-Allow-Origin", o)
						w.Header().Set("Access-Control-Allow-Credentials", "true")
					}
				}))
				ts.Config.ErrorLog = log.New(io.Discard, "", 0)
				ts.StartTLS()
				t.Cleanup(ts.Close)
				_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
				target := "https://api.example.com:" + port + "/me"
				args := append([]string{target, "--resolve", "api.example.com:" + port + ":127.0.0.1", "--insecure", "--verbose", "--fail-on", "low"}, tc.args...)
				code, out, errOut := scanCmd(t, args...)
				if code != 1 {
					t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
				}
				for _, want := range []string{"[" + bug.class + "] " + target, "bypass of trusted " + tc.trusted, "trusted origins: " + tc.trusted, " probes in "} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
				if strings.Contains(out, "[reflect-any-origin]") {
					t.Errorf("reflect-any-origin reported:\n%s", out)
				}
			})
		}
	}
}

func TestParseResolve(t *testing.T) {
	for _, tc := range []struct{ in, from, to string }{
		{"api.example.com:443:127.0.0.1", "api.example.com:443", "127.0.0.1:443"},
		{"API.example.com:8443:[::1]", "api.example.com:8443", "[::1]:8443"},
	} {
		from, to, err := parseResolve(tc.in)
		if err != nil || from != tc.from || to != tc.to {
			t.Errorf("parseResolve(%q) = %q, %q, %v; want %q, %q", tc.in, from, to, err, tc.from, tc.to)
		}
	}
	for _, bad := range []string{"api.example.com", "api.example.com:443", "api.example.com:443:nowhere", ":443:127.0.0.1", "api.example.com:8443:::1"} {
		if _, _, err := parseResolve(bad); err == nil {
			t.Errorf("parseResolve(%q) succeeded", bad)
		}
	}
}

func TestScanMarkdown(t *testing.T) {
	reflect := reflectingAPI(t, nil)
	code, out, _ := scanCmd(t, reflect, "--markdown")
	if code != 1 || !strings.Contains(out, "### crossorigin scan: ") || !strings.Contains(out, "| critical | `reflect-any-origin` |") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, _, errOut := scanCmd(t, reflect, "--markdown", "--json"); code != 2 || !strings.Contains(errOut, "exclusive") {
		t.Errorf("--markdown --json: exit %d, %s", code, errOut)
	}
}
