package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func scanCmd(t *testing.T, args ...string) (int, string, string) {
	return runCLI(t, func(a []string, o, e io.Writer) int { return runScan(t.Context(), a, o, e) }, args...)
}

// reflectingAPI copies any Origin into Access-Control-Allow-Origin with
// credentials, and records the Cookie header it receives.
func reflectingAPI(t *testing.T, cookie *atomic.Value) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cookie != nil && r.Header.Get("Cookie") != "" {
			cookie.Store(r.Header.Get("Cookie") + "|" + r.Header.Get("X-Api-Key"))
		}
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/me"
}

// cachedAllowlist trusts one origin and forgets Vary on a cacheable
// response: a medium finding.
func cachedAllowlist(t *testing.T) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", o)
		}
		w.Header().Set("Cache-Control", "public, max-age=600")
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func correctAPI(t *testing.T) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Origin")
		if o := r.Header.Get("Origin"); o == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestScanExitCodes(t *testing.T) {
	reflect := reflectingAPI(t, nil)
	cached := cachedAllowlist(t)
	correct := correctAPI(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"critical fails by default", []string{reflect}, 1, []string{"CRITICAL", "[reflect-any-origin] " + reflect, "[null-origin]", "fix: "}},
		{"medium fails by default", []string{cached, "--origin", "https://app.example.com"}, 1, []string{"MEDIUM", "[missing-vary-origin]"}},
		{"medium passes --fail-on high", []string{"--fail-on", "high", cached, "--origin", "https://app.example.com"}, 0, []string{"[missing-vary-origin]"}},
		{"--fail-on none", []string{reflect, "--fail-on", "none"}, 0, []string{"CRITICAL"}},
		{"correct server", []string{correct}, 0, []string{"Scanned 1 URL(s), 0 finding(s)"}},
		{"two targets", []string{correct, reflect, "--concurrency", "2"}, 1, []string{"Scanned 2 URL(s)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := scanCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestScanJSONAndSARIF(t *testing.T) {
	reflect := reflectingAPI(t, nil)
	code, out, _ := scanCmd(t, reflect, "--json")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Findings []struct {
			Class, Severity, Origin, URL, Description, Fix string
			Browsers                                       []string
			Evidence                                       map[string]any
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(doc.Findings) == 0 || doc.Findings[0].Class != "reflect-any-origin" || doc.Findings[0].Severity != "critical" ||
		doc.Findings[0].URL != reflect || doc.Findings[0].Evidence["headers"] == nil || len(doc.Findings[0].Browsers) == 0 {
		t.Errorf("findings = %+v", doc.Findings)
	}

	code, out, _ = scanCmd(t, reflect, "--sarif")
	var log struct {
		Version string
		Runs    []struct {
			Results []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != 1 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Errorf("SARIF = %+v", log)
	}
}

func TestScanSendsHeadersAndCookie(t *testing.T) {
	var got atomic.Value
	u := reflectingAPI(t, &got)
	code, out, _ := scanCmd(t, u, "--cookie", "sid=1", "-H", "X-Api-Key: k", "--json")
	if code != 1 || got.Load() != "sid=1|k" {
		t.Errorf("exit %d, server got %v", code, got.Load())
	}
	if strings.Contains(out, "sid=1") {
		t.Error("the report prints the cookie")
	}
}

func TestScanUsageAndNetworkErrors(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "Usage: crossorigin scan"},
		{"no URL", nil, 2, "at least one URL"},
		{"json and sarif", []string{"http://127.0.0.1:1", "--json", "--sarif"}, 2, "exclusive"},
		{"bad fail-on", []string{"http://127.0.0.1:1", "--fail-on", "severe"}, 2, "unknown severity"},
		{"bad URL", []string{"ftp://example.com/"}, 2, "only http and https"},
		{"bad method", []string{"http://127.0.0.1:1", "--method", "GE T"}, 2, `--method "GE T"`},
		{"bad proxy", []string{"http://127.0.0.1:1", "--proxy", "::"}, 2, "--proxy"},
		{"unreachable", []string{deadURL}, 2, "Not scanned"},
		{"unreachable json", []string{deadURL, "--json"}, 2, "crossorigin scan: " + deadURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := scanCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tc.want) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, out, errOut)
			}
		})
	}
}

