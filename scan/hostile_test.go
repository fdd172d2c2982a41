package scan

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileServer accepts TCP connections on loopback and hands each to
// behave after reading the request head. It returns the target URL.
func hostileServer(t *testing.T, behave func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		_ = l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer func() { _ = c.Close() }()
				go func() { <-done; _ = c.Close() }()
				behave(c)
			})
		}
	})
	return "http://" + l.Addr().String() + "/me"
}

// readHead reads one request head, so that a behaviour answers after the
// request as a real server would.
func readHead(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == "\r\n" {
			return
		}
	}
}

// silence blocks until the connection is closed by the other side.
func silence(c net.Conn) {
	var b [1]byte
	for {
		if _, err := c.Read(b[:]); err != nil {
			return
		}
	}
}

var hostileTargets = []struct {
	name   string
	behave func(c net.Conn)
}{
	{"101 then silence", func(c net.Conn) {
		readHead(c)
		_, _ = c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
		silence(c)
	}},
	{"trickles the head", func(c net.Conn) {
		readHead(c)
		for _, b := range []byte("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nX-Slow: " + strings.Repeat("a", 1<<20)) {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}},
	{"trickles the body", func(c net.Conn) {
		readHead(c)
		if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 1000000\r\n\r\n")); err != nil {
			return
		}
		for {
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}},
	{"never answers", func(c net.Conn) {
		readHead(c)
		silence(c)
	}},
	{"accepts and closes", func(c net.Conn) {}},
}

// TestBug8ScanEndsWithinTimeout is bug 8 of issue 11: a target that
// answers 101 and goes silent hung the scan for good (neither
// Config.Timeout nor the context ended it), and a dead target took about
// six times the timeout. Whatever the target does, its scan ends within
// Timeout plus a second.
func TestBug8ScanEndsWithinTimeout(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	for _, tc := range hostileTargets {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := hostileServer(t, tc.behave)
			s, err := New(Config{Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			type outcome struct {
				rep *Report
				err error
			}
			done := make(chan outcome, 1)
			start := time.Now()
			go func() {
				rep, err := s.Scan(context.Background(), u)
				done <- outcome{rep, err}
			}()
			select {
			case o := <-done:
				if elapsed := time.Since(start); elapsed > timeout+time.Second {
					t.Errorf("the scan took %v, want at most %v", elapsed, timeout+time.Second)
				}
				if o.err != nil {
					t.Fatalf("Scan: %v", o.err)
				}
				if errs := o.rep.Errors(); len(errs) != 1 {
					t.Errorf("Errors() = %+v, want the target listed as not scanned", errs)
				}
			case <-time.After(timeout + 3*time.Second):
				t.Fatalf("the scan still runs after %v", timeout+3*time.Second)
			}
		})
	}
}

// TestBug8ContextEndsScan: the context passed to Scan ends the scan of a
// target that never answers, and Scan returns what it has.
func TestBug8ContextEndsScan(t *testing.T) {
	t.Parallel()
	u := hostileServer(t, func(c net.Conn) {
		readHead(c)
		silence(c)
	})
	s, err := New(Config{Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		rep, err := s.Scan(ctx, u)
		if err == nil || rep == nil {
			err = errors.New("want the partial report and ctx's error")
		} else if !errors.Is(err, context.DeadlineExceeded) {
			err = errors.New("error " + err.Error() + ", want context.DeadlineExceeded")
		} else if !rep.Interrupted || !strings.Contains(rep.Targets[0].Error, "interrupted") {
			err = errors.New("the report does not say the scan was interrupted: " + rep.Targets[0].Error)
		} else {
			err = nil
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the context's end did not stop the scan")
	}
}

// TestZeroScanner is the zero-value item of issue 11: scan.Scanner{}.Scan
// blocked forever. The zero Scanner scans as New(Config{}) does.
func TestZeroScanner(t *testing.T) {
	t.Parallel()
	api := hostileServer(t, func(c net.Conn) {
		readHead(c)
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
	})
	done := make(chan error, 1)
	go func() {
		var s Scanner
		rep, err := s.Scan(t.Context(), api)
		if err == nil && len(rep.Targets) != 1 {
			err = errors.New("no target in the report")
		}
		if err == nil && !rep.AtLeast(Info) {
			err = errors.New("no finding for * with credentials")
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Scanner{}.Scan blocks")
	}
}

// TestTimeoutExcludesRateWaits: the timeout bounds the time a target has
// requests in flight, so a slow Rate does not eat it: the probes, at 10 per
// second, take several seconds, within a 3-second timeout. (The timeout
// leaves room for the probes' own time on a loaded machine: at 1.5 s
// they ran out of it under -race beside other test binaries.)
func TestTimeoutExcludesRateWaits(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	u, _ := zooURL(t, zooEntry{handler: corsServer(isTrusted, true), plain: true})
	s, err := New(Config{Transport: loopbackTransport(t, nil), Timeout: timeout, Rate: 10})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := s.Scan(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	tg := rep.Targets[0]
	if elapsed := time.Since(start); elapsed < timeout+500*time.Millisecond || tg.Error != "" || tg.Failed != 0 {
		t.Errorf("%d probes in %v, target %+v: want a complete scan slower than the timeout", tg.Requests, elapsed, tg)
	}
}
