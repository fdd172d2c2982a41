package demo

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/crossorigin/crossorigin/browser"
)

// Prediction is what the server expects the browser to do with a Request.
type Prediction struct {
	Outcome       string `json:"outcome"` // "allowed" or "blocked"
	Status        int    `json:"status,omitempty"`
	Reason        string `json:"reason,omitempty"` // the CorsError name, or what failed a <script>
	Message       string `json:"message,omitempty"`
	ReachedServer bool   `json:"reachedServer"`
	// Result is the browser package's Result of the fetch (the last one
	// when it is repeated), with the diagnosis and the fix: what
	// crossorigin check --json prints. Its trace holds the steps of every
	// repeat. It is nil for a <script> load, which CORS does not govern.
	Result *browser.Result `json:"result,omitempty"`
	// Trace is a one-line account of a <script> load.
	Trace   []string           `json:"trace,omitempty"`
	Headers map[string]*string `json:"headers,omitempty"` // ReadHeaders: the value a script sees, or null
	Body    string             `json:"body,omitempty"`
	Engine  string             `json:"engine"` // what computed it
	// Others is the model's verdict for the two engines the page is not
	// running in.
	Others []OtherEngine `json:"others,omitempty"`
}

// OtherEngine is the model's verdict for an engine other than the page's.
type OtherEngine struct {
	Engine  string `json:"engine"` // Chromium, Firefox or WebKit
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// otherRun is the run tag of the prediction for another engine: the
// page's tag with the engine's name, cut to what validRun allows.
func otherRun(run string, e browser.Engine) string {
	tag := "-" + strings.ToLower(e.String())
	if len(run)+len(tag) > 64 {
		run = run[:64-len(tag)]
	}
	return run + tag
}

func (p *Prediction) setHeader(name, value string, visible bool) {
	if p.Headers == nil {
		p.Headers = map[string]*string{}
	}
	if visible {
		p.Headers[name] = &value
	} else {
		p.Headers[name] = nil
	}
}

// withRun returns u with the run tag in its query, which is how every
// server's log knows which run a request belongs to.
//
// The tag goes last and the rest of the query stays as it is, as the page's
// URLSearchParams.set does, so that the URLs in Chromium's messages and in
// the prediction's differ only by the tag.
func withRun(u *url.URL, run string) *url.URL {
	v := *u
	q := v.Query()
	if q.Has("run") {
		q.Set("run", run)
		v.RawQuery = q.Encode()
		return &v
	}
	if v.RawQuery != "" {
		v.RawQuery += "&"
	}
	v.RawQuery += "run=" + url.QueryEscape(run)
	return &v
}

// predict runs r as the page's browser, of engine e, would, with the
// browser package's Transport: a fresh one per run, as a freshly loaded
// page has an empty preflight cache, shared by the run's repeats. probe
// says whether a blocked fetch is diagnosed with extra OPTIONS requests.
func (s *pageServer) predict(ctx context.Context, r Request, u *url.URL, e browser.Engine, probe probing) Prediction {
	cookie := &http.Cookie{Name: sessionCookie, Value: "prediction"}
	if r.Mode == "jsonp" {
		return s.predictScript(ctx, r, u, cookie)
	}
	jar, _ := cookiejar.New(nil)
	if page, err := url.Parse(s.d.PageURL); err == nil {
		// Cookies ignore ports: the page's cookie is the API's too.
		jar.SetCookies(page, []*http.Cookie{cookie})
	}
	t := &browser.Transport{Origin: s.d.PageURL, Credentials: credentialsMode(r.Credentials), Jar: jar, Base: probesApart{s.d.client}, Engine: e}
	var p Prediction
	var steps []browser.Step
	for range max(r.Repeat, 1) {
		p = s.predictOne(ctx, t, r, u, probe)
		steps = append(steps, p.Result.Trace...)
		if p.Outcome != "allowed" {
			break
		}
	}
	p.Result.Trace = steps
	p.Engine = "browser.Transport (package browser), as " + e.String()
	return p
}

// probesApart sends the diagnosis's probes under a run tag of their own
// (the run's with ".probe"), so that the run's log, its diagram and the
// page's comparison of exchanges hold only what the browser sends.
type probesApart struct{ base http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (p probesApart) RoundTrip(req *http.Request) (*http.Response, error) {
	if !browser.IsProbe(req) {
		return p.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	q := req.URL.Query()
	if run := q.Get("run"); run != "" {
		req.URL = withRun(req.URL, probeRun(run))
	}
	return p.base.RoundTrip(req)
}

// probeRun is the run tag of a run's probes, cut to what validRun allows.
func probeRun(run string) string {
	const tag = ".probe"
	if len(run)+len(tag) > 64 {
		run = run[:64-len(tag)]
	}
	return run + tag
}

// probing says whether a prediction diagnoses a blocked fetch with probes.
type probing int

const (
	withProbes probing = iota
	noProbes
)

func credentialsMode(s string) browser.CredentialsMode {
	switch s {
	case "include":
		return browser.Include
	case "omit":
		return browser.Omit
	}
	return browser.SameOrigin
}

func (s *pageServer) predictOne(ctx context.Context, t *browser.Transport, r Request, u *url.URL, probe probing) Prediction {
	var body io.Reader
	if r.Body != "" && r.Method != "GET" && r.Method != "HEAD" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), body)
	if err != nil {
		return Prediction{Outcome: "blocked", Message: err.Error(), Result: &browser.Result{Verdict: browser.Failed, Message: err.Error()}}
	}
	req.Method = r.Method // one fetch() refuses is for the Transport to judge
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	var b strings.Builder
	res := t.Check(req, browser.CheckOptions{NoProbe: probe == noProbes, Read: r.ReadHeaders, MaxBody: maxBody, Body: &b})
	p := Prediction{Outcome: "blocked", Status: res.Status, Reason: string(res.Reason), Message: res.Message, ReachedServer: res.ReachedServer, Result: res}
	if res.Verdict != browser.Allowed {
		if p.Reason == "" {
			p.Reason = res.NetError
		}
		return p
	}
	p.Outcome, p.Body = "allowed", b.String()
	for i, rd := range res.Read {
		p.setHeader(r.ReadHeaders[i], rd.Value, rd.Readable) // the name as the page wrote it
	}
	return p
}

// predictScript predicts a <script> load: a no-cors request, so CORS does
// not apply; the script runs if the response is a 2xx with a JavaScript
// MIME type (X-Content-Type-Options: nosniff makes the type binding).
func (s *pageServer) predictScript(ctx context.Context, r Request, u *url.URL, cookie *http.Cookie) Prediction {
	p := Prediction{Engine: "script load rules (no-cors)"}
	q := *u
	qs := q.Query()
	qs.Set("callback", "demoCallback")
	q.RawQuery = qs.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.String(), nil)
	if err != nil {
		return Prediction{Outcome: "blocked", Reason: "InvalidURL", Message: err.Error()}
	}
	// What Chromium sends with a classic <script>: cookies, and the page's
	// origin as Referer (strict-origin-when-cross-origin).
	req.AddCookie(cookie)
	req.Header.Set("Referer", s.d.PageURL+"/")
	req.Header.Set("Sec-Fetch-Dest", "script")
	req.Header.Set("Sec-Fetch-Mode", "no-cors")
	p.Trace = []string{"a <script> load is a no-cors GET: no Origin check, no preflight"}
	resp, err := s.d.client.RoundTrip(req)
	if err != nil {
		p.Outcome, p.Reason, p.Message = "blocked", "NetworkError", err.Error()
		return p
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	p.ReachedServer, p.Status = true, resp.StatusCode
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		p.Outcome, p.Reason, p.Message = "blocked", "ScriptLoadFailed", "status "+itoa(resp.StatusCode)+" fires the script's error event"
	case !strings.HasSuffix(mt, "javascript"):
		p.Outcome, p.Reason, p.Message = "blocked", "MIMETypeMismatch", "the response is "+mt+", not JavaScript"
	default:
		p.Outcome = "allowed"
		p.Trace = append(p.Trace, "200 "+mt+": the script runs and calls the callback")
	}
	return p
}