func TestScanProxyFlag(t *testing.T) {
	proxy, n := forwardProxy(t, strings.TrimSuffix(reflectingAPI(t, nil), "/me"))
	code, out, _ := scanCmd(t, "http://api.example.test/me", "--proxy", proxy.URL)
	if code != 1 || !strings.Contains(out, "[reflect-any-origin] http://api.example.test/me") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if n.Load() < 20 {
		t.Errorf("only %d requests went through the proxy", n.Load())
	}
}

// TestScanProxyEnvironment runs the scan in a child process, because Go
// reads the proxy variables once per process.
func TestScanProxyEnvironment(t *testing.T) {
	if os.Getenv("CROSSORIGIN_SCAN_CHILD") == "1" {
		code := runScan(t.Context(), []string{"http://api.example.test/me", "--fail-on", "none"}, io.Discard, io.Discard)
		if code != 0 {
			t.Fatalf("child exit %d", code)
		}
		return
	}
	proxy, n := forwardProxy(t, strings.TrimSuffix(reflectingAPI(t, nil), "/me"))
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestScanProxyEnvironment$")
	cmd.Env = append(os.Environ(), "CROSSORIGIN_SCAN_CHILD=1", "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if n.Load() < 20 {
		t.Errorf("only %d requests went through the HTTP_PROXY proxy", n.Load())
	}
}

// TestSystemCertPool runs scan and check in a child process whose
// SSL_CERT_FILE names the test server's certificate: the system pool, read
// once per process, must then trust it, as Go's default transport does.
func TestSystemCertPool(t *testing.T) {
	if u := os.Getenv("CROSSORIGIN_TLS_CHILD"); u != "" {
		var out, errOut strings.Builder
		if code := runScan(t.Context(), []string{u, "--fail-on", "none"}, &out, &errOut); code != 0 {
			t.Fatalf("scan exit %d: %s%s", code, out.String(), errOut.String())
		}
		if code := runCheck(t.Context(), []string{u, "--origin", "https://app.example.com"}, &out, &errOut); code != 0 {
			t.Fatalf("check exit %d: %s%s", code, out.String(), errOut.String())
		}
		return
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Vary", "Origin")
		}
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	ts.StartTLS()
	defer ts.Close()
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(env ...string) error {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSystemCertPool$")
		cmd.Env = append(os.Environ(), append([]string{"CROSSORIGIN_TLS_CHILD=" + ts.URL + "/"}, env...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v\n%s", err, out)
		}
		return nil
	}
	if err := run("SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+t.TempDir()); err != nil {
		t.Errorf("with SSL_CERT_FILE: %v", err)
	}
	if err := run("SSL_CERT_FILE="+filepath.Join(t.TempDir(), "none.pem"), "SSL_CERT_DIR="+t.TempDir()); err == nil {
		t.Error("the child trusted the test certificate without SSL_CERT_FILE")
	}
}

func TestScanList(t *testing.T) {
	reflect := reflectingAPI(t, nil)
	correct := correctAPI(t)
	list := filepath.Join(t.TempDir(), "urls.txt")
	if err := os.WriteFile(list, []byte("# targets\n"+reflect+"\n\n  "+correct+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := scanCmd(t, "--list", list)
	if code != 1 || !strings.Contains(out, "Scanned 2 URL(s)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, _, errOut := scanCmd(t, "--list", filepath.Join(t.TempDir(), "missing.txt"))
	if code != 2 || !strings.Contains(errOut, "--list") {
		t.Errorf("missing list: exit %d, %s", code, errOut)
	}
}
