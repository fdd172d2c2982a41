// Package scan checks the scanner's claims against real headless Chromium:
// the browsers it says can send an origin, and the proofs of concept it
// writes for the origins a server accepts.
package scan

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
	"github.com/crossorigin/crossorigin/scan"
)

var browser *headless.Browser

func TestMain(m *testing.M) { os.Exit(headless.Run(m, &browser)) }

// loopback is a transport for the scanner that dials 127.0.0.1 whatever
// the host, as the browser's host-resolver rules do for *.test.
func loopback() *http.Transport {
	var d net.Dialer
	return &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
	}}
}

func scanOne(t *testing.T, u string) *scan.Report {
	t.Helper()
	s, err := scan.New(scan.Config{Transport: loopback()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestSpecialCharBrowsers checks the "chromium" claim of special-character
// findings. For each character, a server accepts only origins where that
// character follows the trusted host; the scan says which browsers can
// send such an origin, and Chromium is asked to load a page on a host with
// that character and fetch from it. Hosts under .localhost go through
// Chromium's own host-name validation (the *.test mapping of the test
// harness would skip it), as real DNS names do.
func TestSpecialCharBrowsers(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	api := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Origin"))
		mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	}))
	page := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><title>attacker</title>`)
	}))

	for _, c := range strings.Split("_ - + $ ` , ; ! ' \" ( ) { } * & = ~", " ") {
		t.Run(c, func(t *testing.T) {
			vulnerable := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if o := r.Header.Get("Origin"); strings.HasPrefix(o, "http://api.test"+c+".") {
					w.Header().Set("Access-Control-Allow-Origin", o)
					w.Header().Set("Access-Control-Allow-Credentials", "true")
				}
			}))
			rep := scanOne(t, fmt.Sprintf("http://api.test:%d/", vulnerable))
			i := slices.IndexFunc(rep.Findings, func(f scan.Finding) bool { return f.Class == scan.SpecialCharBypass })
			if i < 0 {
				t.Fatalf("no special-char-bypass finding for %q: %+v", c, rep.Findings)
			}
			claimed := slices.Contains(rep.Findings[i].Browsers, scan.Chromium)

			host := "app" + c + ".evil.localhost"
			ctx := browser.NewTab(t, 30*time.Second)
			sent := ""
			if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("http://%s:%d/", host, page))); err == nil {
				got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
					fmt.Sprintf(`fetch("http://api.test:%d/").then(r => "ok", e => "failed")`, api), chromedp.EvalAwaitPromise))
				if err != nil || got != "ok" {
					t.Fatalf("fetch from %s: %q, %v", host, got, err)
				}
				mu.Lock()
				sent = seen[len(seen)-1]
				mu.Unlock()
			} else if !strings.Contains(err.Error(), "ERR_NAME_NOT_RESOLVED") {
				t.Fatalf("navigate to %s: %v", host, err)
			}
			canSend := strings.HasPrefix(sent, "http://app"+c+".evil.localhost:")
			if claimed != canSend {
				t.Errorf("scan says Chromium can send a host with %q: %v; Chromium sent Origin %q", c, claimed, sent)
			}
		})
	}
}

// readAPI is an API that reflects every origin with credentials.
func readAPI(t *testing.T, allow func(string) bool) int {
	return headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && allow(o) {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
		}
		_, _ = io.WriteString(w, `{"secret":"s3"}`)
	}))
}

// runPoC serves page on an attacker site and returns what it read, or ""
// when nothing arrived.
func runPoC(t *testing.T, page string) string {
	t.Helper()
	port := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<!doctype html><meta charset=utf-8>"+page)
	}))
	ctx := browser.NewTab(t, 30*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("http://evil.test:%d/", port))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(done => {
		let n = 0;
		const tick = setInterval(() => {
			const t = document.getElementById("out").textContent;
			if (t || ++n > 40) { clearInterval(tick); done(t); }
		}, 50);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPoCsReadInChromium serves the proofs of concept of real findings to
// Chromium and checks that they read the API's response; against a
// correctly configured API the scan finds nothing and the same page reads
// nothing.
func TestPoCsReadInChromium(t *testing.T) {
	api := readAPI(t, func(string) bool { return true })
	u := fmt.Sprintf("http://api.test:%d/me", api)
	rep := scanOne(t, u)
	for _, class := range []scan.Class{scan.ReflectAnyOrigin, scan.NullOrigin} {
		t.Run(string(class), func(t *testing.T) {
			i := slices.IndexFunc(rep.Findings, func(f scan.Finding) bool { return f.Class == class })
			if i < 0 || rep.Findings[i].PoC == "" {
				t.Fatalf("no %s finding with a PoC: %+v", class, rep.Findings)
			}
			f := rep.Findings[i]
			if f.Evidence.Verdict != "allowed" {
				t.Errorf("verdict %q", f.Evidence.Verdict)
			}
			// The reflect PoC belongs on the random origin; the server
			// reflects any, so evil.test stands in for it.
			if got := runPoC(t, f.PoC); got != `{"secret":"s3"}` {
				t.Errorf("the PoC read %q", got)
			}
		})
	}

	t.Run("correct server", func(t *testing.T) {
		safe := readAPI(t, func(o string) bool { return o == "http://app.test" })
		su := fmt.Sprintf("http://api.test:%d/me", safe)
		if rep := scanOne(t, su); len(rep.Findings) != 0 {
			t.Fatalf("findings on a correct server: %+v", rep.Findings)
		}
		page := strings.ReplaceAll(rep.Findings[0].PoC, u, su)
		if got := runPoC(t, page); got != "" {
			t.Errorf("the page read %q from a correct server", got)
		}
	})
}
