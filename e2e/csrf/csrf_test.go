// Package csrf drives the three browser engines (headless Chromium,
// headless Firefox, WebKitGTK; every test once per engine) against servers
// guarded by the csrf package: cross-site forms and fetches are refused,
// same-origin writes and writes from an origin the CORS policy trusts
// pass.
//
// Every scenario runs twice per engine: on *.test hosts over plain HTTP,
// where browsers send no Fetch Metadata (the URLs are not potentially
// trustworthy) so the Guard falls back to Origin, and on *.localhost
// hosts, which are loopback and so get Sec-Fetch-Site. The three engines
// agree on both (Firefox and WebKit treat *.localhost as loopback even
// when their requests go through the test proxy), and all three send the
// page's Origin with a WebSocket handshake.
package csrf

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
)

var all []*engines.Browser

func TestMain(m *testing.M) { os.Exit(engines.Run(m, &all)) }

// mode is a set of host names for the three sites.
type mode struct {
	name           string
	app, evil, api string
	fetchMetadata  bool // browsers send Sec-Fetch-Site to these hosts
}

var modes = []mode{
	{name: "origin-fallback", app: "app.test", evil: "evil.test", api: "api.test"},
	{name: "fetch-metadata", app: "app.localhost", evil: "evil.localhost", api: "api.localhost", fetchMetadata: true},
}

// seen is what a guarded endpoint saw of one request.
type seen struct {
	path, origin, site, contentType string
	ran                             bool         // the handler ran
	denial                          *csrf.Denial // the guard refused it
}

// world is the app, the attacker's site and the API, each its own server
// on 127.0.0.1.
type world struct {
	m                    mode
	appURL, evilURL, api string
	cors                 *cors.Middleware

	mu   sync.Mutex
	reqs []seen
}

func (w *world) record(s seen) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reqs = append(w.reqs, s)
}

// take returns and forgets what the guarded endpoints saw.
func (w *world) take() []seen {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.reqs
	w.reqs = nil
	return r
}

const page = `<!doctype html><meta charset="utf-8"><title>%s</title><body><p>%s</p></body>`

