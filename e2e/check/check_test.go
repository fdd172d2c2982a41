// Package check is the evidence for the causes crossorigin check names:
// for each, a real server (the cors middleware with a config, or a
// hand-written one that makes the mistake), the request made by headless
// Chromium from a page of another origin to show that Chromium blocks it,
// and the same request through browser.Transport.Check (what check --json
// prints) to show the cause the diagnosis names. cmd/crossorigin's
// TestCheckDiagnosis runs check --json itself against the same kinds of
// servers.
package check

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"

	"github.com/crossorigin/crossorigin/browser"
	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
)

var chromium *headless.Browser

func TestMain(m *testing.M) { os.Exit(headless.Run(m, &chromium)) }

var page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprint(w, "<!doctype html><title>page</title>")
})

// ok is the API's handler behind its CORS layer.
var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", "42")
	_, _ = io.WriteString(w, "ok")
})

// refusing answers preflights in the manner of another middleware: the
// refused ones get status without any CORS header (rs/cors: 204,
// jub0bs/cors: 403); allowed are the origin, GET/HEAD/POST and
// Content-Type.
func refusing(origin string, status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			m := r.Header.Get("Access-Control-Request-Method")
			h := r.Header.Get("Access-Control-Request-Headers")
			if o != origin || (m != "GET" && m != "POST" && m != "HEAD") || (h != "" && h != "content-type") {
				w.WriteHeader(status)
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Methods", m)
			if h != "" {
				w.Header().Set("Access-Control-Allow-Headers", h)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if o == origin {
			w.Header().Set("Access-Control-Allow-Origin", o)
		}
		ok.ServeHTTP(w, r)
	})
}

// evidence is one cause: the server, the page, the fetch() and the
// cause the diagnosis must name.
type evidence struct {
	name    string
	server  string // a key of the servers
	page    string // "app" (allowed by the servers) or "evil"
	init    string // fetch()'s init, JavaScript
	method  string
	headers []string // name, value
	body    string
	creds   bool
	read    string // a header script reads: Chromium must see null
	cause   browser.Cause
}

var cases = []evidence{
	{name: "header-not-allowed", server: "cors", init: `{method: "POST", headers: {"X-Api-Key": "k", "Content-Type": "application/json"}, body: "{}"}`,
		method: "POST", headers: []string{"X-Api-Key", "k", "Content-Type", "application/json"}, body: "{}", cause: browser.CauseHeaderNotAllowed},
	{name: "method-not-allowed", server: "cors", init: `{method: "PUT"}`, method: "PUT", cause: browser.CauseMethodNotAllowed},
	{name: "header-not-allowed, rs/cors style", server: "rs", init: `{headers: {"X-Api-Key": "k"}}`,
		method: "GET", headers: []string{"X-Api-Key", "k"}, cause: browser.CauseHeaderNotAllowed},
	{name: "method-not-allowed, jub0bs/cors style", server: "jub0bs", init: `{method: "DELETE"}`, method: "DELETE", cause: browser.CauseMethodNotAllowed},
	{name: "origin-not-allowed, preflight", server: "cors", page: "evil", init: `{method: "PUT"}`, method: "PUT", cause: browser.CauseOriginNotAllowed},
	{name: "origin-not-allowed, simple", server: "cors", page: "evil", init: `{}`, method: "GET", cause: browser.CauseOriginNotAllowed},
	{name: "preflight-auth", server: "auth", init: `{headers: {"Authorization": "Bearer t"}}`,
		method: "GET", headers: []string{"Authorization", "Bearer t"}, cause: browser.CausePreflightAuth},
	{name: "preflight-not-handled", server: "noopts", init: `{method: "PUT"}`, method: "PUT", cause: browser.CausePreflightNotHandled},
	{name: "preflight-not-ok", server: "broken", init: `{method: "PUT"}`, method: "PUT", cause: browser.CausePreflightNotOK},
	{name: "credentials-not-allowed", server: "cors", init: `{credentials: "include"}`, method: "GET", creds: true, cause: browser.CauseCredentialsNotAllowed},
	{name: "credentials-not-allowed, star", server: "star", init: `{credentials: "include"}`, method: "GET", creds: true, cause: browser.CauseCredentialsNotAllowed},
	{name: "redirect-tainted-origin", server: "redirect", init: `{}`, method: "GET", cause: browser.CauseRedirectTaintedOrigin},
	{name: "header-not-exposed", server: "cors", init: `{}`, method: "GET", read: "X-Request-Id", cause: browser.CauseHeaderNotExposed},
	{name: "request-invalid, GET with a body", server: "cors", init: `{method: "GET", body: "x"}`, method: "GET", body: "x", cause: browser.CauseRequestInvalid},
	{name: "request-invalid, header outside ISO-8859-1", server: "cors", init: `{headers: {"X-Name": "€"}}`,
		method: "GET", headers: []string{"X-Name", "€"}, cause: browser.CauseRequestInvalid},
}

