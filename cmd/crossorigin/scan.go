package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/scan"
)

const scanSynopsis = `Usage: crossorigin scan URL... [flags]
       crossorigin scan --list FILE [flags]

Probes each URL for CORS misconfigurations with origins generated for this
run: it first learns which origins the target trusts (its own, every
--origin, siblings on its registrable domain such as app. and www.), then
tries the bypasses of each trusted origin's check, and reports one finding
per class and URL with every probe that showed it, grouped by severity.`

const scanFooter = `The system certificate pool is used (SSL_CERT_FILE and SSL_CERT_DIR are
honoured), so a scan can run through an intercepting proxy. Ctrl-C stops
the scan and prints the findings so far; a second Ctrl-C exits at once.

Exit status: 1 a finding at or above --fail-on; otherwise 2 when no target
could be scanned, on a usage error or when interrupted; 0 otherwise.`

// scanFlags are the parsed flags of the scan command.
type scanFlags struct {
	headers                       headerFlag
	origins, resolves             stringsFlag
	asJSON, asSARIF, asMarkdown   bool
	insecure, verbose             bool
	cookie, method, failOn, proxy string
	list                          string
	concurrency                   int
	rate                          float64
	timeout                       time.Duration
	threshold                     scan.Severity
	targets                       []string
}

// scanFields names the flag that sets each scan.Config field, for the
// library's configuration errors.
var scanFields = map[string]string{
	"Method": "method", "Header": "H", "Cookie": "cookie", "Origins": "origin", "Concurrency": "concurrency",
	"Rate": "rate", "Timeout": "timeout", "InsecureSkipVerify": "insecure",
}

