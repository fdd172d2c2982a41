package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/browser"
	"github.com/crossorigin/crossorigin/origin"
)

const checkSynopsis = `Usage: crossorigin check URL --origin ORIGIN [flags]
       crossorigin check --curl 'curl ...' [flags]
       crossorigin check [flags] -- curl ...
       crossorigin check --har FILE [--url-match REGEXP] [flags]

Sends what Chromium sends when a page of ORIGIN calls fetch(URL): the
preflight when one is needed, then the request, following redirects as
fetch does. Prints each step with its CORS headers, the verdict, the
console message Chromium would print, the cause and the fix. When a
preflight is refused, a few extra OPTIONS requests (probes, at most 2 and
one per request header) find out whether the origin, the method or a
header is refused, or whether OPTIONS reaches the CORS layer at all.
Then it judges the same exchange as Firefox and WebKit (Safari) would,
from the answers already received, and says whether the engines agree.`

const checkFooter = `Exit status: 0 allowed, 1 blocked in any engine asked (or a header asked
for with --read is unreadable, or fetch() itself refuses the request), 2
usage or network error (no response, a redirect loop).`

// checkFlags are check's flags.
type checkFlags struct {
	headers              headerFlag
	read                 stringsFlag
	origin, method, data string
	curl, har, urlMatch  string
	proxy                string
	creds, asJSON        bool
	noProbe, insecure    bool
	timeout              time.Duration
	hasData              bool
	engine               string
	engines              []browser.Engine
}

