package main

import (
	"context"
	"errors"
	"flag"
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

const scanUsage = `Usage: crossorigin scan URL... [flags]
       crossorigin scan --list FILE [flags]

Probes each URL for CORS misconfigurations with origins generated for this
run: it first learns which origins the target trusts (its own, every
--origin, siblings on its registrable domain such as app. and www.), then
tries the bypasses of each trusted origin's check, and reports one finding
per class and URL with every probe that showed it, grouped by severity.

Flags:
  --list FILE          read URLs from FILE, one a line ("-" for standard
                       input); blank lines and # comments are skipped, bad
                       lines are reported as FILE:LINE and skipped
  --json               one JSON object with a "findings" array
  --sarif              SARIF 2.1.0, for code-scanning dashboards
  --markdown           Markdown, for a pull-request comment
  -H 'Name: value'     add a request header to every probe (repeatable),
                       such as an Authorization token
  --cookie VALUE       send this Cookie header, to scan as a logged-in user
  --method M           method of the probes (default GET)
  --origin ORIGIN      an origin the site trusts, such as its front end
                       (repeatable): its bypasses are tried too
  --concurrency N      requests in flight over all targets (default 8)
  --rate N             at most N requests per second over all targets
                       (default: no limit)
  --timeout D          bound on each target's whole scan, whatever the
                       target does (default 30s)
  --insecure           do not verify TLS certificates (said in the report)
  --resolve H:P:ADDR   connect to ADDR for host H and port P, as curl does
                       (repeatable): scan a host before its DNS points to it
  --verbose            print each target's probe count, time and trusted
                       origins
  --fail-on SEVERITY   exit 1 when a finding is at least this severe:
                       info, low, medium (default), high, critical, or none
  --proxy URL          send probes through this proxy (overrides
                       HTTPS_PROXY, HTTP_PROXY and NO_PROXY)

The system certificate pool is used (SSL_CERT_FILE and SSL_CERT_DIR are
honoured), so a scan can run through an intercepting proxy. Ctrl-C stops
the scan and prints the findings so far; a second Ctrl-C exits at once.

Exit status: 1 a finding at or above --fail-on; otherwise 2 when no target
could be scanned, on a usage error or when interrupted; 0 otherwise.
`

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

// parseScanFlags parses args; on a usage error or --help it returns the
// exit code, having written the message.
func parseScanFlags(args []string, stdout, stderr io.Writer) (*scanFlags, int, bool) {
	f := &scanFlags{}
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&f.headers, "H", "")
	fs.Var(&f.origins, "origin", "")
	fs.Var(&f.resolves, "resolve", "")
	fs.BoolVar(&f.asJSON, "json", false, "")
	fs.BoolVar(&f.asSARIF, "sarif", false, "")
	fs.BoolVar(&f.asMarkdown, "markdown", false, "")
	fs.BoolVar(&f.insecure, "insecure", false, "")
	fs.BoolVar(&f.verbose, "verbose", false, "")
	fs.StringVar(&f.cookie, "cookie", "", "")
	fs.StringVar(&f.method, "method", "GET", "")
	fs.StringVar(&f.failOn, "fail-on", "medium", "")
	fs.StringVar(&f.proxy, "proxy", "", "")
	fs.StringVar(&f.list, "list", "", "")
	fs.IntVar(&f.concurrency, "concurrency", 8, "")
	fs.Float64Var(&f.rate, "rate", 0, "")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "")
	var err error
	f.targets, err = parseWithPositionals(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = fmt.Fprint(stdout, scanUsage)
		return nil, 0, false
	}
	usageErr := func(msg string) (*scanFlags, int, bool) {
		_, _ = fmt.Fprintf(stderr, "crossorigin scan: %s\n\n%s", msg, scanUsage)
		return nil, 2, false
	}
	formats := 0
	for _, on := range []bool{f.asJSON, f.asSARIF, f.asMarkdown} {
		if on {
			formats++
		}
	}
	switch {
	case err != nil:
		return usageErr(err.Error())
	case len(f.targets) == 0 && f.list == "":
		return usageErr("give at least one URL")
	case formats > 1:
		return usageErr("--json, --sarif and --markdown are exclusive")
	}
	f.threshold = scan.Critical + 1 // none: never fail
	if !strings.EqualFold(f.failOn, "none") {
		if f.threshold, err = scan.ParseSeverity(f.failOn); err != nil {
			return usageErr("--fail-on: " + err.Error())
		}
	}
	return f, 0, true
}

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code, ok := parseScanFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	usageErr := func(msg string) int {
		_, _ = fmt.Fprintf(stderr, "crossorigin scan: %s\n\n%s", msg, scanUsage)
		return 2
	}
	for _, t := range f.targets {
		if _, err := scan.ParseTarget(t); err != nil {
			return usageErr(err.Error())
		}
	}
	if f.list != "" {
		more, err := readList(f.list, stderr)
		if err != nil {
			return usageErr(err.Error())
		}
		f.targets = append(f.targets, more...)
	}
	if len(f.targets) == 0 {
		_, _ = fmt.Fprintf(stderr, "crossorigin scan: no target to scan in %s\n", f.list)
		return 2
	}
	tr, err := scanTransport(f.proxy, f.resolves)
	if err != nil {
		return usageErr(err.Error())
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
	if err != nil {
		return usageErr(err.Error())
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
			return nil, fmt.Errorf("--list: %w", err)
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

// parseWithPositionals parses flags that may come before, between or after
// positional arguments ("scan URL --json"), which package flag alone stops
// at. "--" ends the flags.
func parseWithPositionals(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
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
