package browserdiff

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/e2e/internal/headless"
)

var update = flag.Bool("update", false, "rewrite RESULTS.md from this run")

var chromium *headless.Browser

func TestMain(m *testing.M) { os.Exit(headless.Run(m, &chromium)) }

// engine names a real browser engine the cases run in.
type engine string

// The engines.
const (
	engChromium engine = "chromium"
	engFirefox  engine = "firefox"
	engWebKit   engine = "webkit"
)

// TestDifferential runs every case in Chromium and through
// browser.Transport and fails on every disagreement not in knownDiff: in
// the verdict, the CORS error name, the net error, the console message,
// the readable response headers and body, or the requests the server saw.
func TestDifferential(t *testing.T) {
	t.Parallel() // with the other engines' differential tests
	differential(t, engChromium, knownDiff, func(srv *server, cases []*tcase) (map[string]result, string) {
		return runChromium(t, srv, cases, 4)
	})
}

// differential runs every case in the engine, with runReal, and through
// browser.Transport as a model of that engine, and fails on every
// disagreement not in known.
func differential(t *testing.T, e engine, known map[string]string, runReal func(*server, []*tcase) (map[string]result, string)) {
	cases := allCases() // TestCaseTable checks the table
	srv := startServer(t, cases, string(e))
	// The two sides use distinct URLs, so they can run at once.
	var ours map[string]result
	done := make(chan struct{})
	go func() {
		defer close(done)
		ours = runOurs(t, srv, cases, e)
	}()
	real, product := runReal(srv, cases)
	<-done

	var rows []row
	for _, c := range cases {
		r, ok := real[c.Name]
		if !ok {
			continue // already reported
		}
		rows = append(rows, row{c: c, real: r, ours: ours[c.Name]})
	}

	agree := 0
	for _, r := range rows {
		diffs := compare(e, r.real, r.ours)
		why, isKnown := known[r.c.Name]
		switch {
		case len(diffs) == 0:
			agree++
			if isKnown {
				// Not an error: the browser package may land a fix
				// before this table learns of it.
				t.Logf("case %s agrees now in %s: remove it from the known differences", r.c.Name, e)
			}
		case !isKnown:
			t.Errorf("case %s (%s), %s:\n\t%s", r.c.Name, r.c.describe(), e, strings.Join(diffs, "\n\t"))
		default:
			t.Logf("case %s: known difference in %s (%s):\n\t%s", r.c.Name, e, why, strings.Join(diffs, "\n\t"))
		}
	}
	t.Logf("%s (%s): %d of %d cases agree with the model", e, product, agree, len(rows))
	if *update {
		name := "RESULTS.md"
		if e != engChromium {
			name = "RESULTS-" + string(e) + ".md"
		}
		if err := os.WriteFile(name, renderResults(e, rows, product, known), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// row is one case with its results on both sides.
type row struct {
	c          *tcase
	real, ours result
}

// compare lists the differences of the results of a case in the engine
// and in its model, step by step. What is compared depends on what the
// engine shows: Chromium names its CORS error and net error (DevTools) and
// prints a console message; Firefox's console gives a message made from a
// string whose key names the error (Reason, on both sides, is that key);
// WebKit shows script "TypeError: Load failed" and nothing more.
func compare(e engine, real, ours result) []string {
	var d []string
	for i := 0; i < max(len(real.Steps), len(ours.Steps)); i++ {
		var c, o outcome
		if i < len(real.Steps) {
			c = real.Steps[i]
		}
		if i < len(ours.Steps) {
			o = ours.Steps[i]
		}
		p := ""
		if len(real.Steps) > 1 {
			p = fmt.Sprintf("step %d: ", i+1)
		}
		if c.Verdict != o.Verdict {
			d = append(d, fmt.Sprintf("%sverdict: %s %q, ours %q", p, e, c.Verdict, o.Verdict))
		}
		if e != engWebKit && c.Reason != o.Reason {
			d = append(d, fmt.Sprintf("%sreason: %s %q, ours %q", p, e, c.Reason, o.Reason))
		}
		// The console message must match exactly. A TypeError without
		// one has only fetch's text ("TypeError: Failed to fetch"), which
		// ours may follow with an explanation.
		if e != engWebKit && c.Message != o.Message && !(strings.HasPrefix(c.Message, "TypeError: ") && strings.HasPrefix(o.Message, c.Message)) {
			d = append(d, fmt.Sprintf("%sconsole message:\n\t\t%-8s %q\n\t\tours     %q", p, e, c.Message, o.Message))
		}
		if o.Selfcheck != "" {
			d = append(d, fmt.Sprintf("%sours contradicts the server's log: %s", p, o.Selfcheck))
		}
		if e == engChromium && c.Net != o.Net {
			d = append(d, fmt.Sprintf("%snet error: %s %q, ours %q", p, e, c.Net, o.Net))
		}
		if c.Body != o.Body {
			d = append(d, fmt.Sprintf("%sbody: %s %q, ours %q", p, e, c.Body, o.Body))
		}
		if cs, os := strings.Join(c.Headers, "; "), strings.Join(o.Headers, "; "); cs != os {
			d = append(d, fmt.Sprintf("%sreadable headers: %s [%s], ours [%s]", p, e, cs, os))
		}
	}
	if cs, os := strings.Join(real.Wire, " ; "), strings.Join(ours.Wire, " ; "); cs != os {
		d = append(d, fmt.Sprintf("server saw: %s [%s], ours [%s]", e, cs, os))
	}
	return d
}

// renderResults writes the table of RESULTS.md.
func renderResults(e engine, rows []row, product string, knownDiff map[string]string) []byte {
	var b bytes.Buffer
	name := map[engine]string{engChromium: "Chromium", engFirefox: "Firefox", engWebKit: "WebKit"}[e]
	fmt.Fprintf(&b, "# browser.Transport against %s\n\n", name)
	b.WriteString("Generated by `go test ./browserdiff -update` (in e2e/); do not edit by hand.\n")
	fmt.Fprintf(&b, "Each case runs as fetch() in %s (%s) and through browser.Transport, as a model of %s, against the same scripted loopback server.\n", name, product, name)
	b.WriteString("A result is the outcome of each fetch (status and response type, or TypeError with the engine's own name of the CORS error where it shows one (Chromium's CorsError and net error, Firefox's console key; WebKit shows none), and the response headers script could read), then, after `||`, the requests the server saw: preflight or not, method, URL, Origin, Access-Control-Request-Method and -Headers, the cookies that came along, and which of the case's own request headers arrived (`sent=`).\n")
	b.WriteString("The table shows the names of readable headers; the test compares their values too, and the console messages listed below.\n")
	b.WriteString("The API is http://api.example.test; pages are `app` (http://app.example.test: cross-origin, same site), `same` (http://api.example.test), `null` (a sandboxed page) or `evil` (http://evil.test: cross-site). The browser holds the cookie sid=1 for api, set without a SameSite attribute, and so does the Transport's jar.\n\n")
	agree, known := 0, 0
	for _, r := range rows {
		if len(compare(e, r.real, r.ours)) == 0 {
			agree++
		}
		if _, ok := knownDiff[r.c.Name]; ok {
			known++
		}
	}
	fmt.Fprintf(&b, "%d cases, %d agree, %d known differences (see knownDiff in ours_test.go and engines_test.go).\n\n", len(rows), agree, known)
	var notes []row
	fmt.Fprintf(&b, "| case | request | %s | ours | agree |\n|---|---|---|---|---|\n", name)
	for _, r := range rows {
		ours, ag := cell(r.ours.render(false)), "yes"
		if len(compare(e, r.real, r.ours)) > 0 {
			ag = "**no**"
			if why, ok := knownDiff[r.c.Name]; ok {
				ag = "known: " + cell(why)
			}
		}
		if r.ours.String() == r.real.String() {
			ours = "same"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.c.Name, cell(r.c.describe()), cell(r.real.render(false)), ours, ag)
		if r.c.Note != "" {
			notes = append(notes, r)
		}
	}
	fmt.Fprintf(&b, "\n## %s's console messages\n\n", name)
	fmt.Fprintf(&b, "The message %s printed for each CORS error (origins named by host, the run's path segment as {run}); the test compares them with the model's.\n\n", name)
	for _, r := range rows {
		for i, s := range r.real.Steps {
			if s.Message == "" {
				continue
			}
			step := ""
			if len(r.real.Steps) > 1 {
				step = fmt.Sprintf(" (step %d)", i+1)
			}
			fmt.Fprintf(&b, "- `%s`%s: %s\n", r.c.Name, step, s.Message)
		}
	}
	if len(notes) > 0 && e == engChromium {
		b.WriteString("\n## Where Chromium departs from the Fetch standard\n\n")
		// One item per departure, naming every case that shows it.
		sort.SliceStable(notes, func(i, j int) bool { return notes[i].c.Name < notes[j].c.Name })
		names := make(map[string][]string)
		var order []string
		for _, r := range notes {
			if names[r.c.Note] == nil {
				order = append(order, r.c.Note)
			}
			names[r.c.Note] = append(names[r.c.Note], "`"+r.c.Name+"`")
		}
		for _, note := range order {
			fmt.Fprintf(&b, "- %s: %s\n", strings.Join(names[note], ", "), note)
		}
	}
	return b.Bytes()
}

// cell escapes s for a cell of a Markdown table.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
