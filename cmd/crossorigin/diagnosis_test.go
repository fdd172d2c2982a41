package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/cors"
)

const app = "https://app.example.com"

// diagServers are the servers of the diagnosis evidence: the cors
// middleware with a config, and hand-written servers for what middlewares
// get wrong around it. e2e/check runs the same requests in Chromium.
func diagServers(t *testing.T) map[string]string {
	t.Helper()
	m, err := cors.New(cors.Config{Origins: []string{app}, RequestHeaders: []string{"Content-Type"}})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "42")
		_, _ = io.WriteString(w, "ok")
	})
	cred, err := cors.New(cors.Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	withCreds, err := cors.New(cors.Config{Origins: []string{app}, Credentials: true, RequestHeaders: []string{"Content-Type"}})
	if err != nil {
		t.Fatal(err)
	}
	star, err := cors.New(cors.Config{Origins: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /items", m.Handler(ok)) // OPTIONS has no route: 405
	servers := map[string]http.Handler{
		"cors":    m.Handler(ok),
		"auth":    auth(m.Handler(ok)), // authentication in front of CORS
		"noopts":  mux,
		"cred":    cred.Handler(ok),
		"credok":  withCreds.Handler(ok),
		"star":    star.Handler(ok),
		"rs":      rsStyle(app, "content-type"),
		"jub0bs":  jub0bsStyle(app, "content-type"),
		"broken":  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }),
		"allowed": m.Handler(ok),
	}
	urls := map[string]string{}
	for name, h := range servers {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		urls[name] = s.URL
	}
	// A cross-origin redirect: the page's request to "redirect" goes on to
	// "cors", which then sees Origin: null.
	redirect := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, urls["cors"]+"/items", http.StatusFound)
	})))
	t.Cleanup(redirect.Close)
	urls["redirect"] = redirect.URL
	return urls
}

// rsStyle answers preflights as github.com/rs/cors does: a refused one
// gets 204 without any CORS header.
func rsStyle(allowed string, headers ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			m := r.Header.Get("Access-Control-Request-Method")
			okMethod := m == "GET" || m == "POST" || m == "HEAD"
			for h := range strings.SplitSeq(r.Header.Get("Access-Control-Request-Headers"), ",") {
				okMethod = okMethod && (h == "" || slices.Contains(headers, h))
			}
			if o == allowed && okMethod {
				w.Header().Set("Access-Control-Allow-Origin", o)
				w.Header().Set("Access-Control-Allow-Methods", m)
				w.Header().Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if o == allowed {
			w.Header().Set("Access-Control-Allow-Origin", o)
		}
	})
}

