// Package demo_test drives the playground of `crossorigin demo` in headless
// Chromium: every built-in scenario runs in the real browser, and the
// browser's outcome must equal the server's prediction.
package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/crossorigin/crossorigin/demo"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
)

var browser *headless.Browser

func TestMain(m *testing.M) { os.Exit(headless.Run(m, &browser)) }

// startDemo serves the playground on free loopback ports for one test.
func startDemo(t *testing.T) *demo.Demo {
	t.Helper()
	d, err := demo.Listen(demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return d
}

// waitRun waits until the page has finished a run other than prev and
// returns the results section's data attributes.
func waitRun(ctx context.Context, prev string) (map[string]string, error) {
	js := fmt.Sprintf(`new Promise((resolve, reject) => {
		const t0 = Date.now();
		(function check() {
			const r = document.getElementById("results");
			if (r.dataset.state === "done" && r.dataset.run !== %s) return resolve({...r.dataset});
			if (r.dataset.state === "error") return reject(new Error(document.getElementById("status").textContent));
			if (Date.now() - t0 > 20000) return reject(new Error("no result in 20 s, state " + r.dataset.state));
			setTimeout(check, 25);
		})();
	})`, strconv.Quote(prev))
	return chromedp.Run(ctx, chromedp.Evaluate[map[string]string](js, chromedp.EvalAwaitPromise))
}

// openPage opens the playground in a new tab. The test fails if the page
// throws an uncaught exception at any time.
func openPage(t *testing.T, d *demo.Demo) context.Context {
	t.Helper()
	ctx := browser.NewTab(t, 3*time.Minute)
	var mu sync.Mutex
	var thrown []string
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			thrown = append(thrown, fmt.Sprintf("%s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, msg))
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("uncaught exception in the page: %s", e)
		}
	})
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(d.PageURL+"/"),
		chromedp.WaitVisible(`body[data-ready="true"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// TestScenarios clicks through every built-in scenario and checks that
// Chromium's outcome is the expected one and equals the prediction.
func TestScenarios(t *testing.T) {
	d := startDemo(t)
	ctx := openPage(t, d)
	dir := artifactDir(t)
	console := watchConsole(t, ctx)
	compared := 0
	prev := ""
	for _, s := range d.Scenarios() {
		if err := chromedp.Do(ctx, chromedp.Click(fmt.Sprintf(`button[data-id=%q]`, s.ID))); err != nil {
			t.Fatalf("%s: click: %v", s.ID, err)
		}
		res, err := waitRun(ctx, prev)
		if err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		prev = res["run"]
		if res["actual"] != s.Expect {
			t.Errorf("%s: Chromium %s, the scenario expects %s", s.ID, res["actual"], s.Expect)
		}
		if res["agree"] != "true" {
			t.Errorf("%s: Chromium %s, prediction %s (headers or outcome differ)", s.ID, res["actual"], res["predicted"])
		}
		if res["wire"] != "true" {
			t.Errorf("%s: the prediction's exchanges differ from Chromium's", s.ID)
		}
		// Chromium's console message is the prediction's, word for word,
		// but for the run tag in the URLs.
		if res["actual"] == "blocked" && s.Request.Mode == "fetch" {
			got := console.message(res["run"])
			want := strings.ReplaceAll(res["message"], res["run"]+"-p", res["run"])
			if got == "" {
				t.Errorf("%s: Chromium printed no CORS error for run %s", s.ID, res["run"])
			} else if got != want {
				t.Errorf("%s: console message differs from the prediction's\nChromium:   %s\npredicted:  %s", s.ID, got, want)
			}
			compared++
		}
		shot, err := chromedp.Run(ctx, chromedp.Screenshot(`#results`))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", s.ID, err)
		}
		writeArtifact(t, dir, "result-"+s.ID+".png", shot)
	}
	t.Logf("%d console messages compared with the prediction's", compared)
	// Leave an instructive scenario on screen for the screenshot.
	if err := chromedp.Do(ctx, chromedp.Click(`button[data-id="credentials-not-allowed"]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRun(ctx, prev); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", writeArtifact(t, dir, "demo.png", png))
	// What a laptop shows without scrolling.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	if png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Fatal(err)
	}
	t.Logf("laptop screenshot: %s", writeArtifact(t, dir, "demo-1366x768.png", png))
}

// artifactDir is $CROSSORIGIN_ARTIFACTS, or a directory that outlives the
// test so that its screenshots can be looked at.
func artifactDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("CROSSORIGIN_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir, err := os.MkdirTemp("", "crossorigin-demo-")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeArtifact(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKeyboard walks the page with Tab alone: the skip link comes first,
// then the scenarios in order, and Enter on a scenario runs it.
func TestKeyboard(t *testing.T) {
	d := startDemo(t)
	ctx := openPage(t, d)
	const focused = `(() => { const a = document.activeElement; return a.dataset.id || a.id || a.className || a.tagName; })()`
	var order []string
	for range 4 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[string](focused))
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, f)
	}
	sc := d.Scenarios()
	want := []string{"skip", sc[0].ID, sc[1].ID, sc[2].ID}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("Tab order = %q, want %q", order, want)
	}
	// Enter on the focused scenario button runs it.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	res, err := waitRun(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if res["agree"] != "true" || res["actual"] != sc[2].Expect {
		t.Errorf("after Enter on %s: %v", sc[2].ID, res)
	}
	// Every form control has a label.
	unlabeled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("input, select, textarea")]
		.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id || e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(unlabeled) > 0 {
		t.Errorf("controls without a label: %q", unlabeled)
	}
}

// TestRunAll runs every scenario with the page's own button and checks the
// summary table it fills.
func TestRunAll(t *testing.T) {
	d := startDemo(t)
	ctx := openPage(t, d)
	n := len(d.Scenarios())
	// The page loads nothing its Content-Security-Policy forbids.
	err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.cspViolations = [];
		document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI))`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#run-all`)); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`new Promise((resolve, reject) => {
		const t0 = Date.now();
		(function check() {
			const rows = [...document.querySelectorAll("#summary tr")];
			if (rows.length === %d && !document.getElementById("run").disabled) return resolve(rows.map((r) => r.dataset.id + " " + r.lastChild.className));
			if (Date.now() - t0 > 60000) return reject(new Error("summary has " + rows.length + " rows"));
			setTimeout(check, 50);
		})();
	})`, n), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !strings.HasSuffix(r, " yes") {
			t.Errorf("summary row %q: prediction and Chromium disagree", r)
		}
	}
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(csp) > 0 {
		t.Errorf("CSP violations: %q", csp)
	}
}

// TestComposer runs a request composed in the form, with a policy edited
// in the form, and a policy the cors package refuses.
func TestComposer(t *testing.T) {
	d := startDemo(t)
	ctx := openPage(t, d)
	// set fills form controls by id, as typing would leave them.
	set := func(values map[string]any) chromedp.Action[chromedp.Void] {
		b, _ := json.Marshal(values)
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`for (const [id, v] of Object.entries(%s)) {
			const e = document.getElementById(id);
			if (typeof v === "boolean") e.checked = v; else e.value = v;
			if (e.value !== v && e.checked !== v) throw new Error("cannot set " + id);
		}`, b))
	}

	// A PUT with a custom header, allowed once the policy lists both.
	err := chromedp.Do(ctx,
		set(map[string]any{
			"req-method": "PUT", "req-target": "api", "req-path": "/api/echo",
			"req-headers": "X-Custom: 1\nContent-Type: application/json", "req-body": `{"a":1}`,
			"req-credentials": "include", "req-read": "X-Request-Id", "req-mode": "fetch", "req-repeat": "1",
			"pol-origins": d.PageURL, "pol-methods": "PUT", "pol-headers": "X-Custom, Content-Type",
			"pol-exposed": "", "pol-maxage": "0", "pol-credentials": true,
		}),
		chromedp.Click(`#run`),
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := waitRun(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if res["actual"] != "allowed" || res["agree"] != "true" || res["wire"] != "true" {
		t.Errorf("composed PUT: %v", res)
	}
	// The same request once the policy forgets the header: blocked, and
	// the prediction says so.
	if err := chromedp.Do(ctx, set(map[string]any{"pol-headers": "Content-Type"}), chromedp.Click(`#run`)); err != nil {
		t.Fatal(err)
	}
	res, err = waitRun(ctx, res["run"])
	if err != nil {
		t.Fatal(err)
	}
	if res["actual"] != "blocked" || res["agree"] != "true" {
		t.Errorf("composed PUT without X-Custom allowed: %v", res)
	}

	// "*" with credentials: cors.New refuses it, the page lists why, and
	// nothing is sent.
	if err := chromedp.Do(ctx, set(map[string]any{"pol-origins": "*", "pol-credentials": true}), chromedp.Click(`#run`)); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((resolve, reject) => {
		const t0 = Date.now();
		(function check() {
			const box = document.getElementById("policy-errors");
			if (!box.hidden) return resolve(box.textContent);
			if (Date.now() - t0 > 10000) return reject(new Error("no policy error shown"));
			setTimeout(check, 25);
		})();
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	goCode, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("pol-go").textContent`))
	if err != nil || !strings.Contains(goCode, `Origins:        []string{"*"}`) || !strings.Contains(goCode, "Credentials:    true") {
		t.Errorf("policy as Go = %q, %v", goCode, err)
	}
	if !strings.Contains(msg, "Credentials") || !strings.Contains(msg, `"*"`) {
		t.Errorf("policy errors = %q", msg)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("results").dataset.state`))
	if err != nil || state != "error" {
		t.Errorf("results state after a refused policy = %q, %v", state, err)
	}
}

