package browserdiff

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// outcome is what one fetch gave, on either side.
type outcome struct {
	Verdict string // "200 cors", "0 opaque", ... or "TypeError"
	Reason  string // Chromium's CorsError name; "" when none
	Message string // the console message of a TypeError, else its text; shortened by server.shorten
	// Selfcheck, on our side only, says where browser.Error contradicts
	// the server's log (ReachedServer); "" when it agrees.
	Selfcheck string
	Net       string   // the net error of a TypeError, such as net::ERR_FAILED; "" when no request started
	Headers   []string // "name: value" lines script could read, sorted
	Body      string   // the body script could read
}

func (o outcome) String() string { return o.render(true) }

// render renders the outcome, with header values or with names alone.
func (o outcome) render(values bool) string {
	s := o.Verdict
	if o.Reason != "" {
		s += " " + o.Reason
	}
	if o.Net != "" {
		s += " (" + o.Net + ")"
	}
	if values && o.Message != "" {
		s += " «" + o.Message + "»"
	}
	if values && o.Body != "" {
		s += fmt.Sprintf(" body=%q", o.Body)
	}
	if len(o.Headers) > 0 {
		hs := o.Headers
		if !values {
			hs = make([]string, len(o.Headers))
			for i, h := range o.Headers {
				hs[i], _, _ = strings.Cut(h, ":")
			}
		}
		s += " [" + strings.Join(hs, ", ") + "]"
	}
	return s
}

// result is what one case gave on one side: an outcome per step and the
// requests the server saw.
type result struct {
	Steps []outcome
	Wire  []string
}

func (r result) String() string { return r.render(true) }

// render renders the result, with header values or with names alone.
func (r result) render(values bool) string {
	var parts []string
	for _, s := range r.Steps {
		parts = append(parts, s.render(values))
	}
	return strings.Join(parts, " | ") + " || " + strings.Join(r.Wire, " ; ")
}

// netlog collects, for one tab, the URLs of every request DevTools reports
// and the failures, so that a TypeError can be matched to Chromium's CORS
// error by URL.
type netlog struct {
	mu     sync.Mutex
	urls   map[network.RequestID][]string
	failed []*network.EventLoadingFailed
	msgs   []string    // console messages about CORS and fetch's own refusals
	issues []corsIssue // the DevTools Issues panel's CORS errors (not its warnings)
}

// corsIssue is a CorsIssue of the DevTools Issues panel (Audits.issueAdded):
// the only place Chromium names some CORS errors, such as DisallowedByMode.
type corsIssue struct {
	url, reason string
}

func (n *netlog) on(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		n.urls[ev.RequestID] = append(n.urls[ev.RequestID], ev.Request.URL)
	case *network.EventLoadingFailed:
		n.failed = append(n.failed, ev)
	case *audits.EventIssueAdded:
		if d := ev.Issue.Details; d != nil && d.CorsIssueDetails != nil {
			ci := d.CorsIssueDetails
			if !ci.IsWarning && ci.CorsErrorStatus != nil && ci.Request != nil {
				n.issues = append(n.issues, corsIssue{ci.Request.URL, string(ci.CorsErrorStatus.CorsError)})
			}
		}
	case *log.EventEntryAdded:
		if ev.Entry != nil && (strings.Contains(ev.Entry.Text, "CORS policy") || strings.HasPrefix(ev.Entry.Text, "Fetch API cannot load")) {
			n.msgs = append(n.msgs, ev.Entry.Text)
		}
	}
}