// jub0bsStyle answers as github.com/jub0bs/cors does: a refused preflight
// gets a bare 403.
func jub0bsStyle(allowed string, headers ...string) http.Handler {
	rs := rsStyle(allowed, headers...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		rs.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		if r.Method == http.MethodOptions && rec.Header().Get("Access-Control-Allow-Origin") == "" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// diagnosisCase is one cause of issue 10's table, with the check command
// that shows it.
type diagnosisCase struct {
	name    string
	server  string
	args    []string
	code    int
	cause   string
	header  string
	headers []string
	method  string
	fix     string // a substring of the fix
}

var diagnosisCases = []diagnosisCase{
	{name: "header-not-allowed", server: "cors", args: []string{"-X", "POST", "-H", "X-Api-Key: k", "-H", "Content-Type: application/json"},
		code: 1, cause: "header-not-allowed", header: "x-api-key", headers: []string{"x-api-key"}, fix: "X-Api-Key"},
	{name: "method-not-allowed", server: "cors", args: []string{"-X", "PUT"},
		code: 1, cause: "method-not-allowed", method: "PUT", fix: "PUT"},
	{name: "method and header, the issue's example", server: "cors", args: []string{"-X", "PUT", "-H", "X-Api-Key: k"},
		code: 1, cause: "method-not-allowed", method: "PUT", header: "x-api-key", headers: []string{"x-api-key"}, fix: "X-Api-Key"},
	{name: "header-not-allowed, rs/cors style", server: "rs", args: []string{"-X", "POST", "-H", "X-B: 1", "-H", "X-A: 2"},
		code: 1, cause: "header-not-allowed", header: "x-a", headers: []string{"x-a", "x-b"}, fix: "X-A, X-B"},
	{name: "method-not-allowed, jub0bs/cors style", server: "jub0bs", args: []string{"-X", "DELETE"},
		code: 1, cause: "method-not-allowed", method: "DELETE", fix: "DELETE"},
	{name: "origin-not-allowed on a preflight", server: "cors", args: []string{"-X", "PUT", "--origin", "https://evil.example"},
		code: 1, cause: "origin-not-allowed", fix: "https://evil.example"},
	{name: "origin-not-allowed on a simple request", server: "cors", args: []string{"--origin", "https://evil.example"},
		code: 1, cause: "origin-not-allowed", fix: "https://evil.example"},
	{name: "preflight-auth", server: "auth", args: []string{"-H", "Authorization: Bearer t"},
		code: 1, cause: "preflight-auth", fix: "authentication"},
	{name: "preflight-not-handled", server: "noopts", args: []string{"-X", "PUT"},
		code: 1, cause: "preflight-not-handled", fix: "OPTIONS"},
	{name: "preflight-not-ok", server: "broken", args: []string{"-X", "PUT"},
		code: 1, cause: "preflight-not-ok", fix: "2xx"},
	{name: "preflight-refused without probes", server: "cors", args: []string{"-X", "PUT", "--no-probe"},
		code: 1, cause: "preflight-refused"},
	{name: "credentials-not-allowed", server: "cred", args: []string{"--credentials"},
		code: 1, cause: "credentials-not-allowed", fix: "Credentials: true"},
	{name: "credentials-not-allowed with star", server: "star", args: []string{"--credentials"},
		code: 1, cause: "credentials-not-allowed", fix: app},
	{name: "redirect-tainted-origin", server: "redirect", args: []string{},
		code: 1, cause: "redirect-tainted-origin", fix: "never add \"null\""},
	{name: "header-not-exposed", server: "allowed", args: []string{"--read", "X-Request-Id"},
		code: 1, cause: "header-not-exposed", header: "x-request-id", headers: []string{"x-request-id"}, fix: "Access-Control-Expose-Headers"},
	{name: "request-invalid: GET with a body", server: "allowed", args: []string{"-X", "GET", "--data", "x"},
		code: 1, cause: "request-invalid", fix: "page's side"},
	{name: "request-invalid: a header outside ISO-8859-1", server: "allowed", args: []string{"-H", "X-Name: €"},
		code: 1, cause: "request-invalid", fix: "page's side"},
	{name: "allowed", server: "allowed", args: []string{"--read", "Content-Type"}, code: 0},
}

// jsonResult is what the tests read of check --json.
type jsonResult struct {
	Verdict   string `json:"verdict"`
	Reason    string `json:"reason"`
	Diagnosis *struct {
		Cause   string   `json:"cause"`
		Header  string   `json:"header"`
		Headers []string `json:"headers"`
		Method  string   `json:"method"`
		Detail  string   `json:"detail"`
	} `json:"diagnosis"`
	Fix   map[string]string `json:"fix"`
	Trace []struct {
		Kind   string `json:"kind"`
		Method string `json:"method"`
	} `json:"trace"`
}

func TestCheckDiagnosis(t *testing.T) {
	urls := diagServers(t)
	for _, tc := range diagnosisCases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{urls[tc.server] + "/items", "--origin", app, "--json"}, tc.args...)
			code, out, errOut := check(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			var r jsonResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if tc.cause == "" {
				if r.Diagnosis != nil || r.Fix != nil {
					t.Errorf("an allowed request has a diagnosis:\n%s", out)
				}
				return
			}
			d := r.Diagnosis
			if d == nil {
				t.Fatalf("no diagnosis:\n%s", out)
			}
			if d.Cause != tc.cause || d.Header != tc.header || !slices.Equal(d.Headers, tc.headers) || d.Method != tc.method || d.Detail == "" {
				t.Errorf("diagnosis %+v, want %s %q %q %q\n%s", *d, tc.cause, tc.header, tc.headers, tc.method, out)
			}
			fix := strings.Join([]string{r.Fix["header"], r.Fix["value"], r.Fix["cors_config"], r.Fix["advice"]}, " ")
			if !strings.Contains(fix, tc.fix) {
				t.Errorf("fix %q lacks %q", fix, tc.fix)
			}
			for _, s := range r.Trace {
				if s.Kind == "probe" && s.Method != http.MethodOptions {
					t.Errorf("a probe with method %s", s.Method)
				}
			}
		})
	}
}

// The human output puts the cause above the fix, and shows what the cors
// middleware said.
func TestCheckCauseLine(t *testing.T) {
	urls := diagServers(t)
	code, out, _ := check(t, urls["cors"]+"/items", "--origin", app, "-X", "PUT", "-H", "X-Api-Key: k")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	cause, fix := strings.Index(out, "Cause:    method-not-allowed"), strings.Index(out, "Fix:      send Access-Control-Allow-Methods: PUT")
	if cause < 0 || fix < cause {
		t.Errorf("no Cause line above the Fix line:\n%s", out)
	}
	if strings.Count(out, ". probe OPTIONS") == 0 {
		t.Errorf("no probe in the trace:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "Fix:" {
			t.Errorf("an empty Fix line:\n%s", out)
		}
	}
}

