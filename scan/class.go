package scan

import "slices"

// A Class names one kind of CORS misconfiguration. Its value is the stable
// id used in JSON and SARIF output.
type Class string

// The classes a scan reports.
const (
	ReflectAnyOrigin         Class = "reflect-any-origin"
	NullOrigin               Class = "null-origin"
	HTTPOriginTrusted        Class = "http-origin-trusted"
	AnySubdomainTrusted      Class = "any-subdomain-trusted"
	HTTPSubdomainTrusted     Class = "http-subdomain-trusted"
	PrefixMatch              Class = "prefix-match"
	SuffixMatch              Class = "suffix-match"
	UnescapedDot             Class = "unescaped-dot"
	SubstringMatch           Class = "substring-match"
	SpecialCharBypass        Class = "special-char-bypass"
	ThirdPartyOrigin         Class = "third-party-origin"
	LocalhostOriginTrusted   Class = "localhost-origin-trusted"
	AnyPortTrusted           Class = "any-port-trusted"
	WildcardOrigin           Class = "wildcard-origin"
	WildcardWithCredentials  Class = "wildcard-with-credentials"
	InvalidAllowOrigin       Class = "invalid-allow-origin"
	MissingVaryOrigin        Class = "missing-vary-origin"
	PreflightReflectsOrigin  Class = "preflight-reflects-origin"
	PreflightReflectsMethod  Class = "preflight-reflects-method"
	PreflightReflectsHeaders Class = "preflight-reflects-headers"
	JSONPCallbackReflected   Class = "jsonp-callback-reflected"
)

// classInfo is what the reports say about a class in general; a finding
// adds what was seen.
type classInfo struct {
	title string // one line, for SARIF rule names and text headings
	help  string // why it matters
	fix   string // what to change on the server
	// explainedBy lists classes that, when found on the same target,
	// already account for this one: a server that reflects every origin
	// also "accepts" the prefix probe, and one report of the cause is
	// enough.
	explainedBy []Class
}

// Classes returns every class in a stable order (the order of SARIF
// rules). The slice is the caller's.
func Classes() []Class { return slices.Clone(classList) }

var classList = []Class{
	ReflectAnyOrigin, NullOrigin, PrefixMatch, SuffixMatch, UnescapedDot,
	SubstringMatch, SpecialCharBypass, ThirdPartyOrigin, LocalhostOriginTrusted,
	HTTPOriginTrusted, AnySubdomainTrusted, HTTPSubdomainTrusted, AnyPortTrusted,
	WildcardOrigin, WildcardWithCredentials, InvalidAllowOrigin, MissingVaryOrigin,
	PreflightReflectsOrigin, PreflightReflectsMethod, PreflightReflectsHeaders, JSONPCallbackReflected,
}

const fixAllowlist = "Compare the Origin header with an exact allowlist of full origins " +
	"(scheme, host and port) and send Access-Control-Allow-Origin only for those; " +
	"with the cors package: cors.Config{Origins: []string{\"https://app.example.com\"}}."

