package demo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/browser"
)

// start serves a playground on free loopback ports until the test ends.
func start(t *testing.T) *Demo {
	t.Helper()
	d, err := Listen(Config{})
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

func do(t *testing.T, method, url string, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestListenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		cfg           Config
		server, field string
	}{
		{Config{PagePort: port}, "page", "PagePort"},
		{Config{APIPort: port}, "api", "APIPort"},
		{Config{ProxyPort: port}, "proxy", "ProxyPort"},
		{Config{UpstreamPort: port}, "upstream", "UpstreamPort"},
	} {
		_, err := Listen(tc.cfg)
		var le *ListenError
		if !errors.As(err, &le) {
			t.Fatalf("%s: Listen on a busy port: err = %v, want *ListenError", tc.server, err)
		}
		if !le.InUse() || le.Server != tc.server {
			t.Errorf("%s: got %+v", tc.server, le)
		}
		msg := err.Error()
		for _, want := range []string{strconv.Itoa(port), "already in use", tc.field} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error %q does not mention %q", tc.server, msg, want)
			}
		}
	}
	// The ports bound before the failure are released again.
	d, err := Listen(Config{})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Shutdown(context.Background())
}

func TestListenRejectsNonLoopback(t *testing.T) {
	for _, host := range []string{"0.0.0.0", "::", "::1", "192.168.1.1", "example.com", "localhost"} {
		if _, err := Listen(Config{ListenHost: host}); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("ListenHost %q: err = %v, want a loopback error", host, err)
		}
	}
}

func TestOtherLoopbackAddress(t *testing.T) {
	d, err := Listen(Config{ListenHost: "127.0.0.2"})
	if err != nil {
		t.Skipf("127.0.0.2 not usable here: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Log("Serve:", err)
		}
	}()
	if !strings.HasPrefix(d.PageURL, "http://127.0.0.2:") {
		t.Errorf("PageURL = %q: localhost would not reach 127.0.0.2", d.PageURL)
	}
	resp, body := do(t, "GET", d.ProxyURL+"/"+d.UpstreamURL+"/data", "", "Origin", d.PageURL)
	if resp.StatusCode != 200 || !strings.Contains(body, "upstream") {
		t.Errorf("through the proxy on 127.0.0.2: %d %s", resp.StatusCode, body)
	}
}

func TestURLs(t *testing.T) {
	d := start(t)
	for _, u := range []string{d.PageURL, d.APIURL, d.ProxyURL} {
		if !strings.HasPrefix(u, "http://localhost:") {
			t.Errorf("URL %q: the page and its peers are addressed as localhost", u)
		}
	}
	if !strings.HasPrefix(d.UpstreamURL, "http://127.0.0.1:") {
		t.Errorf("UpstreamURL = %q", d.UpstreamURL)
	}
}

