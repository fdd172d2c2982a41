// Package proxy drives the three browser engines (headless Chromium,
// headless Firefox, WebKitGTK; every test once per engine) through the
// CORS proxy: a
// page on app.test cannot read api.test (which sends no CORS headers)
// directly, but can through the proxy on proxy.test, preflighted requests
// included; the proxy's refusals (blocked targets, rate limits, origins
// not allowed) are readable by the page or, for origins not allowed,
// fail as CORS errors.
package proxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
	"github.com/crossorigin/crossorigin/proxy"
)

var all []*engines.Browser

func TestMain(m *testing.M) { os.Exit(engines.Run(m, &all)) }

// testResolver sends every *.test name to 127.0.0.1, as the browser does.
type testResolver struct{}

func (testResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if strings.HasSuffix(host, ".test") {
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// seen is what the API saw of one request.
type seen struct{ method, body, cookie, contentType string }

type api struct {
	url  string
	port int
	mu   sync.Mutex
	log  []seen
}

// startAPI serves, on api.test, JSON without any CORS headers.
func startAPI(t *testing.T) *api {
	a := &api{}
	a.port = headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.log = append(a.log, seen{r.Method, string(b), r.Header.Get("Cookie"), r.Header.Get("Content-Type")})
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Custom", "visible")
		w.Header().Set("Set-Cookie", "sid=1; Path=/")
		_, _ = fmt.Fprintf(w, `{"method":%q,"path":%q}`, r.Method, r.URL.Path)
	}))
	a.url = fmt.Sprintf("http://api.test:%d", a.port)
	return a
}

func (a *api) seen() []seen {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]seen(nil), a.log...)
}

// startProxy serves a proxy allowed to reach the API on loopback.
func startProxy(t *testing.T, a *api, c proxy.Config) string {
	c.AllowPrivate = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	c.AllowPorts = append(c.AllowPorts, a.port)
	c.Resolver = testResolver{}
	p, err := proxy.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return fmt.Sprintf("http://proxy.test:%d", headless.Serve(t, p))
}

