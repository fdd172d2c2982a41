package scan

import (
	"crypto/rand"
	"net/netip"
	"strings"

	"github.com/crossorigin/crossorigin/origin"
)

// Browser engines, as named in findings.
const (
	Chromium = "chromium" // Chrome, Edge, Opera, Brave...
	Firefox  = "firefox"
	Safari   = "safari"
)

var (
	allBrowsers   = []string{Chromium, Firefox, Safari}
	firefoxSafari = []string{Firefox, Safari}
	safariOnly    = []string{Safari}
)

// needs says what an attacker must achieve before a trusted origin is
// theirs. It is the main input of the severity.
type needs int

const (
	needNothing   needs = iota // registrable name, null, anyone can send it
	needPublish                // publish a page on a shared host (github.io, codepen.io)
	needNetwork                // man in the middle on plain HTTP
	needSubdomain              // subdomain takeover or XSS on a subdomain
	needLocal                  // run a server on the victim's machine
	needOtherPort              // control another service on the same host
	needTrusted                // nothing to exploit: an origin the site trusts on purpose
)

// String says what the attacker needs, for descriptions.
func (n needs) String() string {
	switch n {
	case needNothing:
		return "nothing: any website can send this origin"
	case needPublish:
		return "publishing a page on a shared host, which anyone can do"
	case needNetwork:
		return "a man-in-the-middle position on plain HTTP"
	case needSubdomain:
		return "a subdomain takeover or XSS on a subdomain"
	case needLocal:
		return "a server running on the victim's machine"
	case needOtherPort:
		return "control of another service on the same host"
	}
	return "an origin the site already trusts"
}

type probeKind int

const (
	kindSimple    probeKind = iota // the configured method with an Origin
	kindBaseline                   // no Origin at all
	kindPreflight                  // OPTIONS with Access-Control-Request-*
	kindJSONP                      // ?callback= without Origin, as a <script> sends it
	kindAnonymous                  // no Origin and none of the user's credentials
)

// A probe is one request a scan sends.
type probe struct {
	kind     probeKind
	class    Class    // what acceptance of origin means; "" for candidate trusted origins
	origin   string   // the Origin header; "" sends none
	template string   // origin with the random label as <r>
	browsers []string // browsers that can send origin
	needs    needs
	// base is the trusted origin this probe's origin was derived from
	// (a bypass of base's check); "" for probes that depend on no
	// trusted origin.
	base string
	char string // special-char-bypass: the character after the host

	// Preflights.
	reqMethod, reqHeader string
	accepted             bool // the server let origin read a simple response
	// JSONP.
	param, callback string
}

