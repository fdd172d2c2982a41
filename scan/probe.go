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
	class    Class    // what acceptance of origin means; "" for friendly origins
	origin   string   // the Origin header; "" sends none
	template string   // origin with the random label as <r>, for stable ids
	browsers []string // browsers that can send origin
	needs    needs

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
	rand.Read(b) // never fails (crypto/rand)
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

// shorterTLD lists top-level domains that are still open to registration
// with their last letter cut off.
var shorterTLD = map[string]bool{"com": true, "net": true, "dev": true, "art": true, "cat": true, "biz": true, "pro": true}

// target describes what the probes are built from.
type target struct {
	own    origin.Origin // the target's origin
	host   string        // own.Host
	domain string        // registrable domain, or host for IPs and single labels
	isName bool          // host is a DNS name with a registrable domain
}

func newTarget(o origin.Origin) target {
	t := target{own: o, host: o.Host, domain: o.Host}
	if _, err := netip.ParseAddr(o.Host); err != nil {
		if s := o.Site(); strings.HasPrefix(s, o.Scheme+"://") {
			t.domain = s[len(o.Scheme)+3:]
		}
		t.isName = strings.Contains(t.domain, ".")
	}
	return t
}

// probes returns every probe for t. r is the run's random label; the
// preflight is added later, once an accepted origin is known.
func (t target) probes(r string, friendly []string, jsonpParams []string) []*probe {
	s := t.own.Scheme
	var ps []*probe
	seen := map[string]bool{}
	add := func(c Class, tmpl string, browsers []string, n needs) {
		o := strings.ReplaceAll(tmpl, "<r>", r)
		if seen[o] || o == t.own.String() && c != "" {
			return
		}
		seen[o] = true
		ps = append(ps, &probe{kind: kindSimple, class: c, origin: o, template: tmpl, browsers: browsers, needs: n})
	}
	ps = append(ps, &probe{kind: kindBaseline, template: "(none)"})

	// Origins the site may trust on purpose: they reveal whether CORS is on
	// and whether its headers depend on Origin.
	add("", t.own.String(), allBrowsers, needTrusted)
	for _, f := range friendly {
		add("", f, allBrowsers, needTrusted)
	}
	if t.isName {
		add("", s+"://"+t.domain, allBrowsers, needTrusted)
		add("", s+"://www."+t.domain, allBrowsers, needTrusted)
		add("", s+"://app."+t.domain, allBrowsers, needTrusted)
	}

	add(ReflectAnyOrigin, s+"://<r>.com", allBrowsers, needNothing)
	add(NullOrigin, "null", allBrowsers, needNothing)
	if ipv6 := strings.Contains(t.host, ":"); !ipv6 {
		add(PrefixMatch, s+"://"+t.host+".<r>.com", allBrowsers, needNothing)
		for _, sc := range specialChars {
			add(SpecialCharBypass, s+"://"+t.host+sc.c+".<r>.com", sc.browsers, needNothing)
		}
	}
	// The origin cut short by one character is contained in the trusted
	// one; it is registrable only where the shorter top-level domain
	// exists (example.com becomes example.co, Colombia's).
	if i := strings.LastIndexByte(t.host, '.'); t.isName && i > 0 && shorterTLD[t.host[i+1:]] {
		add(SubstringMatch, s+"://"+t.host[:len(t.host)-1], allBrowsers, needNothing)
	}
	if t.isName {
		add(SuffixMatch, s+"://<r>"+t.domain, allBrowsers, needNothing)
		// The dot that joins the subdomain part to the registrable
		// domain: replacing it yields a registrable name.
		if t.host == t.domain {
			add(UnescapedDot, s+"://wwwx"+t.domain, allBrowsers, needNothing)
		} else {
			add(UnescapedDot, s+"://"+t.host[:len(t.host)-len(t.domain)-1]+"x"+t.domain, allBrowsers, needNothing)
		}
		if first, _, _ := strings.Cut(t.domain, "."); len(first) > 1 {
			add(SubstringMatch, s+"://"+t.domain[1:], allBrowsers, needNothing)
		}
		add(AnySubdomainTrusted, s+"://<r>."+t.host, allBrowsers, needSubdomain)
		if t.domain != t.host {
			add(AnySubdomainTrusted, s+"://<r>."+t.domain, allBrowsers, needSubdomain)
		}
		if s == "https" {
			add(HTTPSubdomainTrusted, "http://<r>."+t.host, allBrowsers, needNetwork)
			if t.domain != t.host {
				add(HTTPSubdomainTrusted, "http://<r>."+t.domain, allBrowsers, needNetwork)
			}
		}
	}
	if s == "https" {
		add(HTTPOriginTrusted, "http://"+origin.Origin{Scheme: "http", Host: t.host}.HostPort(), allBrowsers, needNetwork)
	}
	for _, tp := range thirdParties {
		if tpo, err := origin.Parse(strings.ReplaceAll(tp, "<r>", r)); err == nil && tpo.SameSite(t.own) {
			continue // the target lives there itself
		}
		add(ThirdPartyOrigin, tp, allBrowsers, needPublish)
	}
	add(LocalhostOriginTrusted, s+"://localhost.<r>.com", allBrowsers, needNothing)
	add(LocalhostOriginTrusted, "http://localhost:3000", allBrowsers, needLocal)
	add(LocalhostOriginTrusted, "http://localhost", allBrowsers, needLocal)
	add(LocalhostOriginTrusted, "http://127.0.0.1", allBrowsers, needLocal)
	port := 8443
	if s == "http" {
		port = 8080
	}
	if t.own.EffectivePort() == port {
		port++
	}
	add(AnyPortTrusted, s+"://"+origin.Origin{Scheme: s, Host: t.host, Port: port}.HostPort(), allBrowsers, needOtherPort)

	for _, p := range jsonpParams {
		ps = append(ps, &probe{kind: kindJSONP, class: JSONPCallbackReflected, template: "?" + p + "=", param: p,
			callback: "co" + r + "(1);//", browsers: allBrowsers, needs: needNothing})
	}
	return ps
}
