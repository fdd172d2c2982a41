package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// enginesAPI answers preflights for PUT and X-A from app.example.com with
// the given Max-Age, and counts what it sees.
func enginesAPI(t *testing.T, maxAge string) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method)
		mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Allow-Headers", "X-A")
			w.Header().Set("Access-Control-Max-Age", maxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(ts.Close)
	return ts, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestCheckEnginesAgreeButCacheDiffers(t *testing.T) {
	ts, seen := enginesAPI(t, "86400")
	code, out, _ := check(t, ts.URL+"/x", "--origin", "https://app.example.com", "-X", "PUT", "--data", "x")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		"Chromium: allowed (status 200, type cors); preflight cached 2 h",
		"Firefox:  allowed (status 200, type cors); preflight cached 24 h",
		"WebKit:   allowed (status 200, type cors); preflight cached 10 min",
		"Differ:   preflight cached 2 h in Chromium, preflight cached 24 h in Firefox, preflight cached 10 min in WebKit.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The other engines' answers are replayed: the PUT ran once.
	if got := strings.Join(seen(), " "); got != "OPTIONS PUT" {
		t.Errorf("server saw %s, want OPTIONS PUT", got)
	}
}

func TestCheckEnginesDifferInVerdict(t *testing.T) {
	ts, seen := enginesAPI(t, "600")
	// Chromium safelists DPR; Firefox and WebKit preflight it, and the
	// preflight does not allow it.
	code, out, _ := check(t, ts.URL+"/x", "--origin", "https://app.example.com", "-H", "DPR: 2", "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (blocked in an engine):\n%s", code, out)
	}
	var got struct {
		Verdict string `json:"verdict"`
		Engines []struct {
			Engine       string `json:"engine"`
			Verdict      string `json:"verdict"`
			Reason       string `json:"reason"`
			EngineReason string `json:"engine_reason"`
		} `json:"engines"`
		Differences []string `json:"differences"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Verdict != "allowed" || len(got.Engines) != 3 {
		t.Fatalf("%+v", got)
	}
	if e := got.Engines[1]; e.Engine != "firefox" || e.Verdict != "blocked" || e.Reason != "HeaderDisallowedByPreflightResponse" || e.EngineReason != "CORSMissingAllowHeaderFromPreflight2" {
		t.Errorf("Firefox: %+v", e)
	}
	if e := got.Engines[2]; e.Engine != "webkit" || e.Verdict != "blocked" {
		t.Errorf("WebKit: %+v", e)
	}
	if len(got.Differences) == 0 || !strings.Contains(got.Differences[0], "allowed in Chromium, blocked (HeaderDisallowedByPreflightResponse) in Firefox and WebKit") {
		t.Errorf("differences = %q", got.Differences)
	}
	// Firefox asked the preflight Chromium did not send; WebKit's is
	// replayed.
	if s := strings.Join(seen(), " "); s != "GET OPTIONS" {
		t.Errorf("server saw %s, want GET OPTIONS", s)
	}
}

func TestCheckOneEngine(t *testing.T) {
	ts, _ := enginesAPI(t, "600")
	code, out, _ := check(t, ts.URL+"/x", "--origin", "https://app.example.com", "-H", "DPR: 2", "--engine", "firefox")
	if code != 1 || !strings.Contains(out, "BLOCKED: Firefox blocks this request (HeaderDisallowedByPreflightResponse), which Firefox calls CORSMissingAllowHeaderFromPreflight2.") || strings.Contains(out, "Engines:") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "Console:  Cross-Origin Request Blocked: ") {
		t.Errorf("no Firefox console message:\n%s", out)
	}
	code, _, errOut := check(t, ts.URL+"/x", "--origin", "https://app.example.com", "--engine", "trident")
	if code != 2 || !strings.Contains(errOut, "chromium, firefox, webkit or all") {
		t.Errorf("--engine trident: exit %d, %s", code, errOut)
	}
}
