package scan

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// siblingBugs are the broken checks of a trusted origin that issue 12
// lists: each accepts the trusted origin and some origin an attacker can
// obtain.
var siblingBugs = []struct {
	name  string
	class Class
	check func(trusted string) func(o string) bool
}{
	{"prefix", PrefixMatch, func(trusted string) func(string) bool {
		return func(o string) bool { return strings.HasPrefix(o, trusted) }
	}},
	{"substring", SubstringMatch, func(trusted string) func(string) bool {
		list := trusted + " https://admin.example.org" // the allowlist kept as one string
		return func(o string) bool { return strings.Contains(list, o) }
	}},
	{"unescaped dot", UnescapedDot, func(trusted string) func(string) bool {
		re := regexp.MustCompile("^" + trusted + "$") // dots left unescaped
		return re.MatchString
	}},
	{"any port", AnyPortTrusted, func(trusted string) func(string) bool {
		t, _ := url.Parse(trusted)
		return func(o string) bool {
			u, err := url.Parse(o)
			return err == nil && u.Scheme == t.Scheme && u.Hostname() == t.Hostname()
		}
	}},
	{"http allowed", HTTPOriginTrusted, func(trusted string) func(string) bool {
		t, _ := url.Parse(trusted)
		return func(o string) bool {
			u, err := url.Parse(o)
			return err == nil && u.Host == t.Host
		}
	}},
}

// TestTrustedSiblingBypasses is item 1 of issue 12: an API that trusts its
// front end's origin, not its own, with a broken check. The bypass is found
// when the front end is given in Config.Origins, and, for a front end on
// the API's registrable domain, by sibling discovery alone; the finding
// names the trusted origin.
func TestTrustedSiblingBypasses(t *testing.T) {
	t.Parallel()
	for _, bug := range siblingBugs {
		for _, tc := range []struct {
			how     string
			trusted string
			origins []string
		}{
			{"discovered sibling", "https://app.example.com", nil},
			{"--origin", "https://frontend.partner-cloud.net", []string{"https://frontend.partner-cloud.net"}},
		} {
			t.Run(bug.name+" "+tc.how, func(t *testing.T) {
				t.Parallel()
				h := corsServer(bug.check(tc.trusted), true)
				u, cert := zooURL(t, zooEntry{handler: h})
				s, err := New(Config{Transport: loopbackTransport(t, cert), Origins: tc.origins})
				if err != nil {
					t.Fatal(err)
				}
				rep, err := s.Scan(t.Context(), u)
				if err != nil {
					t.Fatal(err)
				}
				if tg := rep.Targets[0]; !slices.Contains(tg.Trusted, tc.trusted) || tg.Requests > maxProbes+len(tc.origins) {
					t.Errorf("target %+v: want %s among the trusted origins and at most %d probes", tg, tc.trusted, maxProbes)
				}
				i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Class == bug.class })
				if i < 0 {
					t.Fatalf("no %s finding; classes %v", bug.class, classesOf(rep.Findings))
				}
				f := rep.Findings[i]
				named := f.Evidence.Trusted == tc.trusted && strings.Contains(f.Description, tc.trusted)
				if !named {
					t.Errorf("the finding does not name the trusted origin %s: %+v", tc.trusted, f)
				}
				if c := classesOf(rep.Findings); slices.Contains(c, ReflectAnyOrigin) {
					t.Errorf("classes %v", c)
				}
			})
		}
	}
}

// maxProbes bounds the probes of one target, besides one per configured
// origin: candidates, generic probes, maxFamilies bypass families, JSONP
// and preflights.
const maxProbes = 160

// TestProbeCountBounded: however many origins a target trusts, its probes
// stay bounded (issue 12, item 1): here every sibling and three configured
// origins on other domains are trusted, over HTTPS, with credentials.
func TestProbeCountBounded(t *testing.T) {
	t.Parallel()
	configured := []string{"https://a.partner-one.net", "https://b.partner-two.org", "https://c.partner-three.io"}
	h := corsServer(func(o string) bool {
		return slices.Contains(configured, o) || strings.HasSuffix(o, ".example.com") || o == "https://example.com"
	}, true)
	u, cert := zooURL(t, zooEntry{handler: h})
	s, err := New(Config{Transport: loopbackTransport(t, cert), Origins: configured, Cookie: "sid=1"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	tg := rep.Targets[0]
	if tg.Requests > maxProbes+len(configured) || len(tg.Trusted) < maxFamilies+1 {
		t.Errorf("%d probes (want at most %d), %d trusted origins", tg.Requests, maxProbes+len(configured), len(tg.Trusted))
	}
	t.Logf("%d probes, trusted %v", tg.Requests, tg.Trusted)
}

// TestOneFindingPerClass is item 4 of issue 12: a class found by several
// probes is one finding for the URL, and its evidence keeps every probe.
func TestOneFindingPerClass(t *testing.T) {
	t.Parallel()
	// Trusts localhost on any port and every github.io page: several
	// probes of two classes each.
	h := corsServer(func(o string) bool {
		u, err := url.Parse(o)
		return err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || strings.HasSuffix(u.Hostname(), ".github.io"))
	}, true)
	u, cert := zooURL(t, zooEntry{handler: h})
	s, err := New(Config{Transport: loopbackTransport(t, cert)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Class]int{}
	for _, f := range rep.Findings {
		seen[f.Class]++
	}
	for c, n := range seen {
		if n != 1 {
			t.Errorf("%d findings of class %s, want 1", n, c)
		}
	}
	i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Class == LocalhostOriginTrusted })
	if i < 0 {
		t.Fatalf("no localhost finding: %v", classesOf(rep.Findings))
	}
	f := rep.Findings[i]
	var origins []string
	for _, e := range append([]Evidence{f.Evidence}, f.MoreEvidence...) {
		origins = append(origins, e.Request.Headers["Origin"])
	}
	for _, want := range []string{"http://localhost:3000", "http://localhost", "http://127.0.0.1"} {
		if !slices.Contains(origins, want) {
			t.Errorf("evidence origins %v lack %s", origins, want)
		}
	}

	// Special characters: one finding, every accepted character's probe
	// in its evidence.
	rep = scanZoo(t, Config{}, "special-char")
	i = slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Class == SpecialCharBypass })
	if i < 0 {
		t.Fatalf("no special-char finding: %v", classesOf(rep.Findings))
	}
	if f := rep.Findings[i]; len(f.MoreEvidence) < 10 || !slices.Equal(f.Browsers, allBrowsers) {
		t.Errorf("special-char finding with %d more probes and browsers %v", len(f.MoreEvidence), f.Browsers)
	}
}
