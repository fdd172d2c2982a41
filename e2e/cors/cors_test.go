// Package cors drives the three real browser engines (headless Chromium,
// headless Firefox, WebKitGTK) against a server wrapped by the cors
// middleware: a page on one origin fetches from an API on another, and the
// browser, not the test, decides what the page may read. Every test runs
// once per engine, as a subtest named after it.
package cors

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
)

var all []*engines.Browser

func TestMain(m *testing.M) { os.Exit(engines.Run(m, &all)) }

// page serves an empty HTML page: the origin that scripts run in.
var page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprint(w, "<!doctype html><title>page</title>")
})

// api is the cross-origin API: it counts what reaches it, sets an exposed
// and an unexposed header, a cookie on /login and echoes the cookie on
// /whoami.
type api struct {
	mu   sync.Mutex
	seen map[string]int // "METHOD /path"
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen[r.Method+" "+r.URL.Path]++
	a.mu.Unlock()
	w.Header().Set("X-Exposed", "visible")
	w.Header().Set("X-Hidden", "secret")
	switch r.URL.Path {
	case "/login":
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/", SameSite: http.SameSiteLaxMode})
		_, _ = fmt.Fprint(w, "logged in")
	case "/whoami":
		c, err := r.Cookie("session")
		if err != nil {
			_, _ = fmt.Fprint(w, "anonymous")
			return
		}
		_, _ = fmt.Fprint(w, "session="+c.Value)
	default:
		_, _ = fmt.Fprintf(w, "%s %s x-custom=%s", r.Method, r.URL.Path, r.Header.Get("X-Custom"))
	}
}

func (a *api) count(key string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[key]
}

// world is a page origin and an API origin with the middleware.
type world struct {
	api             *api // what reaches the handler behind the middleware
	front           *api // what reaches the server, in front of the middleware
	appURL, evilURL string
	apiURL          string
}

// newWorld starts the page server (app.test and evil.test) and the API on
// apiHost (api.test, another site; or app.test, the same site as the page
// on another port, hence another origin).
func newWorld(t *testing.T, apiHost string) *world {
	t.Helper()
	pagePort := headless.Serve(t, page)
	a := &api{seen: map[string]int{}}
	appOrigin := fmt.Sprintf("http://app.test:%d", pagePort)
	m, err := cors.New(cors.Config{
		Origins:                  []string{appOrigin},
		Credentials:              true,
		Methods:                  []string{"PUT"},
		RequestHeaders:           []string{"Content-Type", "X-Custom"},
		ExposedHeaders:           []string{"X-Exposed"},
		MaxAge:                   10 * time.Minute,
		AllowInsecureCredentials: true, // app.test is plain http and, for all the middleware knows, not loopback
	})
	if err != nil {
		t.Fatal(err)
	}
	front := &api{seen: map[string]int{}}
	h := m.Handler(a)
	apiPort := headless.Serve(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		front.mu.Lock()
		front.seen[r.Method+" "+r.URL.Path]++
		front.mu.Unlock()
		h.ServeHTTP(rw, r)
	}))
	return &world{
		api:     a,
		front:   front,
		appURL:  appOrigin + "/",
		evilURL: fmt.Sprintf("http://evil.test:%d/", pagePort),
		apiURL:  fmt.Sprintf("http://%s:%d", apiHost, apiPort),
	}
}

// result is what a fetch in the page produced.
type result struct {
	OK      bool    `json:"ok"`
	Status  int     `json:"status"`
	Body    string  `json:"body"`
	Exposed *string `json:"exposed"`
	Hidden  *string `json:"hidden"`
	Error   string  `json:"error"`
}