var classes = map[Class]classInfo{
	ReflectAnyOrigin: {
		title: "Any origin is reflected in Access-Control-Allow-Origin",
		help:  "The server copies whatever Origin it receives into Access-Control-Allow-Origin, so every website can read the response; with Access-Control-Allow-Credentials: true it reads it with the victim's cookies.",
		fix:   fixAllowlist,
	},
	NullOrigin: {
		title: "The null origin is trusted",
		help:  "Any page can send Origin: null from a sandboxed iframe, a data: URL or after a cross-origin redirect, so trusting null is trusting everyone.",
		fix:   "Remove \"null\" from the allowlist; never send Access-Control-Allow-Origin: null.",
	},
	PrefixMatch: {
		title:       "Origins that merely start with a trusted origin are trusted",
		help:        "The check accepts origins that begin with a trusted one (startsWith, or a regular expression without $), so an attacker registers trusted.example.com.attacker.com.",
		fix:         "Match the whole origin, not a prefix. " + fixAllowlist,
		explainedBy: []Class{ReflectAnyOrigin},
	},
	SuffixMatch: {
		title:       "Origins that merely end with the trusted domain are trusted",
		help:        "The check accepts any origin ending with the trusted domain name without a dot before it (endsWith), so an attacker registers attackerexample.com.",
		fix:         "Match whole labels: allow https://*.example.com (the cors package's wildcard), never a bare suffix. " + fixAllowlist,
		explainedBy: []Class{ReflectAnyOrigin},
	},
	UnescapedDot: {
		title:       "An unescaped dot in an origin regular expression",
		help:        "A regular expression with an unescaped . accepts any character in its place, so an attacker registers a name such as apixexample.com.",
		fix:         "Escape dots and anchor the expression (^https://api\\.example\\.com$), or better, drop regular expressions for an exact allowlist. " + fixAllowlist,
		explainedBy: []Class{ReflectAnyOrigin, SuffixMatch},
	},
	SubstringMatch: {
		title:       "Origins contained in a trusted origin are trusted",
		help:        "The check tests whether the trusted origin contains the received one (includes, indexOf, strings.Contains), so shorter registrable names such as example.co or xample.com pass.",
		fix:         "Compare for equality, not containment. " + fixAllowlist,
		explainedBy: []Class{ReflectAnyOrigin},
	},
	SpecialCharBypass: {
		title:       "A special character in the host bypasses the origin check",
		help:        "The origin parser stops at a character such as _ or $ and sees only the trusted prefix of a host like trusted.example.com_.attacker.com, which some browsers will send.",
		fix:         "Parse the origin strictly (scheme, host, port; reject anything else) and compare whole values. " + fixAllowlist,
		explainedBy: []Class{ReflectAnyOrigin, PrefixMatch},
	},
	ThirdPartyOrigin: {
		title:       "A third-party origin where anyone can publish is trusted",
		help:        "Hosts such as github.io subdomains, codepen.io or jsfiddle.net run code written by anyone, so trusting them lets anyone read the response.",
		fix:         "Remove shared hosting and code-playground origins from the allowlist.",
		explainedBy: []Class{ReflectAnyOrigin},
	},
	LocalhostOriginTrusted: {
		title:       "Local development origins are trusted",
		help:        "Development origins such as http://localhost:3000 were left in the production allowlist; any program that serves a page on the victim's machine, or a regular expression that also matches localhost.attacker.com, can read the response.",
		fix:         "Keep localhost origins out of production configurations (allow them only in development builds).",
		explainedBy: []Class{ReflectAnyOrigin},
	},
	HTTPOriginTrusted: {
		title:       "The plain-HTTP origin of an HTTPS site is trusted",
		help:        "An HTTPS endpoint trusts http:// origins, so a network attacker who injects script into any plain-HTTP page of that host reads the HTTPS data.",
		fix:         "Trust only https:// origins for HTTPS endpoints, and send Strict-Transport-Security.",
		explainedBy: []Class{ReflectAnyOrigin, SuffixMatch},
	},
	AnySubdomainTrusted: {
		title:       "Every subdomain is trusted",
		help:        "Any subdomain, including forgotten or user-content ones, is trusted, so one subdomain takeover or XSS anywhere under the domain reads this response.",
		fix:         "List the subdomains that need access instead of a wildcard, and keep the wildcard only if every subdomain is under your control.",
		explainedBy: []Class{ReflectAnyOrigin, SuffixMatch},
	},
	HTTPSubdomainTrusted: {
		title:       "Plain-HTTP subdomains are trusted",
		help:        "Subdomains are trusted over plain HTTP too, so a network attacker who injects script into any http:// subdomain page reads the response.",
		fix:         "Allow only https://*.example.com, and send Strict-Transport-Security with includeSubDomains.",
		explainedBy: []Class{ReflectAnyOrigin, SuffixMatch},
	},
	AnyPortTrusted: {
		title:       "The trusted host is trusted on any port",
		help:        "The check ignores the port, so any other service on the same host (often less hardened) can read the response.",
		fix:         "Compare the port too: an origin is scheme, host and port.",
		explainedBy: []Class{ReflectAnyOrigin, PrefixMatch},
	},
	WildcardOrigin: {
		title: "Access-Control-Allow-Origin: * lets every website read the response",
		help:  "Every origin may read the response without credentials. That is right for public data; when the response is private (per-user, marked private, on a private network or behind an IP allowlist), any website the victim visits reads it through the victim's browser from the victim's network position.",
		fix:   "Keep * for public, non-personal responses; for anything else allow only the origins of your own applications and require real authentication.",
	},
	WildcardWithCredentials: {
		title: "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true",
		help:  "Browsers reject this combination for credentialed requests, so it is not exploitable as is; it shows the intent to share credentialed data, and the usual \"fix\" that makes it work is reflecting the origin.",
		fix:   "Decide: public data needs * without credentials; credentialed data needs an exact allowlist. " + fixAllowlist,
	},
	InvalidAllowOrigin: {
		title: "Access-Control-Allow-Origin is malformed",
		help:  "The value is not one origin as browsers serialize it (a list, a pattern, a trailing slash, a changed case or port), so every browser rejects it and the intended callers are blocked.",
		fix:   "Send exactly one origin, byte for byte as received in Origin, or *.",
	},
	MissingVaryOrigin: {
		title: "Origin-dependent CORS headers on a cacheable response without Vary: Origin",
		help:  "Access-Control-Allow-Origin changes with Origin but the response is cacheable and does not say Vary: Origin, so a browser or shared cache may serve one origin's answer to another: broken pages at best, cache poisoning at worst.",
		fix:   "Add Vary: Origin to every response whose CORS headers depend on Origin (the cors package always does).",
	},
	PreflightReflectsOrigin: {
		title: "Preflights pass for any origin",
		help:  "The server answers preflights from any origin with that origin, though its other responses do not: browsers then send any site's PUT, DELETE and JSON requests, with cookies if credentials are allowed. Script cannot read the answers, but the side effects happen (cross-site request forgery through CORS).",
		fix:   "Answer preflights with the same origin check as other requests; the cors package does both in one place.",
	},
	PreflightReflectsMethod: {
		title: "The preflight allows any method",
		help:  "Access-Control-Allow-Methods echoes Access-Control-Request-Method, so the allowed origins may send any method (PUT, DELETE, invented ones): the preflight no longer limits anything.",
		fix:   "Answer preflights with a fixed list of methods; with the cors package: cors.Config{Methods: []string{\"PUT\", \"DELETE\"}}.",
	},
	PreflightReflectsHeaders: {
		title: "The preflight allows any request header",
		help:  "Access-Control-Allow-Headers echoes Access-Control-Request-Headers, so the allowed origins may send any header, which defeats defences that rely on custom headers.",
		fix:   "Answer preflights with a fixed list of headers; with the cors package: cors.Config{RequestHeaders: []string{\"Content-Type\", \"Authorization\"}}.",
	},
	JSONPCallbackReflected: {
		title: "A JSONP callback is reflected without validation",
		help:  "The callback parameter is copied into a script response unchanged, so any page can run code of its choosing as a script from this host: a Content-Security-Policy bypass and a same-origin-method-execution gadget.",
		fix:   "Validate the callback as a dotted JavaScript identifier and answer 400 otherwise (the jsonp package does), or replace JSONP with CORS.",
	},
}
