// Package browserdiff is the differential test of browser.Transport against
// the three real browser engines: headless Chromium (DevTools protocol,
// chromedp), headless Firefox ESR (Marionette) and WebKitGTK
// (WebKitWebDriver on a private Xvfb display), all from Debian's packages.
//
// Every case of the table in cases_test.go runs twice against the same
// scripted loopback server: once as a fetch() in a page of the engine (of
// app.example.test, of the API's own origin, of a sandboxed page whose
// origin is "null", or of another site), once through browser.Transport
// with Engine set to that engine. For both sides the test records the
// verdict (status and response type, or TypeError), the error's name and
// console message where the engine shows them, the response headers
// script could read, and the requests the server saw (preflights, actual
// requests, Origin, Access-Control-Request-*, cookies, which of the
// script's headers arrived). It fails on any disagreement not listed in
// the engine's known differences, and when the Transport's own account of
// a step (its trace, Error.ReachedServer) contradicts the server's log.
//
// What each engine shows, and so what is compared:
//
//   - Chromium: DevTools names the CorsError and the net error, and the
//     console has the message (TestDifferential).
//   - Firefox: script sees "TypeError: NetworkError when attempting to
//     fetch resource."; the browser console (read in Marionette's chrome
//     context) has the message, whose security.properties key is the
//     error's name: compared with Error.EngineReason and EngineMessage
//     (TestDifferentialFirefox).
//   - WebKit: script sees "TypeError: Load failed" and nothing else: the
//     console of an automation session is out of reach, so only the
//     verdict, the readable headers and body, and the server's log are
//     compared (TestDifferentialWebKit).
//
// Firefox and WebKit reach the test's host names through the test server
// itself, which they use as their HTTP proxy; Chromium maps them to
// 127.0.0.1. Automation artefacts, handled here and not in the model:
// WebKit's automation session has no HTTP cache (every response is sent
// with Cache-Control: no-store anyway); MiniBrowser's default cookie
// policy (no third-party cookies, WebKitGTK's default) is kept, as the one
// a WebKitGTK user has. Firefox's first repeated preflights in a fresh
// profile were reported to miss the cache; in these runs (two Firefox
// processes, cases with waits first) every cache case agreed with the
// model, so the harness needs no warm-up.
//
//	go test ./browserdiff            # run all three engines, compare
//	go test ./browserdiff -update    # also rewrite RESULTS*.md
//	go test ./browserdiff -run 'Differential$'   # Chromium only
//
// RESULTS.md (Chromium), RESULTS-firefox.md and RESULTS-webkit.md list
// every case with both results and the engine's console messages.
// The package holds only tests; this file exists for its documentation.
package browserdiff
