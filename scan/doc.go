// Package scan finds CORS misconfigurations in running servers.
//
// A Scanner sends each target a set of probes, as a careful attacker would.
// It first learns which origins the target trusts: the candidates are the
// target's own origin, the configured Config.Origins, and siblings on the
// registrable domain (the apex, www., app., and the target's host with its
// first label replaced by common front-end names such as app, web or
// portal). For each candidate the target reflects (at most a few, the
// configured ones first) it then tries that origin's whole bypass family:
// prefix, suffix, unescaped dot, substring, special characters in the
// host, plain HTTP, another port, subdomains. Beside those come origins
// that depend on no trusted one (any origin, null, shared hosting,
// development origins), a preflight asking for an invented method and
// header, and JSONP callbacks. Attacker names are built from a random
// label chosen for the run, so that no fixed name can be registered or
// allowlisted by someone else. One target gets at most about 150 probes,
// plus one per configured origin.
//
// The scan reports every class it sees, not only the first, one finding
// per class and URL; the finding's evidence keeps every probe that showed
// it (the probe, the response's CORS, Vary and caching headers, the
// status, what a browser would do with it, and the trusted origin whose
// check the probe bypasses).
//
// Config.Timeout bounds the whole scan of each target, whatever the target
// does: a target that answers 101 and goes silent, trickles bytes or never
// answers ends within the timeout (plus scheduling), with the findings of
// the probes it answered. When the context of Scan ends, Scan returns the
// findings so far.
//
// Severity is computed from facts, not looked up: what an attacker needs to
// obtain the accepted origin (nothing, a page on a shared host, a network
// position, a subdomain), whether a browser would share the response with
// credentials, which browsers can send that origin at all, whether the host
// is on a private network and whether Strict-Transport-Security protects
// the plain-HTTP origins.
//
//	s, err := scan.New(scan.Config{Cookie: "session=..."})
//	rep, err := s.Scan(ctx, "https://api.example.com/me")
//	rep.WriteText(os.Stdout, scan.TextOptions{}) // or WriteJSON, WriteSARIF, WriteMarkdown
//
// The classes (see Classes) cover origins accepted by mistake
// (reflect-any-origin, null-origin, prefix-match, suffix-match,
// unescaped-dot, substring-match, special-char-bypass, third-party-origin,
// localhost-origin-trusted, http-origin-trusted, any-subdomain-trusted,
// http-subdomain-trusted, any-port-trusted), the response headers
// themselves (wildcard-origin, info for a public response and medium,
// with the reason, when the response looks private; wildcard-with-credentials,
// invalid-allow-origin, missing-vary-origin), preflights
// (preflight-reflects-origin, preflight-reflects-method,
// preflight-reflects-headers) and JSONP (jsonp-callback-reflected). A
// finding that another one explains is not repeated: a server that reflects
// every origin is reported once, not also for each prefix or suffix probe.
//
// Responses that a redirect brought from another site are dropped: their
// headers say nothing about the target.
//
// PEERS.md, beside this package's source, maps the probe families of
// nuclei's cors-misconfig template and of Corsy to these classes (a
// differential test checks the mapping) and says what each side finds
// that the other does not.
package scan
