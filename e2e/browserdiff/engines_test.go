package browserdiff

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
	"github.com/crossorigin/crossorigin/e2e/internal/webkit"
)

// TestDifferentialFirefox runs every case in headless Firefox (Marionette)
// and through browser.Transport as a model of Firefox, and fails on every
// disagreement not in knownDiffFirefox.
func TestDifferentialFirefox(t *testing.T) {
	t.Parallel() // with the other engines: each has its own browser and server
	if _, err := firefox.Path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
	differential(t, engFirefox, knownDiffFirefox, func(srv *server, cases []*tcase) (map[string]result, string) {
		return runEngine(t, srv, cases, 2, func() (runner, error) { return newFirefoxRunner(srv) })
	})
}

// TestDifferentialWebKit runs every case in WebKitGTK (WebKitWebDriver on
// Xvfb) and through browser.Transport as a model of WebKit, and fails on
// every disagreement not in knownDiffWebKit.
func TestDifferentialWebKit(t *testing.T) {
	t.Parallel()
	if _, err := webkit.Path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
	differential(t, engWebKit, knownDiffWebKit, func(srv *server, cases []*tcase) (map[string]result, string) {
		return runEngine(t, srv, cases, 2, func() (runner, error) { return newWebKitRunner(srv) })
	})
}

// runner runs cases one after another in one browser window.
type runner interface {
	// fetch navigates to the page if it is not there yet and runs one
	// fetch with args; it returns what script saw.
	fetch(p page, args jsArgs) (jsResult, error)
	// failure says, after a fetch that failed with the TypeError jsErr,
	// what the engine says of the failure of a request whose URL contains
	// path: the name of the CORS error and its console message, both ""
	// when none.
	failure(path, jsErr string) (reason, msg string)
	product() string
	close()
}

// runEngine runs every case in n browsers made by start, and returns the
// results and the browser's product name and version.
func runEngine(t *testing.T, srv *server, cases []*tcase, n int, start func() (runner, error)) (map[string]result, string) {
	t.Helper()
	var runners []runner
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for range n {
		wg.Go(func() {
			r, err := start()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			runners = append(runners, r)
		})
	}
	wg.Wait()
	defer func() {
		for _, r := range runners {
			r.close()
		}
	}()
	if len(errs) > 0 {
		t.Fatalf("starting the browser: %v", errs)
	}
	work := make(chan *tcase)
	out := make(map[string]result, len(cases))
	for _, r := range runners {
		wg.Go(func() {
			for c := range work {
				res, err := runCase(srv, r, c)
				if err != nil {
					t.Errorf("%s: case %s: %v", r.product(), c.Name, err)
					continue
				}
				mu.Lock()
				out[c.Name] = res
				mu.Unlock()
			}
		})
	}
	feed(work, cases)
	wg.Wait()
	return out, runners[0].product()
}

// runCase runs the steps of one case in the runner's window.
func runCase(srv *server, r runner, c *tcase) (result, error) {
	var res result
	path := "/x/" + srv.engine + "/" + c.Name + "/"
	for _, s := range c.steps() {
		time.Sleep(s.Wait)
		js, err := r.fetch(c.pageOf(s), jsArgs{
			URL:         s.url(srv, srv.engine, c.Name),
			Method:      s.Method,
			Header:      append([][2]string{}, s.Header...),
			Body:        s.Body,
			Credentials: s.Credentials,
			Mode:        s.Mode,
			Redirect:    s.Redirect,
		})
		if err != nil {
			return result{}, err
		}
		var o outcome
		if js.OK {
			o.Verdict = fmt.Sprintf("%d %s", js.Status, js.Type)
			o.Headers = sortHeaders(js.Headers)
			o.Body = js.Body
		} else {
			o.Verdict = "TypeError"
			o.Reason, o.Message = r.failure(path, js.Error)
			if o.Message == "" {
				o.Message = js.Error
			}
			o.Message = srv.shorten(o.Message)
		}
		res.Steps = append(res.Steps, o)
	}
	res.Wire = srv.renderHits(srv.hits(srv.engine, c.Name))
	return res, nil
}

// asyncFetchJS runs fetchJS as a WebDriver asynchronous script.
const asyncFetchJS = `const done = arguments[arguments.length - 1];
%s.then(done, (e) => done({ok: false, error: "harness: " + e}));`

