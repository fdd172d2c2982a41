package browser

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
)

// Cache lifetimes of a preflight result, as Chromium chooses them.
const (
	// DefaultMaxAge is how long a preflight result is cached when the
	// response has no Access-Control-Max-Age, or one Chromium cannot parse.
	DefaultMaxAge = 5 * time.Second
	// MaxMaxAge caps Access-Control-Max-Age.
	MaxMaxAge = 2 * time.Hour
)

// headerValue returns the header as Chromium's network stack reads it: nil
// when absent, else every field line joined with ", ".
func headerValue(h http.Header, name string) *string {
	vs := h.Values(name)
	switch len(vs) {
	case 0:
		return nil
	case 1:
		return &vs[0]
	}
	v := strings.Join(vs, ", ")
	return &v
}

// corsCheck is Chromium's CheckAccess: the CORS check of a response to a
// request from origin, before the preflight-specific renaming. It returns
// the CorsError name and the failed parameter, or "" when access is allowed.
func corsCheck(origin string, credentials bool, h http.Header) (reason Reason, param string) {
	acao := headerValue(h, "Access-Control-Allow-Origin")
	switch {
	case acao != nil && *acao == "*":
		// "*" never allows a credentialed request, not even with
		// Access-Control-Allow-Credentials: true.
		if credentials {
			return WildcardOriginNotAllowed, ""
		}
		return "", ""
	case acao == nil:
		return MissingAllowOriginHeader, ""
	case *acao != origin:
		// Chromium compares the serializations byte for byte, so "null"
		// matches the opaque origin, and only then explains the mismatch.
		v := *acao
		if strings.ContainsAny(v, " ,") {
			return MultipleAllowOriginValues, v
		}
		if v == "null" || looksLikeURL(v) {
			return AllowOriginMismatch, v
		}
		return InvalidAllowOriginValue, v
	}
	if credentials {
		// Case-sensitive: "True" is not "true".
		acac := headerValue(h, "Access-Control-Allow-Credentials")
		if acac == nil || *acac != "true" {
			v := ""
			if acac != nil {
				v = *acac
			}
			return InvalidAllowCredentials, v
		}
	}
	return "", ""
}

// looksLikeURL approximates Chromium's GURL validity test, which only
// chooses between InvalidAllowOriginValue and AllowOriginMismatch: a
// scheme, a colon, and for the special schemes a host.
func looksLikeURL(v string) bool {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ws", "wss", "ftp":
		return u.Host != "" || u.Opaque != ""
	}
	return true
}

// CheckResponse performs the CORS check on a response to a request from
// origin (its serialization, "null" for an opaque origin), as Chromium does
// on every response to a cross-origin request in CORS mode, redirects
// included. credentials is whether the request's credentials mode is
// "include". It returns nil when script may read the response.
func CheckResponse(origin string, credentials bool, h http.Header) *Error {
	reason, param := corsCheck(origin, credentials, h)
	if reason == "" {
		return nil
	}
	return newError(reason, param, origin, false)
}

// isOK reports an ok status: 200 to 299.
func isOK(status int) bool { return 200 <= status && status <= 299 }

// preflightResult is the parsed answer to a preflight, as it is cached.
type preflightResult struct {
	credentials bool            // the preflight was for a credentialed request
	methods     map[string]bool // case-sensitive
	headers     map[string]bool // lower-case
	maxAge      time.Duration   // as Chromium computed it
	expires     time.Time       // zero until stored in a cache
}

// parseAllowList parses Access-Control-Allow-Methods or -Headers as
// Chromium does: comma-separated, optional whitespace around elements,
// empty elements ignored, every other element must be a token or the whole
// list is invalid. A nil value is an empty list.
func parseAllowList(v *string, lower bool) (map[string]bool, bool) {
	set := map[string]bool{}
	if v == nil {
		return set, true
	}
	for e := range strings.SplitSeq(*v, ",") {
		e = strings.Trim(e, " \t")
		if e == "" {
			// Chromium departs from the standard's #rule parsing only in
			// being lenient here: empty elements are skipped.
			continue
		}
		if !fetchspec.IsToken(e) {
			return nil, false
		}
		if lower {
			e = strings.ToLower(e)
		}
		set[e] = true
	}
	return set, true
}

// parseMaxAge returns how long Chromium caches a preflight result given its
// Access-Control-Max-Age value (nil when absent).
func parseMaxAge(v *string) time.Duration {
	if v == nil {
		return DefaultMaxAge
	}
	// base::StringToInt64 accepts one leading sign and nothing else around
	// the digits; a failure (garbage, several values, overflow) means the
	// default.
	s := *v
	digits := s
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		digits = s[1:]
	}
	if !isDigits(digits) {
		return DefaultMaxAge
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return DefaultMaxAge
	}
	// Chromium departs from the standard: a negative value means "do not
	// cache" rather than a parse failure, and the value is capped at 2
	// hours.
	if n < 0 {
		return 0
	}
	if n >= int64(MaxMaxAge/time.Second) {
		return MaxMaxAge
	}
	return time.Duration(n) * time.Second
}