// define defines the scan command's flags on cl.
func (f *scanFlags) define(cl *cmdLine) {
	fs := cl.FlagSet
	fs.Var(&f.headers, "H", "add a request header to every probe, `'NAME: VALUE'`, e.g. 'Authorization: Bearer t' (repeatable), for authenticated scans")
	fs.Var(&f.origins, "origin", "an `ORIGIN` the site trusts, e.g. https://app.example.com (repeatable): its bypasses are tried too")
	fs.Var(&f.resolves, "resolve", "connect to ADDR for host H and port P, as curl does, `H:P:ADDR`, e.g. api.example.com:443:127.0.0.1 (repeatable)")
	fs.BoolVar(&f.asJSON, "json", false, "one JSON object with \"targets\" and \"findings\"")
	fs.BoolVar(&f.asSARIF, "sarif", false, "SARIF 2.1.0, for code-scanning dashboards")
	fs.BoolVar(&f.asMarkdown, "markdown", false, "Markdown, for a pull-request comment")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify TLS certificates (the report says so)")
	fs.BoolVar(&f.verbose, "verbose", false, "print each target's probe count, time and trusted origins")
	fs.StringVar(&f.cookie, "cookie", "", "send this Cookie header, `COOKIE`, e.g. 'session=abc', to scan as a logged-in user")
	fs.StringVar(&f.method, "method", "GET", "`METHOD` of the probes, e.g. POST")
	fs.StringVar(&f.failOn, "fail-on", "medium", "exit 1 when a finding is at least this `SEVERITY`: info, low, medium, high, critical or none, e.g. high")
	fs.StringVar(&f.proxy, "proxy", "", "send probes through this proxy `URL`, e.g. http://127.0.0.1:8080 (overrides HTTPS_PROXY, HTTP_PROXY and NO_PROXY)")
	fs.StringVar(&f.list, "list", "", "read URLs from `FILE`, one a line, e.g. targets.txt (\"-\" for standard input); blank lines and # comments are skipped, bad lines reported as FILE:LINE and skipped")
	fs.IntVar(&f.concurrency, "concurrency", 8, "requests in flight over all targets, a `NUMBER`, e.g. 4")
	fs.Float64Var(&f.rate, "rate", 0, "at most this `NUMBER` of requests per second over all targets, e.g. 20 (0: no limit)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "bound on each target's whole scan, whatever the target does, a `DURATION`, e.g. 1m")
}

// parseScanFlags parses args and checks what the flags cannot check
// alone; the problems are kept in the returned cmdLine. help reports
// --help.
func parseScanFlags(args []string) (f *scanFlags, cl *cmdLine, help bool) {
	f = &scanFlags{}
	cl = newCmdLine("scan", scanSynopsis, scanFooter)
	f.define(cl)
	f.targets, help = cl.Parse(args)
	if help {
		return f, cl, true
	}
	formats := 0
	for _, on := range []bool{f.asJSON, f.asSARIF, f.asMarkdown} {
		if on {
			formats++
		}
	}
	if len(f.targets) == 0 && f.list == "" {
		cl.Problem("give at least one URL, or --list FILE")
	}
	if formats > 1 {
		cl.Problem("--json, --sarif and --markdown are exclusive")
	}
	f.threshold = scan.Critical + 1 // none: never fail
	if !strings.EqualFold(f.failOn, "none") {
		var err error
		if f.threshold, err = scan.ParseSeverity(f.failOn); err != nil {
			cl.Bad("fail-on", f.failOn, err.Error())
		}
	}
	for _, t := range f.targets {
		if _, err := scan.ParseTarget(t); err != nil {
			cl.Problem(err.Error())
		}
	}
	return f, cl, false
}

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, cl, help := parseScanFlags(args)
	if help {
		cl.Help(stdout)
		return 0
	}
	tr, err := scanTransport(f.proxy, f.resolves)
	if err != nil {
		cl.Problem(err.Error())
	}
	s, err := scan.New(scan.Config{
		Method:             strings.ToUpper(f.method),
		Header:             f.headers.h,
		Cookie:             f.cookie,
		Origins:            f.origins,
		Transport:          tr,
		InsecureSkipVerify: f.insecure,
		Concurrency:        f.concurrency,
		Rate:               f.rate,
		Timeout:            f.timeout,
	})
	cl.Config(err, scanFields)
	if code, failed := cl.Failed(stderr); failed {
		return code
	}
	if f.list != "" {
		more, err := readList(f.list, stderr)
		if err != nil {
			cl.Bad("list", f.list, err.Error())
			code, _ := cl.Failed(stderr)
			return code
		}
		if f.targets = append(f.targets, more...); len(f.targets) == 0 {
			_, _ = fmt.Fprintf(stderr, "crossorigin scan: no target to scan in %s\n", f.list)
			return 2
		}
	}
	rep, err := s.Scan(ctx, f.targets...)
	if rep == nil {
		_, _ = fmt.Fprintf(stderr, "crossorigin scan: %v\n", err)
		return 2
	}
	if err := f.write(rep, stdout, stderr); err != nil {
		_, _ = fmt.Fprintf(stderr, "crossorigin scan: %v\n", err)
		return 2
	}
	return scanExitCode(rep, f.threshold)
}

// write writes the report in the chosen format; machine formats list the
// targets not scanned on stderr too.
func (f *scanFlags) write(rep *scan.Report, stdout, stderr io.Writer) error {
	var err error
	switch {
	case f.asJSON:
		err = rep.WriteJSON(stdout)
	case f.asSARIF:
		err = rep.WriteSARIF(stdout)
	case f.asMarkdown:
		err = rep.WriteMarkdown(stdout)
	default:
		return rep.WriteText(stdout, scan.TextOptions{Color: isTerminal(stdout), Verbose: f.verbose})
	}
	for _, t := range rep.Errors() {
		_, _ = fmt.Fprintf(stderr, "crossorigin scan: %s: %s\n", t.URL, t.Error)
	}
	if f.verbose {
		for _, t := range rep.Targets {
			_, _ = fmt.Fprintf(stderr, "crossorigin scan: %s: %d probes in %.2fs\n", t.URL, t.Requests, t.Seconds)
		}
	}
	if rep.Interrupted {
		_, _ = fmt.Fprintln(stderr, "crossorigin scan: interrupted; the report holds the findings so far")
	}
	return err
}

// scanExitCode is 1 for a finding at or above threshold, 2 when the scan
// was interrupted or no target could be scanned, 0 otherwise.
func scanExitCode(rep *scan.Report, threshold scan.Severity) int {
	switch {
	case rep.AtLeast(threshold):
		return 1
	case rep.Interrupted || len(rep.Errors()) == len(rep.Targets):
		return 2
	}
	return 0
}

