package browser

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/crossorigin/crossorigin/internal/headerlist"
)

// normalizeMethod upper-cases the six methods fetch() normalizes (DELETE,
// GET, HEAD, OPTIONS, POST, PUT, matched case-insensitively) and keeps every
// other method exactly as given, as the Fetch standard says.
func normalizeMethod(m string) string {
	for _, n := range [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} {
		if strings.EqualFold(m, n) {
			return n
		}
	}
	return m
}

// isForbiddenMethod reports whether fetch() refuses the method outright.
func isForbiddenMethod(m string) bool {
	return strings.EqualFold(m, "CONNECT") || strings.EqualFold(m, "TRACE") || strings.EqualFold(m, "TRACK")
}

// isSafelistedMethod reports whether m is GET, HEAD or POST. Chromium
// compares case-insensitively; after normalization that is the same.
func isSafelistedMethod(m string) bool {
	return strings.EqualFold(m, "GET") || strings.EqualFold(m, "HEAD") || strings.EqualFold(m, "POST")
}

// forbiddenHeaders are the request headers a script cannot set; fetch()
// drops them silently. This is net::HttpUtil::IsSafeHeader's list.
var forbiddenHeaders = map[string]bool{
	"accept-charset":                         true,
	"accept-encoding":                        true,
	"access-control-request-headers":         true,
	"access-control-request-method":          true,
	"access-control-request-private-network": true,
	"connection":                             true,
	"content-length":                         true,
	"cookie":                                 true,
	"cookie2":                                true,
	"date":                                   true,
	"dnt":                                    true,
	"expect":                                 true,
	"host":                                   true,
	"keep-alive":                             true,
	"origin":                                 true,
	"referer":                                true,
	"set-cookie":                             true,
	"te":                                     true,
	"trailer":                                true,
	"transfer-encoding":                      true,
	"upgrade":                                true,
	// Chromium departs from the standard here: the Fetch standard dropped
	// User-Agent from the forbidden list in 2015, Chromium still forbids it
	// (crbug.com/571722).
	"user-agent": true,
	"via":        true,
}

// isForbiddenHeader reports whether a script's attempt to set the header
// is ignored: the fixed list, any Proxy- or Sec- name, and the
// method-override headers when they name a forbidden method.
func isForbiddenHeader(lowerName, value string) bool {
	if strings.HasPrefix(lowerName, "proxy-") || strings.HasPrefix(lowerName, "sec-") {
		return true
	}
	if forbiddenHeaders[lowerName] {
		return true
	}
	switch lowerName {
	case "x-http-method", "x-http-method-override", "x-method-override":
		for v := range strings.SplitSeq(value, ",") {
			if isForbiddenMethod(strings.Trim(v, " \t")) {
				return true
			}
		}
	}
	return false
}

// isUnsafeHeaderByte reports a CORS-unsafe request-header byte.
func isUnsafeHeaderByte(c byte) bool {
	switch c {
	case '"', '(', ')', ':', '<', '>', '?', '@', '[', '\\', ']', '{', '}', 0x7f:
		return true
	}
	return c < 0x20 && c != '\t'
}

func hasUnsafeHeaderByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if isUnsafeHeaderByte(s[i]) {
			return true
		}
	}
	return false
}

// maxSafelistedValue is the longest value a safelisted header may carry,
// and maxSafelistedTotal the most bytes all safelisted values together may
// carry before every one of them counts as unsafe.
const (
	maxSafelistedValue = 128
	maxSafelistedTotal = 1024
)

// isSafelistedHeader is Chromium's IsCorsSafelistedHeader for a header a
// script can set (names starting with Sec- never reach it).
func isSafelistedHeader(lowerName, value string) bool {
	if len(value) > maxSafelistedValue {
		return false
	}
	switch lowerName {
	case "accept":
		return !hasUnsafeHeaderByte(value)
	case "accept-language", "content-language":
		for i := 0; i < len(value); i++ {
			c := value[i]
			if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
				c == ' ' || c == '*' || c == ',' || c == '-' || c == '.' || c == ';' || c == '=') {
				return false
			}
		}
		return true
	case "content-type":
		return isSafelistedContentType(value)
	case "range":
		return isSimpleRange(value)
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
	return false
}

// isSafelistedContentType reports whether the essence of a Content-Type
// value is one of the three types an HTML form can send.
func isSafelistedContentType(v string) bool {
	v = strings.ToLower(v)
	if hasUnsafeHeaderByte(v) {
		return false
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	typ, sub, ok := strings.Cut(v, "/")
	if !ok || strings.IndexByte(sub, '/') >= 0 {
		return false
	}
	typ = strings.TrimLeft(typ, " \t")
	sub = strings.TrimRight(sub, " \t")
	if !headerlist.IsToken(typ) || !headerlist.IsToken(sub) {
		return false
	}
	switch typ + "/" + sub {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}

// isSimpleRange reports whether v is "bytes=N-" or "bytes=N-M" with N <= M:
// one range, no suffix range, no whitespace, "bytes" in lower case (as the
// standard says; Chromium's older code lower-cased it first).
func isSimpleRange(v string) bool {
	rest, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return false
	}
	first, last, ok := strings.Cut(rest, "-")
	if !ok || !isDigits(first) {
		return false
	}
	f, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return false
	}
	if last == "" {
		return true
	}
	if !isDigits(last) {
		return false
	}
	l, err := strconv.ParseInt(last, 10, 64)
	return err == nil && f <= l
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
	if total > maxSafelistedTotal {
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