// fetchJS runs one fetch and says what script saw: "ok", the value of a
// header (or "null"), or the error.
const fetchJS = `(async () => {
	try {
		const r = await fetch(%q, %s);
		const h = %q;
		return h ? "header " + r.headers.get(h) : "ok " + r.status;
	} catch (e) {
		return e.name + ": " + e.message;
	}
})()`

func TestCausesInChromium(t *testing.T) {
	pagePort := headless.Serve(t, page)
	app := fmt.Sprintf("http://app.test:%d", pagePort)
	m, err := cors.New(cors.Config{Origins: []string{app}, RequestHeaders: []string{"Content-Type"}})
	if err != nil {
		t.Fatal(err)
	}
	star, err := cors.New(cors.Config{Origins: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /x", m.Handler(ok)) // OPTIONS has no route: 405
	ports := map[string]int{
		"cors":   headless.Serve(t, m.Handler(ok)),
		"star":   headless.Serve(t, star.Handler(ok)),
		"rs":     headless.Serve(t, refusing(app, http.StatusNoContent)),
		"jub0bs": headless.Serve(t, refusing(app, http.StatusForbidden)),
		"noopts": headless.Serve(t, mux),
		"auth": headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized) // in front of the CORS layer
		})),
		"broken": headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		})),
	}
	// The page's request to "redirect" goes on to "cors" on another origin,
	// which then sees Origin: null.
	ports["redirect"] = headless.Serve(t, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("http://api.test:%d/x", ports["cors"]), http.StatusFound)
	})))
	pages := map[string]context.Context{
		"app":  chromium.Open(t, app+"/", time.Minute),
		"evil": chromium.Open(t, fmt.Sprintf("http://evil.test:%d/", pagePort), time.Minute),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pageName := c.page
			if pageName == "" {
				pageName = "app"
			}
			pageOrigin := strings.Replace(app, "app.test", pageName+".test", 1)
			u := fmt.Sprintf("http://api.test:%d/x", ports[c.server])
			got, err := chromedp.Run(pages[pageName], chromedp.Evaluate[string](fmt.Sprintf(fetchJS, u, c.init, c.read), chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if c.read != "" {
				if got != "header null" {
					t.Errorf("Chromium: script reads %s as %q, want null", c.read, got)
				}
			} else if !strings.HasPrefix(got, "TypeError") {
				t.Errorf("Chromium: %q, want a TypeError: the request is not blocked", got)
			}

			r := checkOne(t, pageOrigin, u, c)
			if r.Diagnosis == nil || r.Diagnosis.Cause != c.cause {
				t.Fatalf("diagnosis %+v, want %s (Chromium: %s)", r.Diagnosis, c.cause, got)
			}
			if r.Fix == nil || r.Fix.Advice == "" {
				t.Errorf("fix %+v", r.Fix)
			}
			t.Logf("Chromium: %s; check: %s: %s", got, r.Diagnosis.Cause, r.Diagnosis.Detail)
		})
	}
}

