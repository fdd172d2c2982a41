package demo_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
	"github.com/crossorigin/crossorigin/e2e/internal/webkit"
)

// TestRunAllInFirefox runs every scenario in headless Firefox: the page
// must work there too, and the browser package's model of Firefox must
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
	runAllIn(t, "Firefox", ff.Navigate, ff.Execute, []string{"Chromium", "WebKit"})
}

// TestRunAllInWebKit does the same in WebKitGTK.
func TestRunAllInWebKit(t *testing.T) {
	if _, err := webkit.Path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
	wk, err := webkit.Start(webkit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wk.Close()
	exec := func(script string, out any) error { return wk.Execute(script, nil, out) }
	runAllIn(t, "WebKit", wk.Navigate, exec, []string{"Chromium", "Firefox"})
}

// runAllIn loads the playground with navigate, clicks "Run all" and checks
// that the page names the browser, that every summary row agrees with the
// prediction, and that the last result shows the model's verdict for the
// other engines.
func runAllIn(t *testing.T, name string, navigate func(string) error, exec func(string, any) error, others []string) {
	t.Helper()
	d := startDemo(t)
	if err := navigate(d.PageURL + "/"); err != nil {
		t.Fatal(err)
	}
	n := len(d.Scenarios())
	// The scenario list arrives with a fetch after load.
	waitFor(t, exec, `return document.querySelectorAll("#works button").length > 0 && !document.getElementById("run-all").disabled`)
	var title string
	if err := exec(`document.getElementById("run-all").click(); return document.getElementById("actual-title").textContent`, &title); err != nil {
		t.Fatal(err)
	}
	if title != name+" did" {
		t.Errorf("outcome column is titled %q, want %q", title, name+" did")
	}
	waitFor(t, exec, `const rows = document.querySelectorAll("#summary tr");
		return rows.length === `+strconv.Itoa(n)+` && !document.getElementById("run").disabled`)
	var rows []string
	if err := exec(`return [...document.querySelectorAll("#summary tr")].map((r) => r.dataset.id + " " + r.lastChild.className)`, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d summary rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		if !strings.HasSuffix(r, " yes") {
			t.Errorf("summary row %q: prediction and %s disagree", r, name)
		}
	}
	var shown []string
	if err := exec(`return [...document.querySelectorAll("#others [data-engine]")].map((s) => s.dataset.engine)`, &shown); err != nil {
		t.Fatal(err)
	}
	if strings.Join(shown, ",") != strings.Join(others, ",") {
		t.Errorf("the page shows the model's verdict for %q, want %q", shown, others)
	}
}

// waitFor polls a script until it returns true, for at most a minute.
func waitFor(t *testing.T, exec func(string, any) error, script string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var ok bool
		if err := exec(script, &ok); err != nil {
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
