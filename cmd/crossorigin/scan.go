package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/scan"
)

const scanUsage = `Usage: crossorigin scan URL... [flags]
       crossorigin scan --list FILE [flags]

Probes each URL for CORS misconfigurations with origins generated for this
run, and reports every finding with its evidence, grouped by severity.

Flags:
  --list FILE          read URLs from FILE, one a line ("-" for standard
                       input); blank lines and # comments are skipped
  --json               one JSON object with a "findings" array
  --sarif              SARIF 2.1.0, for code-scanning dashboards
  -H 'Name: value'     add a request header to every probe (repeatable)
  --cookie VALUE       send this Cookie header, to scan as a logged-in user
  --method M           method of the probes (default GET)
  --origin ORIGIN      an origin the site trusts on purpose (repeatable);
                       helps the Vary and preflight checks
  --concurrency N      requests in flight (default 8)
  --timeout D          timeout of each request (default 10s)
  --fail-on SEVERITY   exit 1 when a finding is at least this severe:
                       info, low, medium (default), high, critical, or none
  --proxy URL          send probes through this proxy (overrides
                       HTTPS_PROXY, HTTP_PROXY and NO_PROXY)

The system certificate pool is used (SSL_CERT_FILE and SSL_CERT_DIR are
honoured), so a scan can run through an intercepting proxy.

Exit status: 0 nothing at or above --fail-on, 1 something is, 2 usage or
network error.
`

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var headers headerFlag
	var origins stringsFlag
	fs.Var(&headers, "H", "")
	fs.Var(&origins, "origin", "")
	asJSON := fs.Bool("json", false, "")
	asSARIF := fs.Bool("sarif", false, "")
	cookie := fs.String("cookie", "", "")
	method := fs.String("method", "GET", "")
	concurrency := fs.Int("concurrency", 8, "")
	timeout := fs.Duration("timeout", 10*time.Second, "")
	failOn := fs.String("fail-on", "medium", "")
	proxyURL := fs.String("proxy", "", "")
	list := fs.String("list", "", "")
	targets, err := parseWithPositionals(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, scanUsage)
		return 0
	}
	usageErr := func(msg string) int {
		fmt.Fprintf(stderr, "crossorigin scan: %s\n\n%s", msg, scanUsage)
		return 2
	}
	if err == nil && *list != "" {
		var more []string
		more, err = readList(*list)
		targets = append(targets, more...)
	}
	switch {
	case err != nil:
		return usageErr(err.Error())
	case len(targets) == 0:
		return usageErr("give at least one URL")
	case *asJSON && *asSARIF:
		return usageErr("--json and --sarif are exclusive")
	}
	threshold := scan.Critical + 1 // none: never fail
	if !strings.EqualFold(*failOn, "none") {
		if threshold, err = scan.ParseSeverity(*failOn); err != nil {
			return usageErr("--fail-on: " + err.Error())
		}
	}
	tr, err := httpTransport(*proxyURL)
	if err != nil {
		return usageErr(err.Error())
	}
	s, err := scan.New(scan.Config{
		Method:      strings.ToUpper(*method),
		Header:      headers.h,
		Cookie:      *cookie,
		Origins:     origins,
		Transport:   tr,
		Concurrency: *concurrency,
		Timeout:     *timeout,
	})
	if err != nil {
		return usageErr(err.Error())
	}
	rep, err := s.Scan(ctx, targets...)
	if err != nil {
		fmt.Fprintf(stderr, "crossorigin scan: %v\n", err)
		return 2
	}
	switch {
	case *asJSON:
		err = rep.WriteJSON(stdout)
	case *asSARIF:
		err = rep.WriteSARIF(stdout)
	default:
		err = rep.WriteText(stdout, isTerminal(stdout))
	}
	if err != nil {
		fmt.Fprintf(stderr, "crossorigin scan: %v\n", err)
		return 2
	}
	if (*asJSON || *asSARIF) && len(rep.Errors()) > 0 {
		for _, t := range rep.Errors() {
			fmt.Fprintf(stderr, "crossorigin scan: %s: %s\n", t.URL, t.Error)
		}
	}
	switch {
	case rep.AtLeast(threshold):
		return 1
	case len(rep.Errors()) > 0:
		return 2
	}
	return 0
}

// maxListBytes bounds a --list file: a million URLs is plenty.
const maxListBytes = 64 << 20

// readList reads URLs, one a line, from a file or from standard input.
func readList(name string) ([]string, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--list: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxListBytes))
	if err != nil {
		return nil, fmt.Errorf("--list: %w", err)
	}
	var urls []string
	for line := range strings.Lines(string(b)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			urls = append(urls, line)
		}
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
