package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// apiServer is a loopback API that trusts https://app.example.com for GET
// and POST, with credentials, and answers preflights for PUT only when
// allowPut is set.
func apiServer(t *testing.T, allowPut bool, gotCookie *atomic.Value) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gotCookie != nil {
			gotCookie.Store(r.Header.Get("Cookie"))
		}
		w.Header().Set("Vary", "Origin")
		if r.Header.Get("Origin") == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			if allowPut {
				w.Header().Set("Access-Control-Allow-Methods", "PUT")
				w.Header().Set("Access-Control-Allow-Headers", "X-Token, Content-Type")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("X-Request-Id", "42")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func runCLI(t *testing.T, f func(args []string, stdout, stderr io.Writer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := f(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func check(t *testing.T, args ...string) (int, string, string) {
	return runCLI(t, func(a []string, o, e io.Writer) int { return runCheck(t.Context(), a, o, e) }, args...)
}

func TestCheckVerdicts(t *testing.T) {
	api := apiServer(t, false, nil)
	strict := apiServer(t, true, nil)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"allowed simple GET", []string{api.URL + "/me", "--origin", "https://app.example.com"}, 0,
			[]string{"request GET " + api.URL + "/me", "> Origin: https://app.example.com", "< Access-Control-Allow-Origin: https://app.example.com", "ALLOWED", "type cors"}},
		{"allowed with credentials", []string{"--credentials", "--origin", "https://app.example.com", api.URL}, 0,
			[]string{"credentials: \"include\"", "ALLOWED"}},
		{"other origin blocked", []string{api.URL, "--origin", "https://evil.example"}, 1,
			[]string{"BLOCKED", "MissingAllowOriginHeader", "Console:  Access to fetch at '" + api.URL + "/' from origin 'https://evil.example' has been blocked by CORS policy",
				"Fix:      send Access-Control-Allow-Origin: https://evil.example", "with the cors package: cors.Config{Origins:"}},
		{"preflight refuses PUT", []string{api.URL, "--origin", "https://app.example.com", "-X", "PUT", "-H", "X-Token: a"}, 1,
			[]string{"preflight OPTIONS", "> Access-Control-Request-Method: PUT", "MethodDisallowedByPreflightResponse"}},
		{"preflight allows PUT", []string{strict.URL, "--origin", "https://app.example.com", "-X", "PUT", "-H", "X-Token: a", "--data", "{}"}, 0,
			[]string{"2. preflight OPTIONS", "3. request PUT", "ALLOWED"}},
		{"POST body without -X", []string{api.URL, "--origin", "https://app.example.com", "--data", "a=b"}, 0,
			[]string{"method: \"POST\"", "ALLOWED"}},
		{"wildcard with credentials", []string{apiWildcard(t), "--origin", "https://app.example.com", "--credentials"}, 1,
			[]string{"WildcardOriginNotAllowed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := check(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "\x1b[") {
				t.Error("colour in output that is not a terminal")
			}
		})
	}
}

func apiWildcard(t *testing.T) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestCheckCookies(t *testing.T) {
	var got atomic.Value
	api := apiServer(t, false, &got)
	code, out, _ := check(t, api.URL, "--origin", "https://app.example.com", "--credentials", "-H", "Cookie: session=s3cret")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if got.Load() != "session=s3cret" {
		t.Errorf("server got Cookie %q", got.Load())
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("the timeline prints the cookie:\n%s", out)
	}
	code, out, _ = check(t, api.URL, "--origin", "https://app.example.com", "--credentials", "-H", "Cookie: session=s3cret", "--json")
	if code != 0 || strings.Contains(out, "s3cret") {
		t.Errorf("--json: exit %d, cookie shown:\n%s", code, out)
	}

	got.Store("")
	code, out, _ = check(t, api.URL, "--origin", "https://app.example.com", "-H", "Cookie: session=s3cret")
	if code != 0 || got.Load() != "" {
		t.Errorf("without --credentials: exit %d, server got Cookie %q", code, got.Load())
	}
	if !strings.Contains(out, "add --credentials") {
		t.Errorf("no note about --credentials:\n%s", out)
	}
}

// TestCheckJSONRedactsSetCookie is the regression test for --json printing
// the Set-Cookie values of the responses (in the trace and in
// response_headers), which the text output redacts.
func TestCheckJSONRedactsSetCookie(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Set-Cookie", "session=s3cret; Path=/")
	}))
	t.Cleanup(ts.Close)
	for _, args := range [][]string{{"--json"}, {}} {
		args = append([]string{ts.URL, "--origin", "https://app.example.com", "--credentials"}, args...)
		code, out, _ := check(t, args...)
		if code != 0 || strings.Contains(out, "s3cret") || len(args) == 5 && !strings.Contains(out, "(redacted)") {
			t.Errorf("check %q: exit %d, Set-Cookie shown or not marked redacted:\n%s", args, code, out)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	api := apiServer(t, false, nil)
	code, out, _ := check(t, api.URL, "--origin", "https://app.example.com", "-X", "DELETE", "--json")
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var doc struct {
		Verdict, Reason, Origin, Method string
		Message                         string `json:"console_message"`
		Fix                             struct {
			Header, Value string
		}
		Trace []struct {
			Kind, Method, Rule string
			OK                 bool
			Sent               map[string][]string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if doc.Verdict != "blocked" || doc.Reason != "MethodDisallowedByPreflightResponse" || doc.Method != "DELETE" || doc.Message == "" {
		t.Errorf("doc = %+v", doc)
	}
	if len(doc.Trace) == 0 || doc.Trace[len(doc.Trace)-1].Kind != "preflight" || doc.Trace[len(doc.Trace)-1].OK {
		t.Errorf("trace = %+v", doc.Trace)
	}
	if doc.Fix.Header != "Access-Control-Allow-Methods" {
		t.Errorf("fix = %+v", doc.Fix)
	}

	code, out, _ = check(t, api.URL, "--origin", "https://app.example.com", "--json")
	if code != 0 || !strings.Contains(out, `"verdict": "allowed"`) || !strings.Contains(out, `"response_type": "cors"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestCheckUsageAndNetworkErrors(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"--help"}, 0, ""},
		{"no origin", []string{"http://127.0.0.1:1/"}, 2, "--origin: required"},
		{"every problem at once", []string{"--engine", "lynx", "--timeout", "soon"}, 2,
			"crossorigin check: --timeout \"soon\": want a duration such as 30s, 1m or 2h (DURATION, e.g. 10s)\n" +
				"crossorigin check: give exactly one URL\n" +
				"crossorigin check: --origin: required: the origin of the page that calls fetch()\n" +
				"crossorigin check: --engine: want chromium, firefox, webkit or all, not \"lynx\"\n" +
				"see 'crossorigin check --help'\n"},
		{"no URL", []string{"--origin", "https://a.example"}, 2, "exactly one URL"},
		{"two URLs", []string{"http://127.0.0.1:1/", "http://127.0.0.1:2/", "--origin", "https://a.example"}, 2, "exactly one URL"},
		{"bad URL", []string{"ftp://x/", "--origin", "https://a.example"}, 2, "not an http or https URL"},
		{"bad origin", []string{"http://127.0.0.1:1/", "--origin", "https://a.example/path"}, 2, "--origin"},
		{"bad header", []string{"http://127.0.0.1:1/", "--origin", "https://a.example", "-H", "nocolon"}, 2, "Name: value"},
		{"bad proxy", []string{"http://127.0.0.1:1/", "--origin", "https://a.example", "--proxy", "ftp://p"}, 2, "--proxy"},
		{"unknown flag", []string{"--bogus"}, 2, "bogus"},
		{"connection refused", []string{deadURL, "--origin", "https://a.example"}, 2, "ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := check(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tc.want) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, out, errOut)
			}
		})
	}
}

// forwardProxy is a loopback HTTP proxy that sends every request, whatever
// its host, to backend, and counts them.
func forwardProxy(t *testing.T, backend string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		n.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = "http", strings.TrimPrefix(backend, "http://")
		out.Host = r.URL.Host
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

func TestCheckProxyFlag(t *testing.T) {
	api := apiServer(t, false, nil)
	proxy, n := forwardProxy(t, api.URL)
	// A localhost name: an https page may call it over http (not mixed
	// content), and only the proxy knows where it is.
	code, out, _ := check(t, "http://api.localhost/me", "--origin", "https://app.example.com", "--proxy", proxy.URL)
	if code != 0 || n.Load() != 1 {
		t.Errorf("exit %d, %d proxied requests:\n%s", code, n.Load(), out)
	}
}

func TestCheckNotesForbiddenHeaders(t *testing.T) {
	api := apiServer(t, false, nil)
	code, out, _ := check(t, api.URL, "--origin", "https://app.example.com", "-H", "Origin: https://evil.example", "-H", "Sec-Fetch-Site: same-origin")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"Dropped by the browser (script cannot set them): origin, sec-fetch-site", "> Origin: https://app.example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
