package scan

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown for a
// pull-request comment: a summary table, then one collapsed section per
// finding with its description, fix and evidence. Everything that came
// from a server is escaped or fenced, so that a hostile response cannot
// change the comment's markup.
func (r *Report) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	counts := r.Count()
	var parts []string
	for s := Critical; s >= Info; s-- {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	ew.printf("### crossorigin scan: %d finding(s) on %d URL(s)", len(r.Findings), len(r.Targets))
	if len(parts) > 0 {
		ew.printf(" (%s)", strings.Join(parts, ", "))
	}
	ew.printf("\n\n")
	if r.Insecure {
		ew.printf("> TLS certificates were not verified (InsecureSkipVerify).\n\n")
	}
	if r.Interrupted {
		ew.printf("> The scan was interrupted: these are the findings so far.\n\n")
	}
	if len(r.Findings) > 0 {
		ew.printf("| Severity | Class | URL | Origin |\n|---|---|---|---|\n")
		for _, f := range r.Findings {
			ew.printf("| %s | %s | %s | %s |\n", f.Severity, mdCode(string(f.Class)), mdText(f.URL), mdCode(orNone(f.Origin)))
		}
		ew.printf("\n")
	}
	for _, f := range r.Findings {
		writeMarkdownFinding(ew, f)
	}
	if errs := r.Errors(); len(errs) > 0 {
		ew.printf("**Not scanned, or not to the end:**\n\n")
		for _, t := range errs {
			ew.printf("- %s: %s\n", mdText(t.URL), mdText(t.Error))
		}
	}
	return ew.err
}

func writeMarkdownFinding(ew *errWriter, f Finding) {
	ew.printf("<details>\n<summary><b>%s</b> %s on %s</summary>\n\n", f.Severity, mdCode(string(f.Class)), mdText(f.URL))
	ew.printf("**%s**\n\n%s\n\n**Fix:** %s\n\n", mdText(f.Title), mdText(f.Description), mdText(f.Fix))
	for _, e := range append([]Evidence{f.Evidence}, f.MoreEvidence...) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", e.Request.Method, e.Request.URL)
		for _, k := range sortedKeys(e.Request.Headers) {
			fmt.Fprintf(&b, "%s: %s\n", k, e.Request.Headers[k])
		}
		fmt.Fprintf(&b, "\nHTTP %d\n", e.Status)
		for _, k := range sortedKeys(e.Headers) {
			fmt.Fprintf(&b, "%s: %s\n", k, e.Headers[k])
		}
		fmt.Fprintf(&b, "\nbrowser: %s\n", e.Verdict)
		if e.Trusted != "" {
			fmt.Fprintf(&b, "bypass of the trusted origin: %s\n", e.Trusted)
		}
		fence := mdFence(b.String())
		ew.printf("%shttp\n%s%s\n\n", fence, b.String(), fence)
	}
	ew.printf("</details>\n\n")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mdText escapes text for Markdown outside code: HTML and the characters
// that start markup.
var mdReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_",
	"[", "\\[", "]", "\\]", "|", "\\|", "\n", " ", "\r", " ", "#", "\\#",
)

func mdText(s string) string { return mdReplacer.Replace(s) }

// mdCode returns s as an inline code span whose fence is longer than any
// run of backticks inside; a | is escaped, as tables need even in code.
func mdCode(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// mdFence returns a code-block fence longer than any run of backticks in
// s, and at least three.
func mdFence(s string) string {
	return strings.Repeat("`", max(3, longestRun(s, '`')+1))
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