// messages returns the console messages of failed fetches that name a URL
// with the path prefix: the request's own, or the one it was redirected
// from.
func (n *netlog) messages(prefix string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.msgs {
		if strings.Contains(m, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// issueReasons returns the CORS error names of the Issues panel for
// requests whose URL has the path prefix, in the order they came.
func (n *netlog) issueReasons(path string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, is := range n.issues {
		if strings.Contains(is.url, path) {
			out = append(out, is.reason)
		}
	}
	return out
}

// failures returns the failures of requests one of whose URLs has the
// path prefix, in the order they came.
func (n *netlog) failures(path string) []*network.EventLoadingFailed {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*network.EventLoadingFailed
	for _, f := range n.failed {
		for _, u := range n.urls[f.RequestID] {
			if strings.Contains(u, path) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// jsResult is what the fetch script returns.
type jsResult struct {
	OK      bool     `json:"ok"`
	Status  int      `json:"status"`
	Type    string   `json:"type"`
	Headers []string `json:"headers"`
	Body    string   `json:"body"`
	Error   string   `json:"error"`
}

// fetchJS runs one fetch with the init given as JSON and reports what
// script could see of it.
const fetchJS = `(async (a) => {
	const out = {ok: false, status: 0, type: "", headers: [], body: "", error: ""};
	try {
		const init = {headers: a.header};
		if (a.method) init.method = a.method;
		if (a.credentials) init.credentials = a.credentials;
		if (a.mode) init.mode = a.mode;
		if (a.redirect) init.redirect = a.redirect;
		if (a.body !== "") init.body = a.body;
		const r = await fetch(a.url, init);
		out.ok = true;
		out.status = r.status;
		out.type = r.type;
		for (const [k, v] of r.headers) out.headers.push(k + ": " + v);
		try { out.body = await r.text(); } catch (e) { out.body = "(" + e.name + ")"; }
	} catch (e) {
		out.error = e.name + ": " + e.message;
	}
	return out;
})(%s)`

type jsArgs struct {
	URL         string      `json:"url"`
	Method      string      `json:"method"`
	Header      [][2]string `json:"header"`
	Body        string      `json:"body"`
	Credentials string      `json:"credentials"`
	Mode        string      `json:"mode"`
	Redirect    string      `json:"redirect"`
}

// tab is one Chromium tab that runs cases one after another.
type tab struct {
	ctx  context.Context
	log  *netlog
	page page
	srv  *server
}

func newTab(t *testing.T, srv *server) (*tab, error) {
	ctx := chromium.NewTab(t, 5*time.Minute)
	tb := &tab{ctx: ctx, srv: srv, page: -1, log: &netlog{urls: make(map[network.RequestID][]string)}}
	if err := chromedp.Listen(ctx, tb.log.on); err != nil {
		return nil, err
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, audits.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{})
		return err
	}))
	if err != nil {
		return nil, err
	}
	return tb, nil
}

// setCookie gives the browser the cookie sid=1 for api (Path=/x), as the
// Go side's jar holds it.
func (tb *tab) setCookie() error {
	return chromedp.Do(tb.ctx, chromedp.Navigate(tb.srv.origin(apiHost)+"/setcookie"))
}

// run runs one case in the tab.
func (tb *tab) run(c *tcase) (result, error) {
	var res result
	path := "/x/" + tb.srv.engine + "/" + c.Name + "/"
	for _, s := range c.steps() {
		time.Sleep(s.Wait)
		if p := c.pageOf(s); tb.page != p {
			if err := chromedp.Do(tb.ctx, chromedp.Navigate(tb.srv.pageURL(p))); err != nil {
				return result{}, fmt.Errorf("navigate: %w", err)
			}
			tb.page = p
		}
		before, beforeMsgs, beforeIssues := len(tb.log.failures(path)), len(tb.log.messages(path)), len(tb.log.issueReasons(path))
		args, _ := json.Marshal(jsArgs{
			URL:         s.url(tb.srv, tb.srv.engine, c.Name),
			Method:      s.Method,
			Header:      append([][2]string{}, s.Header...),
			Body:        s.Body,
			Credentials: s.Credentials,
			Mode:        s.Mode,
			Redirect:    s.Redirect,
		})
		ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
		js, err := chromedp.Run(ctx, chromedp.Evaluate[jsResult](fmt.Sprintf(fetchJS, args), chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			return result{}, fmt.Errorf("fetch: %w", err)
		}
		var o outcome
		if js.OK {
			o.Verdict = fmt.Sprintf("%d %s", js.Status, js.Type)
			o.Headers = sortHeaders(js.Headers)
			o.Body = js.Body
		} else {
			o.Verdict = "TypeError"
			if strings.HasPrefix(js.Error, "TypeError: Failed to fetch") {
				o.Reason, o.Net, o.Message = tb.failure(path, before, beforeMsgs)
				o.Reason = tb.issueReason(path, beforeIssues, o.Reason)
			}
			if o.Message == "" {
				// fetch() threw before any request (a bad method or
				// header), or failed without a console message: what
				// script sees is all there is.
				o.Message = js.Error
			}
			o.Message = tb.srv.shorten(o.Message)
		}
		res.Steps = append(res.Steps, o)
	}
	res.Wire = tb.srv.renderHits(tb.srv.hits(tb.srv.engine, c.Name))
	return res, nil
}

// failure waits for DevTools to report how a fetch that rejected with
// "Failed to fetch" failed: the failure of its request (a URL with the
// path prefix) beyond the first n, and the console message (naming such a
// URL) beyond the first m. It returns the CORS error name, the net error and the console
// message. A fetch rejects in the renderer while the failure event comes
// from the network service, so events can come after the rejection. A
// fetch that the renderer refused before any request (a mode that forbids
// the URL) has a "Fetch API cannot load" console message and no event. A
// request that the renderer cancels on a redirect fails twice, first
// without a net error, then with net::ERR_ABORTED.
func (tb *tab) failure(path string, n, m int) (reason, netErr, msg string) {
	deadline := time.Now().Add(5 * time.Second)
	var settle time.Time // until when to wait for a net error
	for ; time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		msgs := tb.log.messages(path)[m:]
		if len(msgs) > 0 && strings.HasPrefix(msgs[0], "Fetch API cannot load") {
			return "", "", msgs[0]
		}
		var main []*network.EventLoadingFailed
		reason, netErr = "", ""
		for _, f := range tb.log.failures(path)[n:] {
			if f.Type != network.ResourceTypePreflight {
				main = append(main, f)
			}
			// The CORS error is on the request itself or, when only
			// its preflight carries it, on the preflight.
			if f.CorsErrorStatus != nil && (reason == "" || f.Type != network.ResourceTypePreflight) {
				reason = string(f.CorsErrorStatus.CorsError)
			}
		}
		if len(main) == 0 {
			continue
		}
		for _, f := range main {
			if f.ErrorText != "" {
				netErr = f.ErrorText
			}
		}
		if netErr == "" {
			if settle.IsZero() {
				settle = time.Now().Add(500 * time.Millisecond)
			}
			if time.Now().Before(settle) {
				continue
			}
		}
		if reason == "" {
			return "", netErr, ""
		}
		// A CORS error always comes with its console message.
		for ; time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if msgs := tb.log.messages(path)[m:]; len(msgs) > 0 {
				return reason, netErr, msgs[0]
			}
		}
		return reason, netErr, ""
	}
	return "", "", ""
}

// issueReason reconciles the CORS error name of the Network panel
// (loadingFailed) with the Issues panel's for the fetch whose issues come
// after the first n with the path prefix. The Issues panel alone names
// some errors (DisallowedByMode); when both name one and they differ, the
// result names both, so that the comparison with our side shows it.
func (tb *tab) issueReason(path string, n int, network string) string {
	// An issue can come after the rejection; give it a moment when the
	// Network panel named nothing (by the time it has named an error and
	// the console has its message, the issue is there).
	issues := tb.log.issueReasons(path)[n:]
	for deadline := time.Now().Add(300 * time.Millisecond); network == "" && len(issues) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		issues = tb.log.issueReasons(path)[n:]
	}
	switch {
	case len(issues) == 0:
		return network
	case network == "":
		return issues[len(issues)-1]
	case !slices.Contains(issues, network):
		return network + " (Issues panel: " + strings.Join(issues, ", ") + ")"
	}
	return network
}

// runChromium runs every case in Chromium, in several tabs at once, and
// returns the results and the browser's product name and version.
func runChromium(t *testing.T, srv *server, cases []*tcase, tabs int) (map[string]result, string) {
	t.Helper()
	work := make(chan *tcase)
	var mu sync.Mutex
	out := make(map[string]result, len(cases))
	var all []*tab
	for range tabs {
		tb, err := newTab(t, srv)
		if err != nil {
			t.Fatalf("chromium: opening a tab: %v", err)
		}
		if err := tb.setCookie(); err != nil {
			t.Fatalf("chromium: setting the cookie: %v", err)
		}
		all = append(all, tb)
	}
	ver, err := chromedp.CallBrowser(all[0].ctx, cdpbrowser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("chromium: version: %v", err)
	}
	var wg sync.WaitGroup
	for _, tb := range all {
		wg.Go(func() {
			for c := range work {
				r, err := tb.run(c)
				if err != nil {
					t.Errorf("chromium: case %s: %v", c.Name, err)
					continue
				}
				mu.Lock()
				out[c.Name] = r
				mu.Unlock()
			}
		})
	}
	feed(work, cases)
	wg.Wait()
	return out, ver.Product
}
