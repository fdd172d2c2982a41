package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/browser"
	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

const checkSynopsis = `Usage: crossorigin check URL --origin ORIGIN [flags]

Sends what Chromium sends when a page of ORIGIN calls fetch(URL): the
preflight when one is needed, then the request, following redirects as
fetch does. Prints each step with its CORS headers, the verdict, the
console message Chromium would print, and the fix. Then it judges the
same exchange as Firefox and WebKit (Safari) would, from the answers
already received (asking the server only what Chromium did not), and
says whether the three engines agree, or where they differ.`

const checkFooter = `Exit status: 0 allowed, 1 blocked (in any engine asked), 2 usage or
network error.`

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cl := newCmdLine("check", checkSynopsis, checkFooter)
	fs := cl.FlagSet
	var headers headerFlag
	fs.Var(&headers, "H", "a header the script sets, `'NAME: VALUE'`, e.g. 'Content-Type: application/json' (repeatable); a Cookie header is the target's cookie (SameSite=None), sent by the browser with --credentials")
	pageOrigin := fs.String("origin", "", "the page's `ORIGIN`, e.g. https://app.example.com (required; \"null\" for a sandboxed page)")
	method := fs.String("X", "", "request `METHOD`, e.g. PUT (default GET, or POST with --data)")
	creds := fs.Bool("credentials", false, "fetch with credentials: \"include\"")
	data := fs.String("data", "", "request `BODY`, a string body as fetch sends it, e.g. '{\"a\":1}'")
	asJSON := fs.Bool("json", false, "the trace and verdict as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of the whole exchange, a `DURATION`, e.g. 10s")
	proxyURL := fs.String("proxy", "", "send requests through this proxy `URL`, e.g. http://127.0.0.1:3128 (overrides HTTPS_PROXY, HTTP_PROXY and NO_PROXY)")
	engineName := fs.String("engine", "all", "`ENGINE`: chromium, firefox, webkit or all, e.g. firefox; the first named runs the trace, the others are compared")
	pos, help := cl.Parse(args)
	if help {
		cl.Help(stdout)
		return 0
	}
	usageErr := func(msg string) int {
		cl.Problem(msg)
		code, _ := cl.Failed(stderr)
		return code
	}
	hasData := false
	fs.Visit(func(f *flag.Flag) { hasData = hasData || f.Name == "data" })
	if len(pos) != 1 {
		cl.Problem("give exactly one URL")
	}
	if *pageOrigin == "" {
		cl.Bad("origin", "", "required: the origin of the page that calls fetch()")
	}
	engines, err := parseEngines(*engineName)
	if err != nil {
		cl.Problem(err.Error())
	}
	var target *url.URL
	if len(pos) == 1 {
		target, err = url.Parse(pos[0])
		if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
			cl.Problem(fmt.Sprintf("%q is not an http or https URL", pos[0]))
		} else if target.Path == "" {
			target.Path = "/" // the URL parser of browsers always has a path
		}
	}
	if *pageOrigin != "null" && *pageOrigin != "" {
		o, err := origin.Parse(*pageOrigin)
		if err != nil {
			cl.Bad("origin", *pageOrigin, err.Error())
		}
		*pageOrigin = o.String()
	}
	if code, failed := cl.Failed(stderr); failed {
		return code
	}
	m := *method
	if m == "" {
		m = http.MethodGet
		if hasData {
			m = http.MethodPost
		}
	}
	base, err := httpTransport(*proxyURL)
	if err != nil {
		return usageErr(err.Error())
	}
	defer base.CloseIdleConnections()

	// Cookies belong to the browser, not to the script: they go with the
	// requests the browser sends with credentials, as a SameSite=None
	// cookie of the target would.
	reqHeader := http.Header{}
	var notes []string
	var cookie string
	for _, kv := range headers.list {
		if strings.EqualFold(kv[0], "Cookie") {
			if _, err := http.ParseCookie(kv[1]); err != nil {
				return usageErr("-H Cookie: " + err.Error())
			}
			cookie = kv[1]
			if !*creds {
				notes = append(notes, "Cookies were given but credentials are not included; add --credentials to send them cross-origin.")
			}
			continue
		}
		if fetch.IsForbiddenRequestHeaderName(kv[0]) {
			notes = append(notes, fmt.Sprintf("Browsers do not let script set %s; fetch() drops it, and so does this check.", http.CanonicalHeaderKey(kv[0])))
		}
		reqHeader.Add(kv[0], kv[1])
	}
	if hasData && reqHeader.Get("Content-Type") == "" {
		reqHeader.Set("Content-Type", "text/plain;charset=UTF-8") // what fetch() sets for a string body
	}

	// The engines after the first get the first one's answers replayed.
	replayed := &replay{base: base}
	bt := &browser.Transport{Origin: *pageOrigin, Base: replayed, Engine: engines[0]}
	if *creds {
		bt.Credentials = browser.Include
		if cookie != "" {
			bt.Base = &cookieTransport{base: replayed, host: target.Host, cookie: cookie}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	newReq := func(ctx context.Context) (*http.Request, error) {
		var body io.Reader
		if hasData {
			body = strings.NewReader(*data)
		}
		req, err := http.NewRequestWithContext(ctx, m, target.String(), body)
		if err == nil {
			req.Header = reqHeader.Clone()
		}
		return req, err
	}
	req, err := newReq(ctx)
	if err != nil {
		return usageErr(err.Error())
	}
	resp, err := (&http.Client{Transport: bt}).Do(req)
	first := engineVerdict(engines[0], resp, err)

	out := checkResult{URL: target.String(), Origin: *pageOrigin, Method: m, Credentials: *creds, Notes: notes, Engine: engines[0]}
	var be *browser.Error
	switch {
	case err == nil:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		out.Verdict = "allowed"
		out.Status = resp.StatusCode
		out.Type = browser.ResponseType(resp)
		out.Trace = browser.Trace(resp)
		out.Readable = sortedKeys(resp.Header)
	case errors.As(err, &be):
		out.Verdict = "blocked"
		out.Trace = be.Trace
		// Error() is the console message in the engine's words.
		out.Reason, out.Message, out.ReachedServer = be.Reason, be.Error(), be.ReachedServer
		out.EngineReason = be.EngineReason
		if be.Fix != (browser.Fix{}) {
			out.Fix = &be.Fix
		}
		if be.Unreachable {
			out.Verdict = "error"
		}
	default:
		out.Verdict = "error"
		out.Message = err.Error()
	}
	if len(engines) > 1 {
		out.Engines = otherEngines(ctx, engines, bt, newReq, first)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out.json()); err != nil {
			fmt.Fprintf(stderr, "crossorigin check: %v\n", err)
			return 2
		}
	} else {
		out.writeText(stdout, isTerminal(stdout))
	}
	for _, r := range out.Engines {
		if r.Verdict == "blocked" && out.Verdict == "allowed" {
			return 1
		}
	}
	switch out.Verdict {
	case "allowed":
		return 0
	case "blocked":
		return 1
	}
	if *asJSON {
		fmt.Fprintf(stderr, "crossorigin check: %s\n", out.Message)
	}
	return 2
}