func TestPageServesEmbeddedFiles(t *testing.T) {
	d := start(t)
	for _, tc := range []struct {
		path, ctype, contains string
	}{
		{"/", "text/html", `<script src="/static/app.js"`},
		{"/static/app.js", "javascript", "fetch("},
		{"/static/style.css", "text/css", ".cards"},
	} {
		resp, body := do(t, "GET", d.PageURL+tc.path, "")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: %d %s, body has %q: %v", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains, strings.Contains(body, tc.contains))
		}
	}
	resp, body := do(t, "GET", d.PageURL+"/", "")
	if !strings.Contains(resp.Header.Get("Set-Cookie"), sessionCookie+"=") {
		t.Errorf("the page sets no session cookie: %q", resp.Header.Get("Set-Cookie"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, d.APIURL) {
		t.Errorf("CSP = %q", csp)
	}
	// Nothing is loaded from elsewhere: no absolute URLs in the page.
	if strings.Contains(body, "https://") || strings.Contains(body, "http://") {
		t.Errorf("the page refers to another site")
	}
}

func TestAPIPolicy(t *testing.T) {
	d := start(t)
	page := d.PageURL
	for _, tc := range []struct {
		name         string
		method, path string
		hdr          []string
		status       int
		acao, acac   string
	}{
		{"simple GET from the page", "GET", "/api/echo", []string{"Origin", page}, 200, page, "true"},
		{"GET from another origin", "GET", "/api/echo", []string{"Origin", "http://evil.test"}, 200, "", ""},
		{"preflight for PATCH", "OPTIONS", "/api/echo", []string{"Origin", page, "Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "x-demo"}, 204, page, "true"},
		{"wildcard with credentials", "GET", "/broken/wildcard-credentials", []string{"Origin", page}, 200, "*", "true"},
		{"preflight behind auth", "OPTIONS", "/broken/auth-before-cors", []string{"Origin", page, "Access-Control-Request-Method", "PUT"}, 401, "", ""},
		{"redirect", "GET", "/api/redirect?run=x", []string{"Origin", page}, 307, page, "true"},
		{"csrf: POST from an untrusted origin", "POST", "/api/echo", []string{"Origin", "http://evil.test", "Sec-Fetch-Site", "cross-site", "Content-Type", "text/plain"}, 403, "", ""},
		{"csrf: POST from the page", "POST", "/api/echo", []string{"Origin", page, "Sec-Fetch-Site", "same-site", "Content-Type", "text/plain"}, 200, page, "true"},
	} {
		resp, _ := do(t, tc.method, d.APIURL+tc.path, "", tc.hdr...)
		if resp.StatusCode != tc.status || resp.Header.Get("Access-Control-Allow-Origin") != tc.acao || resp.Header.Get("Access-Control-Allow-Credentials") != tc.acac {
			t.Errorf("%s: %d ACAO %q ACAC %q, want %d %q %q", tc.name, resp.StatusCode,
				resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"), tc.status, tc.acao, tc.acac)
		}
	}
}

func TestReconfigure(t *testing.T) {
	d := start(t)
	put := func(p Policy) (*http.Response, string) {
		b, _ := json.Marshal(p)
		return do(t, "PUT", d.PageURL+"/policy", string(b), "Content-Type", "application/json")
	}
	resp, _ := put(Policy{Origins: []string{"http://localhost:8080"}, Methods: []string{"DELETE"}})
	if resp.StatusCode != 200 {
		t.Fatalf("PUT /policy: %d", resp.StatusCode)
	}
	r, _ := do(t, "GET", d.APIURL+"/api/echo", "", "Origin", d.PageURL)
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("after Reconfigure, the page's origin is still allowed: %q", got)
	}
	r, _ = do(t, "GET", d.APIURL+"/api/echo", "", "Origin", "http://localhost:8080")
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:8080" {
		t.Errorf("after Reconfigure, ACAO = %q", got)
	}
	// A refused policy lists every problem and leaves the current one alone.
	resp, body := put(Policy{Origins: []string{"*"}, Credentials: true})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"errors"`) {
		t.Errorf("PUT a policy with * and credentials: %d %s", resp.StatusCode, body)
	}
	_, body = do(t, "GET", d.PageURL+"/policy", "")
	if !strings.Contains(body, "localhost:8080") {
		t.Errorf("GET /policy after a refused PUT: %s", body)
	}
	resp, _ = do(t, "PUT", d.PageURL+"/policy", `{"origins":["x"],"bogus":1}`, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT /policy with an unknown field: %d", resp.StatusCode)
	}
}

func TestJSONP(t *testing.T) {
	d := start(t)
	resp, body := do(t, "GET", d.APIURL+"/api/jsonp?callback=cb1&run=j", "")
	if resp.StatusCode != 200 || !strings.Contains(body, "cb1(") || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("JSONP: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, _ = do(t, "GET", d.APIURL+"/api/jsonp?callback=alert(1)", "")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSONP with a hostile callback: %d, want 400", resp.StatusCode)
	}
}

func TestProxy(t *testing.T) {
	d := start(t)
	resp, body := do(t, "GET", d.ProxyURL+"/"+d.UpstreamURL+"/data?run=p", "", "Origin", d.PageURL)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != d.PageURL || !strings.Contains(body, "upstream") {
		t.Errorf("through the proxy: %d ACAO %q %s", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), body)
	}
	// Origin null (after a cross-origin redirect) is refused, and the log
	// says why.
	resp, _ = do(t, "GET", d.ProxyURL+"/"+d.UpstreamURL+"/data?run=pnull", "", "Origin", "null")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("proxy with Origin null: %d", resp.StatusCode)
	}
	if ex := d.log.Run("pnull"); len(ex) != 1 || len(ex[0].Notes) != 1 || !strings.Contains(ex[0].Notes[0], "proxy refused") {
		t.Errorf("log of a refused proxy request: %+v", ex)
	}
	// The proxy's hole in its SSRF guard is the upstream alone.
	resp, _ = do(t, "GET", d.ProxyURL+"/"+d.APIURL+"/api/echo", "", "Origin", d.PageURL)
	if resp.StatusCode == 200 {
		t.Errorf("the proxy reached the API origin")
	}
	resp, _ = do(t, "GET", d.UpstreamURL+"/data", "", "Origin", d.PageURL)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the upstream sends CORS headers")
	}
}

func TestLogAndDiagram(t *testing.T) {
	d := start(t)
	do(t, "OPTIONS", d.APIURL+"/api/echo?run=run-1", "", "Origin", d.PageURL, "Access-Control-Request-Method", "PATCH")
	do(t, "PATCH", d.APIURL+"/api/echo?run=run-1", "{}", "Origin", d.PageURL)
	do(t, "GET", d.ProxyURL+"/"+d.UpstreamURL+"/data?run=run-1", "", "Origin", d.PageURL)
	do(t, "GET", d.APIURL+"/api/echo?run=other", "", "Origin", d.PageURL)

	do(t, "OPTIONS", d.APIURL+"/api/echo?run=run-2", "", "Origin", d.PageURL, "Access-Control-Request-Method", "TRACE-ME",
		"Access-Control-Request-Headers", strings.Repeat("x", 10000))

	_, body := do(t, "GET", d.PageURL+"/log?run=run-2", "")
	var ex2 []Exchange
	if err := json.Unmarshal([]byte(body), &ex2); err != nil {
		t.Fatal(err)
	}
	if len(ex2) != 1 || len(ex2[0].Notes) != 1 || !strings.HasPrefix(ex2[0].Notes[0], "cors: ") {
		t.Errorf("a refused preflight is logged without the middleware's reason: %+v", ex2)
	} else if len(ex2[0].Request["Access-Control-Request-Headers"]) > maxLogged+10 || len(ex2[0].Notes[0]) > maxLogged+10 {
		t.Errorf("the log keeps a 10 kB header whole")
	}

	_, body = do(t, "GET", d.PageURL+"/log?run=run-1", "")
	var ex []Exchange
	if err := json.Unmarshal([]byte(body), &ex); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ex {
		got = append(got, e.Server+" "+e.Kind+" "+e.Method)
	}
	want := []string{"api preflight OPTIONS", "api request PATCH", "proxy request GET", "upstream request GET"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("log = %q, want %q", got, want)
	}

	resp, svg := do(t, "GET", d.PageURL+"/diagram?run=run-1&verdict=allowed", "")
	if resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("diagram Content-Type %q", resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"<svg", "OPTIONS /api/echo", "PATCH /api/echo", "Access-Control-Request-Method: PATCH", "Upstream", "204 No Content", "the page reads the response"} {
		if !strings.Contains(svg, want) {
			t.Errorf("diagram lacks %q", want)
		}
	}
	if strings.Contains(svg, "other") {
		t.Errorf("diagram shows another run")
	}
	for _, bad := range []string{"/log?run=", "/log?run=a%20b", "/diagram?run=" + strings.Repeat("a", 65)} {
		if resp, _ := do(t, "GET", d.PageURL+bad, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestDiagramEscapes(t *testing.T) {
	svg := Diagram([]Exchange{{Seq: 1, End: 2, Server: "api", Method: "GET", Path: "/<script>&", Status: 200,
		Request: map[string]string{"Origin": `"><svg onload=alert(1)>`}}}, map[string]string{}, "<b>")
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "<svg onload") {
		t.Errorf("diagram does not escape: %s", svg)
	}
	if empty := Diagram(nil, nil, "blocked"); !strings.Contains(empty, "no request reached a server") {
		t.Errorf("empty diagram: %s", empty)
	}
}

func TestLogRing(t *testing.T) {
	l := newRequestLog(3)
	for i := range 5 {
		l.add(Exchange{Seq: l.tick(), Run: "r", Path: "/" + strconv.Itoa(i)})
	}
	ex := l.Run("r")
	if len(ex) != 3 || ex[0].Path != "/2" || ex[2].Path != "/4" {
		t.Errorf("ring kept %v", ex)
	}
}

func TestValidRun(t *testing.T) {
	for s, want := range map[string]bool{
		"r1": true, "abc-DEF_1.p": true, "": false, "a b": false, "a/b": false, "<x>": false,
		strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
	} {
		if validRun(s) != want {
			t.Errorf("validRun(%q) = %v", s, !want)
		}
	}
}

func TestPredictValidates(t *testing.T) {
	d := start(t)
	for _, body := range []string{
		`{"run":"x","request":{"target":"elsewhere","path":"/","method":"GET","credentials":"omit","mode":"fetch"}}`,
		`{"run":"x","request":{"target":"api","path":"//evil.test/","method":"GET","credentials":"omit","mode":"fetch"}}`,
		`{"run":"x","request":{"target":"api","path":"/api/echo","method":"G T","credentials":"omit","mode":"fetch"}}`,
		`{"run":"x","request":{"target":"api","path":"/api/echo","method":"GET","credentials":"omit","mode":"fetch","headers":[{"name":"X","value":"a\r\nb"}]}}`,
		`{"run":"x","request":{"target":"api","path":"/api/echo","method":"GET","credentials":"sometimes","mode":"fetch"}}`,
		`{"run":"a b","request":{"target":"api","path":"/api/echo","method":"GET","credentials":"omit","mode":"fetch"}}`,
		`{"run":"x","request":{"target":"api","path":"/api/echo","method":"GET","credentials":"omit","mode":"fetch","repeat":1000}}`,
		`{"run":"x","engine":"trident","request":{"target":"api","path":"/api/echo","method":"GET","credentials":"omit","mode":"fetch"}}`,
		`not json`,
	} {
		resp, out := do(t, "POST", d.PageURL+"/predict", body, "Content-Type", "application/json")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(out, "errors") {
			t.Errorf("POST /predict %s: %d %s", body, resp.StatusCode, out)
		}
	}
	big := `{"run":"x","request":{"target":"api","path":"/api/echo","method":"POST","credentials":"omit","mode":"fetch","body":"` + strings.Repeat("a", maxJSON) + `"}}`
	if resp, _ := do(t, "POST", d.PageURL+"/predict", big); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized /predict: %d", resp.StatusCode)
	}
}

