// Package scan finds CORS misconfigurations in running servers.
//
// A Scanner sends each target a set of probes, as a careful attacker would:
// the same request with Origin headers built for that target from a random
// label chosen for the run (so that no fixed name can be registered or
// allowlisted by someone else), a preflight asking for an invented method
// and header, and JSONP callbacks. It reports every misconfiguration it
// sees, not only the first, each with its evidence: the probe, the
// response's CORS, Vary and caching headers, the status, and what a browser
// would do with it.
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
//	rep.WriteText(os.Stdout, false) // or WriteJSON, WriteSARIF
//
// The classes (see Classes) cover origins accepted by mistake
// (reflect-any-origin, null-origin, prefix-match, suffix-match,
// unescaped-dot, substring-match, special-char-bypass, third-party-origin,
// localhost-origin-trusted, http-origin-trusted, any-subdomain-trusted,
// http-subdomain-trusted, any-port-trusted), the response headers
// themselves (wildcard-origin, wildcard-with-credentials,
// invalid-allow-origin, missing-vary-origin), preflights
// (preflight-reflects-origin, preflight-reflects-method,
// preflight-reflects-headers) and JSONP (jsonp-callback-reflected). A
// finding that another one explains is not repeated: a server that reflects
// every origin is reported once, not also for each prefix or suffix probe.
//
// Responses that a redirect brought from another site are dropped: their
// headers say nothing about the target.
package scan