func newWorld(t *testing.T, m mode) *world {
	w := &world{m: m}
	quiet := slog.New(slog.DiscardHandler)
	deny := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		d, _ := csrf.DenialFromContext(r.Context())
		w.record(seen{path: r.URL.Path, origin: r.Header.Get("Origin"), site: r.Header.Get("Sec-Fetch-Site"), contentType: r.Header.Get("Content-Type"), denial: d})
		http.Error(rw, "Forbidden: "+d.Reason, http.StatusForbidden)
	})
	ok := func(body string) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.record(seen{path: r.URL.Path, origin: r.Header.Get("Origin"), site: r.Header.Get("Sec-Fetch-Site"), contentType: r.Header.Get("Content-Type"), ran: true})
			if strings.HasPrefix(body, "{") {
				rw.Header().Set("Content-Type", "application/json")
			}
			_, _ = io.WriteString(rw, body)
		}
	}

	// The app: pages, a form endpoint and a JSON endpoint.
	guard, err := csrf.New(csrf.Config{DenyHandler: deny, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	jsonGuard, err := csrf.New(csrf.Config{RequireJSON: true, DenyHandler: deny, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// Webhooks under /hooks/ skip the guard; the exact path /hooks does not.
	hookGuard, err := csrf.New(csrf.Config{Bypass: []string{"/hooks/"}, DenyHandler: deny, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	app := http.NewServeMux()
	app.Handle("POST /hooks/", hookGuard.Handler(ok("hooked")))
	app.Handle("POST /hooks", hookGuard.Handler(ok("hooked")))
	app.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) { _, _ = fmt.Fprintf(rw, page, "app", "the app") })
	app.Handle("POST /transfer", guard.Handler(ok("transferred")))
	app.Handle("POST /api/items", jsonGuard.Handler(ok(`{"created":true}`)))
	app.HandleFunc("GET /ws", func(rw http.ResponseWriter, r *http.Request) {
		s := seen{path: r.URL.Path, origin: r.Header.Get("Origin"), site: r.Header.Get("Sec-Fetch-Site")}
		if err := guard.CheckWebSocket(r); err != nil {
			s.denial = err.(*csrf.Denial)
			w.record(s)
			http.Error(rw, err.Error(), http.StatusForbidden)
			return
		}
		s.ran = true
		w.record(s)
		acceptWebSocket(rw, r, "hello")
	})
	appPort := headless.Serve(t, app)
	w.appURL = fmt.Sprintf("http://%s:%d", m.app, appPort)

	evil := http.NewServeMux()
	evil.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(rw, page, "evil", "an attacker's page")
	})
	w.evilURL = fmt.Sprintf("http://%s:%d", m.evil, headless.Serve(t, evil))

	// The API on another site: CORS with credentials for the app, and a
	// guard that trusts what CORS trusts.
	w.cors, err = cors.New(cors.Config{
		Origins:                  []string{w.appURL},
		Credentials:              true,
		RequestHeaders:           []string{"Content-Type"},
		AllowInsecureCredentials: true, // app.test is plain http
	})
	if err != nil {
		t.Fatal(err)
	}
	apiGuard, err := csrf.New(csrf.Config{DenyHandler: deny, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	apiGuard.TrustCORS(w.cors)
	api := http.NewServeMux()
	api.Handle("POST /items", ok(`{"saved":true}`))
	w.api = fmt.Sprintf("http://%s:%d", m.api, headless.Serve(t, w.cors.Handler(apiGuard.Handler(api))))
	return w
}

// acceptWebSocket completes a WebSocket handshake (RFC 6455), sends one
// text message and closes the connection when the client goes away.
func acceptWebSocket(w http.ResponseWriter, r *http.Request, msg string) {
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer func() { _ = conn.Close() }()
	_, _ = fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(sum[:]))
	_, _ = rw.Write([]byte{0x81, byte(len(msg))}) // FIN, text; short unmasked payload
	_, _ = rw.WriteString(msg)
	_ = rw.Flush()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.Copy(io.Discard, conn)
}

// submitForm builds a form in the page and submits it, then waits for the
// tab to land on the response at action and returns the response's text.
func submitForm(t *testing.T, p *engines.Page, action, enctype string, fields [][2]string) string {
	t.Helper()
	var inputs strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&inputs, "{const i = document.createElement('input'); i.type = 'hidden'; i.name = %q; i.value = %q; f.appendChild(i);}\n", f[0], f[1])
	}
	js := fmt.Sprintf(`(() => {
		const f = document.createElement('form');
		f.method = 'POST'; f.action = %q; f.enctype = %q;
		%s
		document.body.appendChild(f);
		f.submit();
		return true;
	})()`, action, enctype, inputs.String())
	p.Eval(t, js, nil)
	// The navigation replaces the page; poll until the response has
	// loaded (evaluations fail while the old page is torn down).
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var state struct {
			URL, State, Text string
		}
		err := p.Try(`({URL: location.href, State: document.readyState, Text: document.body ? document.body.innerText : ""})`, &state)
		if err == nil && state.URL == action && state.State == "complete" {
			return strings.TrimSpace(state.Text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the form's response never loaded at %s", action)
	return ""
}

// fetchResult is what a fetch in the page could see.
type fetchResult struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

func doFetch(t *testing.T, p *engines.Page, url string, init string) fetchResult {
	t.Helper()
	var res fetchResult
	p.Eval(t, fetchJS(url, init), &res)
	return res
}

// fetchJS is the script of doFetch: a promise of what the page saw.
func fetchJS(url, init string) string {
	return fmt.Sprintf(`(async () => {
		try {
			const r = await fetch(%q, %s);
			return {status: r.status, type: r.type, body: await r.text(), error: ""};
		} catch (e) {
			return {status: 0, type: "", body: "", error: e.name + ": " + e.message};
		}
	})()`, url, init)
}

// one returns the single request the endpoints saw.
func one(t *testing.T, w *world) seen {
	t.Helper()
	got := w.take()
	if len(got) != 1 {
		t.Fatalf("the endpoints saw %d requests, want 1: %+v", len(got), got)
	}
	return got[0]
}

// checkSource checks that the browser sent what this mode is about: no
// Sec-Fetch-Site on plain-HTTP hosts, the given value on loopback ones.
func checkSource(t *testing.T, w *world, s seen, site string) {
	t.Helper()
	want := ""
	if w.m.fetchMetadata {
		want = site
	}
	if s.site != want {
		t.Errorf("Sec-Fetch-Site = %q, want %q", s.site, want)
	}
}

func refused(t *testing.T, w *world, s seen, rule csrf.Rule) {
	t.Helper()
	if s.ran {
		t.Fatalf("the handler ran for %s", s.path)
	}
	if s.denial == nil {
		t.Fatalf("no denial recorded for %s", s.path)
	}
	if s.denial.Rule != rule {
		t.Fatalf("refused by rule %v (%s), want %v", s.denial.Rule, s.denial.Reason, rule)
	}
}

// crossRule is the rule that refuses a cross-site request in the mode.
func crossRule(m mode) csrf.Rule {
	if m.fetchMetadata {
		return csrf.RuleFetchSite
	}
	return csrf.RuleOrigin
}

// forEach runs f once per engine and mode, each with its own world. The
// engines run in parallel: each has its own browser, and every world its
// own servers.
func forEach(t *testing.T, f func(t *testing.T, b *engines.Browser, w *world)) {
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		t.Parallel()
		for _, m := range modes {
			t.Run(m.name, func(t *testing.T) { f(t, b, newWorld(t, m)) })
		}
	})
}