// TestWrongOrigin opens the page as 127.0.0.1 instead of localhost: the
// page says which URL to open.
func TestWrongOrigin(t *testing.T) {
	d := startDemo(t)
	ctx := browser.NewTab(t, time.Minute)
	u := strings.Replace(d.PageURL, "localhost", "127.0.0.1", 1) + "/"
	if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(`body[data-ready="true"]`)); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const w = document.getElementById("wrong-origin"); return w.hidden ? "" : w.textContent; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, d.PageURL+"/") {
		t.Errorf("banner = %q, want it to name %s/", msg, d.PageURL)
	}
}

// consoleLog collects the CORS errors Chromium prints to the console,
// which a page's script cannot see.
type consoleLog struct {
	mu   sync.Mutex
	msgs []string
}

func watchConsole(t *testing.T, ctx context.Context) *consoleLog {
	t.Helper()
	c := &consoleLog{}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry.Source == cdplog.EntrySourceJavascript {
			c.mu.Lock()
			c.msgs = append(c.msgs, e.Entry.Text)
			c.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// message returns the CORS error printed for the run, waiting a little for
// it: the console event may trail the script's TypeError.
func (c *consoleLog) message(run string) string {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		for _, m := range c.msgs {
			if strings.Contains(m, "run="+run+"'") && strings.Contains(m, "blocked by CORS policy") {
				c.mu.Unlock()
				return m
			}
		}
		c.mu.Unlock()
	}
	return ""
}
