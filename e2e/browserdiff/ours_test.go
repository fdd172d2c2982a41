package browserdiff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/browser"
)

// runOurs runs every case through browser.Transport, as a model of the
// engine, against the same server, under the run name srv.ours.
func runOurs(t *testing.T, srv *server, cases []*tcase, e engine) map[string]result {
	t.Helper()
	base := &http.Transport{
		// Every host of the test is this one loopback server, on one of
		// its ports.
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
		},
	}
	t.Cleanup(base.CloseIdleConnections)
	out := make(map[string]result, len(cases))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, c := range cases {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := runOursCase(srv, base, c, e)
			mu.Lock()
			out[c.Name] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// runOursCase runs the steps of one case through one Transport, so that
// they share its preflight cache as the steps in Chromium share the
// browser's. Each step sets the fetch options of the Transport, as the
// init of each fetch() does, and its Origin, as the page of the step.
func runOursCase(srv *server, base http.RoundTripper, c *tcase, e engine) result {
	tr := &browser.Transport{Base: base, Engine: modelOf(e)}
	// The jar holds what Chromium's profile holds: sid=1 for api, set by
	// api itself without a SameSite attribute (so Lax). Whether it goes
	// along, from which page, is the Transport's business.
	jar, _ := cookiejar.New(nil) // fails only with options
	u, _ := url.Parse(srv.origin(apiHost) + "/x/")
	jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: "1", Path: "/x"}})
	tr.Jar = jar
	client := &http.Client{
		Transport: tr,
		// The Transport follows redirects itself; a 3xx that comes out of
		// it is the opaque-redirect of redirect mode manual.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var res result
	for _, s := range c.steps() {
		time.Sleep(s.Wait)
		tr.Origin = srv.pageOrigin(c.pageOf(s))
		tr.Credentials = credentialsMode(s.Credentials)
		tr.Mode = requestMode(s.Mode)
		tr.Redirect = redirectMode(s.Redirect)
		before := len(srv.hits(srv.ours, c.Name))
		o, ce, trace := fetchOurs(client, s.url(srv, srv.ours, c.Name), s, e)
		o.Message = srv.shorten(o.Message)
		o.Selfcheck = selfcheck(ce, trace, srv.hits(srv.ours, c.Name)[before:])
		res.Steps = append(res.Steps, o)
	}
	res.Wire = srv.renderHits(srv.hits(srv.ours, c.Name))
	return res
}

// selfcheck says where the Transport's account of a step contradicts the
// requests the server saw for it; "" when it does not. The trace must list
// the requests the server saw, in order; a failure must say whether the
// actual request reached the server. (Error.Preflight cannot be checked so:
// a preflight after a redirect can fail when the first actual request
// reached the server.)
func selfcheck(ce *browser.Error, trace []browser.Step, hits []hit) string {
	var bad []string
	reached := false
	var saw []string
	for _, h := range hits {
		reached = reached || !h.Preflight
		saw = append(saw, requestLine(h.Preflight, h.Method, "/"+h.Hop))
	}
	var traced []string
	for _, st := range trace {
		if st.Kind != browser.StepPreflight && st.Kind != browser.StepRequest {
			continue
		}
		path := st.URL
		if u, err := url.Parse(st.URL); err == nil {
			path = u.Path[strings.LastIndex(u.Path, "/"):]
			if u.RawQuery != "" {
				path += "?" + u.RawQuery
			}
		}
		traced = append(traced, requestLine(st.Kind == browser.StepPreflight, st.Method, path))
	}
	if strings.Join(saw, ", ") != strings.Join(traced, ", ") {
		bad = append(bad, fmt.Sprintf("the trace lists [%s], the server saw [%s]", strings.Join(traced, ", "), strings.Join(saw, ", ")))
	}
	if ce != nil && ce.ReachedServer != reached {
		bad = append(bad, fmt.Sprintf("Error.ReachedServer is %v but the server saw %d actual requests", ce.ReachedServer, len(hits)))
	}
	return strings.Join(bad, "; ")
}

// requestLine renders a request for selfcheck.
func requestLine(preflight bool, method, path string) string {
	if preflight {
		return "preflight " + method + " " + path
	}
	return method + " " + path
}

// fetchOurs runs one step through the client and also returns the
// *browser.Error it failed with, if any, and the trace of the exchange.
func fetchOurs(client *http.Client, u string, s step, e engine) (outcome, *browser.Error, []browser.Step) {
	method := s.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if s.Body != "" {
		body = strings.NewReader(s.Body)
	}
	req, err := http.NewRequest(http.MethodGet, u, body)
	if err != nil {
		panic(err) // the test's own URL
	}
	// Set the method afterwards: NewRequest refuses one that is no token,
	// and the Transport, like fetch(), must say so itself.
	req.Method = method
	for _, kv := range s.Header {
		req.Header.Add(kv[0], kv[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		o := outcome{Verdict: "TypeError"}
		var ce *browser.Error
		if !errors.As(err, &ce) {
			return o, nil, nil
		}
		o.Reason, o.Message, o.Net = string(ce.Reason), ce.Message, ce.NetError
		if e == engFirefox {
			// Firefox's console names the error by its own key.
			o.Reason = ce.EngineReason
			if ce.EngineMessage != "" {
				o.Message = ce.EngineMessage
			}
		}
		return o, ce, ce.Trace
	}
	defer func() { _ = resp.Body.Close() }()
	o := outcome{Verdict: fmt.Sprintf("%d %s", resp.StatusCode, browser.ResponseType(resp))}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	o.Body = string(b)
	if err != nil {
		o.Body += "(" + err.Error() + ")"
	}
	for name, vs := range resp.Header {
		o.Headers = append(o.Headers, strings.ToLower(name)+": "+strings.Join(vs, ", "))
	}
	sortHeaders(o.Headers)
	return o, nil, browser.Trace(resp)
}

// modelOf returns the model of the engine.
func modelOf(e engine) browser.Engine {
	switch e {
	case engFirefox:
		return browser.Firefox
	case engWebKit:
		return browser.WebKit
	}
	return browser.Chromium
}

func credentialsMode(s string) browser.CredentialsMode {
	switch s {
	case "omit":
		return browser.Omit
	case "include":
		return browser.Include
	}
	return browser.SameOrigin
}

func requestMode(s string) browser.Mode {
	switch s {
	case "no-cors":
		return browser.ModeNoCORS
	case "same-origin":
		return browser.ModeSameOrigin
	}
	return browser.ModeCORS
}

func redirectMode(s string) browser.RedirectMode {
	switch s {
	case "error":
		return browser.RedirectError
	case "manual":
		return browser.RedirectManual
	}
	return browser.RedirectFollow
}

// knownDiff lists the cases where browser.Transport knowingly differs from
// Chromium, with the reason. The target is an empty map.
var knownDiff = map[string]string{}
