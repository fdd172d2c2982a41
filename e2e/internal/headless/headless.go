// Package headless starts Debian's headless Chromium for end-to-end tests
// and hands out tabs driven by chromedp.
//
// Every test package that needs a browser starts one in TestMain and shares
// it between its tests:
//
//	var browser *headless.Browser
//
//	func TestMain(m *testing.M) {
//		os.Exit(headless.Run(m, &browser))
//	}
//
// Host names under the .test top-level domain (app.test, api.test,
// evil.test, ...) resolve to 127.0.0.1 inside the browser, so tests can put
// pages on distinct sites while every server listens on loopback only.
//
// The browser is never downloaded: it is /usr/bin/chromium, or the binary
// named by CHROMIUM. When none is installed, Run fails the whole package
// with the command that installs it, unless CROSSORIGIN_SKIP_BROWSER=1 is
// set, in which case browser tests are skipped (never in CI).
package headless

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is one running headless Chromium.
type Browser struct {
	ctx    context.Context // the first tab's chromedp context; owns the process
	cancel context.CancelFunc
	dir    string
}

// Path returns the Chromium binary the tests use.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("headless: Chromium not found; install Debian's package: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)")
}

// Start launches Chromium with a fresh profile, the flags this closed
// network needs and the extra options given.
func Start(extra ...chromedp.ExecAllocatorOption) (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "crossorigin-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP *.test 127.0.0.1, MAP localhost 127.0.0.1"),
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, dir: dir, cancel: func() { cancelCtx(); cancelAlloc() }}
	// Start the process now, so that a broken install fails here and not in
	// the middle of a test. The browser lives as long as the context of its
	// first Run, so that context carries no timeout; a timer stops a hang.
	timer := time.AfterFunc(60*time.Second, b.cancel)
	err = chromedp.Do(ctx)
	if !timer.Stop() && err == nil {
		err = errors.New("timed out")
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("headless: starting %s: %w", path, err)
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	_ = os.RemoveAll(b.dir)
}

// NewTab returns the context of a new tab in the shared browser. The tab
// opens on its first chromedp.Run and closes when the test ends or the
// timeout passes, whichever comes first. chromedp is v0.23: actions are
// generic (chromedp.Run(ctx, chromedp.Evaluate[T](js)), chromedp.Do(ctx,
// steps...)).
func (b *Browser) NewTab(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	return ctx
}

// Run starts a browser into *b, runs the tests and stops the browser. It
// returns the exit code for os.Exit.
func Run(m *testing.M, b **Browser) int {
	br, err := Start()
	if err != nil {
		if os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" && os.Getenv("CI") == "" {
			fmt.Fprintln(os.Stderr, "skipping browser tests:", err)
			return 0
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*b = br
	code := m.Run()
	br.Close()
	return code
}

// Serve serves h on a new listener on 127.0.0.1 until the test ends, and
// returns its port. Pages reach it under any *.test name.
func Serve(t testing.TB, h http.Handler) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// Open opens url in a new tab (see NewTab) and returns the tab's context
// once the page has loaded; it fails the test if navigation fails.
func (b *Browser) Open(t testing.TB, url string, timeout time.Duration) context.Context {
	t.Helper()
	ctx := b.NewTab(t, timeout)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
	return ctx
}
