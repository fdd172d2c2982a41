package browserdiff

import (
	"regexp"
	"strings"
	"testing"
)

// TestCompare checks that compare reports every kind of difference, and
// nothing when the sides agree.
func TestCompare(t *testing.T) {
	base := result{
		Steps: []outcome{{Verdict: "200 cors", Headers: []string{"content-type: text/plain"}}},
		Wire:  []string{"GET /a origin=app"},
	}
	blocked := result{
		Steps: []outcome{{Verdict: "TypeError", Reason: "AllowOriginMismatch", Net: "net::ERR_FAILED", Message: "Access to fetch at 'api/x' ..."}},
		Wire:  []string{"GET /a origin=app"},
	}
	with := func(r result, f func(*result)) result {
		c := r
		c.Steps = append([]outcome(nil), r.Steps...)
		c.Wire = append([]string(nil), r.Wire...)
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name        string
		e           engine // "" is Chromium
		chrome, our result
		want        []string // substrings, one per expected difference
	}{
		{"same", "", base, base, nil},
		{"same blocked", "", blocked, blocked, nil},
		{"verdict", "", base, with(base, func(r *result) { r.Steps[0].Verdict = "200 basic" }), []string{"verdict"}},
		{"reason", "", blocked, with(blocked, func(r *result) { r.Steps[0].Reason = "MissingAllowOriginHeader" }), []string{"reason"}},
		{"net", "", blocked, with(blocked, func(r *result) { r.Steps[0].Net = "net::ERR_ABORTED" }), []string{"net error"}},
		{"message", "", blocked, with(blocked, func(r *result) { r.Steps[0].Message += " more" }), []string{"console message"}},
		{"header value", "", base, with(base, func(r *result) { r.Steps[0].Headers = []string{"content-type: text/html"} }), []string{"readable headers"}},
		{"header missing", "", base, with(base, func(r *result) { r.Steps[0].Headers = nil }), []string{"readable headers"}},
		{"body", "", base, with(base, func(r *result) { r.Steps[0].Body = "x" }), []string{"body"}},
		{"wire", "", base, with(base, func(r *result) { r.Wire = append(r.Wire, "GET /b origin=null") }), []string{"server saw"}},
		{"selfcheck", "", blocked, with(blocked, func(r *result) { r.Steps[0].Selfcheck = "Error.ReachedServer is false" }), []string{"contradicts"}},
		{"missing step", "", with(base, func(r *result) { r.Steps = append(r.Steps, r.Steps[0]) }), base, []string{"step 2: verdict", "step 2: readable headers"}},
		{"two fields", "", blocked, with(blocked, func(r *result) { r.Steps[0].Reason = ""; r.Wire = nil }), []string{"reason", "server saw"}},
		// A TypeError without a console message: ours may explain more.
		{"typeerror explained", "",
			result{Steps: []outcome{{Verdict: "TypeError", Message: "TypeError: Failed to fetch"}}},
			result{Steps: []outcome{{Verdict: "TypeError", Message: "TypeError: Failed to fetch (too many redirects)"}}},
			nil},
		{"typeerror other text", "",
			result{Steps: []outcome{{Verdict: "TypeError", Message: "TypeError: Failed to fetch"}}},
			result{Steps: []outcome{{Verdict: "TypeError", Message: "TypeError: Failed to execute 'fetch'"}}},
			[]string{"console message"}},
		// A console message must match exactly, no explanation added.
		{"console message extended", "", blocked, with(blocked, func(r *result) { r.Steps[0].Message += " (why)" }), []string{"console message"}},
		// Firefox shows no net error; WebKit shows no reason, net error or
		// console message; everything else counts in both.
		{"firefox net", engFirefox, blocked, with(blocked, func(r *result) { r.Steps[0].Net = "" }), nil},
		{"firefox reason", engFirefox, blocked, with(blocked, func(r *result) { r.Steps[0].Reason = "CORSMissingAllowOrigin2" }), []string{"reason: firefox"}},
		{"webkit quiet", engWebKit, blocked, with(blocked, func(r *result) { r.Steps[0].Reason, r.Steps[0].Net, r.Steps[0].Message = "", "", "" }), nil},
		{"webkit wire", engWebKit, base, with(base, func(r *result) { r.Wire = nil }), []string{"server saw: webkit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			if e == "" {
				e = engChromium
			}
			got := compare(e, tc.chrome, tc.our)
			if len(got) != len(tc.want) {
				t.Fatalf("compare = %q, want %d differences (%q)", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("difference %d = %q, want it to mention %q", i, got[i], w)
				}
			}
		})
	}
}

// TestCaseTable checks the table itself: enough cases, names fit for a
// URL path segment, every fetched hop scripted, every departure and
// known difference naming a case.
func TestCaseTable(t *testing.T) {
	cases := allCases()
	if len(cases) < 150 {
		t.Errorf("%d cases, want at least 150", len(cases))
	}
	name := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	seen := make(map[string]bool)
	for _, c := range cases {
		if !name.MatchString(c.Name) {
			t.Errorf("case name %q is not lower-case letters, digits and dashes", c.Name)
		}
		if seen[c.Name] {
			t.Errorf("case name %q is used twice", c.Name)
		}
		seen[c.Name] = true
		for _, s := range c.steps() {
			if _, ok := c.Routes[s.route()]; !ok {
				t.Errorf("case %s fetches /%s, which it does not script", c.Name, s.route())
			}
		}
	}
	for n := range departures {
		if !seen[n] {
			t.Errorf("departures names %q, which is no case", n)
		}
	}
	for e, known := range map[engine]map[string]string{engChromium: knownDiff, engFirefox: knownDiffFirefox, engWebKit: knownDiffWebKit} {
		for n := range known {
			if !seen[n] {
				t.Errorf("the known differences of %s name %q, which is no case", e, n)
			}
		}
	}
}