// checkOne makes c's request with browser.Transport.Check, dialing every
// *.test host on loopback as Chromium does here.
func checkOne(t *testing.T, pageOrigin, u string, c evidence) *browser.Result {
	t.Helper()
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	base := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}}
	t.Cleanup(base.CloseIdleConnections)
	tr := &browser.Transport{Origin: pageOrigin, Base: base}
	if c.creds {
		tr.Credentials = browser.Include
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		req.Header.Add(c.headers[i], c.headers[i+1])
	}
	var read []string
	if c.read != "" {
		read = []string{c.read}
	}
	return tr.Check(req, browser.CheckOptions{Read: read})
}

// Mixed content: an https page (its self-signed certificate accepted for
// this browser only) fetches an http API that is not loopback by name, and
// Chromium refuses before sending; the diagnosis says mixed-content. The
// same API called as http://localhost (loopback, potentially trustworthy)
// is allowed, in Chromium and in the Transport.
func TestMixedContentInChromium(t *testing.T) {
	tlsPage := httptest.NewUnstartedServer(page)
	tlsPage.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsPage.StartTLS()
	t.Cleanup(tlsPage.Close)
	_, pagePort, _ := net.SplitHostPort(tlsPage.Listener.Addr().String())
	app := "https://app.test:" + pagePort
	m, err := cors.New(cors.Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	apiPort := headless.Serve(t, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	})))
	ctx := chromium.NewTab(t, time.Minute)
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true})
		return err
	}), chromedp.Navigate(app+"/"))
	if err != nil {
		t.Fatal(err)
	}
	u := fmt.Sprintf("http://api.test:%d/x", apiPort)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, u, "{}", ""), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "TypeError") || hits.Load() != 0 {
		t.Errorf("Chromium: %q with %d requests at the API, want a TypeError and none", got, hits.Load())
	}
	r := checkOne(t, app, u, evidence{method: "GET"})
	if r.Diagnosis == nil || r.Diagnosis.Cause != browser.CauseMixedContent || r.ReachedServer {
		t.Fatalf("diagnosis %+v", r.Diagnosis)
	}
	t.Logf("Chromium: %s; check: %s: %s", got, r.Diagnosis.Cause, r.Diagnosis.Detail)

	u = fmt.Sprintf("http://localhost:%d/x", apiPort)
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, u, "{}", ""), chromedp.EvalAwaitPromise))
	if err != nil || got != "ok 200" {
		t.Errorf("Chromium, http://localhost from an https page: %q, %v", got, err)
	}
	if r := checkOne(t, app, u, evidence{method: "GET"}); r.Verdict != browser.Allowed {
		t.Errorf("Transport, http://localhost from an https page: %s %+v", r.Verdict, r.Diagnosis)
	}
}

// Local Network Access: a data: page (a public, opaque origin, not a
// secure context) fetches this machine; Chromium refuses it whatever the
// server allows, and the diagnosis says local-network.
func TestLocalNetworkInChromium(t *testing.T) {
	var hits atomic.Int64
	port := headless.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}))
	ctx := chromium.Open(t, "data:text/html,<!doctype html><title>data</title>", time.Minute)
	u := fmt.Sprintf("http://127.0.0.1:%d/x", port)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, u, "{}", ""), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "TypeError") || hits.Load() != 0 {
		t.Errorf("Chromium: %q with %d requests at the server, want a TypeError and none", got, hits.Load())
	}
	tr := &browser.Transport{Origin: "null", PageAddressSpace: browser.PublicSpace}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := tr.Check(req, browser.CheckOptions{})
	if r.Diagnosis == nil || r.Diagnosis.Cause != browser.CauseLocalNetwork || r.Fix == nil || r.Fix.Advice == "" {
		t.Fatalf("diagnosis %+v, fix %+v", r.Diagnosis, r.Fix)
	}
	t.Logf("Chromium: %s; check: %s: %s", got, r.Diagnosis.Cause, r.Diagnosis.Detail)
}