// DevTools' "Copy as cURL" text, given with --curl or after --, is checked
// as the fetch it came from: the Origin header is the page's origin, the
// browser's own headers are left out, the cookies mean credentials.
func TestCheckCurl(t *testing.T) {
	urls := diagServers(t)
	cmd := strings.ReplaceAll(devtoolsCurl, "http://API/items/1", urls["credok"]+"/items")
	code, out, errOut := check(t, "--curl", cmd, "--json")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var r jsonResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Diagnosis == nil || r.Diagnosis.Cause != "method-not-allowed" || r.Diagnosis.Method != "PUT" || r.Diagnosis.Header != "x-api-key" {
		t.Errorf("diagnosis %+v\n%s", r.Diagnosis, out)
	}
	if !strings.Contains(out, `"credentials": "include"`) || !strings.Contains(out, "sec-ch-ua") {
		t.Errorf("no credentials or no note on the browser's headers:\n%s", out)
	}

	words, err := shellWords(cmd)
	if err != nil {
		t.Fatal(err)
	}
	code2, out2, _ := check(t, append([]string{"--json", "--"}, words...)...)
	if code2 != code || out2 != out {
		t.Errorf("check -- curl ... differs from --curl: exit %d\n%s", code2, out2)
	}

	code, _, errOut = check(t, "--curl", "curl "+urls["cors"])
	if code != 2 || !strings.Contains(errOut, "no Origin header") {
		t.Errorf("curl without Origin: exit %d, %s", code, errOut)
	}
	if code, out, _ := check(t, "--curl", "curl "+urls["cors"]+"/items", "--origin", app); code != 0 {
		t.Errorf("curl with --origin: exit %d\n%s", code, out)
	}
}

func TestCheckHAR(t *testing.T) {
	urls := diagServers(t)
	har := writeHAR(t, urls["cors"])
	code, out, errOut := check(t, "--har", har)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "blocked  PUT "+urls["cors"]+"/items/1 method-not-allowed") || !strings.HasPrefix(lines[1], "allowed  GET "+urls["cors"]+"/public 200 cors") {
		t.Errorf("verdict lines:\n%s", out)
	}
	if strings.Count(out, "Cause:") != 1 {
		t.Errorf("not one full answer for the one blocked entry:\n%s", out)
	}
	code, out, _ = check(t, "--har", har, "--url-match", "/public$", "--json")
	var rs []jsonResult
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != 0 || len(rs) != 1 || rs[0].Verdict != "allowed" {
		t.Errorf("--url-match: exit %d, %v\n%s", code, err, out)
	}
	for _, args := range [][]string{{"--har", har, "--url-match", "("}, {"--har", har, "--url-match", "nothing"}, {"--har", "/nonexistent.har"}, {"--har", har, urls["cors"]}} {
		if code, _, errOut := check(t, args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}

// -k accepts a certificate no one signed; without it the check is a network
// error (2), as is a redirect loop.
func TestCheckInsecureAndNetworkErrors(t *testing.T) {
	m, err := cors.New(cors.Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	tlsAPI := httptest.NewUnstartedServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	tlsAPI.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsAPI.StartTLS()
	defer tlsAPI.Close()
	if code, out, _ := check(t, tlsAPI.URL, "--origin", app); code != 2 || !strings.Contains(out, "ERROR") {
		t.Errorf("self-signed without -k: exit %d\n%s", code, out)
	}
	for _, k := range []string{"-k", "--insecure"} {
		if code, out, _ := check(t, tlsAPI.URL, "--origin", app, k); code != 0 {
			t.Errorf("%s: exit %d\n%s", k, code, out)
		}
	}
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", app)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	defer loop.Close()
	code, out, errOut := check(t, loop.URL, "--origin", app, "--json")
	if code != 2 || !strings.Contains(out, `"verdict": "error"`) || !strings.Contains(out, "ERR_TOO_MANY_REDIRECTS") || errOut == "" {
		t.Errorf("redirect loop: exit %d\n%s%s", code, out, errOut)
	}
}

// Mixed content and Local Network Access are the browser's refusals, before
// any CORS: check names them, and their fix is not a CORS setting.
func TestCheckMixedContentAndLocalNetwork(t *testing.T) {
	urls := diagServers(t)
	for _, tc := range []struct {
		args  []string
		cause string
	}{
		// Nothing is sent: api.example.test need not resolve.
		{[]string{"http://api.example.test/items", "--origin", app}, "mixed-content"},
		// A page on the local network calls this machine from http.
		{[]string{urls["allowed"] + "/items", "--origin", "http://192.168.1.5"}, "local-network"},
	} {
		code, out, _ := check(t, append(tc.args, "--json", "--engine", "chromium")...)
		var r jsonResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if code != 1 || r.Diagnosis == nil || r.Diagnosis.Cause != tc.cause {
			t.Errorf("%q: exit %d, diagnosis %+v, want %s\n%s", tc.args, code, r.Diagnosis, tc.cause, out)
		}
	}
}