// firefoxRunner runs cases in one headless Firefox. All hosts reach the
// test's server, which Firefox uses as its HTTP proxy.
type firefoxRunner struct {
	b       *firefox.Browser
	srv     *server
	page    page
	console int // console messages already matched to a failure
	version string
}

func newFirefoxRunner(srv *server) (runner, error) {
	b, err := firefox.Start(firefox.ProxyPrefs(srv.port)...)
	if err != nil {
		return nil, err
	}
	r := &firefoxRunner{b: b, srv: srv, page: -1}
	if err := b.Navigate(srv.origin(apiHost) + "/setcookie"); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.Execute(`return navigator.userAgent`, &r.version); err != nil {
		b.Close()
		return nil, err
	}
	return r, nil
}

func (r *firefoxRunner) fetch(p page, args jsArgs) (jsResult, error) {
	return webDriverFetch(r.b, r.srv, &r.page, p, args)
}

// webDriverBrowser is what the Firefox and WebKit drivers share.
type webDriverBrowser interface {
	Navigate(url string) error
	ExecuteAsync(script string, args []any, out any) error
}

// webDriverFetch runs one case's fetch() in b, opening page p first unless
// *current is already p.
func webDriverFetch(b webDriverBrowser, srv *server, current *page, p page, args jsArgs) (jsResult, error) {
	var js jsResult
	if *current != p {
		if err := b.Navigate(srv.pageURL(p)); err != nil {
			return js, fmt.Errorf("navigate: %w", err)
		}
		*current = p
	}
	a, _ := json.Marshal(args)
	err := b.ExecuteAsync(fmt.Sprintf(asyncFetchJS, fmt.Sprintf(fetchJS, a)), nil, &js)
	return js, err
}

// failure waits a little for Firefox's console message about the
// request: Firefox logs it shortly after fetch() rejects, and a failure
// that is no CORS error has none.
func (r *firefoxRunner) failure(path, jsErr string) (string, string) {
	if !strings.Contains(jsErr, "NetworkError") {
		// fetch() refused before sending anything: no console message.
		return "", ""
	}
	deadline := time.Now().Add(time.Second)
	for {
		msgs, n, err := r.b.ConsoleCORS(r.console)
		if err != nil {
			return "", ""
		}
		for _, m := range msgs {
			if strings.Contains(m.Text, path) && strings.HasPrefix(m.Text, "Cross-Origin Request Blocked") {
				// Later steps of the case look past this message.
				r.console = n
				return m.Key, m.Text
			}
		}
		if time.Now().After(deadline) {
			return "", ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *firefoxRunner) product() string {
	if i := strings.LastIndex(r.version, "Firefox/"); i >= 0 {
		return r.version[i:]
	}
	return r.version
}

func (r *firefoxRunner) close() { r.b.Close() }

// webkitRunner runs cases in one WebKitGTK MiniBrowser, with the test's
// server as its HTTP proxy. WebKit's console is out of reach (see package
// webkit), so failure has nothing to say.
type webkitRunner struct {
	b    *webkit.Browser
	srv  *server
	page page
}

func newWebKitRunner(srv *server) (runner, error) {
	b, err := webkit.Start(webkit.Options{Proxy: fmt.Sprintf("127.0.0.1:%d", srv.port)})
	if err != nil {
		return nil, err
	}
	r := &webkitRunner{b: b, srv: srv, page: -1}
	if err := b.Navigate(srv.origin(apiHost) + "/setcookie"); err != nil {
		b.Close()
		return nil, err
	}
	return r, nil
}

func (r *webkitRunner) fetch(p page, args jsArgs) (jsResult, error) {
	return webDriverFetch(r.b, r.srv, &r.page, p, args)
}

func (r *webkitRunner) failure(string, string) (string, string) { return "", "" }

func (r *webkitRunner) product() string { return "WebKitGTK " + r.b.Version() }

func (r *webkitRunner) close() { r.b.Close() }

// knownDiffFirefox lists the cases where browser.Transport, as a model of
// Firefox, knowingly differs from Firefox 153 ESR, with the difference
// measured. The target is an empty map.
var knownDiffFirefox = map[string]string{}

// knownDiffWebKit lists the cases where browser.Transport, as a model of
// WebKit, knowingly differs from WebKitGTK 2.50, with the difference
// measured. The target is an empty map.
var knownDiffWebKit = map[string]string{}
