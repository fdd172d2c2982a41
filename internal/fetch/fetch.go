// Package fetch holds the tables and predicates of the Fetch standard
// (https://fetch.spec.whatwg.org/) that more than one package of the module
// needs: which request headers and methods a script may use, which request
// headers and methods are CORS-safelisted, which response headers a script
// can always read, and the grammar of methods, header names and header
// values. Each name cites the section of the standard it implements.
//
// The tables are the standard's. Where an engine departs from the standard
// (Chromium still forbids User-Agent and safelists client hints), the
// browser package keeps the departure next to the engine it belongs to.
//
// Access-Control-Request-Private-Network is not forbidden: the Private
// Network Access draft once made it so, but the standard never listed it,
// Firefox never forbade it, and Chromium (checked in version 156, after it
// put Private Network Access on hold) lets a script set it and preflights
// the request like any other unsafe header. A page can send it, so servers
// may list it.
//
// Names passed to the predicates may be in any case; they are compared
// case-insensitively, as the standard compares header names. Methods are
// compared case-sensitively except where the standard says otherwise.
package fetch

import (
	"strconv"
	"strings"
)

// IsToken reports whether s is a token (RFC 9110, section 5.6.2), the
// syntax of methods (Fetch, section 2.2.1, "method") and of header names
// (Fetch, section 2.2.2, "header name").
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchars[s[i]] {
			return false
		}
	}
	return true
}