// maxListBytes bounds a --list file: a million URLs is plenty.
const maxListBytes = 64 << 20

// readList reads URLs, one a line, from a file or from standard input. A
// line that is not a URL the scan can use is reported on stderr with its
// line number, as NAME:LINE: reason, and skipped.
func readList(name string, stderr io.Writer) ([]string, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxListBytes))
	if err != nil {
		return nil, fmt.Errorf("--list: %w", err)
	}
	if name == "-" {
		name = "stdin"
	}
	var urls []string
	n := 0
	for line := range strings.Lines(string(b)) {
		n++
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := scan.ParseTarget(line); err != nil {
			var te *scan.TargetError
			reason := err.Error()
			if errors.As(err, &te) {
				reason = strconv.Quote(te.URL) + ": " + te.Reason
			}
			_, _ = fmt.Fprintf(stderr, "%s:%d: %s (skipped)\n", name, n, reason)
			continue
		}
		urls = append(urls, line)
	}
	return urls, nil
}

// headerFlag collects repeated -H 'Name: value' flags.
type headerFlag struct {
	h    http.Header
	list [][2]string // in order, for display
}

// String implements flag.Value.
func (f *headerFlag) String() string { return "" }

// Set implements flag.Value: it parses one 'Name: value'.
func (f *headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return fmt.Errorf("-H %q: want 'Name: value'", s)
	}
	value = strings.TrimSpace(value)
	if f.h == nil {
		f.h = http.Header{}
	}
	f.h.Add(name, value)
	f.list = append(f.list, [2]string{name, value})
	return nil
}

// stringsFlag collects a repeated flag.
type stringsFlag []string

// String implements flag.Value.
func (f *stringsFlag) String() string { return strings.Join(*f, ",") }

// Set implements flag.Value.
func (f *stringsFlag) Set(s string) error {
	*f = append(*f, s)
	return nil
}

// httpTransport returns what Go's default transport does (HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY from the environment, the system certificate
// pool with SSL_CERT_FILE and SSL_CERT_DIR), with proxy, when set,
// overriding the environment.
func httpTransport(proxy string) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if proxy == "" {
		return tr, nil
	}
	u, err := url.Parse(proxy)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--proxy %q: want a URL such as http://127.0.0.1:8080", proxy)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("--proxy %q: the scheme must be http, https or socks5", proxy)
	}
	tr.Proxy = http.ProxyURL(u)
	return tr, nil
}

// isTerminal reports whether w is a terminal, the only place colour
// belongs. NO_COLOR (no-color.org) turns colour off everywhere.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// scanTransport is httpTransport with --resolve entries (host:port:addr,
// as curl takes them): connections to host:port go to addr:port instead.
func scanTransport(proxy string, resolves []string) (*http.Transport, error) {
	tr, err := httpTransport(proxy)
	if err != nil || len(resolves) == 0 {
		return tr, err
	}
	to := map[string]string{}
	for _, r := range resolves {
		from, addr, err := parseResolve(r)
		if err != nil {
			return nil, err
		}
		to[from] = addr
	}
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if a, ok := to[strings.ToLower(addr)]; ok {
			addr = a
		}
		return d.DialContext(ctx, network, addr)
	}
	return tr, nil
}

// parseResolve parses HOST:PORT:ADDRESS (the address of IPv6 in
// brackets or not) into the lower-case host:port it replaces and the
// address:port to dial.
func parseResolve(r string) (from, to string, err error) {
	i := strings.LastIndex(r, ":")
	if strings.HasSuffix(r, "]") {
		i = strings.LastIndex(r, ":[")
	}
	bad := fmt.Errorf("--resolve %q: want HOST:PORT:ADDRESS, such as api.example.com:443:127.0.0.1", r)
	if i < 0 {
		return "", "", bad
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(r[i+1:], "["), "]")
	host, port, err := net.SplitHostPort(r[:i])
	if err != nil || host == "" || net.ParseIP(addr) == nil {
		return "", "", bad
	}
	return strings.ToLower(net.JoinHostPort(host, port)), net.JoinHostPort(addr, port), nil
}
