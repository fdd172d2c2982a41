// Package sarif validates the scanner's SARIF output against the official
// SARIF 2.1.0 JSON schema (OASIS, errata 01, vendored under
// scan/testdata) and against the shape GitHub code scanning reads. It
// lives in the e2e module so that the JSON-schema library stays out of the
// main module's go.mod.
package sarif

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/crossorigin/crossorigin/scan"
)

// schemaPath is the vendored OASIS schema, in the main module's testdata.
var schemaPath = filepath.Join("..", "..", "scan", "testdata", "sarif-schema-2.1.0.json")

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and uri-reference are checked, as validators do
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// loopback dials 127.0.0.1 whatever the host, so targets can have names.
func loopback() *http.Transport {
	var d net.Dialer
	return &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
	}}
}

// serve starts h on loopback and returns its URL under host.
func serve(t *testing.T, host string, h http.HandlerFunc) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	return "http://" + host + ":" + port + "/api/me?x=1"
}

// reports returns reports to validate: many classes and findings with
// several probes each, an unreachable target, and an empty report.
func reports(t *testing.T) map[string]*scan.Report {
	reflect := serve(t, "api.example.com", func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if cb := r.URL.Query().Get("callback"); cb != "" {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(cb + "({})"))
		}
	})
	prefix := serve(t, "shop.example.org", func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); strings.HasPrefix(o, "http://app.example.org") || strings.HasPrefix(o, "http://localhost") {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.Header().Set("Cache-Control", "public, max-age=60")
	})
	star := serve(t, "intranet.example.net", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Set-Cookie", "sid=1")
	})
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	s, err := scan.New(scan.Config{Transport: loopback()})
	if err != nil {
		t.Fatal(err)
	}
	full, err := s.Scan(t.Context(), reflect, prefix, star, deadURL)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Findings) < 5 {
		t.Fatalf("only %d findings to validate", len(full.Findings))
	}
	return map[string]*scan.Report{"findings": full, "empty": {}}
}

// TestSARIFSchema is item 5 of issue 12: the SARIF log validates against
// the official SARIF 2.1.0 schema.
func TestSARIFSchema(t *testing.T) {
	sch := compileSchema(t)
	for name, rep := range reports(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := rep.WriteSARIF(&buf); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("the SARIF log does not validate: %v", err)
			}
		})
	}
}

// TestSchemaRejects makes sure the schema test can fail: a log with an
// unknown level and a missing message is refused.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	bad := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a","level":"fatal"}]}]}`
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(inst) == nil {
		t.Error("the schema accepted an invalid log")
	}
}

// githubLog is the part of a SARIF log GitHub code scanning reads.
type githubLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					Properties       map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					Region           struct{ StartLine int }
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

// securitySeverity checks GitHub's security-severity: a string holding a
// score from 0.0 to 10.0.
func securitySeverity(t *testing.T, where string, props map[string]any) {
	s, ok := props["security-severity"].(string)
	if !ok {
		t.Errorf("%s: security-severity is %T, want a string", where, props["security-severity"])
		return
	}
	if v, err := strconv.ParseFloat(s, 64); err != nil || v < 0 || v > 10 {
		t.Errorf("%s: security-severity %q is not a score from 0 to 10", where, s)
	}
}

// TestSARIFGitHubShape is item 5 of issue 12: what GitHub code scanning
// needs to upload the log and show useful alerts: rule ids and names,
// descriptions, help with the fix, security-severity on rules and results,
// repository-relative locations (it refuses https: URIs), fingerprints.
func TestSARIFGitHubShape(t *testing.T) {
	rep := reports(t)["findings"]
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf); err != nil {
		t.Fatal(err)
	}
	var log githubLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("%v, %d runs", err, len(log.Runs))
	}
	run := log.Runs[0]
	ids := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		ids[r.ID] = i
		if r.ID == "" || r.Name == "" || strings.Contains(r.Name, "-") || r.ShortDescription.Text == "" || r.FullDescription.Text == "" {
			t.Errorf("rule %d incomplete: %+v", i, r)
		}
		if !strings.Contains(r.Help.Text, "Fix: ") || !strings.Contains(r.Help.Markdown, "**Fix:**") {
			t.Errorf("rule %s: the help does not say the fix: %+v", r.ID, r.Help)
		}
		if tags, _ := r.Properties["tags"].([]any); !slices.Contains(tags, any("security")) {
			t.Errorf("rule %s: tags %v lack security", r.ID, r.Properties["tags"])
		}
		securitySeverity(t, "rule "+r.ID, r.Properties)
	}
	if len(ids) != len(scan.Classes()) {
		t.Errorf("%d rules for %d classes", len(ids), len(scan.Classes()))
	}
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	for _, r := range run.Results {
		if i, ok := ids[r.RuleID]; !ok || i != r.RuleIndex {
			t.Errorf("result of rule %q has index %d", r.RuleID, r.RuleIndex)
		}
		if !slices.Contains([]string{"note", "warning", "error"}, r.Level) || r.Message.Text == "" {
			t.Errorf("result %s: level %q, message %q", r.RuleID, r.Level, r.Message.Text)
		}
		if len(r.Locations) == 0 || len(r.Locations) > 10 {
			t.Fatalf("result %s: %d locations", r.RuleID, len(r.Locations))
		}
		loc := r.Locations[0].PhysicalLocation
		if u, err := url.Parse(loc.ArtifactLocation.URI); err != nil || u.Scheme != "" || u.IsAbs() || loc.ArtifactLocation.URI == "" || loc.Region.StartLine < 1 {
			t.Errorf("result %s: location %+v is not a repository path with a line", r.RuleID, loc)
		}
		if u, _ := r.Properties["url"].(string); !strings.HasPrefix(u, "http://") {
			t.Errorf("result %s: url property %q", r.RuleID, u)
		}
		if len(r.PartialFingerprints) == 0 {
			t.Errorf("result %s has no partialFingerprints", r.RuleID)
		}
		securitySeverity(t, "result "+r.RuleID, r.Properties)
	}
}