// TestScenarioPredictions runs every built-in scenario's prediction
// against its policy and checks it against what Chromium does, as recorded
// in each scenario's Expect (the e2e test checks Expect in Chromium).
func TestScenarioPredictions(t *testing.T) {
	d := start(t)
	for _, s := range d.Scenarios() {
		t.Run(s.ID, func(t *testing.T) {
			b, _ := json.Marshal(s.Policy)
			if resp, out := do(t, "PUT", d.PageURL+"/policy", string(b)); resp.StatusCode != 200 {
				t.Fatalf("policy: %d %s", resp.StatusCode, out)
			}
			b, _ = json.Marshal(map[string]any{"run": "t-" + s.ID, "request": s.Request})
			resp, out := do(t, "POST", d.PageURL+"/predict", string(b))
			if resp.StatusCode != 200 {
				t.Fatalf("predict: %d %s", resp.StatusCode, out)
			}
			var p Prediction
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatal(err)
			}
			if p.Outcome != s.Expect {
				t.Errorf("predicted %s (%s: %s), Chromium does %s", p.Outcome, p.Reason, p.Message, s.Expect)
			}
			if p.Outcome == "blocked" && (p.Reason == "" || p.Message == "") {
				t.Errorf("a blocked prediction without a reason: %+v", p)
			}
			if p.Engine == "" {
				t.Errorf("no engine named")
			}
			// The model's verdicts for the other two engines come along;
			// the built-in scenarios do what they do in all three.
			if s.Request.Mode != "jsonp" {
				if len(p.Others) != 2 || p.Others[0].Engine != "Firefox" || p.Others[1].Engine != "WebKit" {
					t.Fatalf("others = %+v, want Firefox and WebKit", p.Others)
				}
				for _, o := range p.Others {
					if o.Outcome != s.Expect {
						t.Errorf("%s: predicted %s (%s), want %s", o.Engine, o.Outcome, o.Reason, s.Expect)
					}
				}
			}
		})
	}
}