// cookieTransport adds the user's cookies to the credentialed requests the
// browser sends to the target's host; preflights never carry cookies.
type cookieTransport struct {
	base         http.RoundTripper
	host, cookie string
}

// RoundTrip implements http.RoundTripper.
func (c *cookieTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	preflight := req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != ""
	if req.URL.Host != c.host || preflight {
		return c.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Cookie", c.cookie)
	return c.base.RoundTrip(req)
}

func sortedKeys(h http.Header) []string {
	var ks []string
	for k := range h {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// checkResult is what check found.
type checkResult struct {
	URL, Origin, Method string
	Credentials         bool
	Verdict             string // allowed, blocked, error
	Status              int
	Type                string
	Readable            []string
	Reason              browser.Reason
	Message             string
	ReachedServer       bool
	Fix                 *browser.Fix
	Trace               []browser.Step
	Notes               []string
	Engine              browser.Engine // the engine of the trace
	EngineReason        string         // its own name for the error
	Engines             []engineResult // every engine asked, when more than one
}

type jsonCheck struct {
	URL             string         `json:"url"`
	Origin          string         `json:"origin"`
	Method          string         `json:"method"`
	Credentials     bool           `json:"credentials"`
	Verdict         string         `json:"verdict"`
	Status          int            `json:"status,omitempty"`
	ResponseType    string         `json:"response_type,omitempty"`
	ReadableHeaders []string       `json:"readable_headers,omitempty"`
	Reason          browser.Reason `json:"reason,omitempty"`
	Message         string         `json:"console_message,omitempty"`
	ReachedServer   bool           `json:"reached_server"`
	Fix             *browser.Fix   `json:"fix,omitempty"`
	Trace           []browser.Step `json:"trace"`
	Notes           []string       `json:"notes,omitempty"`
	Engine          browser.Engine `json:"engine"`
	EngineReason    string         `json:"engine_reason,omitempty"`
	Engines         []engineResult `json:"engines,omitempty"`
	Differences     []string       `json:"differences,omitempty"`
}

func (c *checkResult) json() jsonCheck {
	j := jsonCheck{
		URL: c.URL, Origin: c.Origin, Method: c.Method, Credentials: c.Credentials, Verdict: c.Verdict,
		Status: c.Status, ResponseType: c.Type, ReadableHeaders: c.Readable, Reason: c.Reason, Message: c.Message,
		ReachedServer: c.ReachedServer || c.Verdict == "allowed", Fix: c.Fix, Trace: c.Trace, Notes: c.Notes,
		Engine: c.Engine, EngineReason: c.EngineReason, Engines: c.Engines, Differences: engineDifferences(c.Engines),
	}
	if j.Trace == nil {
		j.Trace = []browser.Step{}
	}
	return j
}

// ANSI styles for the timeline, used only on a terminal.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[1;31m"
	ansiGreen = "\x1b[1;32m"
	ansiCyan  = "\x1b[36m"
	ansiDim   = "\x1b[2m"
)

func (c *checkResult) writeText(w io.Writer, color bool) {
	paint := func(style, s string) string {
		if !color {
			return s
		}
		return style + s + ansiReset
	}
	credMode := "same-origin"
	if c.Credentials {
		credMode = "include"
	}
	fmt.Fprintf(w, "Page %s calls fetch(%q, {method: %q, credentials: %q})\n", c.Origin, c.URL, c.Method, credMode)
	for i, s := range c.Trace {
		fmt.Fprintf(w, "\n%s ", paint(ansiBold, fmt.Sprintf("%d. %s", i+1, s.Kind)))
		if s.Method != "" {
			fmt.Fprintf(w, "%s %s\n", s.Method, s.URL)
		} else {
			fmt.Fprintf(w, "%s\n", s.URL)
		}
		writeHeaderLines(w, "   > ", s.Sent, paint)
		if s.Status != 0 {
			fmt.Fprintf(w, "   < %d %s\n", s.Status, http.StatusText(s.Status))
			writeHeaderLines(w, "   < ", s.Received, paint)
		}
		verdict := paint(ansiGreen, "ok")
		if !s.OK {
			verdict = paint(ansiRed, "blocked")
			if s.Reason != "" {
				verdict += " (" + string(s.Reason) + ")"
			}
		}
		fmt.Fprintf(w, "   = %s: %s\n", verdict, s.Rule)
	}
	fmt.Fprintln(w)
	switch c.Verdict {
	case "allowed":
		fmt.Fprintf(w, "%s script on %s can read the response (status %d, type %s).\n", paint(ansiGreen, "ALLOWED:"), c.Origin, c.Status, c.Type)
		if len(c.Readable) > 0 {
			fmt.Fprintf(w, "Readable response headers: %s\n", strings.Join(c.Readable, ", "))
		}
	case "blocked":
		what := c.Engine.String() + " blocks this request"
		if c.Reason != "" {
			what += " (" + string(c.Reason) + ")"
		}
		if c.EngineReason != "" && c.EngineReason != string(c.Reason) {
			what += ", which " + c.Engine.String() + " calls " + c.EngineReason
		}
		fmt.Fprintf(w, "%s %s.\n", paint(ansiRed, "BLOCKED:"), what)
		if c.Message != "" {
			fmt.Fprintf(w, "Console:  %s\n", c.Message)
		}
		if c.ReachedServer {
			fmt.Fprintln(w, "Note:     the request reached the server and ran there; only its response was withheld from script.")
		}
		if f := c.Fix; f != nil {
			if f.Header != "" {
				fmt.Fprintf(w, "Fix:      send %s: %s\n", paint(ansiCyan, f.Header), f.Value)
			} else {
				fmt.Fprint(w, "Fix:\n")
			}
			if f.CORSConfig != "" {
				fmt.Fprintf(w, "          with the cors package: %s\n", f.CORSConfig)
			}
			if f.Advice != "" {
				fmt.Fprintf(w, "          %s\n", f.Advice)
			}
		}
	default:
		fmt.Fprintf(w, "%s %s\n", paint(ansiRed, "ERROR:"), c.Message)
	}
	for _, n := range c.Notes {
		fmt.Fprintf(w, "Note:     %s\n", n)
	}
	writeEngines(w, c.Engines)
}

// writeHeaderLines prints headers sorted, CORS headers highlighted.
func writeHeaderLines(w io.Writer, prefix string, h http.Header, paint func(string, string) string) {
	for _, k := range sortedKeys(h) {
		name := k
		if strings.HasPrefix(k, "Access-Control-") || k == "Origin" || k == "Vary" {
			name = paint(ansiCyan, k)
		} else {
			name = paint(ansiDim, k)
		}
		for _, v := range h[k] {
			if k == "Cookie" || k == "Set-Cookie" {
				v = "(redacted)"
			}
			fmt.Fprintf(w, "%s%s: %s\n", prefix, name, v)
		}
	}
}
