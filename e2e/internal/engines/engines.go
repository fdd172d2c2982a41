// Package engines runs end-to-end tests in the three browser engines:
// headless Chromium (package headless), headless Firefox (package
// firefox, Marionette) and WebKitGTK (package webkit, WebKitWebDriver on
// Xvfb), behind one small interface: open a page, evaluate a script.
//
// Every host name resolves to 127.0.0.1, with the port of the URL: in
// Chromium through its host-resolver rules, in Firefox and WebKit through
// a forwarding HTTP proxy that this package runs on loopback. So tests can
// put pages on distinct sites (app.test, api.test, evil.test) while every
// server listens on loopback only.
//
//	var all []*engines.Browser
//
//	func TestMain(m *testing.M) { os.Exit(engines.Run(m, &all)) }
//
//	func TestX(t *testing.T) {
//		engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
//			p := b.Open(t, url)
//			var got string
//			p.Eval(t, `fetch(...).then(r => r.text())`, &got)
//		})
//	}
//
// CROSSORIGIN_ENGINES (a comma-separated list of chromium, firefox,
// webkit) picks engines; the default is all three. CROSSORIGIN_SKIP_BROWSER=1
// outside CI skips when a browser is missing, as package headless does.
package engines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
	"github.com/crossorigin/crossorigin/e2e/internal/webkit"
)

// The engines' names.
const (
	Chromium = "chromium"
	Firefox  = "firefox"
	WebKit   = "webkit"
)

// Browser is one running browser of one engine.
type Browser struct {
	// Name is Chromium, Firefox or WebKit.
	Name string

	chromium *headless.Browser
	ff       *firefox.Browser
	wk       *webkit.Browser

	// Firefox and WebKit drive one window at a time: mu guards the
	// session, current is its window.
	mu      sync.Mutex
	current string
	home    string // the first window, kept open: new windows need an open current one

	own *proxy // the proxy of a browser from Start
}

// Start starts one engine's browser (Chromium, Firefox or WebKit) outside
// Run, with a proxy of its own for Firefox and WebKit, for a package whose
// other tests need one engine only. Close stops it.
func Start(name string) (*Browser, error) {
	p, err := startProxy()
	if err != nil {
		return nil, err
	}
	b, err := start(name, p.port)
	if err != nil {
		p.Close()
		return nil, err
	}
	b.own = p
	return b, nil
}

// Close stops a browser from Start.
func (b *Browser) Close() {
	b.close()
	if b.own != nil {
		b.own.Close()
	}
}

// window is what Firefox's and WebKit's drivers have in common.
type window interface {
	NewWindow() (string, error)
	SwitchTo(handle string) error
	CloseWindow() error
	Navigate(url string) error
	Window() (string, error)
}

func (b *Browser) driver() window {
	if b.ff != nil {
		return b.ff
	}
	return b.wk
}

// Page is one tab of a browser, at the URL it was opened at.
type Page struct {
	b      *Browser
	ctx    context.Context // Chromium's tab
	handle string          // Firefox's and WebKit's window
}

// Open opens url in a new tab and waits for it to load. The tab closes
// when the test ends.
func (b *Browser) Open(t testing.TB, url string) *Page {
	t.Helper()
	if b.chromium != nil {
		return &Page{b: b, ctx: b.chromium.Open(t, url, time.Minute)}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.driver()
	h, err := d.NewWindow()
	if err == nil {
		err = d.SwitchTo(h)
	}
	if err == nil {
		b.current = h
		err = d.Navigate(url)
	}
	if err != nil {
		t.Fatalf("%s: open %s: %v", b.Name, url, err)
	}
	p := &Page{b: b, handle: h}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if d.SwitchTo(h) == nil {
			_ = d.CloseWindow()
		}
		if d.SwitchTo(b.home) == nil {
			b.current = b.home
		}
	})
	return p
}

// Eval evaluates the JavaScript expression js in the page, awaits it if it
// is a promise, and decodes its value into out (which may be nil).
func (p *Page) Eval(t testing.TB, js string, out any) {
	t.Helper()
	if err := p.eval(js, out); err != nil {
		t.Fatalf("%s: %v", p.b.Name, err)
	}
}

// Try is Eval that returns the error instead of failing the test: for
// polling a page while it navigates, when evaluations fail until the new
// document is there.
func (p *Page) Try(js string, out any) error { return p.eval(js, out) }