func TestCrossSiteFormRefused(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.evilURL+"/")
		text := submitForm(t, pg, w.appURL+"/transfer", "application/x-www-form-urlencoded",
			[][2]string{{"to", "mallory"}, {"amount", "1000"}})
		if !strings.Contains(text, "Forbidden") {
			t.Errorf("the victim's page shows %q", text)
		}
		s := one(t, w)
		refused(t, w, s, crossRule(w.m))
		checkSource(t, w, s, "cross-site")
		if s.origin != w.evilURL {
			t.Errorf("Origin = %q, want %q", s.origin, w.evilURL)
		}
	})
}

// TestCrossSiteTextPlainJSONRefused is the "JSON in a form" trick: a form
// with enctype text/plain and one field named '{"amount":1000,"x":"' with
// value '"}' sends a body that parses as JSON, with a CORS-safelisted
// content type, so no preflight.
func TestCrossSiteTextPlainJSONRefused(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.evilURL+"/")
		submitForm(t, pg, w.appURL+"/api/items", "text/plain",
			[][2]string{{`{"amount":1000,"x":"`, `"}`}})
		s := one(t, w)
		refused(t, w, s, crossRule(w.m))
		checkSource(t, w, s, "cross-site")
		if !strings.HasPrefix(s.contentType, "text/plain") {
			t.Errorf("Content-Type = %q, want text/plain", s.contentType)
		}
	})
}

// TestSameOriginTextPlainRefusedByRequireJSON: the same trick from the
// app's own origin (say, through HTML injection) passes the origin check
// and is refused by RequireJSON.
func TestSameOriginTextPlainRefusedByRequireJSON(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.appURL+"/")
		submitForm(t, pg, w.appURL+"/api/items", "text/plain",
			[][2]string{{`{"amount":1000,"x":"`, `"}`}})
		s := one(t, w)
		refused(t, w, s, csrf.RuleJSON)
		checkSource(t, w, s, "same-origin")
	})
}

func TestCrossSiteNoCORSFetchRefused(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.evilURL+"/")
		res := doFetch(t, pg, w.appURL+"/transfer", `{method: "POST", mode: "no-cors", credentials: "include", body: "to=mallory&amount=1000", headers: {"Content-Type": "application/x-www-form-urlencoded"}}`)
		if res.Type != "opaque" {
			t.Errorf("no-cors fetch: %+v", res)
		}
		s := one(t, w)
		refused(t, w, s, crossRule(w.m))
		checkSource(t, w, s, "cross-site")
	})
}

func TestSameOriginFetchPasses(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.appURL+"/")
		res := doFetch(t, pg, "/transfer", `{method: "POST", body: "to=bob&amount=5", headers: {"Content-Type": "application/x-www-form-urlencoded"}}`)
		if res.Status != 200 || res.Body != "transferred" {
			t.Fatalf("same-origin fetch: %+v", res)
		}
		s := one(t, w)
		if !s.ran {
			t.Fatal("the handler did not run")
		}
		checkSource(t, w, s, "same-origin")

		res = doFetch(t, pg, "/api/items", `{method: "POST", body: '{"name":"x"}', headers: {"Content-Type": "application/json"}}`)
		if res.Status != 200 || !strings.Contains(res.Body, "created") {
			t.Fatalf("same-origin JSON fetch: %+v", res)
		}
		if s := one(t, w); !s.ran {
			t.Fatal("the JSON handler did not run")
		}
	})
}

func TestSameOriginFormPasses(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.appURL+"/")
		text := submitForm(t, pg, w.appURL+"/transfer", "application/x-www-form-urlencoded",
			[][2]string{{"to", "bob"}, {"amount", "5"}})
		if text != "transferred" {
			t.Fatalf("response %q", text)
		}
		s := one(t, w)
		if !s.ran {
			t.Fatal("the handler did not run")
		}
		checkSource(t, w, s, "same-origin")
	})
}

