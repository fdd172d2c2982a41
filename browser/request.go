package browser

import (
	"net/http"
	"slices"
	"strings"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
)

// normalizeMethod is fetchspec.NormalizeMethod.
func normalizeMethod(m string) string { return fetchspec.NormalizeMethod(m) }

// isForbiddenMethod reports whether fetch() refuses the method outright.
func isForbiddenMethod(m string) bool { return fetchspec.IsForbiddenMethod(m) }

// isSafelistedMethod reports whether m is GET, HEAD or POST. Chromium
// compares case-insensitively; after normalization that is the same.
func isSafelistedMethod(m string) bool {
	return fetchspec.IsCORSSafelistedMethod(fetchspec.NormalizeMethod(m))
}

// isForbiddenHeader reports whether a script's attempt to set the header
// is ignored: the Fetch standard's forbidden request-headers (the fixed
// list, any Proxy- or Sec- name, the method-override headers when they
// name a forbidden method) and User-Agent.
func isForbiddenHeader(lowerName, value string) bool {
	// Chromium departs from the standard here: the Fetch standard dropped
	// User-Agent from the forbidden list in 2015, Chromium still forbids it
	// (crbug.com/571722).
	return lowerName == "user-agent" || fetchspec.IsForbiddenRequestHeader(lowerName, value)
}

// isSafelistedHeader is Chromium's IsCorsSafelistedHeader for a header a
// script can set (names starting with Sec- never reach it): the Fetch
// standard's CORS-safelisted request-headers and Chromium's additions.
func isSafelistedHeader(lowerName, value string) bool {
	if len(value) > fetchspec.MaxSafelistedValue {
		return false
	}
	switch lowerName {
	// Chromium departs from the standard: it safelists the client hints a
	// script can set, and Intervention, when their values are well formed.
	case "intervention":
		return true
	case "device-memory", "dpr", "downlink":
		return isDecimal(value)
	case "width", "viewport-width", "rtt":
		return isDigits(value)
	case "ect":
		switch value {
		case "slow-2g", "2g", "3g", "4g":
			return true
		}
		return false
	case "save-data":
		return strings.EqualFold(value, "on")
	}
	return fetchspec.IsCORSSafelistedRequestHeader(lowerName, value)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDecimal matches 1*DIGIT [ "." 1*DIGIT ].
func isDecimal(s string) bool {
	i, f, ok := strings.Cut(s, ".")
	return isDigits(i) && (!ok || isDigits(f))
}

// header is one request header as fetch() holds it: the name lower-cased,
// the values of a repeated name combined with ", ".
type header struct {
	name, value string
}

// scriptHeaders returns the headers a script set on the request as fetch()
// would keep them: names lower-cased and sorted (Blink keeps its header list
// sorted), values with leading and trailing whitespace removed, repeated
// names combined, forbidden headers dropped.
func scriptHeaders(h http.Header) []header {
	var out []header
	for k, vs := range h {
		name := strings.ToLower(k)
		for _, v := range vs {
			v = strings.Trim(v, " \t\r\n")
			i := slices.IndexFunc(out, func(x header) bool { return x.name == name })
			if i < 0 {
				out = append(out, header{name, v})
			} else {
				out[i].value += ", " + v
			}
		}
	}
	out = slices.DeleteFunc(out, func(x header) bool { return isForbiddenHeader(x.name, x.value) })
	slices.SortFunc(out, func(a, b header) int { return strings.Compare(a.name, b.name) })
	return out
}

// unsafeNames is Chromium's CorsUnsafeNotForbiddenRequestHeaderNames: the
// names of headers that are not safelisted, in header-list order, followed
// by the safelisted ones when their values together exceed 1024 bytes.
func unsafeNames(hs []header) []string {
	var unsafe, safe []string
	total := 0
	for _, x := range hs {
		if isSafelistedHeader(x.name, x.value) {
			safe = append(safe, x.name)
			total += len(x.value)
		} else {
			unsafe = append(unsafe, x.name)
		}
	}
	if total > fetchspec.MaxSafelistedTotal {
		unsafe = append(unsafe, safe...)
	}
	return unsafe
}

// IsSafelisted reports whether fetch() can send a request with this method
// and these script-set headers without a preflight, and returns the names
// of the headers that are not CORS-safelisted: lower-case and sorted, as
// Chromium lists them in Access-Control-Request-Headers. Forbidden headers,
// which fetch() drops, are ignored; repeated header lines count as one value
// joined with ", ", as fetch() combines them.
func IsSafelisted(method string, h http.Header) (bool, []string) {
	names := unsafeNames(scriptHeaders(h))
	slices.Sort(names)
	return isSafelistedMethod(normalizeMethod(method)) && len(names) == 0, names
}

// requestHeadersValue formats Access-Control-Request-Headers as Chromium
// does: lower-case names, sorted, separated by a comma without a space.
func requestHeadersValue(names []string) string {
	s := slices.Clone(names)
	slices.Sort(s)
	return strings.Join(s, ",")
}
