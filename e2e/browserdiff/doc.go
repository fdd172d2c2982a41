// Package browserdiff is the differential test of browser.Transport against
// real headless Chromium.
//
// Every case of the table in cases_test.go runs twice against the same
// scripted loopback server: once as a fetch() in a Chromium page, once
// through browser.Transport. The test records, for both sides, the verdict
// (resolved or TypeError), Chromium's CORS error name, the requests the
// server saw (preflights, actual requests, Origin, Access-Control-Request-*
// and whether cookies came along), and the response headers script could
// read, and fails on any disagreement that is not listed in knownDiff.
//
//	go test ./browserdiff            # run both sides, compare
//	go test ./browserdiff -update    # also rewrite RESULTS.md
//
// The package holds only tests; this file exists for its documentation.
package browserdiff
