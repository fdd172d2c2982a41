// Package browserdiff is the differential test of browser.Transport against
// real headless Chromium.
//
// Every case of the table in cases_test.go runs twice against the same
// scripted loopback server: once as a fetch() in a Chromium page (of
// app.example.test, of the API's own origin, of a sandboxed page whose
// origin is "null", or of another site), once through browser.Transport.
// For both sides the test records the verdict (status and response type,
// or TypeError), Chromium's CORS error name and net error as DevTools
// reports them, the console message, the response headers script could
// read, and the requests the server saw (preflights, actual requests,
// Origin, Access-Control-Request-*, cookies, which of the script's headers
// arrived). It fails on any disagreement not listed in knownDiff, and when
// the Transport's own account of a step (its trace, Error.ReachedServer)
// contradicts the server's log.
//
//	go test ./browserdiff            # run both sides, compare
//	go test ./browserdiff -update    # also rewrite RESULTS.md
//
// RESULTS.md lists every case with both results, Chromium's console
// messages, and the places where Chromium departs from the Fetch standard.
// The package holds only tests; this file exists for its documentation.
package browserdiff
