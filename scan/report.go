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
	Findings []Finding `json:"findings"` // most severe first, one per class and URL
	// Insecure reports that TLS certificates were not verified
	// (Config.InsecureSkipVerify).
	Insecure bool `json:"insecure,omitempty"`
	// Interrupted reports that the context of Scan ended before every
	// probe was sent: the findings are those of the probes answered.
	Interrupted bool `json:"interrupted,omitempty"`
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
	Throttled int `json:"throttled,omitempty"`
	// Trusted lists the candidate origins (the target's own, the
	// configured ones, siblings on the registrable domain) that the
	// target reflected; the scan tried the bypasses of the first few.
	Trusted []string `json:"trusted_origins,omitempty"`
	// Seconds is the time from the target's first request to the end of
	// its scan.
	Seconds float64 `json:"seconds"`
	// Error says why the target could not be scanned, or why its scan
	// stopped early; findings of the probes it answered are kept.
	Error string `json:"error,omitempty"`
}

// A Finding is one misconfiguration, with the evidence that shows it.
type Finding struct {
	// ID is stable across runs for the same class and URL (there is one
	// finding per class and URL; random labels do not enter it), for
	// suppressions and dashboards.
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
	// Evidence is the exchange that decided the severity.
	Evidence Evidence `json:"evidence"`
	// MoreEvidence holds the other probes of the same class that
	// triggered the finding on this URL.
	MoreEvidence []Evidence `json:"more_evidence,omitempty"`
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
	// Trusted is the origin the server trusts whose check the probe's
	// Origin bypasses, for probes derived from one.
	Trusted string `json:"trusted_origin,omitempty"`
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
			cmp.Compare(slices.Index(classList, a.Class), slices.Index(classList, b.Class)), cmp.Compare(a.Origin, b.Origin))
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
	Tool        string         `json:"tool"`
	Version     int            `json:"version"`
	Summary     map[string]int `json:"summary"`
	Insecure    bool           `json:"insecure,omitempty"`
	Interrupted bool           `json:"interrupted,omitempty"`
	Targets     []Target       `json:"targets"`
	Findings    []Finding      `json:"findings"`
}

// WriteJSON writes the report as one indented JSON object with "targets",
// "summary" (findings per severity) and "findings".
func (r *Report) WriteJSON(w io.Writer) error {
	doc := jsonReport{Tool: "crossorigin scan", Version: 1, Summary: map[string]int{}, Targets: r.Targets, Findings: r.Findings,
		Insecure: r.Insecure, Interrupted: r.Interrupted}
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

// TextOptions are the choices of WriteText.
type TextOptions struct {
	// Color adds ANSI colours; use it only on a terminal.
	Color bool
	// Verbose adds a line per target: probes sent, time taken and the
	// trusted origins found.
	Verbose bool
}

// WriteText writes a summary grouped by severity, most severe first, for
// people.
func (r *Report) WriteText(w io.Writer, opt TextOptions) error {
	ew := &errWriter{w: w}
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
	r.writeNotes(ew)
	if opt.Verbose {
		for _, t := range r.Targets {
			ew.printf("  %s: %d probes in %.2fs", t.URL, t.Requests, t.Seconds)
			if len(t.Trusted) > 0 {
				ew.printf("; trusted origins: %s", strings.Join(t.Trusted, ", "))
			}
			ew.printf("\n")
		}
	}
	for s := Critical; s >= Info; s-- {
		if counts[s] == 0 {
			continue
		}
		heading := strings.ToUpper(s.String())
		if opt.Color {
			heading = severityColor[s] + heading + "\x1b[0m"
		}
		ew.printf("\n%s\n", heading)
		for _, f := range r.Findings {
			if f.Severity == s {
				writeFinding(ew, f)
			}
		}
	}
	for _, t := range r.Targets {
		if t.Throttled > 0 {
			ew.printf("\nWarning: %s answered %d of %d probes with 429 or 503; findings may be missing (lower Concurrency or set a Rate).\n", t.URL, t.Throttled, t.Requests)
		}
	}
	if errs := r.Errors(); len(errs) > 0 {
		ew.printf("\nNot scanned (or not to the end):\n")
		for _, t := range errs {
			ew.printf("  %s: %s\n", t.URL, t.Error)
		}
	}
	return ew.err
}

// writeNotes says how far the results can be trusted.
func (r *Report) writeNotes(ew *errWriter) {
	if r.Insecure {
		ew.printf("Note: TLS certificates were not verified (InsecureSkipVerify).\n")
	}
	if r.Interrupted {
		ew.printf("Note: the scan was interrupted; these are the findings so far.\n")
	}
}

func writeFinding(ew *errWriter, f Finding) {
	ew.printf("  [%s] %s\n", f.Class, f.URL)
	ew.printf("    %s\n", f.Title)
	for i, e := range append([]Evidence{f.Evidence}, f.MoreEvidence...) {
		label := "probe:   "
		if i > 0 {
			label = "also:    "
		}
		ew.printf("    %s %s with Origin: %s", label, e.Request.Method, orNone(e.Request.Headers["Origin"]))
		if e.Trusted != "" {
			ew.printf(" (bypass of trusted %s)", e.Trusted)
		}
		ew.printf("\n")
		if i > 0 {
			continue
		}
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
	}
	ew.printf("    %s\n", f.Description)
	ew.printf("    fix: %s\n", f.Fix)
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
