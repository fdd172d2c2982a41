package scan

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/origin"
)

// Response headers are attacker input for a scanner: a hostile server must
// not make the evaluation panic, and findings must stay well formed.

func FuzzParseHSTS(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains", `max-age="0"`, ";;;", "max-age=99999999999999999999", "includesubdomains; max-age=1; preload"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p := parseHSTS(http.Header{"Strict-Transport-Security": {v}})
		if p.maxAge < 0 {
			t.Fatalf("negative max-age from %q", v)
		}
		if p.includeSubdomains && p.maxAge == 0 && !strings.Contains(strings.ToLower(v), "max-age") {
			t.Fatalf("policy without max-age from %q", v)
		}
	})
}

func FuzzCacheable(f *testing.F) {
	f.Add("public, max-age=600", "", "", 200)
	f.Add("no-store", "Mon, 02 Jan 2006 15:04:05 GMT", "", 200)
	f.Add("s-maxage=\"10\", private", "", "0", 404)
	f.Fuzz(func(t *testing.T, cc, lastModified, expires string, status int) {
		h := http.Header{"Cache-Control": {cc}, "Last-Modified": {lastModified}, "Expires": {expires}}
		if cacheable(http.MethodGet, status, h) && strings.Contains(strings.ToLower(cc), "no-store") && hasDirective(h, "no-store") {
			t.Fatalf("no-store response judged cacheable: %q", cc)
		}
	})
}

// FuzzEvaluate feeds arbitrary CORS headers, as if every probe got them, to
// the evaluation.
func FuzzEvaluate(f *testing.F) {
	f.Add("https://evil.com", "true", "Origin", "max-age=60", "PUT", "x-a", "text/javascript", "co(")
	f.Add("*", "true", "", "", "*", "*", "", "")
	f.Add("null", "TRUE", "*", "no-store", "", "", "application/json", "")
	f.Add("https://a.com, https://b.com", "", "origin, accept", "public", "GET,,PUT", ",,", "text/plain", "x")
	f.Fuzz(func(t *testing.T, acao, acac, vary, cc, acam, acah, ct, body string) {
		u, _ := url.Parse("https://api.example.com/me")
		s, _ := New(Config{})
		r := &run{s: s, url: u, target: newTarget(origin.MustParse("https://api.example.com")), label: "lbl"}
		probes := allProbes(r.target, r.label, nil, []string{"callback"})
		probes = append(probes, &probe{kind: kindPreflight, origin: "https://lbl.com", needs: needNothing, reqMethod: "XLBL", reqHeader: "x-lbl"})
		for _, p := range probes {
			h := http.Header{}
			for k, v := range map[string]string{
				"Access-Control-Allow-Origin": strings.ReplaceAll(acao, "{origin}", p.origin), "Access-Control-Allow-Credentials": acac,
				"Vary": vary, "Cache-Control": cc, "Access-Control-Allow-Methods": acam, "Access-Control-Allow-Headers": acah, "Content-Type": ct,
			} {
				if v != "" {
					h.Set(k, v)
				}
			}
			req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
			r.results = append(r.results, &result{probe: p, req: req, status: 200, header: h, body: []byte(body)})
		}
		r.evaluate()
		for _, f := range r.findings {
			if f.Severity < Info || f.Severity > Critical || f.ID == "" || f.Description == "" {
				t.Fatalf("malformed finding %+v", f)
			}
		}
	})
}