// tchars is RFC 9110's tchar: the visible ASCII characters except the
// delimiters.
var tchars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isHTTPWhitespace reports whether b is an HTTP whitespace byte (Fetch,
// section 2.2, "HTTP whitespace byte"): tab, newline, carriage return or
// space.
func isHTTPWhitespace(b byte) bool {
	return b == '\t' || b == '\n' || b == '\r' || b == ' '
}

// NormalizeHeaderValue removes the leading and trailing HTTP whitespace
// bytes of v (Fetch, section 2.2.2, "normalize" a byte sequence), as
// Headers.append and Headers.set do before they validate a value.
func NormalizeHeaderValue(v string) string {
	for v != "" && isHTTPWhitespace(v[0]) {
		v = v[1:]
	}
	for v != "" && isHTTPWhitespace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// IsHeaderValue reports whether v is a header value (Fetch, section 2.2.2,
// "header value"): no leading or trailing HTTP tab or space bytes and no
// NUL, LF or CR byte anywhere.
func IsHeaderValue(v string) bool {
	if v != "" && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		return false
	}
	return !strings.ContainsAny(v, "\x00\n\r")
}

// normalizedMethods are the methods that fetch() upper-cases (Fetch,
// section 2.2.1, "normalize" a method).
var normalizedMethods = [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// NormalizeMethod upper-cases m if it is a case-insensitive match for
// DELETE, GET, HEAD, OPTIONS, POST or PUT and returns every other method
// unchanged (Fetch, section 2.2.1, "normalize" a method). PATCH is not
// normalized: a script that writes "patch" sends "patch".
func NormalizeMethod(m string) string {
	for _, n := range normalizedMethods {
		if strings.EqualFold(m, n) {
			return n
		}
	}
	return m
}

// IsForbiddenMethod reports whether m is a forbidden method (Fetch,
// section 2.2.1, "forbidden method"): CONNECT, TRACE or TRACK, compared
// case-insensitively. fetch() refuses to send them.
func IsForbiddenMethod(m string) bool {
	return strings.EqualFold(m, "CONNECT") || strings.EqualFold(m, "TRACE") || strings.EqualFold(m, "TRACK")
}

// IsCORSSafelistedMethod reports whether m is a CORS-safelisted method
// (Fetch, section 2.2.1, "CORS-safelisted method"): GET, HEAD or POST,
// compared case-sensitively. A method a script wrote goes through
// NormalizeMethod first, so that "get" counts as GET.
func IsCORSSafelistedMethod(m string) bool {
	return m == "GET" || m == "HEAD" || m == "POST"
}

// forbiddenRequestHeaders are the forbidden request-header names (Fetch,
// section 2.2.2, "forbidden request-header"), lower case.
var forbiddenRequestHeaders = map[string]bool{
	"accept-charset":                 true,
	"accept-encoding":                true,
	"access-control-request-headers": true,
	"access-control-request-method":  true,
	"connection":                     true,
	"content-length":                 true,
	"cookie":                         true,
	"cookie2":                        true,
	"date":                           true,
	"dnt":                            true,
	"expect":                         true,
	"host":                           true,
	"keep-alive":                     true,
	"origin":                         true,
	"referer":                        true,
	"set-cookie":                     true,
	"te":                             true,
	"trailer":                        true,
	"transfer-encoding":              true,
	"upgrade":                        true,
	"via":                            true,
}

// IsForbiddenRequestHeaderName reports whether a script can never set a
// header of this name, whatever its value (Fetch, section 2.2.2,
// "forbidden request-header", steps 1 and 2): the fixed list and any name
// starting with "Proxy-" or "Sec-".
func IsForbiddenRequestHeaderName(name string) bool {
	lower := strings.ToLower(name)
	return forbiddenRequestHeaders[lower] || strings.HasPrefix(lower, "proxy-") || strings.HasPrefix(lower, "sec-")
}

// IsForbiddenRequestHeader reports whether the header (name, value) is a
// forbidden request-header (Fetch, section 2.2.2): a forbidden name, or one
// of the method-override headers X-HTTP-Method, X-HTTP-Method-Override and
// X-Method-Override when one of the comma-separated methods of value is a
// forbidden method. fetch() silently drops such headers.
func IsForbiddenRequestHeader(name, value string) bool {
	if IsForbiddenRequestHeaderName(name) {
		return true
	}
	switch strings.ToLower(name) {
	case "x-http-method", "x-http-method-override", "x-method-override":
		for v := range strings.SplitSeq(value, ",") {
			if IsForbiddenMethod(strings.Trim(v, " \t")) {
				return true
			}
		}
	}
	return false
}

// IsForbiddenResponseHeaderName reports whether a script can never read a
// response header of this name (Fetch, section 2.2.2, "forbidden
// response-header name"): Set-Cookie and Set-Cookie2. No
// Access-Control-Expose-Headers can expose them.
func IsForbiddenResponseHeaderName(name string) bool {
	return strings.EqualFold(name, "set-cookie") || strings.EqualFold(name, "set-cookie2")
}

// IsCORSSafelistedResponseHeaderName reports whether a script can always
// read a response header of this name from a CORS response, without
// Access-Control-Expose-Headers (Fetch, section 2.2.2, "CORS-safelisted
// response-header name"): Cache-Control, Content-Language,
// Content-Length, Content-Type, Expires, Last-Modified and Pragma.
func IsCORSSafelistedResponseHeaderName(name string) bool {
	switch strings.ToLower(name) {
	case "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma":
		return true
	}
	return false
}

// IsRequestBodyHeaderName reports whether name describes a request's body
// (Fetch, section 2.2.2, "request-body-header name"): Content-Encoding,
// Content-Language, Content-Location and Content-Type. A redirect that
// turns the request into a GET without a body removes them (section 4.4,
// HTTP-redirect fetch, step 12).
func IsRequestBodyHeaderName(name string) bool {
	switch strings.ToLower(name) {
	case "content-encoding", "content-language", "content-location", "content-type":
		return true
	}
	return false
}

// IsNoCORSSafelistedRequestHeaderName reports whether a script may set a
// header of this name on a no-cors request (Fetch, section 2.2.2,
// "no-CORS-safelisted request-header name"): Accept, Accept-Language,
// Content-Language and Content-Type. The value must still be safelisted.
func IsNoCORSSafelistedRequestHeaderName(name string) bool {
	switch strings.ToLower(name) {
	case "accept", "accept-language", "content-language", "content-type":
		return true
	}
	return false
}

// IsCORSSafelistedRequestHeaderName reports whether some value makes a
// header of this name a CORS-safelisted request-header (Fetch, section
// 2.2.2): Accept, Accept-Language, Content-Language, Content-Type and
// Range. Any page may send such a header cross-origin without a preflight,
// so a server cannot rely on its presence as proof of a same-origin script.
func IsCORSSafelistedRequestHeaderName(name string) bool {
	return IsNoCORSSafelistedRequestHeaderName(name) || strings.EqualFold(name, "range")
}

// MaxSafelistedValue is the longest value, in bytes, that a CORS-safelisted
// request-header may have (Fetch, section 2.2.2, "CORS-safelisted
// request-header", step 1).
const MaxSafelistedValue = 128

// MaxSafelistedTotal is the most bytes the values of all CORS-safelisted
// request-headers of a request may have together; beyond it every one of
// them counts as unsafe and needs a preflight (Fetch, section 2.2.2,
// "CORS-unsafe request-header names", step 4).
const MaxSafelistedTotal = 1024

// IsCORSSafelistedRequestHeader reports whether the header (name, value) is
// a CORS-safelisted request-header (Fetch, section 2.2.2): one a script may
// send cross-origin without a preflight. value is as fetch() holds it,
// normalized and with repeated headers combined with ", ".
func IsCORSSafelistedRequestHeader(name, value string) bool {
	if len(value) > MaxSafelistedValue {
		return false
	}
	switch strings.ToLower(name) {
	case "accept":
		return !HasCORSUnsafeRequestHeaderByte(value)
	case "accept-language", "content-language":
		for i := 0; i < len(value); i++ {
			if !isLanguageByte(value[i]) {
				return false
			}
		}
		return true
	case "content-type":
		return isSafelistedContentType(value)
	case "range":
		return isSimpleRange(value)
	}
	return false
}

// isLanguageByte reports whether c may appear in a safelisted
// Accept-Language or Content-Language value: 0-9, A-Z, a-z, space and
// *,-.;=.
func isLanguageByte(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
		c == ' ' || c == '*' || c == ',' || c == '-' || c == '.' || c == ';' || c == '='
}

// IsCORSUnsafeRequestHeaderByte reports whether c is a CORS-unsafe
// request-header byte (Fetch, section 2.2.2): a control byte other than
// tab, DEL, or one of "():<>?@[\]{}.
func IsCORSUnsafeRequestHeaderByte(c byte) bool {
	switch c {
	case '"', '(', ')', ':', '<', '>', '?', '@', '[', '\\', ']', '{', '}', 0x7f:
		return true
	}
	return c < 0x20 && c != '\t'
}

// HasCORSUnsafeRequestHeaderByte reports whether s holds a CORS-unsafe
// request-header byte.
func HasCORSUnsafeRequestHeaderByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if IsCORSUnsafeRequestHeaderByte(s[i]) {
			return true
		}
	}
	return false
}

// isSafelistedContentType reports whether the essence of a Content-Type
// value is one of the three types an HTML form can send (Fetch, section
// 2.2.2, "CORS-safelisted request-header", content-type case), parsing
// the type and subtype as MIME Sniffing's "parse a MIME type" does.
func isSafelistedContentType(v string) bool {
	v = strings.ToLower(v)
	if HasCORSUnsafeRequestHeaderByte(v) {
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
	if !IsToken(typ) || !IsToken(sub) {
		return false
	}
	switch typ + "/" + sub {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}

// isSimpleRange reports whether v is "bytes=N-" or "bytes=N-M" with N <= M
// (Fetch, section 2.2.2, "CORS-safelisted request-header", range case,
// which parses a single range header value without whitespace and refuses
// suffix ranges): one range, no whitespace, "bytes" in lower case, each
// number fitting in 63 bits.
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

// isDigits reports whether s is one or more ASCII digits.
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