// parsePreflight checks a preflight response and parses what it allows. It
// returns the CorsError name and failed parameter on failure.
func parsePreflight(origin string, credentials bool, status int, h http.Header) (*preflightResult, Reason, string) {
	// The CORS check comes first and its failure wins over a bad status:
	// a 404 without Access-Control-Allow-Origin is reported as
	// PreflightMissingAllowOriginHeader. (The standard only says both fail;
	// the error Chromium names is the CORS one.)
	if reason, param := corsCheck(origin, credentials, h); reason != "" {
		return nil, reason.preflightVariant(), param
	}
	if !isOK(status) {
		return nil, PreflightInvalidStatus, ""
	}
	acam := headerValue(h, "Access-Control-Allow-Methods")
	acah := headerValue(h, "Access-Control-Allow-Headers")
	acma := headerValue(h, "Access-Control-Max-Age")
	methods, ok := parseAllowList(acam, false)
	if !ok {
		return nil, InvalidAllowMethodsPreflightResponse, *acam
	}
	headers, ok := parseAllowList(acah, true)
	if !ok {
		return nil, InvalidAllowHeadersPreflightResponse, *acah
	}
	return &preflightResult{credentials: credentials, methods: methods, headers: headers, maxAge: parseMaxAge(acma)}, "", ""
}

// allowsMethod is Chromium's EnsureAllowedCrossOriginMethod with the
// spec-conformant comparison Chromium ships today: the (normalized) method
// must appear exactly, case-sensitively, unless it is GET, HEAD or POST, or
// the list has "*" and the request is not credentialed.
func (r *preflightResult) allowsMethod(method string) bool {
	if r.methods[method] || isSafelistedMethod(method) {
		return true
	}
	return !r.credentials && r.methods["*"]
}

// disallowedHeader returns the first request header name the result does
// not allow, or "". names are the non-safelisted names in Chromium's order.
// strictAuth says whether "*" leaves Authorization out, as the standard
// says it does.
func (r *preflightResult) disallowedHeader(names []string, strictAuth bool) string {
	if !r.credentials && r.headers["*"] {
		if !strictAuth {
			return ""
		}
		for _, n := range names {
			if n == "authorization" && !r.headers["authorization"] {
				return n
			}
		}
		return ""
	}
	for _, n := range names {
		if !r.headers[n] {
			return n
		}
	}
	return ""
}

// allows reports whether a cached result lets a request skip the preflight.
func (r *preflightResult) allows(credentials bool, method string, names []string, strictAuth bool) bool {
	if credentials && !r.credentials {
		return false
	}
	return r.allowsMethod(method) && r.disallowedHeader(names, strictAuth) == ""
}

// CheckPreflight judges a preflight response as Chromium does for an actual
// request from origin with the given credentials mode ("include" or not),
// method (as fetch() normalized it) and non-safelisted header names (as
// IsSafelisted returns them). status and h are the preflight response's
// status code and headers. It returns nil when the actual request may be
// sent.
func CheckPreflight(origin string, credentials bool, method string, headerNames []string, status int, h http.Header) *Error {
	r, reason, param := parsePreflight(origin, credentials, status, h)
	if reason == "" {
		reason, param = r.check(method, headerNames)
	}
	if reason == "" {
		return nil
	}
	return newError(reason, param, origin, true)
}

// check runs the method and header checks on a fresh preflight result.
func (r *preflightResult) check(method string, names []string) (reason Reason, param string) {
	if !r.allowsMethod(method) {
		return MethodDisallowedByPreflightResponse, method
	}
	// Chromium departs from the standard: on a fresh preflight "*" in
	// Access-Control-Allow-Headers covers Authorization too (Chromium only
	// warns in DevTools); the standard says Authorization must be listed
	// by name.
	if n := r.disallowedHeader(names, false); n != "" {
		return HeaderDisallowedByPreflightResponse, n
	}
	return "", ""
}

// parseExposeHeaders parses Access-Control-Expose-Headers as Chromium
// does: like the Access-Control-Allow-* lists, empty elements are skipped
// and one element that is not a token empties the whole list. Names are
// lower-cased.
func parseExposeHeaders(v *string) map[string]bool {
	set, ok := parseAllowList(v, true)
	if !ok {
		return map[string]bool{}
	}
	return set
}

// ReadableHeaders returns the headers of a CORS response that script can
// read: the CORS-safelisted response headers (Cache-Control,
// Content-Language, Content-Length, Content-Type, Expires, Last-Modified,
// Pragma) and those Access-Control-Expose-Headers names, where "*" names
// every header unless credentials is true. Set-Cookie and Set-Cookie2 are
// never readable. The result is a new map; h is not modified.
func ReadableHeaders(credentials bool, h http.Header) http.Header {
	exposed := parseExposeHeaders(headerValue(h, "Access-Control-Expose-Headers"))
	all := !credentials && exposed["*"]
	out := http.Header{}
	for k, vs := range h {
		name := strings.ToLower(k)
		if name == "set-cookie" || name == "set-cookie2" {
			continue
		}
		if all || fetchspec.IsCORSSafelistedResponseHeaderName(name) || exposed[name] {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}
