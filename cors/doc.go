// Package cors is an HTTP middleware that implements the server side of
// Cross-Origin Resource Sharing (CORS), as the Fetch standard defines it
// and as Chromium enforces it.
//
// A page on one origin (https://app.example.com) may send requests to
// another (https://api.example.com), but the browser lets the page read the
// response only if the response carries CORS headers that allow it. Before
// requests that a plain HTML form could not send (other methods, custom
// headers, JSON bodies), the browser first asks with a preflight: an OPTIONS
// request with Origin and Access-Control-Request-Method. The middleware
// answers preflights itself and adds CORS headers to the other responses:
//
//	m, err := cors.New(cors.Config{
//		Origins:        []string{"https://app.example.com", "https://*.example.com"},
//		Credentials:    true,
//		Methods:        []string{"PUT", "DELETE"},
//		RequestHeaders: []string{"Content-Type", "Authorization"},
//		ExposedHeaders: []string{"X-Request-Id"},
//		MaxAge:         10 * time.Minute,
//	})
//	if err != nil {
//		log.Fatal(err) // every problem of the configuration, each with a fix
//	}
//	http.ListenAndServe(addr, m.Handler(mux))
//
// # CORS is enforced by browsers, not by servers
//
// A request from an origin that is not allowed still reaches the handler,
// and its side effects happen: the middleware only withholds the headers,
// and the browser then hides the response from the page. CORS protects
// what a page can read, not what reaches the server. Protect state-changing
// endpoints from cross-site requests with the csrf package (or
// net/http.CrossOriginProtection); the csrf package can trust the origins
// that this middleware allows with credentials, through
// [Middleware.AllowsCredentialedOrigin].
//
// # What the middleware sends
//
// An actual request (any request with an Origin header that is not a
// preflight) from an allowed origin gets Access-Control-Allow-Origin (the
// origin), Access-Control-Allow-Credentials and Access-Control-Expose-Headers
// as configured. Such responses depend on the Origin header, so Vary:
// Origin is added to every one of them, also to responses to requests
// without Origin or from disallowed origins: a shared cache must not serve
// one origin's response to another. The middleware adds it when the
// response's header goes out, next to what the handler put in Vary, so
// that a handler's w.Header().Set("Vary", "Accept-Encoding") cannot drop
// it; the ResponseWriter that handlers see keeps http.Flusher,
// http.Hijacker, io.ReaderFrom and, through Unwrap, everything
// http.ResponseController offers.
//
// With Origins "*" (and no credentials), nothing depends on Origin: every
// response that is not a preflight, with or without Origin, gets
// Access-Control-Allow-Origin: * (and Access-Control-Expose-Headers), and
// no Vary, so that a response cached from an <img> or a no-cors fetch also
// serves a CORS fetch.
//
// A preflight from an allowed origin, for an allowed method and allowed
// headers, gets the CORS headers, Access-Control-Allow-Methods and
// -Headers (the whole configured lists, so that the browser's preflight
// cache covers later requests), Access-Control-Max-Age if configured, and
// status 204 (or PreflightStatus). A failed preflight gets 403 and no CORS
// headers at all, so the browser fails it, and a one-line text/plain body
// that names the first refused element (`cors: method "PUT" is not
// allowed`), which the browser's network panel shows while its console
// only says the preflight failed; [Config.OmitRefusalReason] turns the body
// off. [Middleware.Explain] says why on the server side. Preflight responses carry
// no Vary: responses to OPTIONS are not cacheable. Preflights do not reach
// the handler unless PreflightPassthrough is set; an OPTIONS request that is
// not a preflight does, like any other request.
//
// Access-Control-Request-Headers is read as browsers send it (lower case,
// sorted, no spaces) and tolerantly for other clients (spaces, upper case,
// several field lines, as some API gateways send it), with work bounded by
// the configuration: a megabyte of commas is refused before it is read.
//
// # Private Network Access and Local Network Access
//
// Private Network Access was Chromium's plan to make public sites ask a
// private-network server for permission with a preflight carrying
// Access-Control-Request-Private-Network: true, answered with
// Access-Control-Allow-Private-Network: true. Chromium sent those
// preflights for years in a warning-only mode, then put the effort on
// hold. Since Chrome 142 it enforces Local Network Access instead: a page
// on a public site that fetches from the local network or from loopback
// needs the user's permission, granted in a prompt, and may ask for it only
// from a secure context; no preflight header is involved. With
// [Config.PrivateNetwork] set, the middleware still answers the PNA header,
// for older Chromium versions and other clients; it never fails a preflight
// because of it, since Chromium only warned about PNA results.
//
// # Configuration
//
// New refuses configurations that browsers would not honour or that open a
// hole, and lists every problem at once: "*" with Credentials in any
// field, invalid origins and patterns, "null", forbidden methods and
// headers, plain-http origins with Credentials (unless loopback, or
// AllowInsecureCredentials), Max-Age beyond 24 hours. [Middleware.Reconfigure]
// swaps the configuration at run time, safely under concurrent requests.
//
// # Performance
//
// Preflights do not allocate, and neither do actual requests, amortized:
// header values, refusal bodies and the ResponseWriter that handlers see
// are carved from blocks that are allocated every few dozen or hundred
// requests, and none is ever handed to two responses, so a handler that
// modifies its response headers in place, or keeps its ResponseWriter too
// long, cannot change another response. (Access-Control-Allow-Origin
// reuses the request's own Origin slice, which no other request shares.)
// Origin matching costs the same with one origin or thousands.
// bench/README.md compares the middleware with rs/cors and jub0bs/cors.
package cors
