package scan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A Report is the outcome of one Scan.
type Report struct {
	Targets  []Target  `json:"targets"`
	Findings []Finding `json:"findings"` // most severe first
}

// Target is what happened to one scanned URL.
type Target struct {
	URL      string `json:"url"`
	Requests int    `json:"requests"`          // probes sent
	Failed   int    `json:"failed,omitempty"`  // probes that got no response
	Dropped  int    `json:"dropped,omitempty"` // probes redirected to another site, not judged
	// Throttled counts probes answered 429 Too Many Requests or 503:
	// their CORS headers may not be the endpoint's, so findings may be
	// missing. Lower Concurrency and scan again.
	Throttled int    `json:"throttled,omitempty"`
	Error     string `json:"error,omitempty"` // why the target could not be scanned
}

// A Finding is one misconfiguration, with the evidence that shows it.
type Finding struct {
	// ID is stable across runs for the same class, URL and kind of probe
	// (random labels do not enter it), for suppressions and dashboards.
	ID       string   `json:"id"`
	Class    Class    `json:"class"`
	Severity Severity `json:"severity"`
	URL      string   `json:"url"`
	// Origin is the Origin the probe sent: the one the server accepted,
	// or, for findings about the response itself, the one that showed it.
	Origin string `json:"origin"`
	// Credentials reports whether a browser would let a page on Origin
	// read the response of a credentialed request.
	Credentials bool `json:"credentials"`
	// Browsers lists the browser engines that can send Origin at all:
	// chromium, firefox, safari.
	Browsers    []string `json:"browsers"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Fix         string   `json:"fix"`
	Evidence    Evidence `json:"evidence"`
	// PoC is an HTML page that demonstrates the finding from Origin, for
	// findings where a browser would share the response; empty otherwise.
	PoC string `json:"poc,omitempty"`
}

// Evidence is the exchange behind a finding.
type Evidence struct {
	Request Request `json:"request"`
	Status  int     `json:"status"`
	// FinalURL is where same-site redirects ended, if anywhere else.
	FinalURL string `json:"final_url,omitempty"`
	// Headers holds the response's CORS, Vary, caching and content-type
	// headers, several values joined with ", ".
	Headers map[string]string `json:"headers"`
	// Verdict is what a browser does with the response: "allowed",
	// "allowed without credentials", or "blocked: " and Chromium's
	// CorsError name.
	Verdict string `json:"browser_verdict"`
}

// Request is a probe as sent. Cookie and Authorization values are
// redacted.
type Request struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

func (r *Report) sort() {
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.URL, b.URL),
			cmp.Compare(slices.Index(Classes, a.Class), slices.Index(Classes, b.Class)), cmp.Compare(a.Origin, b.Origin))
	})
}

// Max returns the highest severity found, and false if nothing was found.
func (r *Report) Max() (Severity, bool) {
	if len(r.Findings) == 0 {
		return Info, false
	}
	m := Info
	for _, f := range r.Findings {
		m = max(m, f.Severity)
	}
	return m, true
}

// AtLeast reports whether some finding is at least as severe as s.
func (r *Report) AtLeast(s Severity) bool {
	m, ok := r.Max()
	return ok && m >= s
}

// Errors returns the targets that could not be scanned.
func (r *Report) Errors() []Target {
	var out []Target
	for _, t := range r.Targets {
		if t.Error != "" {
			out = append(out, t)
		}
	}
	return out
}

// Count returns the number of findings per severity.
func (r *Report) Count() map[Severity]int {
	m := map[Severity]int{}
	for _, f := range r.Findings {
		m[f.Severity]++
	}
	return m
}

// jsonReport is the --json document.
type jsonReport struct {
	Tool     string         `json:"tool"`
	Version  int            `json:"version"`
	Summary  map[string]int `json:"summary"`
	Targets  []Target       `json:"targets"`
	Findings []Finding      `json:"findings"`
}

// WriteJSON writes the report as one indented JSON object with "targets",
// "summary" (findings per severity) and "findings".
func (r *Report) WriteJSON(w io.Writer) error {
	doc := jsonReport{Tool: "crossorigin scan", Version: 1, Summary: map[string]int{}, Targets: r.Targets, Findings: r.Findings}
	counts := r.Count()
	for s := Info; s <= Critical; s++ {
		doc.Summary[s.String()] = counts[s]
	}
	if doc.Targets == nil {
		doc.Targets = []Target{}
	}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// ANSI colours for the text report.
var severityColor = map[Severity]string{
	Critical: "\x1b[1;31m", High: "\x1b[31m", Medium: "\x1b[33m", Low: "\x1b[36m", Info: "\x1b[2m",
}

// WriteText writes a summary grouped by severity, most severe first, for
// people. color adds ANSI colours; use it only on a terminal.
func (r *Report) WriteText(w io.Writer, color bool) error {
	ew := &errWriter{w: w}
	paint := func(s Severity, text string) string {
		if !color {
			return text
		}
		return severityColor[s] + text + "\x1b[0m"
	}
	counts := r.Count()
	var parts []string
	for s := Critical; s >= Info; s-- {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	ew.printf("Scanned %d URL(s), %d finding(s)", len(r.Targets), len(r.Findings))
	if len(parts) > 0 {
		ew.printf(": %s", strings.Join(parts, ", "))
	}
	ew.printf("\n")
	for s := Critical; s >= Info; s-- {
		if counts[s] == 0 {
			continue
		}
		ew.printf("\n%s\n", paint(s, strings.ToUpper(s.String())))
		for _, f := range r.Findings {
			if f.Severity != s {
				continue
			}
			ew.printf("  [%s] %s\n", f.Class, f.URL)
			ew.printf("    %s\n", f.Title)
			e := f.Evidence
			ew.printf("    probe:    %s with Origin: %s\n", e.Request.Method, orNone(e.Request.Headers["Origin"]))
			ew.printf("    response: %d", e.Status)
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Vary", "Cache-Control"} {
				if v, ok := e.Headers[h]; ok {
					ew.printf("; %s: %s", h, v)
				}
			}
			ew.printf("\n    browser:  %s", e.Verdict)
			if f.Origin != "" {
				ew.printf(" (can send this origin: %s)", strings.Join(f.Browsers, ", "))
			}
			ew.printf("\n")
			ew.printf("    %s\n", f.Description)
			ew.printf("    fix: %s\n", f.Fix)
		}
	}
	for _, t := range r.Targets {
		if t.Throttled > 0 {
			ew.printf("\nWarning: %s answered %d of %d probes with 429 or 503; findings may be missing (lower --concurrency).\n", t.URL, t.Throttled, t.Requests)
		}
	}
	if errs := r.Errors(); len(errs) > 0 {
		ew.printf("\nNot scanned:\n")
		for _, t := range errs {
			ew.printf("  %s: %s\n", t.URL, t.Error)
		}
	}
	return ew.err
}

// errWriter keeps the first write error, so that the printing code stays
// linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
