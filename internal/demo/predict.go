package demo

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Prediction is what the server expects the browser to do with a Request.
type Prediction struct {
	Outcome       string             `json:"outcome"` // "allowed" or "blocked"
	Status        int                `json:"status,omitempty"`
	Reason        string             `json:"reason,omitempty"` // Chromium's CorsError name
	Message       string             `json:"message,omitempty"`
	Fix           string             `json:"fix,omitempty"`
	Trace         []string           `json:"trace,omitempty"`
	ReachedServer bool               `json:"reachedServer"`
	Headers       map[string]*string `json:"headers,omitempty"` // ReadHeaders: the value a script sees, or null
	Body          string             `json:"body,omitempty"`
	Engine        string             `json:"engine"` // what computed it
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
func withRun(u *url.URL, run string) *url.URL {
	v := *u
	q := v.Query()
	q.Set("run", run)
	v.RawQuery = q.Encode()
	return &v
}

// predict runs r as the page's browser would and says what it expects.
func (s *pageServer) predict(ctx context.Context, r Request, u *url.URL) Prediction {
	cookie := &http.Cookie{Name: sessionCookie, Value: "prediction"}
	if r.Mode == "jsonp" {
		return s.predictScript(ctx, r, u, cookie)
	}
	n := max(r.Repeat, 1)
	pr := newStandinPredictor(s.d.PageURL)
	var p Prediction
	for i := range n {
		p = pr.do(ctx, r, u, cookie)
		if i > 0 {
			p.Trace = append([]string{"repeat " + itoa(i+1) + ":"}, p.Trace...)
		}
		if p.Outcome != "allowed" {
			break
		}
	}
	p.Engine = "stand-in model (browser package not landed yet)"
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
	resp, err := http.DefaultClient.Do(req)
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
