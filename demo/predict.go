package demo

import (
	"context"
	"errors"
	"fmt"
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
	Outcome       string             `json:"outcome"` // "allowed" or "blocked"
	Status        int                `json:"status,omitempty"`
	Reason        string             `json:"reason,omitempty"` // Chromium's CorsError name
	Message       string             `json:"message,omitempty"`
	Fix           string             `json:"fix,omitempty"`       // what the server must change, in a sentence
	FixHeader     string             `json:"fixHeader,omitempty"` // the response header it must send
	FixConfig     string             `json:"fixConfig,omitempty"` // the matching cors.Config change
	Trace         []string           `json:"trace,omitempty"`     // one line per step
	Steps         []string           `json:"steps,omitempty"`     // every step in full, curl -v style
	ReachedServer bool               `json:"reachedServer"`
	Headers       map[string]*string `json:"headers,omitempty"` // ReadHeaders: the value a script sees, or null
	Body          string             `json:"body,omitempty"`
	Engine        string             `json:"engine"` // what computed it
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
// page has an empty preflight cache, shared by the run's repeats.
func (s *pageServer) predict(ctx context.Context, r Request, u *url.URL, e browser.Engine) Prediction {
	cookie := &http.Cookie{Name: sessionCookie, Value: "prediction"}
	if r.Mode == "jsonp" {
		return s.predictScript(ctx, r, u, cookie)
	}
	jar, _ := cookiejar.New(nil)
	if page, err := url.Parse(s.d.PageURL); err == nil {
		// Cookies ignore ports: the page's cookie is the API's too.
		jar.SetCookies(page, []*http.Cookie{cookie})
	}
	t := &browser.Transport{Origin: s.d.PageURL, Credentials: credentialsMode(r.Credentials), Jar: jar, Base: s.d.client, Engine: e}
	client := &http.Client{Transport: t}
	var p Prediction
	var trace, steps []string
	n := max(r.Repeat, 1)
	for i := range n {
		p = s.predictOne(ctx, client, r, u)
		if n > 1 {
			trace = append(trace, fmt.Sprintf("fetch %d of %d:", i+1, n))
		}
		trace, steps = append(trace, p.Trace...), append(steps, p.Steps...)
		if p.Outcome != "allowed" {
			break
		}
	}
	p.Trace, p.Steps = trace, steps
	p.Engine = "browser.Transport (package browser), as " + e.String()
	return p
}

func credentialsMode(s string) browser.CredentialsMode {
	switch s {
	case "include":
		return browser.Include
	case "omit":
		return browser.Omit
	}
	return browser.SameOrigin
}

func (s *pageServer) predictOne(ctx context.Context, client *http.Client, r Request, u *url.URL) Prediction {
	var body io.Reader
	if r.Body != "" && r.Method != "GET" && r.Method != "HEAD" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return Prediction{Outcome: "blocked", Message: err.Error()}
	}
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	resp, err := client.Do(req)
	if err != nil {
		p := Prediction{Outcome: "blocked", Message: err.Error()}
		var be *browser.Error
		if errors.As(err, &be) {
			p.Reason, p.Message, p.ReachedServer = string(be.Reason), be.Message, be.ReachedServer
			if p.Reason == "" {
				p.Reason = be.NetError
			}
			p.Fix = be.Fix.Advice
			if be.Fix.Header != "" {
				p.FixHeader = be.Fix.Header + ": " + be.Fix.Value
			}
			p.FixConfig = be.Fix.CORSConfig
			p.setTrace(be.Trace)
		}
		return p
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	p := Prediction{Outcome: "allowed", Status: resp.StatusCode, ReachedServer: true, Body: string(b)}
	p.setTrace(browser.Trace(resp))
	for _, n := range r.ReadHeaders {
		v := resp.Header.Values(n)
		p.setHeader(n, strings.Join(v, ", "), len(v) > 0)
	}
	return p
}

// setTrace keeps a one-line summary and the full text of every step.
func (p *Prediction) setTrace(steps []browser.Step) {
	for _, st := range steps {
		line := string(st.Kind)
		if st.Method != "" {
			line += " " + st.Method
		}
		if st.Status != 0 {
			line += fmt.Sprintf(" → %d", st.Status)
		}
		line += ": " + st.Rule
		p.Trace = append(p.Trace, line)
		p.Steps = append(p.Steps, st.String())
	}
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
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
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