// TestTrustedCORSOriginPasses: the app's page calls the API on another site
// with credentials; the CORS policy allows the app with credentials, and
// TrustCORS makes the guard trust it for writes.
func TestTrustedCORSOriginPasses(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.appURL+"/")
		res := doFetch(t, pg, w.api+"/items", `{method: "POST", credentials: "include", body: '{"name":"x"}', headers: {"Content-Type": "application/json"}}`)
		if res.Status != 200 || res.Type != "cors" || !strings.Contains(res.Body, "saved") {
			t.Fatalf("trusted cross-origin fetch: %+v", res)
		}
		s := one(t, w)
		if !s.ran {
			t.Fatal("the handler did not run")
		}
		checkSource(t, w, s, "cross-site")
		if s.origin != w.appURL {
			t.Errorf("Origin = %q", s.origin)
		}

		// The attacker's page: the preflighted request never leaves the
		// browser, and a simple one is refused by the guard.
		evil := b.Open(t, w.evilURL+"/")
		res = doFetch(t, evil, w.api+"/items", `{method: "POST", credentials: "include", body: '{"name":"x"}', headers: {"Content-Type": "application/json"}}`)
		if !strings.HasPrefix(res.Error, "TypeError") {
			t.Fatalf("untrusted preflighted fetch: %+v", res)
		}
		if got := w.take(); len(got) != 0 {
			t.Fatalf("a failed preflight reached the handler: %+v", got)
		}
		res = doFetch(t, evil, w.api+"/items", `{method: "POST", mode: "no-cors", credentials: "include", body: '{"name":"x"}'}`)
		refused(t, w, one(t, w), crossRule(w.m))
	})
}

// TestTrustCORSFollowsReconfigure: after the CORS middleware is
// reconfigured to drop the app, the guard refuses the app's writes.
func TestTrustCORSFollowsReconfigure(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.appURL+"/")
		// A simple request (text/plain, no preflight), so that it reaches
		// the server whatever CORS says.
		simple := `{method: "POST", credentials: "include", body: "x", headers: {"Content-Type": "text/plain"}}`
		if res := doFetch(t, pg, w.api+"/items", simple); res.Status != 200 {
			t.Fatalf("before Reconfigure: %+v", res)
		}
		if s := one(t, w); !s.ran {
			t.Fatal("before Reconfigure: the handler did not run")
		}

		c := w.cors.Config()
		c.Origins = []string{"http://other.test:1"}
		if err := w.cors.Reconfigure(c); err != nil {
			t.Fatal(err)
		}
		res := doFetch(t, pg, w.api+"/items", simple)
		if !strings.HasPrefix(res.Error, "TypeError") {
			t.Fatalf("after Reconfigure the page could still read the response: %+v", res)
		}
		refused(t, w, one(t, w), crossRule(w.m))
	})
}

// TestWebSocketOrigin: handshakes are GETs, which Check lets through;
// CheckWebSocket refuses the attacker's page and accepts the app's.
func TestWebSocketOrigin(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		type wsResult struct {
			Opened  bool   `json:"opened"`
			Message string `json:"message"`
		}
		connect := func(p *engines.Page) wsResult {
			js := fmt.Sprintf(`new Promise((resolve) => {
				const ws = new WebSocket(%q);
				ws.onmessage = (e) => { resolve({opened: true, message: e.data}); ws.close(); };
				ws.onerror = () => resolve({opened: false, message: ""});
			})`, "ws"+strings.TrimPrefix(w.appURL, "http")+"/ws")
			var res wsResult
			p.Eval(t, js, &res)
			return res
		}
		if res := connect(b.Open(t, w.appURL+"/")); !res.Opened || res.Message != "hello" {
			t.Fatalf("same-origin WebSocket: %+v", res)
		}
		if s := one(t, w); !s.ran || s.origin != w.appURL {
			t.Fatalf("same-origin handshake: %+v", s)
		}
		if res := connect(b.Open(t, w.evilURL+"/")); res.Opened {
			t.Fatalf("cross-site WebSocket opened: %+v", res)
		}
		s := one(t, w)
		refused(t, w, s, csrf.RuleOrigin)
		if s.origin != w.evilURL {
			t.Fatalf("Origin = %q", s.origin)
		}
	})
}

// TestBypassPatternFromAnotherSite: a form on another site posts to
// /hooks/stripe, which the ServeMux pattern /hooks/ bypasses, and to
// /hooks, which it does not cover (a ServeMux would redirect it; CVE-2025-47910).
func TestBypassPatternFromAnotherSite(t *testing.T) {
	forEach(t, func(t *testing.T, b *engines.Browser, w *world) {
		pg := b.Open(t, w.evilURL+"/")
		text := submitForm(t, pg, w.appURL+"/hooks/stripe", "application/x-www-form-urlencoded", [][2]string{{"event", "paid"}})
		s := one(t, w)
		if !s.ran || !strings.Contains(text, "hooked") {
			t.Fatalf("bypassed webhook: ran %v, page %q, denial %+v", s.ran, text, s.denial)
		}
		checkSource(t, w, s, "cross-site")

		pg = b.Open(t, w.evilURL+"/")
		submitForm(t, pg, w.appURL+"/hooks", "application/x-www-form-urlencoded", [][2]string{{"event", "paid"}})
		refused(t, w, one(t, w), crossRule(w.m))
	})
}