// scenarioCauses are the causes the browser package's diagnosis names for
// the scenarios the browser blocks (or where a header is unreadable): the
// Fix panel shows check's answer.
var scenarioCauses = map[string]browser.Cause{
	"no-cors-upstream":        browser.CauseOriginNotAllowed,
	"cross-origin-redirect":   browser.CauseRedirectTaintedOrigin,
	"origin-not-allowed":      browser.CauseOriginNotAllowed,
	"credentials-not-allowed": browser.CauseCredentialsNotAllowed,
	"header-not-allowed":      browser.CauseHeaderNotAllowed,
	"method-not-allowed":      browser.CauseMethodNotAllowed,
	"wildcard-credentials":    browser.CauseCredentialsNotAllowed,
	"unexposed-header":        browser.CauseHeaderNotExposed,
	"auth-before-cors":        browser.CausePreflightAuth,
	"csrf-simple-post":        browser.CauseOriginNotAllowed,
}

func TestScenarioDiagnoses(t *testing.T) {
	d := start(t)
	for _, s := range d.Scenarios() {
		want, ok := scenarioCauses[s.ID]
		if s.Request.Mode == "jsonp" || !ok && s.Expect == "allowed" {
			continue
		}
		t.Run(s.ID, func(t *testing.T) {
			b, _ := json.Marshal(s.Policy)
			if resp, out := do(t, "PUT", d.PageURL+"/policy", string(b)); resp.StatusCode != 200 {
				t.Fatalf("policy: %d %s", resp.StatusCode, out)
			}
			b, _ = json.Marshal(map[string]any{"run": "dg-" + s.ID, "request": s.Request})
			_, out := do(t, "POST", d.PageURL+"/predict", string(b))
			var p Prediction
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatal(err)
			}
			if p.Result == nil || p.Result.Diagnosis == nil || p.Result.Fix == nil {
				t.Fatalf("no diagnosis: %s", out)
			}
			if !ok {
				t.Errorf("cause %s, detail %q: add it to scenarioCauses", p.Result.Diagnosis.Cause, p.Result.Diagnosis.Detail)
			} else if p.Result.Diagnosis.Cause != want {
				t.Errorf("cause %s, want %s (%s)", p.Result.Diagnosis.Cause, want, p.Result.Diagnosis.Detail)
			}
			if p.Result.Fix.Advice == "" {
				t.Errorf("fix without advice: %+v", p.Result.Fix)
			}
			// The probes of the diagnosis go under a run tag of their
			// own: the run's log holds what the browser sent.
			probes := 0
			for _, st := range p.Result.Trace {
				if st.Kind == browser.StepProbe {
					probes++
				}
			}
			var runLog, probeLog []Exchange
			for tag, dst := range map[string]*[]Exchange{"dg-" + s.ID: &runLog, "dg-" + s.ID + ".probe": &probeLog} {
				_, out := do(t, "GET", d.PageURL+"/log?run="+tag, "")
				if err := json.Unmarshal([]byte(out), dst); err != nil {
					t.Fatalf("log %s: %v %s", tag, err, out)
				}
			}
			if len(probeLog) != probes {
				t.Errorf("%d probes in the trace, %d in the probes' log", probes, len(probeLog))
			}
			preflights, logged := 0, 0
			for _, st := range p.Result.Trace {
				if st.Kind == browser.StepPreflight {
					preflights++
				}
			}
			for _, e := range runLog {
				if e.Kind == "preflight" {
					logged++
				}
			}
			if logged != preflights {
				t.Errorf("%d preflights in the trace, %d in the run's log", preflights, logged)
			}
		})
	}
}

