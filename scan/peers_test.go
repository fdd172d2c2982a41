package scan

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The differential test against the peers (issue 12, item 6): every probe
// family of nuclei's cors-misconfig template (projectdiscovery/
// nuclei-templates, http/vulnerabilities/generic/cors-misconfig.yaml, 29
// payloads) and of Corsy (s0md3v/Corsy, core/tests.py, 8 active probes and
// its passive wildcard check), with the server bug that the probe exists
// to find and the class under which this scanner reports that bug. The
// facts come from those files; the code is ours. PEERS.md says what each
// side finds that the other does not.
//
// Templates: {FQDN} is the target's host, {RDN} its registrable domain,
// {r} the peer's random label.

// A bug is a broken origin check of a server at https://api.example.com.
type bug func(o string) bool

const (
	peerFQDN = "api.example.com"
	peerRDN  = "example.com"
)

// hostOfOrigin returns the host of an origin, "" if it has none.
func hostOfOrigin(o string) string {
	u, err := url.Parse(o)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

var (
	reflectAll bug = func(string) bool { return true }
	// startsWith the trusted origin: a prefix match.
	startsWith bug = func(o string) bool { return strings.HasPrefix(o, "https://"+peerFQDN) }
	// endsWith the registrable domain, any scheme: a suffix match.
	endsWithRDN bug = func(o string) bool { return strings.HasSuffix(o, peerRDN) }
	// endsWith the host: Corsy's "pre-domain wildcard".
	endsWithFQDN bug = func(o string) bool { return strings.HasSuffix(o, peerFQDN) }
	// Any subdomain of the registrable domain, over https only or both.
	httpsSubdomains bug = regexp.MustCompile(`^https://([a-z0-9-]+\.)+example\.com$`).MatchString
	anySubdomains   bug = regexp.MustCompile(`^https?://([a-z0-9-]+\.)+example\.com$`).MatchString
	// Regular expressions with unescaped dots, https only or both.
	dotsHTTPS bug = regexp.MustCompile(`^https://api.example.com$`).MatchString
	dotsAny   bug = regexp.MustCompile(`^https?://api.example.com$`).MatchString
	// The localhost regex edge case: ^https?://localhost without a dot
	// or an end anchor.
	localhostPrefix bug = regexp.MustCompile(`^https?://localhost`).MatchString
	nullTrusted     bug = func(o string) bool { return o == "null" }
	// The host is compared, the scheme ignored.
	hostOnly bug = func(o string) bool { return hostOfOrigin(o) == peerFQDN }
)

// stopsAt is a hand-written parser that takes the host up to the first c
// (trailing dots dropped) and compares it with the trusted host; decode
// also percent-decodes the Origin first, as the servers Corsy's %60 probe
// looks for do.
func stopsAt(c string, decode bool) bug {
	return func(o string) bool {
		if decode {
			if d, err := url.PathUnescape(o); err == nil {
				o = d
			}
		}
		rest, ok := strings.CutPrefix(o, "https://")
		if !ok {
			return false
		}
		if i := strings.Index(rest, c); i >= 0 {
			rest = rest[:i]
		}
		return strings.TrimRight(rest, ".") == peerFQDN
	}
}

type peerProbe struct {
	peer     string // "nuclei" or "corsy"
	template string
	bug      bug
	class    Class
}

func peerProbes() []peerProbe {
	ps := []peerProbe{
		{"nuclei", "https://{r}{RDN}", endsWithRDN, SuffixMatch},
		{"nuclei", "http://{r}{RDN}", endsWithRDN, SuffixMatch},
		{"nuclei", "https://{r}.com", reflectAll, ReflectAnyOrigin},
		{"nuclei", "https://{FQDN}.{r}.com", startsWith, PrefixMatch},
		{"nuclei", "https://{FQDN}{r}.com", startsWith, PrefixMatch},
		{"nuclei", "https://localhost.{r}.com", localhostPrefix, LocalhostOriginTrusted},
		{"nuclei", "http://localhost.{r}.com", localhostPrefix, LocalhostOriginTrusted},
		{"nuclei", "http://s{RDN}", endsWithRDN, SuffixMatch},
		{"nuclei", "https://{FQDN}_.{r}.com", stopsAt("_", false), SpecialCharBypass},
		{"nuclei", "https://{FQDN}%60.{r}.com", stopsAt("`", true), SpecialCharBypass},
		{"nuclei", "null", nullTrusted, NullOrigin},
		{"nuclei", "https://{r}.{RDN}", httpsSubdomains, AnySubdomainTrusted},
		{"nuclei", "http://{r}.{RDN}", anySubdomains, HTTPSubdomainTrusted},
		{"nuclei", "https://{FQDN-dots-a}", dotsHTTPS, UnescapedDot},
		{"nuclei", "http://{FQDN-dots-a}", dotsAny, UnescapedDot},

		{"corsy", "https://example.com", reflectAll, ReflectAnyOrigin},
		{"corsy", "https://{FQDN}.example.com", startsWith, PrefixMatch},
		{"corsy", "https://d3v{FQDN}", endsWithFQDN, AnySubdomainTrusted},
		{"corsy", "null", nullTrusted, NullOrigin},
		{"corsy", "https://{FQDN}_.example.com", stopsAt("_", false), SpecialCharBypass},
		{"corsy", "https://{FQDN}%60.example.com", stopsAt("`", true), SpecialCharBypass},
		{"corsy", "https://{FQDN-first-dot-x}", dotsHTTPS, UnescapedDot},
		{"corsy", "http://{FQDN}", hostOnly, HTTPOriginTrusted},
	}
	// nuclei's special-character subdomains: {FQDN}.X.{r}.com.
	for _, c := range []string{"$", "~", "=", "+", "&", "*", ")", "(", "'", "!", ";", ",", "-", "_"} {
		ps = append(ps, peerProbe{"nuclei", "https://{FQDN}." + c + ".{r}.com", stopsAt(c, false), SpecialCharBypass})
	}
	return ps
}

func (p peerProbe) origin() string {
	return strings.NewReplacer(
		"{FQDN-dots-a}", strings.ReplaceAll(peerFQDN, ".", "a"),
		"{FQDN-first-dot-x}", strings.Replace(peerFQDN, ".", "x", 1),
		"{FQDN}", peerFQDN, "{RDN}", peerRDN, "{r}", "qzkvw",
	).Replace(p.template)
}

// TestPeerProbeFamilies: for each peer probe, the bug it exists to find
// accepts it (the table is honest), and this scanner finds that bug under
// the mapped class.
func TestPeerProbeFamilies(t *testing.T) {
	t.Parallel()
	probes := peerProbes()
	if n := len(slices.DeleteFunc(slices.Clone(probes), func(p peerProbe) bool { return p.peer != "nuclei" })); n != 29 {
		t.Fatalf("%d nuclei payloads, the template has 29", n)
	}
	for _, p := range probes {
		t.Run(p.peer+" "+p.template, func(t *testing.T) {
			t.Parallel()
			if !p.bug(p.origin()) {
				t.Fatalf("the bug model refuses the peer's own probe %s", p.origin())
			}
			u, cert := zooURL(t, zooEntry{handler: corsServer(func(o string) bool { return p.bug(o) }, true)})
			s, err := New(Config{Transport: loopbackTransport(t, cert)})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			if got := classesOf(rep.Findings); !slices.Contains(got, p.class) {
				t.Errorf("classes %v, want %s", got, p.class)
			}
		})
	}
}

// notInPeers are the classes no probe family of nuclei or Corsy covers;
// PEERS.md lists them with the reason.
var notInPeers = []Class{
	SubstringMatch, ThirdPartyOrigin, AnyPortTrusted, WildcardWithCredentials, InvalidAllowOrigin,
	MissingVaryOrigin, PreflightReflectsOrigin, PreflightReflectsMethod, PreflightReflectsHeaders, JSONPCallbackReflected,
}

// TestPeerCoverage keeps PEERS.md's list of what only this scanner finds
// true: every class is covered by a peer probe or listed in notInPeers,
// never both. Corsy's passive check covers wildcard-origin.
func TestPeerCoverage(t *testing.T) {
	covered := map[Class]bool{WildcardOrigin: true}
	for _, p := range peerProbes() {
		covered[p.class] = true
	}
	for _, c := range Classes() {
		if covered[c] == slices.Contains(notInPeers, c) {
			t.Errorf("class %s: covered by a peer %v, listed as ours only %v", c, covered[c], slices.Contains(notInPeers, c))
		}
	}
}