// fetch runs fetch(url, init) in the page and reports what it saw.
func fetch(t *testing.T, p *engines.Page, url, init string) result {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q, %s).then(
		async r => ({ok: true, status: r.status, body: await r.text(), exposed: r.headers.get("X-Exposed"), hidden: r.headers.get("X-Hidden")}),
		e => ({ok: false, error: String(e)}))`, url, init)
	var res result
	p.Eval(t, js, &res)
	return res
}

func TestSimpleGETAllowed(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		w := newWorld(t, "api.test")
		pg := b.Open(t, w.appURL)
		res := fetch(t, pg, w.apiURL+"/items", "{}")
		if !res.OK || res.Status != 200 || res.Body != "GET /items x-custom=" {
			t.Fatalf("fetch = %+v", res)
		}
		if n := w.api.count("OPTIONS /items"); n != 0 {
			t.Errorf("a simple GET was preflighted %d times", n)
		}
	})
}

func TestDisallowedOriginBlocked(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		w := newWorld(t, "api.test")
		pg := b.Open(t, w.evilURL)
		res := fetch(t, pg, w.apiURL+"/items", "{}")
		if res.OK || !engines.IsNetworkError(res.Error) {
			t.Fatalf("fetch from evil.test = %+v, want a network error", res)
		}
		// CORS is enforced by the browser: the request still reached the API.
		if n := w.api.count("GET /items"); n != 1 {
			t.Errorf("the API saw GET /items %d times, want 1", n)
		}
	})
}

func TestCredentialedRequest(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		// The API is on the page's site, so that its SameSite=Lax cookie goes
		// with credentialed requests without depending on the browser's
		// third-party cookie policy; it is still another origin (another port).
		w := newWorld(t, "app.test")
		// The API sets its cookie in a top-level visit, as a login would.
		b.Open(t, w.apiURL+"/login")
		pg := b.Open(t, w.appURL)
		res := fetch(t, pg, w.apiURL+"/whoami", `{credentials: "include"}`)
		if !res.OK || res.Body != "session=s3cr3t" {
			t.Fatalf("credentialed fetch = %+v, want the cookie echoed", res)
		}
		// Without credentials the cookie is not sent, and the response is
		// still readable.
		res = fetch(t, pg, w.apiURL+"/whoami", `{credentials: "omit"}`)
		if !res.OK || res.Body != "anonymous" {
			t.Fatalf("fetch without credentials = %+v", res)
		}
		// From a disallowed origin, the credentialed response stays hidden.
		evil := b.Open(t, w.evilURL)
		if res := fetch(t, evil, w.apiURL+"/whoami", `{credentials: "include"}`); res.OK {
			t.Fatalf("credentialed fetch from evil = %+v, want blocked", res)
		}
	})
}

func TestPreflightedPUT(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		w := newWorld(t, "api.test")
		pg := b.Open(t, w.appURL)
		put := `{method: "PUT", headers: {"X-Custom": "42", "Content-Type": "application/json"}, body: "{}"}`
		res := fetch(t, pg, w.apiURL+"/items/1", put)
		if !res.OK || res.Body != "PUT /items/1 x-custom=42" {
			t.Fatalf("preflighted PUT = %+v", res)
		}
		if f, o, p := w.front.count("OPTIONS /items/1"), w.api.count("OPTIONS /items/1"), w.api.count("PUT /items/1"); f != 1 || o != 0 || p != 1 {
			// The middleware answers preflights itself: the handler sees none.
			t.Errorf("the server saw %d OPTIONS, the handler %d OPTIONS and %d PUT, want 1, 0 and 1", f, o, p)
		}

		// A header that is not allowed fails the preflight, and the PUT is
		// never sent.
		res = fetch(t, pg, w.apiURL+"/items/2", `{method: "PUT", headers: {"X-Other": "1"}}`)
		if res.OK {
			t.Fatalf("PUT with X-Other = %+v, want blocked", res)
		}
		// So does a method that is not allowed.
		res = fetch(t, pg, w.apiURL+"/items/2", `{method: "DELETE"}`)
		if res.OK {
			t.Fatalf("DELETE = %+v, want blocked", res)
		}
		if n := w.api.count("PUT /items/2") + w.api.count("DELETE /items/2"); n != 0 {
			t.Errorf("requests whose preflight failed reached the handler %d times", n)
		}
	})
}

// TestPreflightCacheHonoured checks that Chromium caches a preflight for
// Access-Control-Max-Age: the second and third identical requests send
// none.
func TestPreflightCacheHonoured(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		w := newWorld(t, "api.test")
		pg := b.Open(t, w.appURL)
		put := `{method: "PUT", headers: {"X-Custom": "1"}}`
		for i := range 3 {
			if res := fetch(t, pg, w.apiURL+"/cached", put); !res.OK {
				t.Fatalf("PUT %d = %+v", i, res)
			}
		}
		if n := w.front.count("OPTIONS /cached"); n != 1 {
			t.Errorf("the server saw %d preflights for 3 identical PUTs, want 1 (Access-Control-Max-Age: 600)", n)
		}
		if n := w.api.count("PUT /cached"); n != 3 {
			t.Errorf("the handler saw %d PUTs, want 3", n)
		}
	})
}

func TestExposedHeaders(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		w := newWorld(t, "api.test")
		pg := b.Open(t, w.appURL)
		res := fetch(t, pg, w.apiURL+"/items", "{}")
		if !res.OK {
			t.Fatalf("fetch = %+v", res)
		}
		if res.Exposed == nil || *res.Exposed != "visible" {
			t.Errorf("X-Exposed = %v, want readable", res.Exposed)
		}
		if res.Hidden != nil {
			t.Errorf("X-Hidden = %q, want null: it is not exposed", *res.Hidden)
		}
	})
}

// TestStarResponseCachedFromNoCORSServesCORSFetch is the regression test
// for Origins: ["*"] answering requests without Origin with no
// Access-Control-Allow-Origin: a cacheable response that Chromium stored
// from a no-cors fetch (which sends no Origin, like an <img>) was then
// served from the cache to a CORS fetch of the same URL, which failed.
// Now every response of a "*" policy carries Access-Control-Allow-Origin: *,
// so the cached one serves the CORS fetch.
func TestStarResponseCachedFromNoCORSServesCORSFetch(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		pagePort := headless.Serve(t, page)
		m, err := cors.New(cors.Config{Origins: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		a := &api{seen: map[string]int{}}
		apiPort := headless.Serve(t, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=600")
			a.ServeHTTP(w, r)
		})))
		pg := b.Open(t, fmt.Sprintf("http://app.test:%d/", pagePort))
		url := fmt.Sprintf("http://api.test:%d/public", apiPort)
		if res := fetch(t, pg, url, `{mode: "no-cors"}`); !res.OK || res.Status != 0 {
			t.Fatalf("no-cors fetch = %+v, want an opaque response", res)
		}
		res := fetch(t, pg, url, "{}")
		if !res.OK || res.Body != "GET /public x-custom=" {
			t.Fatalf("CORS fetch after the no-cors one = %+v, want the cached response readable", res)
		}
		// The second fetch came from the browser's cache: the test is about
		// the cached response. WebKit's automation session has no HTTP
		// cache, so there the CORS fetch reaches the API.
		if n := a.count("GET /public"); n != 1 && b.Name != engines.WebKit {
			t.Errorf("the API saw GET /public %d times, want 1 (the CORS fetch served from the cache)", n)
		}
	})
}
