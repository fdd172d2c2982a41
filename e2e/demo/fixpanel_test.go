package demo_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// On a 400 px wide screen a tap on a scenario (the list sits above the
// result) brings the verdict into view, the Fix panel shows the browser
// package's diagnosis, and the sequence diagram keeps its size (it scrolls
// sideways instead of shrinking its text).
func TestNarrowScreenTap(t *testing.T) {
	d := startDemo(t)
	ctx := openPage(t, d)
	dir := artifactDir(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(400, 800, chromedp.EmulateMobile), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`button[data-id="header-not-allowed"]`)); err != nil {
		t.Fatal(err)
	}
	res, err := waitRun(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if res["actual"] != "blocked" || res["agree"] != "true" {
		t.Errorf("header-not-allowed: %v", res)
	}
	// revealResults runs after the result: give the scroll a frame.
	type box struct{ Top, Bottom, Height, Width, Natural float64 }
	var b box
	js := `new Promise((resolve) => requestAnimationFrame(() => {
		const v = document.getElementById("verdict").getBoundingClientRect();
		const img = document.querySelector("#diagram img");
		resolve({Top: v.top, Bottom: v.bottom, Height: window.innerHeight,
			Width: img ? img.getBoundingClientRect().width : 0, Natural: img ? img.naturalWidth : 0});
	}))`
	b, err = chromedp.Run(ctx, chromedp.Evaluate[box](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if b.Top < 0 || b.Bottom > b.Height {
		t.Errorf("verdict at %.0f-%.0f of a %.0f px viewport: not visible after the tap", b.Top, b.Bottom, b.Height)
	}
	if b.Natural == 0 || b.Width < b.Natural {
		t.Errorf("diagram drawn %.0f px wide of its %.0f: shrunk on a narrow screen", b.Width, b.Natural)
	}
	cause, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#fix .cause") || {}).textContent || ""`))
	if err != nil || cause != "header-not-allowed" {
		t.Errorf("Fix panel cause = %q, %v", cause, err)
	}
	fix, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("fix").textContent`))
	if err != nil || !strings.Contains(fix, "Access-Control-Allow-Headers") {
		t.Errorf("Fix panel = %q, %v", fix, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("400 px screenshot: %s", writeArtifact(t, dir, "demo-400px.png", png))
	if png, err = chromedp.Run(ctx, chromedp.Screenshot(`#predicted`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("400 px prediction: %s", writeArtifact(t, dir, "demo-400px-prediction.png", png))
	if png, err = chromedp.Run(ctx, chromedp.Screenshot(`#diagram-figure`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("400 px diagram: %s", writeArtifact(t, dir, "demo-400px-diagram.png", png))
}

// An input error clears the last result at once, before anything is
// sent, and the composer refuses to send what fetch() would refuse.
func TestComposerErrorClearsResult(t *testing.T) {
	d := startDemo(t)
	ctx := openPage(t, d)
	if err := chromedp.Do(ctx, chromedp.Click(`button[data-id="simple-get"]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRun(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// Typing a header line without a colon: the old result goes.
	type state struct {
		Badges  int
		Verdict string
		Errors  string
		Hidden  bool
		Diagram bool
	}
	js := `(() => {
		const h = document.getElementById("req-headers");
		h.value = "no colon here";
		h.dispatchEvent(new Event("input", {bubbles: true}));
		const e = document.getElementById("input-errors");
		return {Badges: document.querySelectorAll("#results .badge").length, Verdict: document.getElementById("verdict").textContent,
			Errors: e.textContent, Hidden: e.hidden, Diagram: !document.getElementById("diagram-figure").hidden};
	})()`
	st, err := chromedp.Run(ctx, chromedp.Evaluate[state](js))
	if err != nil {
		t.Fatal(err)
	}
	if st.Badges != 0 || st.Verdict != "" || st.Diagram || st.Hidden || !strings.Contains(st.Errors, "want Name: value") {
		t.Errorf("after an input error: %+v", st)
	}
	// Run: nothing is sent, the problems are listed.
	js = `(() => {
		document.getElementById("req-headers").value = "";
		document.getElementById("req-method").value = "GET";
		document.getElementById("req-body").value = "x";
		document.getElementById("run").click();
		return document.getElementById("input-errors").textContent;
	})()`
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil || !strings.Contains(msg, "cannot have a body") {
		t.Errorf("GET with a body: %q, %v", msg, err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#results .badge").length`)); err != nil || n != 0 {
		t.Errorf("%d badges after a refused run, %v", n, err)
	}
}
