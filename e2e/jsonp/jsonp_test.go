// Package jsonp drives the three browser engines (headless Chromium,
// headless Firefox, WebKitGTK; every test once per engine, the engines in
// parallel) against an API wrapped by the jsonp package: a page on another
// origin loads it with a script element and gets the data through its
// callback; hostile callbacks, credentialed loads from unlisted pages and
// non-script loads are refused, and the script's onerror fires. The three
// engines agree on all of it: each fires onerror for a 400 or 403 script,
// sends a same-site Lax cookie with a script load, and sends
// Sec-Fetch-Dest to *.localhost.
package jsonp

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
	"github.com/crossorigin/crossorigin/jsonp"
)

var all []*engines.Browser

func TestMain(m *testing.M) { os.Exit(engines.Run(m, &all)) }

// each runs f once per engine, the engines in parallel: each has its own
// browser, and f starts its own servers.
func each(t *testing.T, f func(t *testing.T, b *engines.Browser)) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		t.Parallel()
		f(t, b)
	})
}

// weather is the API's data; the note has what must be escaped.
const weather = `{"city":"Oslo","note":"</script><b>&` + "\u2028\u2029" + `"}`

// hit is what the API saw of one request.
type hit struct {
	path, query, dest, cookie, referer string
	status                             int
}

type api struct {
	url string
	mu  sync.Mutex
	log []hit
}

func (a *api) take() []hit {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.log
	a.log = nil
	return h
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.ResponseWriter.Write(p)
}

func mustNew(t *testing.T, c jsonp.Config) *jsonp.Responder {
	t.Helper()
	j, err := jsonp.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// startAPI serves, on apiHost, /weather (JSONP for anyone, public data),
// /strict (script loads only), /me (credentialed JSONP for callers) and
// /setcookie.
func startAPI(t *testing.T, apiHost string, callers ...string) *api {
	a := &api{}
	data := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, weather)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /weather", mustNew(t, jsonp.Config{}).Handler(data))
	mux.Handle("GET /strict", mustNew(t, jsonp.Config{RequireScriptDest: true}).Handler(data))
	if len(callers) > 0 {
		mux.Handle("GET /me", mustNew(t, jsonp.Config{CredentialedCallers: callers}).Handler(data))
	}
	// /account is a page of the API's origin with a button that acts, and
	// /naive answers JSONP with any dotted identifier as the callback, as
	// echo's check does: together they show a Same-Origin Method Execution.
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><meta charset="utf-8"><title>account</title><body><button id="deleteAccount" onclick="window.deleted = true">Delete my account</button></body>`)
	})
	mux.HandleFunc("GET /naive", func(w http.ResponseWriter, r *http.Request) {
		cb := r.URL.Query().Get("callback")
		if !naiveCallback.MatchString(cb) {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = fmt.Fprintf(w, "/**/ typeof %s === 'function' && %s(%s);", cb, cb, weather)
	})
	mux.HandleFunc("GET /setcookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "1", Path: "/", HttpOnly: true})
		_, _ = io.WriteString(w, "cookie set")
	})
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		mux.ServeHTTP(sw, r)
		if r.URL.Path == "/favicon.ico" {
			return // the browser asks for it when it pleases
		}
		a.mu.Lock()
		a.log = append(a.log, hit{path: r.URL.Path, query: r.URL.RawQuery, dest: r.Header.Get("Sec-Fetch-Dest"), cookie: r.Header.Get("Cookie"), referer: r.Header.Get("Referer"), status: sw.status})
		a.mu.Unlock()
	})
	a.url = fmt.Sprintf("http://%s:%d", apiHost, headless.Serve(t, logged))
	return a
}

// naiveCallback is the dotted-identifier check of frameworks that do not
// know Same-Origin Method Execution.
var naiveCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$`)

