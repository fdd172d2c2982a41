package scan

import (
	"net/http"
	"strings"

	"github.com/crossorigin/crossorigin/browser"
)

// checkResponse reports why Chromium would refuse to expose a response to a
// page of origin o (its CorsError name), or "" if it would not.
func checkResponse(o string, credentials bool, h http.Header) string {
	if err := browser.CheckResponse(o, credentials, h); err != nil {
		return string(err.Reason)
	}
	return ""
}

// checkPreflight reports why Chromium would fail a preflight for method and
// the non-safelisted request header names, or "" if it would pass.
func checkPreflight(o string, credentials bool, method string, names []string, status int, h http.Header) string {
	if err := browser.CheckPreflight(o, credentials, method, names, status, h); err != nil {
		return string(err.Reason)
	}
	return ""
}

// tokens splits comma-separated header values into trimmed, non-empty
// elements. The number of elements is bounded by the header's length.
func tokens(values []string) []string {
	var out []string
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

func contains(list []string, s string, fold bool) bool {
	for _, e := range list {
		if e == s || fold && strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}