func (c *checkFlags) define(fs *flag.FlagSet) {
	fs.Var(&c.headers, "H", "a header the script sets, `'NAME: VALUE'`, e.g. 'Content-Type: application/json' (repeatable); a Cookie header is the target's cookie (SameSite=None), sent by the browser with --credentials")
	fs.Var(&c.read, "read", "a response header `NAME` the script reads, e.g. X-Request-Id (repeatable): whether it can, and why not")
	fs.StringVar(&c.origin, "origin", "", "the page's `ORIGIN`, e.g. https://app.example.com (\"null\" for a sandboxed page); with --curl or --har the request's Origin header says it")
	fs.StringVar(&c.method, "X", "", "request `METHOD`, e.g. PUT (default GET, or POST with --data)")
	fs.BoolVar(&c.creds, "credentials", false, "fetch with credentials: \"include\"")
	fs.StringVar(&c.data, "data", "", "request `BODY`, a string body as fetch sends it, e.g. '{\"a\":1}'")
	fs.StringVar(&c.curl, "curl", "", "the request as DevTools' \"Copy as cURL (bash)\" writes it, a `COMMAND`, e.g. \"curl 'https://api.example.com/' -H 'origin: https://app.example.com'\"; or give the curl command after --")
	fs.StringVar(&c.har, "har", "", "replay every cross-origin fetch/XHR request of a HAR `FILE` exported from DevTools, e.g. page.har (\"-\" for stdin)")
	fs.StringVar(&c.urlMatch, "url-match", "", "with --har, only the requests whose URL matches the `REGEXP`, e.g. /api/")
	fs.BoolVar(&c.noProbe, "no-probe", false, "send no probes; a refused preflight whose cause one exchange does not settle is \"preflight-refused\"")
	fs.BoolVar(&c.insecure, "k", false, "do not verify the server's TLS certificate (also --insecure)")
	fs.BoolVar(&c.insecure, "insecure", false, "do not verify the server's TLS certificate")
	fs.BoolVar(&c.asJSON, "json", false, "the result as JSON (an array with --har)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of each exchange, a `DURATION`, e.g. 10s")
	fs.StringVar(&c.proxy, "proxy", "", "send requests through this proxy `URL`, e.g. http://127.0.0.1:3128 (overrides HTTPS_PROXY, HTTP_PROXY and NO_PROXY)")
	fs.StringVar(&c.engine, "engine", "all", "`ENGINE`: chromium, firefox, webkit or all, e.g. firefox; the first named runs the trace and the diagnosis, the others are judged from its answers and compared")
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cl := newCmdLine("check", checkSynopsis, checkFooter)
	var c checkFlags
	c.define(cl.FlagSet)
	pos, help := cl.Parse(args)
	if help {
		cl.Help(stdout)
		return 0
	}
	cl.FlagSet.Visit(func(f *flag.Flag) { c.hasData = c.hasData || f.Name == "data" })
	inputs := c.inputs(cl, pos)
	var err error
	if c.engines, err = parseEngines(c.engine); err != nil {
		cl.Problem(err.Error())
	}
	base, err := httpTransport(c.proxy)
	if err != nil {
		cl.Problem(err.Error())
	}
	if code, failed := cl.Failed(stderr); failed {
		return code
	}
	if c.insecure {
		base.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	defer base.CloseIdleConnections()
	var results []*checkOutcome
	for _, in := range inputs {
		results = append(results, c.checkOne(ctx, base, in))
	}
	if err := c.write(stdout, results); err != nil {
		fmt.Fprintf(stderr, "crossorigin check: %v\n", err)
		return 2
	}
	return exitCode(results, c.asJSON, stderr)
}

// exitCode is 2 if any result is a network error, else 1 if any is blocked
// (in any engine asked) or has an unreadable header, else 0.
func exitCode(results []*checkOutcome, asJSON bool, stderr io.Writer) int {
	code := 0
	for _, r := range results {
		switch {
		case r.Verdict == browser.Failed:
			if asJSON {
				fmt.Fprintf(stderr, "crossorigin check: %s\n", r.Message)
			}
			code = 2
		case (r.Verdict == browser.Blocked || r.Diagnosis != nil || r.blockedElsewhere()) && code == 0:
			code = 1
		}
	}
	return code
}

// checkOutcome is one checked fetch: the first engine's full Result and,
// when several engines are asked, each one's verdict and where they differ.
type checkOutcome struct {
	*browser.Result
	Engines     []engineResult `json:"engines,omitempty"`
	Differences []string       `json:"differences,omitempty"`
}

// blockedElsewhere reports whether an engine other than the first blocks
// the fetch.
func (o *checkOutcome) blockedElsewhere() bool {
	for _, e := range o.Engines {
		if e.Verdict == string(browser.Blocked) {
			return true
		}
	}
	return false
}

// inputs returns the fetches to check, from the flags and the positional
// arguments, and records in cl every problem with them.
func (c *checkFlags) inputs(cl *cmdLine, pos []string) []*fetchInput {
	ins, err := c.sources(pos)
	if err != nil {
		cl.Problem(err.Error())
	}
	for _, in := range ins {
		c.complete(cl, in)
	}
	if len(ins) == 0 && c.origin == "" && c.har == "" && c.curl == "" {
		cl.Bad("origin", "", "required: the origin of the page that calls fetch()")
	}
	return ins
}

// sources reads the fetches the command line names: a URL, a curl
// command, or a HAR file.
func (c *checkFlags) sources(pos []string) ([]*fetchInput, error) {
	switch {
	case c.har != "":
		if len(pos) > 0 || c.curl != "" {
			return nil, errors.New("--har replays a file: give no URL and no --curl with it")
		}
		return c.harInputs()
	case c.curl != "":
		if len(pos) > 0 {
			return nil, errors.New("give either a URL or --curl, not both")
		}
		in, err := parseCurl(c.curl)
		if err != nil {
			return nil, fmt.Errorf("--curl: %w", err)
		}
		return []*fetchInput{in}, nil
	case len(pos) > 0 && pos[0] == "curl":
		in, err := curlArgs(pos)
		if err != nil {
			return nil, err
		}
		return []*fetchInput{in}, nil
	case len(pos) != 1:
		return nil, errors.New("give exactly one URL")
	}
	return []*fetchInput{{URL: pos[0]}}, nil
}

// complete adds the flags to an input: -X, -H, --data and --origin apply
// over what a curl command says. It records the problems in cl.
func (c *checkFlags) complete(cl *cmdLine, in *fetchInput) {
	if c.method != "" {
		in.Method = c.method
	}
	if c.hasData {
		in.Body = &c.data
	}
	for _, kv := range c.headers.list {
		if strings.EqualFold(kv[0], "Cookie") {
			if _, err := http.ParseCookie(kv[1]); err != nil {
				cl.Bad("H", "Cookie: "+kv[1], err.Error())
			}
			in.Cookie = kv[1]
			continue
		}
		in.Headers = append(in.Headers, kv)
	}
	if c.origin != "" {
		in.Origin = c.origin
	}
	switch {
	case in.Origin == "" && (c.curl != "" || len(in.Notes) > 0 || c.har != ""):
		cl.Bad("origin", "", "the curl command has no Origin header: give the page's origin")
	case in.Origin == "":
		cl.Bad("origin", "", "required: the origin of the page that calls fetch()")
	case in.Origin != "null":
		o, err := origin.Parse(in.Origin)
		if err != nil {
			cl.Bad("origin", in.Origin, err.Error())
		} else {
			in.Origin = o.String()
		}
	}
	if _, _, err := in.request(); err != nil {
		cl.Problem(err.Error())
	}
}

func (c *checkFlags) harInputs() ([]*fetchInput, error) {
	var match *regexp.Regexp
	if c.urlMatch != "" {
		m, err := regexp.Compile(c.urlMatch)
		if err != nil {
			return nil, fmt.Errorf("--url-match: %w", err)
		}
		match = m
	}
	var r io.Reader = os.Stdin
	if c.har != "-" {
		f, err := os.Open(c.har)
		if err != nil {
			return nil, fmt.Errorf("--har: %w", err)
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	pageOrigin := ""
	if c.origin != "" {
		o, err := origin.Parse(c.origin)
		if err != nil {
			return nil, errors.New("--origin: " + err.Error())
		}
		pageOrigin = o.String()
	}
	ins, err := parseHAR(r, match, pageOrigin)
	if err != nil {
		return nil, fmt.Errorf("--har: %w", err)
	}
	if len(ins) == 0 {
		return nil, errors.New("--har: the file has no cross-origin fetch or XHR request (that matches --url-match)")
	}
	return ins, nil
}

// checkOne runs one fetch through a browser.Transport.
func (c *checkFlags) checkOne(ctx context.Context, base *http.Transport, in *fetchInput) *checkOutcome {
	req, target, err := in.request()
	if err != nil {
		// complete has checked the request already.
		return &checkOutcome{Result: &browser.Result{URL: in.URL, Origin: in.Origin, Verdict: browser.Failed, Message: err.Error(), Trace: []browser.Step{}}}
	}
	var notes []string
	notes = append(notes, in.Notes...)
	creds := c.creds
	if in.Cookie != "" && !creds {
		if len(in.Notes) > 0 || c.har != "" {
			// DevTools copies cookies only of a request that sent them:
			// cross-origin, that is credentials: "include".
			creds = true
			notes = append(notes, "The request carried cookies, so it is checked with credentials: \"include\".")
		} else {
			notes = append(notes, "Cookies were given but credentials are not included; add --credentials to send them cross-origin.")
		}
	}
	// The engines after the first get the first one's answers replayed,
	// so that the server sees the exchange once.
	replayed := &replay{base: base}
	var rt http.RoundTripper = replayed
	bt := &browser.Transport{Origin: in.Origin, Engine: c.engines[0]}
	if creds {
		bt.Credentials = browser.Include
		if in.Cookie != "" {
			rt = &cookieTransport{base: replayed, host: target.Host, cookie: in.Cookie}
		}
	}
	bt.Base = rt
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	out := &checkOutcome{Result: bt.Check(req.WithContext(ctx), browser.CheckOptions{NoProbe: c.noProbe, Read: c.read})}
	out.Notes = append(notes, out.Notes...)
	if len(c.engines) > 1 {
		newReq := func(ctx context.Context) (*http.Request, error) {
			req, _, err := in.request()
			if err != nil {
				return nil, err
			}
			return req.WithContext(ctx), nil
		}
		out.Engines = otherEngines(ctx, c.engines, bt, newReq, resultVerdict(out.Result))
		out.Differences = engineDifferences(out.Engines)
	}
	return out
}

// write prints the results, as JSON or as text.
func (c *checkFlags) write(w io.Writer, results []*checkOutcome) error {
	if c.asJSON {
		for _, r := range results {
			redactCookies(r.Result)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if c.har != "" {
			return enc.Encode(results)
		}
		return enc.Encode(results[0])
	}
	color := isTerminal(w)
	if c.har == "" {
		writeResult(w, results[0].Result, color)
		writeEngines(w, results[0].Engines)
		return nil
	}
	for _, r := range results {
		fmt.Fprintf(w, "%-8s %s %s %s\n", r.Verdict, r.Method, r.URL, verdictDetail(r.Result))
	}
	for _, r := range results {
		if r.Verdict != browser.Allowed || r.Diagnosis != nil || r.blockedElsewhere() {
			fmt.Fprintln(w)
			writeResult(w, r.Result, color)
			writeEngines(w, r.Engines)
		}
	}
	return nil
}

// verdictDetail is the short reason of a verdict line.
func verdictDetail(r *browser.Result) string {
	switch {
	case r.Diagnosis != nil:
		s := string(r.Diagnosis.Cause)
		if r.Diagnosis.Header != "" {
			s += " " + r.Diagnosis.Header
		} else if r.Diagnosis.Method != "" {
			s += " " + r.Diagnosis.Method
		}
		return s
	case r.Verdict == browser.Failed:
		return r.Message
	}
	return fmt.Sprintf("%d %s", r.Status, r.ResponseType)
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

// ANSI styles for the timeline, used only on a terminal.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[1;31m"
	ansiGreen = "\x1b[1;32m"
	ansiCyan  = "\x1b[36m"
	ansiDim   = "\x1b[2m"
)

// writeResult prints one result as a timeline, the verdict, the cause and
// the fix.
func writeResult(w io.Writer, r *browser.Result, color bool) {
	paint := func(style, s string) string {
		if !color {
			return s
		}
		return style + s + ansiReset
	}
	fmt.Fprintf(w, "Page %s calls fetch(%q, {method: %q, credentials: %q})\n", r.Origin, r.URL, r.Method, r.Credentials)
	if len(r.Dropped) > 0 {
		fmt.Fprintf(w, "Dropped by the browser (script cannot set them): %s\n", strings.Join(r.Dropped, ", "))
	}
	final := -1
	if r.Verdict == browser.Allowed {
		for i, s := range r.Trace {
			if s.Kind == browser.StepRequest {
				final = i
			}
		}
	}
	for i, s := range r.Trace {
		var all []browser.ResponseHeader
		if i == final {
			all = r.Headers
		}
		writeStep(w, i, s, all, paint)
		verdict := paint(ansiGreen, "ok")
		if !s.OK {
			verdict = paint(ansiRed, "blocked")
			if s.Kind == browser.StepProbe {
				verdict = paint(ansiRed, "refused")
			}
			if s.Reason != "" {
				verdict += " (" + string(s.Reason) + ")"
			}
		}
		fmt.Fprintf(w, "   = %s: %s\n", verdict, s.Rule)
	}
	fmt.Fprintln(w)
	writeVerdict(w, r, paint)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note:     %s\n", n)
	}
}

// writeStep prints a step's request and response lines; all, when set, is
// every header of the final response, each marked readable or not.
func writeStep(w io.Writer, i int, s browser.Step, all []browser.ResponseHeader, paint func(string, string) string) {
	fmt.Fprintf(w, "\n%s ", paint(ansiBold, fmt.Sprintf("%d. %s", i+1, s.Kind)))
	if s.Method != "" {
		fmt.Fprintf(w, "%s %s\n", s.Method, s.URL)
	} else {
		fmt.Fprintf(w, "%s\n", s.URL)
	}
	writeHeaderLines(w, "   > ", s.Sent, paint)
	if s.Status != 0 {
		fmt.Fprintf(w, "   < %d %s\n", s.Status, http.StatusText(s.Status))
		if all != nil {
			writeReadable(w, all, paint)
		} else {
			writeHeaderLines(w, "   < ", s.Received, paint)
		}
		if s.Body != "" {
			fmt.Fprintf(w, "   < (body) %s\n", s.Body)
		}
	}
}

// writeReadable prints every header of the final response, marked readable
// or not by script.
func writeReadable(w io.Writer, hs []browser.ResponseHeader, paint func(string, string) string) {
	width := 0
	for _, h := range hs {
		width = max(width, len(h.Name)+len(h.Value)+2)
	}
	for _, h := range hs {
		name := paint(ansiDim, h.Name)
		if strings.HasPrefix(h.Name, "Access-Control-") || h.Name == "Vary" {
			name = paint(ansiCyan, h.Name)
		}
		mark := paint(ansiGreen, "readable")
		if !h.Readable {
			mark = "not readable"
		}
		pad := strings.Repeat(" ", width-len(h.Name)-len(h.Value)-2)
		fmt.Fprintf(w, "   < %s: %s%s  (%s)\n", name, h.Value, pad, mark)
	}
}

// writeVerdict prints the verdict, the cause and the fix.
func writeVerdict(w io.Writer, r *browser.Result, paint func(string, string) string) {
	switch r.Verdict {
	case browser.Allowed:
		fmt.Fprintf(w, "%s script on %s can read the response (status %d, type %s).\n", paint(ansiGreen, "ALLOWED:"), r.Origin, r.Status, r.ResponseType)
		if len(r.ReadableHeaders) > 0 {
			fmt.Fprintf(w, "Readable response headers: %s\n", strings.Join(r.ReadableHeaders, ", "))
		}
		for _, rd := range r.Read {
			what := paint(ansiGreen, "readable")
			if !rd.Readable {
				what = paint(ansiRed, "NOT readable")
			}
			fmt.Fprintf(w, "Read:     %s is %s: %s\n", rd.Name, what, rd.Why)
		}
	case browser.Blocked:
		what := r.Engine.String() + " blocks this request"
		if r.Reason != "" {
			what += " (" + string(r.Reason) + ")"
		}
		if r.EngineReason != "" && r.EngineReason != string(r.Reason) {
			what += ", which " + r.Engine.String() + " calls " + r.EngineReason
		}
		fmt.Fprintf(w, "%s %s.\n", paint(ansiRed, "BLOCKED:"), what)
		if r.Message != "" {
			fmt.Fprintf(w, "Console:  %s\n", r.Message)
		}
		if r.ReachedServer {
			fmt.Fprintln(w, "Note:     the request reached the server and ran there; only its response was withheld from script.")
		}
	default:
		fmt.Fprintf(w, "%s %s\n", paint(ansiRed, "ERROR:"), r.Message)
		return
	}
	if d := r.Diagnosis; d != nil {
		fmt.Fprintf(w, "Cause:    %s: %s\n", paint(ansiBold, string(d.Cause)), d.Detail)
		if d.ServerMessage != "" {
			fmt.Fprintf(w, "          the server said: %s\n", d.ServerMessage)
		}
	}
	if f := r.Fix; f != nil {
		writeFix(w, *f, paint)
	}
}

// writeFix prints a fix; never an empty "Fix:" line.
func writeFix(w io.Writer, f browser.Fix, paint func(string, string) string) {
	switch {
	case f.Header != "":
		fmt.Fprintf(w, "Fix:      send %s: %s\n", paint(ansiCyan, f.Header), f.Value)
		if f.Advice != "" {
			fmt.Fprintf(w, "          %s\n", f.Advice)
		}
	case f.Advice != "":
		fmt.Fprintf(w, "Fix:      %s\n", f.Advice)
	default:
		fmt.Fprintf(w, "Fix:      %s\n", f.CORSConfig)
		return
	}
	if f.CORSConfig != "" {
		fmt.Fprintf(w, "          with the cors package: %s\n", f.CORSConfig)
	}
}

// isCookieHeader reports whether the canonical header name k carries
// cookies, whose values check never prints.
func isCookieHeader(k string) bool { return k == "Cookie" || k == "Set-Cookie" }

// redactCookies hides the cookie values of r, for --json, as the text
// output does: a shared check result must not leak a session.
func redactCookies(r *browser.Result) {
	if r == nil {
		return
	}
	for i := range r.Trace {
		st := &r.Trace[i]
		st.Sent, st.Received = redactedHeader(st.Sent), redactedHeader(st.Received)
	}
	for i := range r.Headers {
		if isCookieHeader(http.CanonicalHeaderKey(r.Headers[i].Name)) {
			r.Headers[i].Value = "(redacted)"
		}
	}
}

// redactedHeader returns h, or a copy with cookie values redacted.
func redactedHeader(h http.Header) http.Header {
	if h.Get("Cookie") == "" && h.Get("Set-Cookie") == "" {
		return h
	}
	h = h.Clone()
	for k, vs := range h {
		if isCookieHeader(k) {
			for i := range vs {
				vs[i] = "(redacted)"
			}
		}
	}
	return h
}

// writeHeaderLines prints headers sorted, CORS headers highlighted.
func writeHeaderLines(w io.Writer, prefix string, h http.Header, paint func(string, string) string) {
	for _, k := range sortedKeys(h) {
		name := paint(ansiDim, k)
		if strings.HasPrefix(k, "Access-Control-") || k == "Origin" || k == "Vary" {
			name = paint(ansiCyan, k)
		}
		for _, v := range h[k] {
			if isCookieHeader(k) {
				v = "(redacted)"
			}
			fmt.Fprintf(w, "%s%s: %s\n", prefix, name, v)
		}
	}
}