func (p *Page) eval(js string, out any) error {
	b := p.b
	if b.chromium != nil {
		res, err := chromedp.Run(p.ctx, chromedp.Evaluate[string]("(async () => JSON.stringify([await ("+js+")]))()", chromedp.EvalAwaitPromise))
		return decodeFirst(res, err, out)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.current != p.handle {
		if err := b.driver().SwitchTo(p.handle); err != nil {
			return err
		}
		b.current = p.handle
	}
	script := "const done = arguments[arguments.length - 1];\nPromise.resolve(" + js + ").then((v) => done({v}), (e) => done({error: String(e)}));"
	var res struct {
		V     json.RawMessage `json:"v"`
		Error string          `json:"error"`
	}
	var err error
	if b.ff != nil {
		err = b.ff.ExecuteAsync(script, nil, &res)
	} else {
		err = b.wk.ExecuteAsync(script, nil, &res)
	}
	if err != nil {
		return err
	}
	if res.Error != "" {
		return errors.New("script failed: " + res.Error)
	}
	if out == nil || len(res.V) == 0 {
		return nil
	}
	return json.Unmarshal(res.V, out)
}

// decodeFirst decodes the only element of a JSON array string.
func decodeFirst(str string, err error, out any) error {
	if err != nil || out == nil {
		return err
	}
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(str), &arr); err != nil || len(arr) != 1 {
		return fmt.Errorf("engines: result %.200s", str)
	}
	return json.Unmarshal(arr[0], out)
}

// Each runs f as a subtest per browser, named after its engine.
func Each(t *testing.T, all []*Browser, f func(t *testing.T, b *Browser)) {
	t.Helper()
	for _, b := range all {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

// IsNetworkError reports whether a fetch() rejection's text is the
// TypeError an engine rejects with on a network error, CORS errors
// included: "Failed to fetch" (Chromium), "NetworkError when attempting
// to fetch resource." (Firefox), "Load failed" (WebKit).
func IsNetworkError(s string) bool {
	return strings.Contains(s, "TypeError") &&
		(strings.Contains(s, "Failed to fetch") || strings.Contains(s, "NetworkError") || strings.Contains(s, "Load failed"))
}

// Run starts the engines into *all (those CROSSORIGIN_ENGINES names, all
// three by default), runs the tests and stops the browsers. It returns
// the exit code for os.Exit.
func Run(m *testing.M, all *[]*Browser) int {
	names := []string{Chromium, Firefox, WebKit}
	if s := os.Getenv("CROSSORIGIN_ENGINES"); s != "" {
		names = strings.Split(s, ",")
	}
	proxy, err := startProxy()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer proxy.Close()
	bs := make([]*Browser, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { bs[i], errs[i] = start(strings.TrimSpace(n), proxy.port) })
	}
	wg.Wait()
	defer func() {
		for _, b := range bs {
			if b != nil {
				b.close()
			}
		}
	}()
	for _, b := range bs {
		if b != nil {
			*all = append(*all, b)
		}
	}
	if err := errors.Join(errs...); err != nil {
		if os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" && os.Getenv("CI") == "" {
			fmt.Fprintln(os.Stderr, "skipping the browsers that did not start:", err)
		} else {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

func start(name string, proxyPort int) (*Browser, error) {
	b := &Browser{Name: name}
	var err error
	switch name {
	case Chromium:
		b.chromium, err = headless.Start()
	case Firefox:
		b.ff, err = firefox.Start(firefox.ProxyPrefs(proxyPort)...)
	case WebKit:
		b.wk, err = webkit.Start(webkit.Options{Proxy: fmt.Sprintf("127.0.0.1:%d", proxyPort)})
	default:
		return nil, fmt.Errorf("engines: unknown engine %q in CROSSORIGIN_ENGINES; want chromium, firefox or webkit", name)
	}
	if err != nil {
		return nil, err
	}
	if b.chromium == nil {
		if b.home, err = b.driver().Window(); err != nil {
			b.close()
			return nil, err
		}
		b.current = b.home
	}
	return b, nil
}

func (b *Browser) close() {
	switch {
	case b.chromium != nil:
		b.chromium.Close()
	case b.ff != nil:
		b.ff.Close()
	case b.wk != nil:
		b.wk.Close()
	}
}

// proxy forwards every request to 127.0.0.1 on the port of its URL, with
// its Host unchanged: the name resolution of Firefox and WebKit.
type proxy struct {
	srv  *http.Server
	port int
}

func startProxy() (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			port := r.In.URL.Port()
			if port == "" {
				port = "80"
			}
			r.Out.URL.Scheme = "http"
			r.Out.URL.Host = net.JoinHostPort("127.0.0.1", port)
			r.Out.Host = r.In.Host
			// Browsers' proxy headers are no business of the servers.
			r.Out.Header.Del("Proxy-Connection")
		},
		// No buffering: the servers' responses go as they come.
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadGateway)
		},
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			tunnel(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	})
	p := &proxy{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, port: ln.Addr().(*net.TCPAddr).Port}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// tunnel answers CONNECT host:port with a tunnel to 127.0.0.1:port.
// Firefox opens ws:// connections through an HTTP proxy with CONNECT
// (Chromium resolves names itself; WebKit sends the upgrade GET through
// the proxy), so WebSocket tests need it.
func tunnel(w http.ResponseWriter, r *http.Request) {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	up, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 10*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = up.Close() }()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer func() { _ = conn.Close() }()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		// What the client sent after its CONNECT may be buffered already.
		_, _ = io.Copy(up, brw)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		close(done)
	}()
	_, _ = io.Copy(conn, up)
	_ = conn.Close()
	<-done
}

// Close stops the proxy.
func (p *proxy) Close() { _ = p.srv.Close() }
