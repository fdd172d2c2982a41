package demo_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
)

// TestRunAllInFirefox runs every scenario in headless Firefox: the page
// must work there too, and the browser package, a model of Chromium, must
// predict Firefox's outcome for every built-in scenario.
func TestRunAllInFirefox(t *testing.T) {
	if _, err := firefox.Path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
	ff, err := firefox.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer ff.Close()
	d := startDemo(t)
	if err := ff.Navigate(d.PageURL + "/"); err != nil {
		t.Fatal(err)
	}
	n := len(d.Scenarios())
	// The scenario list arrives with a fetch after load.
	waitFor(t, ff, `return document.querySelectorAll("#works button").length > 0 && !document.getElementById("run-all").disabled`)
	var title string
	if err := ff.Execute(`document.getElementById("run-all").click(); return document.getElementById("actual-title").textContent`, &title); err != nil {
		t.Fatal(err)
	}
	if title != "Firefox did" {
		t.Errorf("outcome column is titled %q, want %q", title, "Firefox did")
	}
	waitFor(t, ff, `const rows = document.querySelectorAll("#summary tr");
		return rows.length === `+strconv.Itoa(n)+` && !document.getElementById("run").disabled`)
	var rows []string
	if err := ff.Execute(`return [...document.querySelectorAll("#summary tr")].map((r) => r.dataset.id + " " + r.lastChild.className)`, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d summary rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		if !strings.HasSuffix(r, " yes") {
			t.Errorf("summary row %q: prediction and Firefox disagree", r)
		}
	}
}

// waitFor polls a script until it returns true, for at most a minute.
func waitFor(t *testing.T, ff *firefox.Browser, script string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var ok bool
		if err := ff.Execute(script, &ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", script)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
