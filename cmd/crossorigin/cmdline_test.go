package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/configerr"
)

// testCmdLine has one flag of each kind.
func testCmdLine() (*cmdLine, *string, *bool, *int, *time.Duration, *[]string) {
	cl := newCmdLine("test", "Usage: crossorigin test [flags] ARG...", "Exit status: 0.")
	fs := cl.FlagSet
	s := fs.String("origin", "", "the page's `ORIGIN`, e.g. https://app.example.com")
	b := fs.Bool("json", false, "print JSON")
	n := fs.Int("concurrency", 8, "requests in flight, `N`, e.g. 16")
	d := fs.Duration("timeout", 30*time.Second, "bound on the exchange, a `DURATION`, e.g. 1m")
	l := listFlag(fs, "H", "a request header, `'NAME: VALUE'`, e.g. 'X-Id: 1'")
	return cl, s, b, n, d, l
}

func TestCmdLineParseForms(t *testing.T) {
	cl, s, b, n, d, l := testCmdLine()
	pos, help := cl.Parse([]string{"a", "--origin", "https://x.example", "b", "--json", "-concurrency=3", "--timeout=2s", "-H", "X: 1", "-", "--", "--json"})
	if help {
		t.Error("help reported")
	}
	if code, failed := cl.Failed(&bytes.Buffer{}); failed {
		t.Fatalf("failed with %d: %q", code, cl.problems)
	}
	if *s != "https://x.example" || !*b || *n != 3 || *d != 2*time.Second || !slices.Equal(*l, []string{"X: 1"}) {
		t.Errorf("flags: %q %v %d %v %q", *s, *b, *n, *d, *l)
	}
	if want := []string{"a", "b", "-", "--json"}; !slices.Equal(pos, want) {
		t.Errorf("positional = %q, want %q", pos, want)
	}
	for _, h := range []string{"-h", "--help", "-help"} {
		cl, _, _, _, _, _ := testCmdLine()
		if _, help := cl.Parse([]string{"x", h}); !help {
			t.Errorf("%s: no help", h)
		}
	}
	cl, _, b, _, _, _ = testCmdLine()
	cl.Parse([]string{"--json=false"})
	if *b {
		t.Error("--json=false left the flag on")
	}
}

