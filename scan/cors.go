package scan

import (
	"net/http"
	"strings"
)

// This file is a stand-in for browser.CheckResponse and
// browser.CheckPreflight until the browser package exports them: the CORS
// check of the Fetch standard as Chromium performs it, reduced to the verdict
// (Chromium's CorsError name, or "" when the browser lets the page read the
// response).

// checkResponse reports why a browser would refuse to expose a response to
// a page of origin o, or "" if it would not.
func checkResponse(o string, credentials bool, h http.Header) string {
	return checkAllowOrigin("", o, credentials, h)
}

func checkAllowOrigin(prefix, o string, credentials bool, h http.Header) string {
	acao := h.Values("Access-Control-Allow-Origin")
	switch {
	case len(acao) == 0:
		return prefix + "MissingAllowOriginHeader"
	case len(acao) > 1 || strings.Contains(acao[0], ","):
		return prefix + "MultipleAllowOriginValues"
	case acao[0] == "*":
		if credentials {
			return prefix + "WildcardOriginNotAllowed"
		}
		return ""
	case acao[0] != o:
		return prefix + "AllowOriginMismatch"
	}
	if credentials && h.Get("Access-Control-Allow-Credentials") != "true" {
		return prefix + "InvalidAllowCredentials"
	}
	return ""
}

// checkPreflight reports why a browser would fail a preflight for method
// and the non-safelisted request headers names, or "" if it would pass.
func checkPreflight(o string, credentials bool, method string, names []string, status int, h http.Header) string {
	if status < 200 || status > 299 {
		return "PreflightInvalidStatus"
	}
	if r := checkAllowOrigin("Preflight", o, credentials, h); r != "" {
		return r
	}
	if credentials && h.Get("Access-Control-Allow-Credentials") != "true" {
		return "PreflightInvalidAllowCredentials"
	}
	methods := tokens(h.Values("Access-Control-Allow-Methods"))
	switch method {
	case "GET", "HEAD", "POST":
	default:
		if !contains(methods, method, false) && (credentials || !contains(methods, "*", false)) {
			return "MethodDisallowedByPreflightResponse"
		}
	}
	allowed := tokens(h.Values("Access-Control-Allow-Headers"))
	for _, n := range names {
		if contains(allowed, n, true) {
			continue
		}
		if !credentials && contains(allowed, "*", false) && !strings.EqualFold(n, "Authorization") {
			continue
		}
		return "HeaderDisallowedByPreflightResponse"
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