func startPage(t *testing.T, host string) string {
	port := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><meta charset="utf-8"><title>caller</title><p>a page that uses the proxy</p>`)
	}))
	return fmt.Sprintf("http://%s:%d", host, port)
}

// fetched is what fetch() gave the page.
type fetched struct {
	OK         bool              `json:"ok"`
	Status     int               `json:"status"`
	Body       string            `json:"body"`
	Headers    map[string]string `json:"headers"`
	Error      string            `json:"error"` // the TypeError of a network or CORS failure
	Readable   []string          `json:"readable"`
	RetryAfter string            `json:"retryAfter"`
}

// fetchFrom runs fetch(url, init) in the page and reports the outcome.
func fetchFrom(t *testing.T, p *engines.Page, url, init string) fetched {
	t.Helper()
	js := fmt.Sprintf(`(async () => {
		try {
			const r = await fetch(%q, %s);
			const headers = {};
			for (const [k, v] of r.headers) headers[k] = v;
			return {ok: r.ok, status: r.status, body: await r.text(), headers, error: "", readable: Object.keys(headers)};
		} catch (e) {
			return {ok: false, status: 0, body: "", headers: {}, error: String(e), readable: []};
		}
	})()`, url, init)
	var res fetched
	p.Eval(t, js, &res)
	return res
}

func TestPageReadsThroughProxy(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		a := startAPI(t)
		px := startProxy(t, a, proxy.Config{})
		pg := b.Open(t, startPage(t, "app.test"))

		direct := fetchFrom(t, pg, a.url+"/data", "{}")
		if direct.Error == "" {
			t.Fatalf("direct fetch of an API without CORS succeeded: %+v", direct)
		}
		got := fetchFrom(t, pg, px+"/"+a.url+"/data//x", "{}")
		if !got.OK || got.Body != `{"method":"GET","path":"/data//x"}` {
			t.Fatalf("through the proxy: %+v", got)
		}
		for k, want := range map[string]string{
			"x-custom":      "visible",
			"x-request-url": a.url + "/data//x",
			"x-final-url":   a.url + "/data//x",
		} {
			if got.Headers[k] != want {
				t.Errorf("page reads %s = %q, want %q (all readable: %v)", k, got.Headers[k], want, got.Readable)
			}
		}
		if _, ok := got.Headers["set-cookie"]; ok {
			t.Error("Set-Cookie reached the page")
		}
	})
}

func TestPreflightedRequestThroughProxy(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		a := startAPI(t)
		px := startProxy(t, a, proxy.Config{MaxAge: time.Minute})
		pg := b.Open(t, startPage(t, "app.test"))
		got := fetchFrom(t, pg, px+"/"+a.url+"/items/1",
			`{method: "PUT", headers: {"Content-Type": "application/json", "X-Client": "e2e"}, body: '{"n":1}'}`)
		if !got.OK || got.Body != `{"method":"PUT","path":"/items/1"}` {
			t.Fatalf("PUT through the proxy: %+v", got)
		}
		log := a.seen()
		if len(log) == 0 {
			t.Fatal("the API saw nothing")
		}
		last := log[len(log)-1]
		if last.method != "PUT" || last.body != `{"n":1}` || last.contentType != "application/json" {
			t.Errorf("the API saw %+v", last)
		}
		for _, s := range log {
			if s.method == "OPTIONS" {
				t.Error("the preflight reached the API; the proxy must answer it")
			}
		}
	})
}

func TestPageReadsProxyRefusals(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		a := startAPI(t)
		px := startProxy(t, a, proxy.Config{PerIP: proxy.Rate{Requests: 2, Per: time.Hour}})
		pg := b.Open(t, startPage(t, "app.test"))

		blocked := fetchFrom(t, pg, px+"/http://169.254.169.254/latest/meta-data/", "{}")
		if blocked.Status != 403 || blocked.Headers["x-proxy-error"] != "blocked" || !strings.HasPrefix(blocked.Body, `{"error":"blocked",`) {
			t.Errorf("blocked target: the page read %+v", blocked)
		}
		fetchFrom(t, pg, px+"/"+a.url+"/one", "{}")
		limited := fetchFrom(t, pg, px+"/"+a.url+"/two", "{}")
		if limited.Status != 429 || limited.Headers["retry-after"] == "" || limited.Headers["x-ratelimit-remaining"] != "0" {
			t.Errorf("rate limited: the page read %+v", limited)
		}
	})
}

func TestOriginAllowlistInBrowser(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		a := startAPI(t)
		app := startPage(t, "app.test")
		px := startProxy(t, a, proxy.Config{Origins: []string{app}})

		allowed := fetchFrom(t, b.Open(t, app), px+"/"+a.url+"/data", "{}")
		if !allowed.OK {
			t.Errorf("allowed origin: %+v", allowed)
		}
		denied := fetchFrom(t, b.Open(t, startPage(t, "evil.test")), px+"/"+a.url+"/data", "{}")
		if denied.Error == "" || !strings.Contains(denied.Error, "TypeError") {
			t.Errorf("origin not allowed: the page read %+v, want a CORS failure", denied)
		}
		for _, s := range a.seen() {
			if s.cookie != "" {
				t.Errorf("a cookie reached the API: %q", s.cookie)
			}
		}
	})
}

// TestRedirectSameOriginNotReusedAcrossOrigins is issue 11's bug 3 in
// Chromium: with RedirectSameOrigin, a page whose own origin is the target
// gets a 301 to it, and Chromium caches 301s. Another origin of the same
// site (one cache partition) must not be handed that cached redirect: it
// must get the proxied response.
func TestRedirectSameOriginNotReusedAcrossOrigins(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		target := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/data" {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				_, _ = io.WriteString(w, "direct")
				return
			}
			_, _ = io.WriteString(w, `<!doctype html><title>a</title>`)
		}))
		pageA := fmt.Sprintf("http://a.app.test:%d", target)
		pageB := startPage(t, "b.app.test")
		p, err := proxy.New(proxy.Config{
			RedirectSameOrigin: true,
			AllowPrivate:       []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
			AllowPorts:         []int{target},
			Resolver:           testResolver{},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		url := fmt.Sprintf("http://proxy.test:%d/%s/data", headless.Serve(t, p), pageA)

		first := fetchFrom(t, b.Open(t, pageA), url, "{}")
		if first.Body != "direct" {
			t.Fatalf("the target's own origin was not redirected to it: %+v", first)
		}
		second := fetchFrom(t, b.Open(t, pageB), url, "{}")
		// Only the proxied response carries X-Request-Url.
		if !second.OK || second.Headers["x-request-url"] != pageA+"/data" {
			t.Errorf("another origin got the first origin's redirect from the cache: %+v", second)
		}
	})
}

// TestPageReadsAuthorizationRefusal is issue 13's first item in every
// engine: a page that sends Authorization through the proxy to a host that
// is not a credential host gets past the preflight and reads the refusal:
// status 403, and a JSON body with the reason and the fix. The target
// never sees the request.
func TestPageReadsAuthorizationRefusal(t *testing.T) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		a := startAPI(t)
		px := startProxy(t, a, proxy.Config{})
		pg := b.Open(t, startPage(t, "app.test"))
		js := fmt.Sprintf(`(async () => {
			try {
				const r = await fetch(%q, {headers: {"Authorization": "Bearer token"}});
				const body = await r.json();
				return {status: r.status, error: body.error, message: body.message, fix: body.fix, header: r.headers.get("x-proxy-error") || ""};
			} catch (e) {
				return {status: 0, error: String(e), message: "", fix: "", header: ""};
			}
		})()`, px+"/"+a.url+"/me")
		var got struct {
			Status  int    `json:"status"`
			Error   string `json:"error"`
			Message string `json:"message"`
			Fix     string `json:"fix"`
			Header  string `json:"header"`
		}
		pg.Eval(t, js, &got)
		if got.Status != 403 || got.Error != "credentials_refused" || got.Header != "credentials_refused" ||
			!strings.Contains(got.Message, "Authorization") || !strings.Contains(got.Fix, "CredentialHosts") {
			t.Errorf("the page read %+v", got)
		}
		if n := len(a.seen()); n != 0 {
			t.Errorf("the API saw %d requests", n)
		}
	})
}
