package browserdiff

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
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
	// failure says, after a fetch that failed, what the engine says of
	// the failure of a request whose URL contains path: the name of the
	// CORS error and its console message, both "" when none.
	failure(path string) (reason, msg string)
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
	// As in runChromium: cases that wait first, then by page kind.
	sorted := append([]*tcase(nil), cases...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if wi, wj := sorted[i].waits(), sorted[j].waits(); wi != wj {
			return wi > wj
		}
		return sorted[i].Page < sorted[j].Page
	})
	for _, c := range sorted {
		work <- c
	}
	close(work)
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
			o.Reason, o.Message = r.failure(path)
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
	console int // console messages seen so far
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
	var js jsResult
	if r.page != p {
		if err := r.b.Navigate(r.srv.pageURL(p)); err != nil {
			return js, fmt.Errorf("navigate: %w", err)
		}
		r.page = p
	}
	// Where this fetch's console messages will start.
	if _, n, err := r.b.ConsoleCORS(r.console); err == nil {
		r.console = n
	} else {
		return js, err
	}
	a, _ := json.Marshal(args)
	err := r.b.ExecuteAsync(fmt.Sprintf(asyncFetchJS, fmt.Sprintf(fetchJS, a)), nil, &js)
	return js, err
}

// failure waits a little for Firefox's console message about the
// request: Firefox logs it shortly after fetch() rejects, and a failure
// that is no CORS error has none.
func (r *firefoxRunner) failure(path string) (string, string) {
	deadline := time.Now().Add(time.Second)
	for {
		msgs, _, err := r.b.ConsoleCORS(r.console)
		if err != nil {
			return "", ""
		}
		for _, m := range msgs {
			if strings.Contains(m.Text, path) && strings.HasPrefix(m.Text, "Cross-Origin Request Blocked") {
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
	var js jsResult
	if r.page != p {
		if err := r.b.Navigate(r.srv.pageURL(p)); err != nil {
			return js, fmt.Errorf("navigate: %w", err)
		}
		r.page = p
	}
	a, _ := json.Marshal(args)
	err := r.b.ExecuteAsync(fmt.Sprintf(asyncFetchJS, fmt.Sprintf(fetchJS, a)), nil, &js)
	return js, err
}

func (r *webkitRunner) failure(string) (string, string) { return "", "" }

func (r *webkitRunner) product() string { return "WebKitGTK " + r.b.Version() }

func (r *webkitRunner) close() { r.b.Close() }

// knownDiffFirefox lists the cases where browser.Transport, as a model of
// Firefox, knowingly differs from Firefox 153 ESR, with the difference
// measured. The target is an empty map.
var knownDiffFirefox = map[string]string{
	"acah-empty":                              "the model names the error as Chromium does, not by Firefox's console key",
	"acah-invalid-slash":                      "the model names the error as Chromium does, not by Firefox's console key",
	"acah-invalid-token":                      "the model names the error as Chromium does, not by Firefox's console key",
	"acah-json-missing":                       "the model names the error as Chromium does, not by Firefox's console key",
	"acah-missing":                            "the model names the error as Chromium does, not by Firefox's console key",
	"acah-partial":                            "the model names the error as Chromium does, not by Firefox's console key",
	"acah-range-suffix-missing":               "the model names the error as Chromium does, not by Firefox's console key",
	"acah-star-cred":                          "the model names the error as Chromium does, not by Firefox's console key",
	"acah-unsafe-accept-missing":              "the model names the error as Chromium does, not by Firefox's console key",
	"acam-empty":                              "the model names the error as Chromium does, not by Firefox's console key",
	"acam-invalid-space":                      "the model names the error as Chromium does, not by Firefox's console key",
	"acam-invalid-token":                      "the model names the error as Chromium does, not by Firefox's console key",
	"acam-lower":                              "the model names the error as Chromium does, not by Firefox's console key",
	"acam-lower-for-patch":                    "the model names the error as Chromium does, not by Firefox's console key",
	"acam-missing":                            "the model names the error as Chromium does, not by Firefox's console key",
	"acam-only-commas":                        "the model names the error as Chromium does, not by Firefox's console key",
	"acam-other-method":                       "the model names the error as Chromium does, not by Firefox's console key",
	"acam-star-cred":                          "the model names the error as Chromium does, not by Firefox's console key",
	"acam-upper-for-lower-patch":              "the model names the error as Chromium does, not by Firefox's console key",
	"acao-empty":                              "the model names the error as Chromium does, not by Firefox's console key",
	"acao-garbage":                            "the model names the error as Chromium does, not by Firefox's console key",
	"acao-host-only":                          "the model names the error as Chromium does, not by Firefox's console key",
	"acao-https":                              "the model names the error as Chromium does, not by Firefox's console key",
	"acao-inner-space":                        "the model names the error as Chromium does, not by Firefox's console key",
	"acao-list":                               "the model names the error as Chromium does, not by Firefox's console key",
	"acao-list-same":                          "the model names the error as Chromium does, not by Firefox's console key",
	"acao-missing":                            "the model names the error as Chromium does, not by Firefox's console key",
	"acao-no-port":                            "the model names the error as Chromium does, not by Firefox's console key",
	"acao-null":                               "the model names the error as Chromium does, not by Firefox's console key",
	"acao-other-origin":                       "the model names the error as Chromium does, not by Firefox's console key",
	"acao-quoted":                             "the model names the error as Chromium does, not by Firefox's console key",
	"acao-repeated-empty":                     "the model names the error as Chromium does, not by Firefox's console key",
	"acao-repeated-lines":                     "the model names the error as Chromium does, not by Firefox's console key",
	"acao-repeated-star":                      "the model names the error as Chromium does, not by Firefox's console key",
	"acao-star-and-origin":                    "the model names the error as Chromium does, not by Firefox's console key",
	"acao-trailing-comma":                     "the model names the error as Chromium does, not by Firefox's console key",
	"acao-trailing-slash":                     "the model names the error as Chromium does, not by Firefox's console key",
	"acao-upper-case":                         "the model names the error as Chromium does, not by Firefox's console key",
	"acao-upper-host":                         "the model names the error as Chromium does, not by Firefox's console key",
	"acao-with-path":                          "the model names the error as Chromium does, not by Firefox's console key",
	"cache-failed-not-cached":                 "the model names the error as Chromium does, not by Firefox's console key",
	"cache-fraction":                          "Firefox caches no preflight whose Access-Control-Max-Age is not all digits",
	"cache-garbage":                           "Firefox caches no preflight whose Access-Control-Max-Age is not all digits",
	"cache-key-header-not-covered":            "the model names the error as Chromium does, not by Firefox's console key",
	"cache-key-include-then-omit":             "Firefox keys its preflight cache by the credentials mode too",
	"cache-key-method-not-covered":            "the model names the error as Chromium does, not by Firefox's console key",
	"cache-key-omit-then-include-no-acac":     "the model names the error as Chromium does, not by Firefox's console key",
	"cache-max-age-7200":                      "Firefox caches no preflight whose Access-Control-Max-Age is not all digits (two lines join as \"600, 7200\")",
	"cache-new-preflight-replaces-headers":    "Firefox adds a new preflight's methods and headers to the cache entry instead of replacing it (the standard)",
	"cache-new-preflight-replaces-methods":    "Firefox adds a new preflight's methods and headers to the cache entry instead of replacing it (the standard)",
	"cache-null-origin":                       "Firefox caches preflights of an opaque-origin page",
	"cache-plus":                              "Firefox caches no preflight whose Access-Control-Max-Age is not all digits",
	"cache-repeated":                          "Firefox caches no preflight whose Access-Control-Max-Age is not all digits",
	"cache-star-then-cred":                    "the model names the error as Chromium does, not by Firefox's console key",
	"cookie-set-cors-blocked-then-include":    "the model names the error as Chromium does, not by Firefox's console key",
	"cookie-set-null-page":                    "Firefox partitions cookies by top-level site (Total Cookie Protection) and treats a cookie without SameSite as None",
	"cred-acac-empty":                         "the model names the error as Chromium does, not by Firefox's console key",
	"cred-acac-false":                         "the model names the error as Chromium does, not by Firefox's console key",
	"cred-acac-list":                          "the model names the error as Chromium does, not by Firefox's console key",
	"cred-acac-one":                           "the model names the error as Chromium does, not by Firefox's console key",
	"cred-acac-quoted":                        "the model names the error as Chromium does, not by Firefox's console key",
	"cred-acac-repeated":                      "the model names the error as Chromium does, not by Firefox's console key",
	"cred-acac-upper":                         "the model names the error as Chromium does, not by Firefox's console key",
	"cred-mismatch-acac":                      "the model names the error as Chromium does, not by Firefox's console key",
	"cred-missing-acao":                       "the model names the error as Chromium does, not by Firefox's console key",
	"cred-no-acac":                            "the model names the error as Chromium does, not by Firefox's console key",
	"cred-star-acac":                          "the model names the error as Chromium does, not by Firefox's console key",
	"cred-star-no-acac":                       "the model names the error as Chromium does, not by Firefox's console key",
	"ct-repeated":                             "Firefox checks each value of a repeated safelisted header on its own, not the values combined",
	"hdr-accept-repeated-long":                "Firefox checks each value of a repeated safelisted header on its own, not the values combined",
	"hdr-custom-repeated":                     "Firefox lists a repeated header name twice in Access-Control-Request-Headers",
	"hdr-custom-repeated-case":                "Firefox lists a repeated header name twice in Access-Control-Request-Headers",
	"hdr-device-memory":                       "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-downlink":                            "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-dpr":                                 "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-ect":                                 "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-empty-name":                          "Firefox's TypeError text differs from Chromium's",
	"hdr-invalid-name":                        "Firefox's TypeError text differs from Chromium's",
	"hdr-invalid-value":                       "Firefox's TypeError text differs from Chromium's",
	"hdr-rtt":                                 "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-save-data":                           "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-user-agent":                          "User-Agent is not forbidden in E (the standard): it is sent and needs a preflight",
	"hdr-value-newline":                       "Firefox's TypeError text differs from Chromium's",
	"hdr-viewport-width":                      "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-width":                               "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"method-connect":                          "Firefox's TypeError text differs from Chromium's",
	"method-custom-mixed":                     "the model names the error as Chromium does, not by Firefox's console key",
	"method-get-with-body":                    "Firefox's TypeError text differs from Chromium's",
	"method-head-with-body":                   "Firefox's TypeError text differs from Chromium's",
	"method-invalid-token":                    "Firefox's TypeError text differs from Chromium's",
	"method-patch-mixed":                      "the model names the error as Chromium does, not by Firefox's console key",
	"method-trace-lower":                      "Firefox's TypeError text differs from Chromium's",
	"method-track":                            "Firefox's TypeError text differs from Chromium's",
	"nocors-put":                              "Firefox's TypeError text differs from Chromium's",
	"nocors-redirect-manual":                  "Firefox's TypeError text differs from Chromium's",
	"null-acao-app":                           "the model names the error as Chromium does, not by Firefox's console key",
	"null-acao-missing":                       "the model names the error as Chromium does, not by Firefox's console key",
	"null-acao-upper":                         "the model names the error as Chromium does, not by Firefox's console key",
	"null-cred-acao-star":                     "the model names the error as Chromium does, not by Firefox's console key",
	"port-redirect-to-other-port-and-back":    "the model names the error as Chromium does, not by Firefox's console key",
	"port-same-page-other-port-no-acao":       "the model names the error as Chromium does, not by Firefox's console key",
	"pre-301":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-302":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-304":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-307":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-400":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-403":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-404-no-acao":                         "the model names the error as Chromium does, not by Firefox's console key",
	"pre-500":                                 "the model names the error as Chromium does, not by Firefox's console key",
	"pre-500-no-acao":                         "the model names the error as Chromium does, not by Firefox's console key",
	"pre-503-no-acao":                         "the model names the error as Chromium does, not by Firefox's console key",
	"pre-acao-empty":                          "the model names the error as Chromium does, not by Firefox's console key",
	"pre-acao-invalid":                        "the model names the error as Chromium does, not by Firefox's console key",
	"pre-acao-mismatch":                       "the model names the error as Chromium does, not by Firefox's console key",
	"pre-acao-multiple":                       "the model names the error as Chromium does, not by Firefox's console key",
	"pre-acao-null":                           "the model names the error as Chromium does, not by Firefox's console key",
	"pre-cred-acac-repeated":                  "the model names the error as Chromium does, not by Firefox's console key",
	"pre-cred-acac-upper":                     "the model names the error as Chromium does, not by Firefox's console key",
	"pre-cred-no-acac":                        "the model names the error as Chromium does, not by Firefox's console key",
	"pre-cred-ok-actual-no-acac":              "the model names the error as Chromium does, not by Firefox's console key",
	"pre-cred-star":                           "the model names the error as Chromium does, not by Firefox's console key",
	"pre-no-acao":                             "the model names the error as Chromium does, not by Firefox's console key",
	"pre-ok-actual-mismatch":                  "the model names the error as Chromium does, not by Firefox's console key",
	"pre-ok-actual-no-acao":                   "the model names the error as Chromium does, not by Firefox's console key",
	"redir-back-to-page-acao-origin":          "the model names the error as Chromium does, not by Firefox's console key",
	"redir-back-to-page-no-acao":              "the model names the error as Chromium does, not by Firefox's console key",
	"redir-bad-location":                      "Firefox reports a redirect that fails (loop, bad Location, too many) as the CORS error CORSDidNotSucceed2",
	"redir-chain-21":                          "Firefox reports a redirect that fails (loop, bad Location, too many) as the CORS error CORSDidNotSucceed2",
	"redir-cred-include-no-acac-on-redirect":  "the model names the error as Chromium does, not by Firefox's console key",
	"redir-credentials-in-location":           "the model names the error as Chromium does, not by Firefox's console key",
	"redir-credentials-same-origin-page":      "Firefox follows a same-origin redirect whose Location has credentials (the standard)",
	"redir-custom-header-307":                 "the model names the error as Chromium does, not by Firefox's console key",
	"redir-error-same-origin-page":            "Firefox's TypeError text differs from Chromium's",
	"redir-json-302-becomes-simple-get":       "Firefox preflights again after a redirect of a preflighted request, even when the redirect made it simple",
	"redir-loop":                              "Firefox reports a redirect that fails (loop, bad Location, too many) as the CORS error CORSDidNotSucceed2",
	"redir-mode-error":                        "Firefox's TypeError text differs from Chromium's",
	"redir-mode-manual-no-acao":               "the model names the error as Chromium does, not by Firefox's console key",
	"redir-no-acao-on-redirect":               "the model names the error as Chromium does, not by Firefox's console key",
	"redir-put-303-becomes-get":               "Firefox preflights again after a redirect of a preflighted request, even when the redirect made it simple",
	"redir-put-307-to-other":                  "Firefox sends the page's origin, not null, on the preflight after a cross-origin redirect",
	"redir-same-origin-page-to-other-no-acao": "the model names the error as Chromium does, not by Firefox's console key",
	"redir-star-with-cred":                    "the model names the error as Chromium does, not by Firefox's console key",
	"redir-target-no-acao":                    "the model names the error as Chromium does, not by Firefox's console key",
	"redir-to-data-url":                       "Firefox reports a redirect that fails (loop, bad Location, too many) as the CORS error CORSDidNotSucceed2",
	"redir-to-other-origin-acao-origin":       "the model names the error as Chromium does, not by Firefox's console key",
	"redir-username-in-location":              "the model names the error as Chromium does, not by Firefox's console key",
	"same-forbidden-method":                   "Firefox's TypeError text differs from Chromium's",
	"same-page-sameorigin-mode-other-port":    "Firefox's TypeError text differs from Chromium's",
	"sameorigin-mode-cross":                   "Firefox's TypeError text differs from Chromium's",
	"sameorigin-mode-null":                    "Firefox's TypeError text differs from Chromium's",
	"sameorigin-mode-redirect-cross":          "Firefox's TypeError text differs from Chromium's",
	"site-acao-app":                           "the model names the error as Chromium does, not by Firefox's console key",
	"site-cookie-set-then-include":            "Firefox partitions cookies by top-level site (Total Cookie Protection) and treats a cookie without SameSite as None",
	"site-cred-star":                          "the model names the error as Chromium does, not by Firefox's console key",
	"status-500-no-acao":                      "the model names the error as Chromium does, not by Firefox's console key",
	"url-with-credentials":                    "Firefox's TypeError text differs from Chromium's",
	"url-with-credentials-same-origin-page":   "Firefox's TypeError text differs from Chromium's",
	"url-with-username":                       "Firefox's TypeError text differs from Chromium's",
	"x-hdr-device-memory":                     "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-downlink":                          "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-ect":                               "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-intervention":                      "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-rtt":                               "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-save-data-upper":                   "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-viewport-width":                    "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-width":                             "Firefox safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-max-age-space-inside":                  "Firefox caches no preflight whose Access-Control-Max-Age is not all digits",
	"x-pre-acah-list-authorization-cred":      "the model names the error as Chromium does, not by Firefox's console key",
	"x-redir-put-307-cross-preflight-null":    "Firefox sends the page's origin, not null, on the preflight after a cross-origin redirect",
	"x-total-1024":                            "Firefox safelists no client hints (the standard), so only they need a preflight and the 1024-byte total is not reached",
	"x-total-1025":                            "Firefox safelists no client hints (the standard), so only they need a preflight and the 1024-byte total is not reached",
}

// knownDiffWebKit lists the cases where browser.Transport, as a model of
// WebKit, knowingly differs from WebKitGTK 2.50, with the difference
// measured. The target is an empty map.
var knownDiffWebKit = map[string]string{
	"cache-null-origin":                         "WebKit caches preflights of an opaque-origin page",
	"cookie-set-cors-blocked-then-include":      "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"cookie-set-include-then-include":           "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"cookie-set-nocors-then-include":            "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"cookie-set-null-page":                      "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"cookie-set-on-redirect":                    "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"cookie-set-strict":                         "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"hdr-device-memory":                         "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-downlink":                              "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-dpr":                                   "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-ect":                                   "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-rtt":                                   "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-save-data":                             "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-user-agent":                            "User-Agent is not forbidden in E (the standard): it is sent and needs a preflight",
	"hdr-viewport-width":                        "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"hdr-width":                                 "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"null-cred-acao-null":                       "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"null-cred-acao-star":                       "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"port-redirect-to-other-port-and-back":      "WebKit refuses a redirect back to the page's origin after a cross-origin hop",
	"port-redirect-to-other-port-and-back-null": "WebKit refuses a redirect back to the page's origin after a cross-origin hop",
	"range-upper":                               "WebKit safelists Range with \"bytes\" in any case",
	"redir-credentials-same-origin-page":        "WebKit follows a same-origin redirect whose Location has credentials (the standard)",
	"redir-json-302-becomes-simple-get":         "WebKit preflights again after a redirect of a preflighted request, even when the redirect made it simple",
	"redir-put-303-becomes-get":                 "WebKit preflights again after a redirect of a preflighted request, even when the redirect made it simple",
	"redir-same-origin-page-round-trip":         "WebKit refuses a redirect back to the page's origin after a cross-origin hop",
	"site-cookie-set-then-include":              "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"site-cred-include":                         "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"site-cred-star":                            "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"site-nocors-cred":                          "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"site-put-preflight":                        "WebKit sends a cookie without SameSite everywhere (None), and stores a cookie only from the page's own host (WebKitGTK's no-third-party policy)",
	"x-cache-include-then-omit-star":            "WebKit checks a cached * against the new request's credentials mode, not the cached one's",
	"x-cache-star-authorization-twice":          "WebKit lets a cached Access-Control-Allow-Headers: * cover Authorization too",
	"x-cache-star-then-authorization":           "WebKit lets a cached Access-Control-Allow-Headers: * cover Authorization too",
	"x-hdr-device-memory":                       "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-downlink":                            "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-ect":                                 "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-intervention":                        "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-rtt":                                 "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-save-data-upper":                     "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-viewport-width":                      "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-hdr-width":                               "WebKit safelists no client hints and no Intervention (the standard): they need a preflight",
	"x-total-1024":                              "WebKit safelists no client hints (the standard), so only they need a preflight and the 1024-byte total is not reached",
	"x-total-1025":                              "WebKit safelists no client hints (the standard), so only they need a preflight and the 1024-byte total is not reached",
}