// TestCmdLineEveryProblemAtOnce checks that all bad flags and values are
// reported, each by flag name, then one line pointing at --help, and
// nothing else (not the whole help).
func TestCmdLineEveryProblemAtOnce(t *testing.T) {
	cl, _, _, _, _, _ := testCmdLine()
	cl.Parse([]string{"--concurrency", "many", "--bogus", "--timout", "1s", "--timeout", "soon", "--json=maybe", "--origin"})
	cl.Bad("origin", "null", "not allowed here")
	cl.Problem("give one ARG")
	var stderr bytes.Buffer
	code, failed := cl.Failed(&stderr)
	if !failed || code != 2 {
		t.Fatalf("Failed = %d, %v", code, failed)
	}
	want := []string{
		`crossorigin test: --concurrency "many": want a whole number (N, e.g. 16)`,
		`crossorigin test: unknown flag --bogus`,
		`crossorigin test: unknown flag --timout (did you mean --timeout?)`,
		`crossorigin test: --timeout "soon": want a duration such as 30s, 1m or 2h (DURATION, e.g. 1m)`,
		`crossorigin test: --json "maybe": want true or false`,
		`crossorigin test: --origin: needs a value: ORIGIN, e.g. https://app.example.com`,
		`crossorigin test: --origin "null": not allowed here`,
		`crossorigin test: give one ARG`,
		`see 'crossorigin test --help'`,
	}
	got := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("stderr:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCmdLineConfigErrors(t *testing.T) {
	cl, _, _, _, _, _ := testCmdLine()
	l := configerr.New("scan")
	l.Add("Concurrency", "-1", "negative", "use a positive number")
	l.Add("Transport", "", "not usable", "")
	cl.Config(l.Err(), map[string]string{"Concurrency": "concurrency"})
	var stderr bytes.Buffer
	cl.Failed(&stderr)
	for _, want := range []string{
		`crossorigin test: --concurrency "-1": negative (fix: use a positive number)` + "\n",
		"crossorigin test: scan: Transport: not usable\n",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
	if strings.Contains(stderr.String(), "Concurrency") {
		t.Errorf("stderr names the Config field instead of the flag: %q", stderr.String())
	}
}

func TestCmdLineHelp(t *testing.T) {
	cl, _, _, _, _, _ := testCmdLine()
	var out bytes.Buffer
	cl.Help(&out)
	want := `Usage: crossorigin test [flags] ARG...

Flags:
  --concurrency N
        requests in flight, N, e.g. 16 (default 8)
  -H 'NAME: VALUE'
        a request header, 'NAME: VALUE', e.g. 'X-Id: 1' (repeatable)
  --json
        print JSON
  --origin ORIGIN
        the page's ORIGIN, e.g. https://app.example.com
  --timeout DURATION
        bound on the exchange, a DURATION, e.g. 1m (default 30s)

Exit status: 0.
`
	if out.String() != want {
		t.Errorf("help:\n%s\nwant:\n%s", out.String(), want)
	}
}

// converted are the commands that use cmdLine.
var converted = []string{"check", "demo", "proxy", "scan", "version"}

// TestHelpConventions checks every command: --help and -h print the help
// to stdout and exit 0, every flag that takes a value names its type in
// upper case and gives an example, and a bad flag is reported on stderr
// with exit 2 and one line pointing at --help, not the whole help.
func TestHelpConventions(t *testing.T) {
	for _, c := range commands {
		if !slices.Contains(converted, c.name) {
			continue
		}
		for _, h := range []string{"--help", "-h"} {
			var stdout, stderr bytes.Buffer
			if code := c.run(context.Background(), []string{h}, &stdout, &stderr); code != 0 || stderr.Len() > 0 {
				t.Errorf("%s %s: exit %d, stderr %q", c.name, h, code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "Usage: crossorigin "+c.name) {
				t.Errorf("%s %s: stdout %q", c.name, h, stdout.String())
			}
			checkFlagHelp(t, c.name, stdout.String())
		}
		var stdout, stderr bytes.Buffer
		if code := c.run(context.Background(), []string{"--no-such-flag"}, &stdout, &stderr); code != 2 {
			t.Errorf("%s --no-such-flag: exit %d", c.name, code)
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if stdout.Len() > 0 || len(lines) < 2 || lines[len(lines)-1] != "see 'crossorigin "+c.name+" --help'" ||
			!strings.Contains(lines[0], "unknown flag --no-such-flag") || strings.Contains(stderr.String(), "Usage:") {
			t.Errorf("%s --no-such-flag: stdout %q, stderr %q", c.name, stdout.String(), stderr.String())
		}
	}
}

// checkFlagHelp checks the flag entries of a command's help.
func checkFlagHelp(t *testing.T, name, help string) {
	t.Helper()
	_, flags, ok := strings.Cut(help, "\nFlags:\n")
	if !ok {
		if strings.Contains(help, "--") {
			t.Errorf("%s: help has flags but no Flags: section", name)
		}
		return
	}
	flags, _, _ = strings.Cut(flags, "\n\n")
	var head, usage string
	check := func() {
		if head == "" {
			return
		}
		f, typ, hasType := strings.Cut(strings.TrimSpace(head), " ")
		if hasType && (typ != strings.ToUpper(typ) || !strings.Contains(usage, "e.g.")) {
			t.Errorf("%s %s: type %q and usage %q; want an upper-case type and an example (e.g.)", name, f, typ, usage)
		}
	}
	for line := range strings.SplitSeq(flags, "\n") {
		if strings.HasPrefix(line, "  -") {
			check()
			head, usage = line, ""
		} else {
			usage += " " + strings.TrimSpace(line)
		}
	}
	check()
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "crossorigin ") || !strings.Contains(stdout.String(), "go1.") {
		t.Errorf("version: %q", stdout.String())
	}
}

func TestMainUsage(t *testing.T) {
	for _, tt := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{nil, 2, "", "Usage: crossorigin <command>"},
		{[]string{"--help"}, 0, "Usage: crossorigin <command>", ""},
		{[]string{"help"}, 0, "Usage: crossorigin <command>", ""},
		{[]string{"nope"}, 2, "", "crossorigin: unknown command \"nope\"\nsee 'crossorigin --help'\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) ||
			(tt.stdout == "") != (stdout.Len() == 0) || (tt.stderr == "") != (stderr.Len() == 0) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", tt.args, code, stdout.String(), stderr.String())
		}
	}
}

// TestProxyHelp: the proxy's help, on stdout, names each flag's
// environment variable and shows each form of --redis on its own line.
func TestProxyHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runProxy(context.Background(), []string{"--help"}, &stdout, &stderr); code != 0 || stderr.Len() > 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	for _, want := range []string{"Usage: crossorigin proxy", "  --allow-private CIDR\n", "[CROSSORIGIN_PROXY_ALLOW_PORT]", "  --redis URL\n", "\n        redis+cluster://"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
}
