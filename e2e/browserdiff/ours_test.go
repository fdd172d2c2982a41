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

// runOurs runs every case through browser.Transport, against the same
// server, under the run name srv.ours.
func runOurs(t *testing.T, srv *server, cases []*tcase) map[string]result {
	t.Helper()
	base := &http.Transport{
		// Every host of the test is this one loopback server.
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", srv.addr)
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
			r := runOursCase(srv, base, c)
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
// init of each fetch() does.
func runOursCase(srv *server, base http.RoundTripper, c *tcase) result {
	tr := &browser.Transport{Origin: srv.pageOrigin(c.Page), Base: base}
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
		tr.Credentials = credentialsMode(s.Credentials)
		tr.Mode = requestMode(s.Mode)
		tr.Redirect = redirectMode(s.Redirect)
		before := len(srv.hits(srv.ours, c.Name))
		o, ce := fetchOurs(client, srv.caseURL(srv.ours, c.Name, s.hop()), s)
		o.Message = srv.shorten(o.Message)
		if ce != nil {
			o.Selfcheck = selfcheck(ce, srv.hits(srv.ours, c.Name)[before:])
		}
		res.Steps = append(res.Steps, o)
	}
	res.Wire = srv.renderHits(srv.hits(srv.ours, c.Name))
	return res
}

// selfcheck says where an Error's account of the exchange contradicts the
// requests the server saw for its step; "" when it does not. (Preflight
// cannot be checked so: a preflight after a redirect can fail when the
// first actual request reached the server.)
func selfcheck(ce *browser.Error, hits []hit) string {
	reached := false
	for _, h := range hits {
		reached = reached || !h.Preflight
	}
	var bad []string
	if ce.ReachedServer != reached {
		bad = append(bad, fmt.Sprintf("Error.ReachedServer is %v but the server saw %d actual requests", ce.ReachedServer, len(hits)))
	}
	return strings.Join(bad, "; ")
}

// fetchOurs runs one step through the client and also returns the
// *browser.Error it failed with, if any.
func fetchOurs(client *http.Client, u string, s step) (outcome, *browser.Error) {
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
		if errors.As(err, &ce) {
			o.Reason, o.Message, o.Net = ce.Reason, ce.Message, ce.NetError
		}
		return o, ce
	}
	defer resp.Body.Close()
	o := outcome{Verdict: fmt.Sprintf("%d %s", resp.StatusCode, browser.ResponseType(resp))}
	for name, vs := range resp.Header {
		o.Headers = append(o.Headers, strings.ToLower(name)+": "+strings.Join(vs, ", "))
	}
	sortHeaders(o.Headers)
	return o, nil
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
