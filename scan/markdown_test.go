package scan

import (
	"bytes"
	"strings"
	"testing"
)

func TestMarkdownReport(t *testing.T) {
	rep := scanZoo(t, Config{}, "reflect", "special-char", "localhost")
	rep.Targets = append(rep.Targets, Target{URL: "https://down.example/", Error: "connection refused"})
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"### crossorigin scan: ", "| Severity | Class | URL | Origin |", "| critical | `reflect-any-origin` |",
		"<details>", "**Fix:**", "```http\nGET https://api.example.com:", "Not scanned", "connection refused",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if n, m := strings.Count(md, "<details>"), strings.Count(md, "</details>"); n != len(rep.Findings) || m != n {
		t.Errorf("%d <details> and %d </details> for %d findings", n, m, len(rep.Findings))
	}
}

// TestMarkdownEscapesServerText: text from a hostile server cannot close
// a code block, a table cell or inject HTML into the comment.
func TestMarkdownEscapesServerText(t *testing.T) {
	hostile := "</details><img src=x onerror=alert(1)> | ``` *x*"
	rep := &Report{
		Targets: []Target{{URL: "https://a.example/", Requests: 1}},
		Findings: []Finding{{
			Class: InvalidAllowOrigin, URL: "https://a.example/", Origin: "https://a.example`|", Title: "t",
			Description: hostile, Fix: "f",
			Evidence: Evidence{Request: Request{Method: "GET", URL: "https://a.example/", Headers: map[string]string{"Origin": "x"}},
				Status: 200, Headers: map[string]string{"Access-Control-Allow-Origin": "````" + hostile}},
		}},
	}
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	// Outside code blocks, the text is escaped; inside, the fence is
	// longer than any run of backticks, so it stays code.
	if strings.Count(md, "\n</details>\n") != 1 || !strings.Contains(md, "&lt;/details&gt;&lt;img src=x") || !strings.Contains(md, "\\| \\`\\`\\` \\*x\\*") {
		t.Errorf("server text escaped the markup:\n%s", md)
	}
	if !strings.Contains(md, "`````http\n") {
		t.Errorf("the code fence is not longer than the backticks inside:\n%s", md)
	}
	if !strings.Contains(md, "| ``https://a.example`\\|`` |") {
		t.Errorf("the origin cell is not a safe code span:\n%s", md)
	}
}