// TestPredictForEngine asks for the prediction of the engine the page runs
// in: the others are the other two.
func TestPredictForEngine(t *testing.T) {
	d := start(t)
	body := `{"run":"e1","engine":"webkit","request":{"target":"api","path":"/api/echo","method":"GET","credentials":"omit","mode":"fetch"}}`
	resp, out := do(t, "POST", d.PageURL+"/predict", body, "Content-Type", "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, out)
	}
	var p Prediction
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.Engine, "as WebKit") || len(p.Others) != 2 || p.Others[0].Engine != "Chromium" || p.Others[1].Engine != "Firefox" {
		t.Errorf("engine %q, others %+v", p.Engine, p.Others)
	}
	if got := otherRun(strings.Repeat("r", 64), browser.Firefox); len(got) != 64 || !validRun(got) {
		t.Errorf("otherRun of a 64-byte tag = %q", got)
	}
}

func TestScenariosAreValid(t *testing.T) {
	d := &Demo{PageURL: "http://localhost:3000", UpstreamURL: "http://127.0.0.1:4000", APIURL: "http://localhost:3001", ProxyURL: "http://localhost:3002"}
	seen := map[string]bool{}
	ps := &pageServer{d: d}
	for _, s := range d.Scenarios() {
		if seen[s.ID] {
			t.Errorf("duplicate scenario %q", s.ID)
		}
		seen[s.ID] = true
		if _, err := s.Request.validate(ps.bases()); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
		if err := s.Policy.check(); err != nil {
			t.Errorf("%s: policy: %v", s.ID, err)
		}
		if s.Expect != "allowed" && s.Expect != "blocked" || s.Group != "works" && s.Group != "mistake" || s.Title == "" || s.Lesson == "" {
			t.Errorf("%s: incomplete: %+v", s.ID, s)
		}
	}
}

func TestServeShutsDown(t *testing.T) {
	d, err := Listen(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	do(t, "GET", d.PageURL+"/config", "")
	// A connection opened ahead of need, as browsers do, which sends
	// nothing: shutdown must not wait for it, nor fail because of it.
	spare, err := net.Dial("tcp", "127.0.0.1"+strings.TrimPrefix(d.APIURL, "http://localhost"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = spare.Close() }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if _, err := http.Get(d.PageURL + "/config"); err == nil {
		t.Errorf("the page still answers after shutdown")
	}
}