// label returns a random DNS label of n characters that starts with a
// letter. Probes use fresh labels every run so that no fixed name can be
// registered, or allowlisted, by someone else.
func label(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	const alnum = letters + "0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		set := alnum
		if i == 0 {
			set = letters
		}
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

// specialChars are characters that some origin parsers stop at, with the
// browsers that put them in a host of the Origin header (PortSwigger's URL
// validation bypass research and Corben Leo's "Advanced CORS Exploitation
// Techniques"). Characters no browser sends in a host (| ^ < > and the
// like) are left out: they cannot be exploited.
var specialChars = []struct {
	c        string
	browsers []string
}{
	{"_", allBrowsers}, {"-", allBrowsers},
	{"+", firefoxSafari}, {"$", firefoxSafari},
	{"`", safariOnly}, {",", safariOnly}, {";", safariOnly}, {"!", safariOnly},
	{"'", safariOnly}, {"\"", safariOnly}, {"(", safariOnly}, {")", safariOnly},
	{"{", safariOnly}, {"}", safariOnly}, {"*", safariOnly}, {"&", safariOnly},
	{"=", safariOnly}, {"~", safariOnly},
}

// thirdParties are hosts where anyone can publish a page. "<r>" stands for
// the run's random label.
var thirdParties = []string{
	"https://<r>.github.io", "https://codepen.io", "https://jsfiddle.net",
	"https://jsbin.com", "https://<r>.s3.amazonaws.com", "https://<r>.herokuapp.com",
	"https://<r>.netlify.app", "https://<r>.vercel.app", "https://<r>.pages.dev",
	"https://<r>.web.app",
}

// frontEnds are the first labels that front-end applications commonly
// live under; an API at api.example.com most often trusts one of them at
// the same level (app.example.com) rather than its own origin.
var frontEnds = []string{"app", "www", "web", "portal", "dashboard", "admin", "console", "my"}

// shorterTLD lists top-level domains that are still open to registration
// with their last letter cut off.
var shorterTLD = map[string]bool{"com": true, "net": true, "dev": true, "art": true, "cat": true, "biz": true, "pro": true}

// A host describes the names probes are built from: the target's host or
// a trusted origin's.
type host struct {
	name   string // the host, lower case
	domain string // registrable domain, or name for IPs and single labels
	isName bool   // name is a DNS name with a registrable domain
	isIPv6 bool
}

func newHost(name string) host {
	h := host{name: name, domain: name}
	if a, err := netip.ParseAddr(name); err == nil {
		h.isIPv6 = a.Is6()
		return h
	}
	h.domain = registrable(name)
	h.isName = strings.Contains(h.domain, ".")
	return h
}

// registrable returns the registrable domain of a DNS name, or the name.
func registrable(name string) string {
	o := origin.Origin{Scheme: "https", Host: name}
	return strings.TrimPrefix(o.Site(), "https://")
}

// target describes the scanned URL's origin.
type target struct {
	own origin.Origin
	host
}

func newTarget(o origin.Origin) target {
	return target{own: o, host: newHost(o.Host)}
}

// probeSet collects probes, each origin once: the first probe that
// builds an origin owns it.
type probeSet struct {
	r    string
	seen map[string]bool
	list []*probe
}

func newProbeSet(r string, sent []*result) *probeSet {
	ps := &probeSet{r: r, seen: map[string]bool{}}
	for _, res := range sent {
		if res.probe.kind == kindSimple {
			ps.seen[res.probe.origin] = true
		}
	}
	return ps
}

// add adds a probe for the origin template tmpl, "<r>" replaced by the
// run's label, unless that origin was probed already.
func (ps *probeSet) add(p probe) *probe {
	p.kind = kindSimple
	p.template = p.origin
	p.origin = strings.ReplaceAll(p.origin, "<r>", ps.r)
	if p.browsers == nil {
		p.browsers = allBrowsers
	}
	if ps.seen[p.origin] {
		return nil
	}
	ps.seen[p.origin] = true
	ps.list = append(ps.list, &p)
	return &p
}

// candidates adds the origins the site may trust on purpose, never
// reported themselves: the target's own origin, the configured ones, and
// siblings from the registrable domain (the apex, www., app., and the
// target's host with its first label replaced by common front-end names).
// Those the target reflects are the trusted origins whose bypasses the
// scan then tries.
func (t target) candidates(ps *probeSet, configured []string) {
	for _, o := range configured {
		ps.add(probe{origin: o, needs: needTrusted})
	}
	s := t.own.Scheme
	ps.add(probe{origin: t.own.String(), needs: needTrusted})
	if t.own.Port != 0 {
		// Behind a proxy the public origin usually has no port.
		ps.add(probe{origin: origin.Origin{Scheme: s, Host: t.name}.String(), needs: needTrusted})
	}
	if !t.isName {
		return
	}
	for _, sib := range []string{t.domain, "www." + t.domain, "app." + t.domain} {
		ps.add(probe{origin: s + "://" + sib, needs: needTrusted})
	}
	if _, rest, ok := strings.Cut(t.name, "."); ok && t.name != t.domain {
		for _, fe := range frontEnds {
			ps.add(probe{origin: s + "://" + fe + "." + rest, needs: needTrusted})
		}
	}
}

// generic adds the probes that depend on no trusted origin: any origin,
// null, shared hosts, development origins.
func (t target) generic(ps *probeSet) {
	s := t.own.Scheme
	ps.add(probe{class: ReflectAnyOrigin, origin: s + "://<r>.com", needs: needNothing})
	ps.add(probe{class: NullOrigin, origin: "null", needs: needNothing})
	for _, tp := range thirdParties {
		if tpo, err := origin.Parse(strings.ReplaceAll(tp, "<r>", ps.r)); err == nil && tpo.SameSite(t.own) {
			continue // the target lives there itself
		}
		ps.add(probe{class: ThirdPartyOrigin, origin: tp, needs: needPublish})
	}
	ps.add(probe{class: LocalhostOriginTrusted, origin: s + "://localhost.<r>.com", needs: needNothing})
	for _, o := range []string{"http://localhost:3000", "http://localhost", "http://127.0.0.1"} {
		ps.add(probe{class: LocalhostOriginTrusted, origin: o, needs: needLocal})
	}
}

// jsonpProbes returns one JSONP probe per parameter name.
func jsonpProbes(r string, params []string) []*probe {
	var ps []*probe
	for _, p := range params {
		ps = append(ps, &probe{kind: kindJSONP, class: JSONPCallbackReflected, template: "?" + p + "=", param: p,
			callback: "co" + r + "(1);//", browsers: allBrowsers, needs: needNothing})
	}
	return ps
}

// family adds the bypasses of one trusted origin's check: origins an
// attacker can obtain that a careless comparison with trusted accepts.
// targetScheme decides whether plain-HTTP origins are a downgrade.
func family(ps *probeSet, trusted origin.Origin, targetScheme string) {
	s, h := trusted.Scheme, newHost(trusted.Host)
	base := trusted.String()
	add := func(c Class, o string, n needs) {
		ps.add(probe{class: c, origin: o, needs: n, base: base})
	}
	if !h.isIPv6 {
		add(PrefixMatch, s+"://"+h.name+".<r>.com", needNothing)
		for _, sc := range specialChars {
			if p := ps.add(probe{class: SpecialCharBypass, origin: s + "://" + h.name + sc.c + ".<r>.com",
				needs: needNothing, base: base, browsers: sc.browsers}); p != nil {
				p.char = sc.c
			}
		}
	}
	// The host cut short by one character is contained in the trusted
	// one; it is registrable only where the shorter top-level domain
	// exists (example.com becomes example.co, Colombia's).
	if i := strings.LastIndexByte(h.name, '.'); h.isName && i > 0 && shorterTLD[h.name[i+1:]] {
		add(SubstringMatch, s+"://"+h.name[:len(h.name)-1], needNothing)
	}
	if h.isName {
		h.nameBypasses(add, s, targetScheme)
	}
	if s == "https" && targetScheme == "https" {
		add(HTTPOriginTrusted, "http://"+origin.Origin{Scheme: "http", Host: h.name}.HostPort(), needNetwork)
	}
	add(AnyPortTrusted, s+"://"+origin.Origin{Scheme: s, Host: h.name, Port: otherPort(trusted)}.HostPort(), needOtherPort)
}

// nameBypasses adds the bypasses that need a registrable domain: suffix,
// unescaped dot, substring of the domain, subdomains.
func (h host) nameBypasses(add func(Class, string, needs), s, targetScheme string) {
	add(SuffixMatch, s+"://<r>"+h.domain, needNothing)
	// The dot that joins the subdomain part to the registrable domain:
	// replacing it yields a registrable name.
	if h.name == h.domain {
		add(UnescapedDot, s+"://wwwx"+h.domain, needNothing)
	} else {
		add(UnescapedDot, s+"://"+h.name[:len(h.name)-len(h.domain)-1]+"x"+h.domain, needNothing)
	}
	if first, _, _ := strings.Cut(h.domain, "."); len(first) > 1 {
		add(SubstringMatch, s+"://"+h.domain[1:], needNothing)
	}
	add(AnySubdomainTrusted, s+"://<r>."+h.name, needSubdomain)
	if h.domain != h.name {
		add(AnySubdomainTrusted, s+"://<r>."+h.domain, needSubdomain)
	}
	if s == "https" && targetScheme == "https" {
		add(HTTPSubdomainTrusted, "http://<r>."+h.name, needNetwork)
		if h.domain != h.name {
			add(HTTPSubdomainTrusted, "http://<r>."+h.domain, needNetwork)
		}
	}
}

// otherPort returns a port the trusted origin does not use: 8443 for
// https, 8080 for http, one more if that is the origin's own.
func otherPort(o origin.Origin) int {
	port := 8443
	if o.Scheme == "http" {
		port = 8080
	}
	if o.EffectivePort() == port {
		port++
	}
	return port
}
