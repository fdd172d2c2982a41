package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawUpstream is a hostile upstream on loopback: for each connection it
// reads one request head and then does whatever answer says, with the raw
// connection. It returns the URL to reach it.
func rawUpstream(t *testing.T, answer func(net.Conn)) (url string, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		_ = ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = c.Close() }()
				// Closing the listener's side ends the behaviours that wait.
				stop := context.AfterFunc(doneContext(done), func() { _ = c.Close() })
				defer stop()
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
				answer(c)
			}()
		}
	}()
	port = ln.Addr().(*net.TCPAddr).Port
	return "http://127.0.0.1:" + strconv.Itoa(port), port
}

// doneContext is a context that ends when done is closed.
func doneContext(done <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-done
		cancel()
	}()
	return ctx
}

// silence holds the connection open without a byte more, until the peer
// (or the test's end) closes it.
func silence(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

func switchProtocols(c net.Conn) {
	_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	silence(c)
}

// hostileProxy is a proxy allowed to reach a raw upstream on port.
func hostileProxy(t *testing.T, c Config, port int) (*Proxy, *httptest.Server) {
	t.Helper()
	c.AllowPrivate = loopback
	c.AllowPorts = append(c.AllowPorts, port)
	p := newMeasuredProxy(t, c)
	onlyLoopback(t, p)
	ps := httptest.NewServer(p)
	t.Cleanup(func() {
		ps.Close()
		p.Close()
	})
	return p, ps
}

// waitIdle fails the test unless the proxy's in-flight count drops to 0.
func waitIdle(t *testing.T, p *Proxy) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.inFlight.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still in flight", p.inFlight.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUnsolicitedSwitchingProtocols is issue 11's bug 7: an upstream that
// answers 101 Switching Protocols, which the proxy never asks for (it
// forwards no Upgrade), and then stays silent must not pin the request and
// its MaxInFlight slot: it is a 502 at once. 1,100 of them in a row (more
// than the default MaxInFlight) leave the proxy serving everyone else.
func TestUnsolicitedSwitchingProtocols(t *testing.T) {
	url, port := rawUpstream(t, switchProtocols)
	bareURL, barePort := rawUpstream(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\n\r\n")
		silence(c)
	})
	ok := httptest.NewServer(echoHandler())
	defer ok.Close()
	// The circuit breaker would spare the proxy most of these; this is
	// about each one ending.
	p, ps := hostileProxy(t, Config{Timeout: time.Minute, AllowPorts: []int{barePort, serverPort(t, ok)}, BreakerFailures: -1}, port)

	for _, u := range []string{url, bareURL} {
		start := time.Now()
		resp, body := do(t, "GET", ps.URL+"/"+u+"/ws", hdr("Origin", "https://app.example", "Upgrade", "websocket", "Connection", "Upgrade"), nil)
		if resp.StatusCode != 502 || resp.Header.Get("X-Proxy-Error") != "upstream" {
			t.Errorf("%s: %d %q %q, want 502 upstream", u, resp.StatusCode, resp.Header.Get("X-Proxy-Error"), body)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", u, d)
		}
	}

	const n, workers = 1100, 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	next := make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				req, _ := http.NewRequest("GET", ps.URL+"/"+url+"/", nil)
				req.Header.Set("Origin", "https://app.example")
				code := 0
				if resp, err := testTransport.RoundTrip(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					code = resp.StatusCode
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}
		}()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	if codes[502] != n {
		t.Errorf("statuses of %d requests answered 101: %v, want all 502", n, codes)
	}
	waitIdle(t, p)
	resp, _ := do(t, "GET", ps.URL+"/"+ok.URL+"/after", nil, nil)
	if resp.StatusCode != 200 {
		t.Errorf("after %d 101 answers, a normal request got %d", n, resp.StatusCode)
	}
}