// startPage serves a blank page; it returns its origin on pageHost.
func startPage(t *testing.T, pageHost string) string {
	port := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><meta charset="utf-8"><title>caller</title><p>a page that uses JSONP</p>`)
	}))
	return fmt.Sprintf("http://%s:%d", pageHost, port)
}

// loaded is what a script element's load gave the page.
type loaded struct {
	Called  bool           `json:"called"`  // the callback ran
	Data    map[string]any `json:"data"`    // its argument
	Event   string         `json:"event"`   // "load" or "error"
	Alerted bool           `json:"alerted"` // window.alert ran
}

// loadScript adds <script src=src> to the page, with window.<cb> (a dotted
// path is created) recording its argument, and reports what happened.
func loadScript(t *testing.T, p *engines.Page, src, cb string) loaded {
	t.Helper()
	var res loaded
	p.Eval(t, loadJS(src, cb), &res)
	return res
}

// loadJS is the script of loadScript: a promise of what the load gave.
func loadJS(src, cb string) string {
	return fmt.Sprintf(`new Promise((resolve) => {
		const out = {called: false, data: null, event: "", alerted: false};
		window.alert = () => { out.alerted = true; };
		const path = %q.split(".");
		let o = window;
		for (const p of path.slice(0, -1)) { o = o[p] = o[p] || {}; }
		o[path[path.length - 1]] = (d) => { out.called = true; out.data = d; };
		const s = document.createElement("script");
		s.src = %q;
		s.onload = () => { out.event = "load"; resolve(out); };
		s.onerror = () => { out.event = "error"; resolve(out); };
		document.head.appendChild(s);
	})`, cb, src)
}

func wantData(t *testing.T, got map[string]any) {
	t.Helper()
	want := map[string]any{"city": "Oslo", "note": "</script><b>&\u2028\u2029"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("callback got %#v, want %#v", got, want)
	}
}

func TestScriptTagReceivesData(t *testing.T) {
	each(t, func(t *testing.T, b *engines.Browser) { scriptTagReceivesData(t, b) })
}

func scriptTagReceivesData(t *testing.T, b *engines.Browser) {
	for _, hosts := range [][2]string{{"app.test", "api.test"}, {"app.localhost", "api.localhost"}} {
		t.Run(hosts[0], func(t *testing.T) {
			a := startAPI(t, hosts[1])
			pg := b.Open(t, startPage(t, hosts[0])+"/")
			for _, cb := range []string{"gotWeather", "app.callbacks.weather", "jQuery3600_1700000000"} {
				res := loadScript(t, pg, a.url+"/weather?callback="+cb, cb)
				if res.Event != "load" || !res.Called {
					t.Fatalf("callback %s: %+v", cb, res)
				}
				wantData(t, res.Data)
				h := a.take()
				if len(h) != 1 || h[0].status != 200 {
					t.Fatalf("API saw %+v", h)
				}
				if strings.HasSuffix(hosts[0], ".localhost") && h[0].dest != "script" {
					t.Errorf("Sec-Fetch-Dest = %q, want script", h[0].dest)
				}
			}
		})
	}
}

func TestHostileCallbackRefused(t *testing.T) {
	each(t, func(t *testing.T, b *engines.Browser) { hostileCallbackRefused(t, b) })
}

func hostileCallbackRefused(t *testing.T, b *engines.Browser) {
	a := startAPI(t, "api.test")
	pg := b.Open(t, startPage(t, "app.test")+"/")
	for _, cb := range []string{
		"alert(document.domain)//",
		"alert",                           // a method of the window (SOME)
		"opener.document.forms[0].submit", // SOME gadget
		"eval",
		"x.constructor.constructor",
		"a;alert(1)",
		"delete",
		strings.Repeat("a", 200),
	} {
		t.Run(cb[:min(len(cb), 20)], func(t *testing.T) {
			res := loadScript(t, pg, a.url+"/weather?callback="+url.QueryEscape(cb), "unused")
			h := a.take()
			if len(h) != 1 {
				t.Fatalf("API saw %+v", h)
			}
			if h[0].status != 400 {
				t.Fatalf("status %d, want 400", h[0].status)
			}
			if res.Event != "error" || res.Called || res.Alerted {
				t.Fatalf("hostile callback: %+v", res)
			}
		})
	}
}

// TestCredentialedLoads: a page on another origin of the same site gets
// the API's Lax cookie sent with its script loads; the public endpoint
// refuses them, the credentialed one accepts them from the listed caller.
func TestCredentialedLoads(t *testing.T) {
	each(t, func(t *testing.T, b *engines.Browser) { credentialedLoads(t, b) })
}

func credentialedLoads(t *testing.T, b *engines.Browser) {
	pageURL := startPage(t, "www.site.test")
	a := startAPI(t, "api.site.test", pageURL)
	other := startPage(t, "blog.site.test")

	// The cookie is set in a top-level visit, as a login would; the
	// browser's other tabs send it.
	b.Open(t, a.url+"/setcookie")
	a.take()
	pg := b.Open(t, pageURL+"/")

	res := loadScript(t, pg, a.url+"/weather?callback=cb", "cb")
	h := a.take()
	if len(h) != 1 || h[0].cookie != "sid=1" {
		t.Fatalf("the script load did not carry the cookie: %+v", h)
	}
	if h[0].status != 403 || res.Event != "error" || res.Called {
		t.Fatalf("credentialed load of public JSONP: %+v, status %d", res, h[0].status)
	}

	res = loadScript(t, pg, a.url+"/me?callback=cb", "cb")
	h = a.take()
	if len(h) != 1 || h[0].status != 200 || res.Event != "load" || !res.Called {
		t.Fatalf("listed caller: %+v, API saw %+v", res, h)
	}
	if h[0].referer != pageURL+"/" {
		t.Errorf("Referer = %q, want %q", h[0].referer, pageURL+"/")
	}
	wantData(t, res.Data)

	// Another page of the same site is not listed.
	pg2 := b.Open(t, other+"/")
	res = loadScript(t, pg2, a.url+"/me?callback=cb", "cb")
	h = a.take()
	if len(h) != 1 || h[0].cookie != "sid=1" || h[0].status != 403 || res.Event != "error" {
		t.Fatalf("unlisted caller: %+v, API saw %+v", res, h)
	}
}

// TestRequireScriptDest needs Fetch Metadata, so it runs on loopback hosts.
func TestRequireScriptDest(t *testing.T) {
	each(t, func(t *testing.T, b *engines.Browser) { requireScriptDest(t, b) })
}

func requireScriptDest(t *testing.T, b *engines.Browser) {
	a := startAPI(t, "api.localhost")
	pg := b.Open(t, startPage(t, "app.localhost")+"/")
	res := loadScript(t, pg, a.url+"/strict?callback=cb", "cb")
	if res.Event != "load" || !res.Called {
		t.Fatalf("script load: %+v", res)
	}
	wantData(t, res.Data)
	a.take()

	// Opening the URL as a document is refused: the API answers 403 and
	// the tab shows why.
	var text string
	b.Open(t, a.url+"/strict?callback=cb").Eval(t, `document.body.innerText`, &text)
	h := a.take()
	if len(h) != 1 || h[0].status != 403 || h[0].dest != "document" {
		t.Fatalf("navigation: API saw %+v", h)
	}
	if !strings.Contains(text, `not as "document"`) {
		t.Errorf("the refused document shows %q", text)
	}
}

// TestSameOriginMethodExecution shows the attack in every engine and its
// refusal (issue 11, bug 9): a page of the API's origin that includes the
// JSONP script with the callback deleteAccount.click (an element's id is a
// global name) or document.body.firstElementChild.click clicks its own
// button when the endpoint accepts any dotted identifier; the jsonp
// package answers 400 and nothing is clicked.
func TestSameOriginMethodExecution(t *testing.T) {
	each(t, func(t *testing.T, b *engines.Browser) { sameOriginMethodExecution(t, b) })
}

func sameOriginMethodExecution(t *testing.T, b *engines.Browser) {
	a := startAPI(t, "api.test")
	for _, cb := range []string{"deleteAccount.click", "document.body.firstElementChild.click"} {
		for _, endpoint := range []string{"/naive", "/weather"} {
			t.Run(endpoint+"/"+cb, func(t *testing.T) {
				pg := b.Open(t, a.url+"/account")
				a.take()
				js := fmt.Sprintf(`new Promise((resolve) => {
					const s = document.createElement("script");
					s.src = %q;
					s.onload = () => resolve({event: "load", deleted: !!window.deleted});
					s.onerror = () => resolve({event: "error", deleted: !!window.deleted});
					document.head.appendChild(s);
				})`, a.url+endpoint+"?callback="+cb)
				type result struct {
					Event   string `json:"event"`
					Deleted bool   `json:"deleted"`
				}
				var res result
				pg.Eval(t, js, &res)
				if endpoint == "/naive" {
					// The attack works against the naive check: the
					// script clicked the button in the page's origin.
					if res.Event != "load" || !res.Deleted {
						t.Fatalf("naive endpoint: %+v, want the button clicked", res)
					}
					return
				}
				h := a.take()
				if len(h) != 1 || h[0].status != http.StatusBadRequest {
					t.Fatalf("API saw %+v, want one 400", h)
				}
				if res.Event != "error" || res.Deleted {
					t.Fatalf("jsonp endpoint: %+v, want a refused script and no click", res)
				}
			})
		}
	}
}
