package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// demoBuffer is a bytes.Buffer safe for a writer and a reader at once.
type demoBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *demoBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *demoBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var openRE = regexp.MustCompile(`open (http://localhost:\d+)/`)

func TestDemoServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr demoBuffer
	code := make(chan int, 1)
	go func() {
		code <- runDemo(ctx, []string{"--page-port", "0", "--api-port", "0", "--proxy-port", "0"}, &stdout, &stderr)
	}()
	var page string
	for deadline := time.Now().Add(10 * time.Second); page == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := openRE.FindStringSubmatch(stdout.String()); m != nil {
			page = m[1]
		}
	}
	if page == "" {
		t.Fatalf("no URL printed; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	resp, err := http.Get(page + "/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s/: %d", page, resp.StatusCode)
	}
	cancel() // what main does on SIGINT
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit code %d after cancel, want 0; stderr %q", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runDemo did not return after cancel")
	}
	if !strings.Contains(stdout.String(), "stopped") {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestDemoUsageErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	busy := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--bogus"}, 2, "unknown flag --bogus"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"--page-port", "70000"}, 2, `--page-port "70000": want a port from 0 to 65535`},
		{[]string{"--api-port", "-1"}, 2, `--api-port "-1"`},
		{[]string{"--listen-host", "0.0.0.0"}, 2, "not an IPv4 loopback address"},
		{[]string{"--page-port", busy, "--api-port", "0", "--proxy-port", "0"}, 2, "--page-port \"" + busy + "\": port " + busy + " for the page server is already in use; pick another"},
		{[]string{"--page-port", "0", "--api-port", busy, "--proxy-port", "0"}, 2, "--api-port"},
	} {
		var stdout, stderr bytes.Buffer
		got := runDemo(context.Background(), tc.args, &stdout, &stderr)
		if got != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("demo %q: exit %d, stderr %q; want %d and %q", tc.args, got, stderr.String(), tc.code, tc.stderr)
		}
	}
}