// TestTimeoutEndsHostileUpstreams is issue 11's bug 7 too: Timeout ends a
// proxied request whatever the upstream does (never answers, trickles its
// headers or its body), and so does the caller leaving.
func TestTimeoutEndsHostileUpstreams(t *testing.T) {
	trickle := func(prefix string) func(net.Conn) {
		return func(c net.Conn) {
			if _, err := io.WriteString(c, prefix); err != nil {
				return
			}
			for {
				time.Sleep(50 * time.Millisecond)
				if _, err := io.WriteString(c, "x"); err != nil {
					return
				}
			}
		}
	}
	for _, tt := range []struct {
		name   string
		answer func(net.Conn)
	}{
		{"never answers", silence},
		{"trickles its headers", func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
			trickle("X-Slow: ")(c)
		}},
		{"trickles its body", trickle("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")},
		{"trickles a chunked body", trickle("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url, port := rawUpstream(t, tt.answer)
			p, ps := hostileProxy(t, Config{Timeout: 500 * time.Millisecond}, port)
			start := time.Now()
			req, _ := http.NewRequest("GET", ps.URL+"/"+url+"/", nil)
			req.Header.Set("Origin", "https://app.example")
			resp, err := testTransport.RoundTrip(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the request took %v with a Timeout of 500ms (err %v)", d, err)
			}
			waitIdle(t, p)
		})
		t.Run(tt.name+", caller leaves", func(t *testing.T) {
			url, port := rawUpstream(t, tt.answer)
			p, ps := hostileProxy(t, Config{Timeout: time.Minute}, port)
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", ps.URL+"/"+url+"/", nil)
			req.Header.Set("Origin", "https://app.example")
			if resp, err := testTransport.RoundTrip(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			waitIdle(t, p)
		})
	}
}

// TestHeadersNotHeldBackByStalledBody is issue 11's bug 7 too: response
// headers reach the caller when they arrive, even if the upstream's body
// then stalls; the caller does not wait for the timeout to see them.
func TestHeadersNotHeldBackByStalledBody(t *testing.T) {
	for _, head := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Early: yes\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Early: yes\r\n\r\n",
	} {
		url, port := rawUpstream(t, func(c net.Conn) {
			_, _ = io.WriteString(c, head)
			silence(c)
		})
		_, ps := hostileProxy(t, Config{Timeout: 10 * time.Second}, port)
		start := time.Now()
		req, _ := http.NewRequest("GET", ps.URL+"/"+url+"/", nil)
		req.Header.Set("Origin", "https://app.example")
		resp, err := testTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		_ = resp.Body.Close()
		if d > 2*time.Second || resp.Header.Get("X-Early") != "yes" {
			t.Errorf("%q: headers after %v (X-Early %q), want them at once", head, d, resp.Header.Get("X-Early"))
		}
	}
}

// TestConnectRefused is issue 11's bug 7 too: CONNECT (and the other
// methods that Fetch forbids, which no page can send) are refused with 405
// instead of going upstream.
func TestConnectRefused(t *testing.T) {
	up := httptest.NewServer(echoHandler())
	defer up.Close()
	_, ps := newTestProxy(t, Config{}, up)
	for _, m := range []string{"CONNECT", "TRACE", "TRACK"} {
		conn, err := net.Dial("tcp", ps.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.WriteString(conn, m+" /"+up.URL+"/x HTTP/1.1\r\nHost: proxy\r\nOrigin: https://app.example\r\n\r\n")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		_ = conn.Close()
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("X-Upstream-Method") != "" {
			t.Errorf("%s: %d (upstream saw %q), want 405", m, resp.StatusCode, resp.Header.Get("X-Upstream-Method"))
		}
		if allow := resp.Header.Get("Allow"); allow == "" || strings.Contains(allow, m) {
			t.Errorf("%s: Allow %q", m, allow)
		}
	}
	// The authority form of CONNECT never names a target.
	conn, err := net.Dial("tcp", ps.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := io.WriteString(conn, "CONNECT "+up.Listener.Addr().String()+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if err == nil && resp.StatusCode/100 == 2 {
		t.Errorf("CONNECT to an authority: %d", resp.StatusCode)
	}
}
