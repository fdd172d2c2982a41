package scan

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// scanZoo scans the named zoo servers and returns the report.
func scanZoo(t testing.TB, cfg Config, names ...string) *Report {
	t.Helper()
	var urls []string
	var tr http.RoundTripper
	for _, e := range zooEntries() {
		if !slices.Contains(names, e.name) {
			continue
		}
		u, c := zooURL(t, e)
		urls = append(urls, u)
		if c != nil || tr == nil {
			tr = loopbackTransport(t, c) // every httptest TLS server shares one certificate
		}
	}
	if len(urls) != len(names) {
		t.Fatalf("unknown zoo names in %v", names)
	}
	cfg.Transport = tr
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(t.Context(), urls...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestJSONSchema(t *testing.T) {
	rep := scanZoo(t, Config{Cookie: "session=secret"}, "reflect", "missing-vary", "ok-no-cors")
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "secret") {
		t.Error("the JSON report leaks the cookie")
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tool", "version", "summary", "targets", "findings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q in the report", k)
		}
	}
	if n := len(doc["targets"].([]any)); n != 3 {
		t.Errorf("%d targets, want 3", n)
	}
	findings := doc["findings"].([]any)
	if len(findings) < 3 {
		t.Fatalf("%d findings, want at least 3", len(findings))
	}
	for _, f := range findings {
		checkJSONFinding(t, f.(map[string]any))
	}
	for _, tg := range doc["targets"].([]any) {
		tg := tg.(map[string]any)
		for k, kind := range map[string]string{"url": "string", "requests": "number", "seconds": "number"} {
			if got := jsonKind(tg[k]); got != kind {
				t.Errorf("target %q is a %s, want %s: %v", k, got, kind, tg)
			}
		}
		if tr, ok := tg["trusted_origins"]; ok && jsonKind(tr) != "array" {
			t.Errorf("trusted_origins is a %s", jsonKind(tr))
		}
	}
	sum := doc["summary"].(map[string]any)
	if sum["critical"].(float64) < 1 {
		t.Errorf("summary = %v", sum)
	}

	// Back into Go values.
	var back struct{ Findings []Finding }
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Findings) != len(rep.Findings) || back.Findings[0].Severity != rep.Findings[0].Severity {
		t.Error("findings do not survive a JSON round trip")
	}
}

// checkJSONFinding checks the fields and types of one JSON finding.
func checkJSONFinding(t *testing.T, f map[string]any) {
	t.Helper()
	for k, kind := range map[string]string{
		"id": "string", "class": "string", "severity": "string", "origin": "string", "url": "string",
		"evidence": "object", "browsers": "array", "description": "string", "fix": "string", "credentials": "bool",
	} {
		v, ok := f[k]
		if !ok {
			t.Errorf("finding without %q: %v", k, f)
			continue
		}
		if got := jsonKind(v); got != kind {
			t.Errorf("%q is a %s, want %s", k, got, kind)
		}
	}
	if _, err := ParseSeverity(f["severity"].(string)); err != nil {
		t.Error(err)
	}
	if !slices.Contains(Classes(), Class(f["class"].(string))) {
		t.Errorf("unknown class %v", f["class"])
	}
	ev := f["evidence"].(map[string]any)
	for _, k := range []string{"request", "status", "headers", "browser_verdict"} {
		if _, ok := ev[k]; !ok {
			t.Errorf("evidence without %q: %v", k, ev)
		}
	}
	req := ev["request"].(map[string]any)
	hs := req["headers"].(map[string]any)
	if hs["Cookie"] != "(redacted)" {
		t.Errorf("request Cookie = %v, want (redacted)", hs["Cookie"])
	}
}

func TestPoC(t *testing.T) {
	rep := scanZoo(t, Config{}, "reflect")
	for _, f := range rep.Findings {
		switch f.Class {
		case ReflectAnyOrigin:
			if !strings.Contains(f.PoC, "Serve from "+f.Origin) || !strings.Contains(f.PoC, `credentials:"include"`) || !strings.Contains(f.PoC, f.URL) {
				t.Errorf("reflect PoC:\n%s", f.PoC)
			}
		case NullOrigin:
			if !strings.Contains(f.PoC, `<iframe sandbox="allow-scripts" srcdoc="&lt;script&gt;fetch(&#34;`) {
				t.Errorf("null PoC:\n%s", f.PoC)
			}
		}
	}
	if p := poc("https://a.example", "GET", "https://t.example/\"</script>", false); strings.Contains(p, `"</script>",`) {
		t.Errorf("PoC does not escape the URL: %s", p)
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "bool"
	case float64:
		return "number"
	}
	return "null"
}

func TestEmptyJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := (&Report{}).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"findings": []`) || !strings.Contains(buf.String(), `"targets": []`) {
		t.Errorf("empty report: %s", buf.String())
	}
}

// checkSARIFResults checks each result against the rules.
func checkSARIFResults(t *testing.T, log sarifTestLog, ids map[string]int) {
	t.Helper()
	for _, r := range log.Runs[0].Results {
		if i, ok := ids[r.RuleID]; !ok || i != r.RuleIndex {
			t.Errorf("result rule %s index %d, rules say %d", r.RuleID, r.RuleIndex, i)
		}
		if !slices.Contains([]string{"error", "warning", "note"}, r.Level) {
			t.Errorf("level %q", r.Level)
		}
		// GitHub code scanning refuses URI schemes other than file.
		if len(r.Locations) != 1 || !strings.HasPrefix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "api.example.com_") {
			t.Errorf("locations %+v", r.Locations)
		}
		if r.PartialFingerprints["crossoriginFindingId/v1"] == "" || r.Message.Text == "" {
			t.Errorf("result without fingerprint or message: %+v", r)
		}
	}
}

// sarifTestLog is the part of a SARIF log the tests read.
type sarifTestLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string                `json:"id"`
					Name             string                `json:"name"`
					ShortDescription struct{ Text string } `json:"shortDescription"`
					Help             struct{ Text string } `json:"help"`
					Properties       map[string]any        `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool  `json:"executionSuccessful"`
			Notifications       []any `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	rep := scanZoo(t, Config{}, "reflect", "jsonp", "wildcard-credentials")
	rep.Targets = append(rep.Targets, Target{URL: "https://down.example/", Error: "connection refused"})
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf); err != nil {
		t.Fatal(err)
	}
	var log sarifTestLog
	dec := json.NewDecoder(&buf)
	if err := dec.Decode(&log); err != nil {
		t.Fatalf("SARIF does not have the expected shape: %v", err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-schema-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("version %q, schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "crossorigin" {
		t.Errorf("driver name %q", run.Tool.Driver.Name)
	}
	ids := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		if _, dup := ids[r.ID]; dup {
			t.Errorf("duplicate rule %s", r.ID)
		}
		ids[r.ID] = i
		if r.Name == "" || strings.Contains(r.Name, "-") || r.ShortDescription.Text == "" || r.Help.Text == "" {
			t.Errorf("rule %s incomplete: %+v", r.ID, r)
		}
		if _, ok := r.Properties["security-severity"]; !ok {
			t.Errorf("rule %s has no security-severity", r.ID)
		}
	}
	if len(ids) != len(Classes()) {
		t.Errorf("%d rules, want %d", len(ids), len(Classes()))
	}
	if len(run.Results) != len(rep.Findings) || len(run.Results) == 0 {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	checkSARIFResults(t, log, ids)
	if inv := run.Invocations; len(inv) != 1 || inv[0].ExecutionSuccessful || len(inv[0].Notifications) != 1 {
		t.Errorf("invocations %+v, want one unsuccessful with one notification", inv)
	}
}

func TestSARIFPath(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/me":           "api.example.com/me",
		"https://api.example.com:8443/a/b?q=1": "api.example.com_8443/a/b",
		"http://[::1]:8080/":                   "__1_8080",
		"https://api.example.com/a%20b":        "api.example.com/a%20b",
	} {
		if got := sarifPath(in); got != want {
			t.Errorf("sarifPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextReport(t *testing.T) {
	rep := scanZoo(t, Config{}, "reflect", "wildcard-credentials")
	var plain, color bytes.Buffer
	if err := rep.WriteText(&plain, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&color, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := plain.String()
	for _, want := range []string{"Scanned 2 URL(s)", "CRITICAL", "INFO", "[reflect-any-origin]", "[wildcard-with-credentials]", "fix: ", "Access-Control-Allow-Credentials: true"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour in the plain report")
	}
	if !strings.Contains(color.String(), "\x1b[1;31mCRITICAL") {
		t.Error("no colour in the coloured report")
	}
	// Critical comes before info.
	if strings.Index(out, "CRITICAL") > strings.Index(out, "INFO") {
		t.Error("severities out of order")
	}
}

func TestStableIDs(t *testing.T) {
	a := scanZoo(t, Config{}, "reflect")
	b := scanZoo(t, Config{}, "reflect")
	if len(a.Findings) == 0 || len(a.Findings) != len(b.Findings) {
		t.Fatalf("%d and %d findings", len(a.Findings), len(b.Findings))
	}
	if a.Findings[0].Origin == b.Findings[0].Origin {
		t.Error("two runs used the same random origin")
	}
	// The servers listen on different ports, so compute the ids for one
	// URL with two labels.
	u, _ := url.Parse("https://api.example.com/")
	r := &run{url: u}
	id := func(c Class, origin string) string {
		res := &result{probe: &probe{template: "https://<r>.com", origin: origin}, req: httptest.NewRequest("GET", u.String(), nil), header: http.Header{}}
		return r.finding(c, Critical, res, "", true, nil).ID
	}
	if id(ReflectAnyOrigin, "https://a.com") != id(ReflectAnyOrigin, "https://b.com") {
		t.Error("the id depends on the random label")
	}
	if id(ReflectAnyOrigin, "https://a.com") == id(NullOrigin, "https://a.com") {
		t.Error("two classes share an id")
	}
}
