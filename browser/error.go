package browser

import (
	"fmt"
	"strings"
)

// Error is a request that Chromium would block. It is returned, wrapped in
// a *url.Error by http.Client, by Transport.RoundTrip, and directly by the
// pure check functions.
type Error struct {
	// Reason is Chromium's network::mojom::CorsError name, the one DevTools
	// shows, such as AllowOriginMismatch or
	// PreflightMissingAllowOriginHeader. It is empty for failures that
	// are not CORS errors in Chromium (a forbidden method, too many
	// redirects, redirect mode "error"); NetError then says what failed.
	Reason Reason `json:"reason,omitempty"`
	// Message is the console message Chromium prints for a CORS error
	// (the pure functions do not know the URL, and leave "at '<url>'" out
	// of it), whatever the engine, or, for other failures, the TypeError
	// message fetch() rejects with in the engine's words ("Failed to
	// fetch", "NetworkError when attempting to fetch resource.", "Load
	// failed"), sometimes followed by a detail in parentheses.
	Message string `json:"message"`
	// URL is the URL of the request that failed (after redirects).
	URL string `json:"url,omitempty"`
	// Origin is the origin the CORS check compared against: the page's,
	// or "null" after a cross-origin redirect tainted the request.
	Origin string `json:"origin,omitempty"`
	// Param is the value that failed the check, as Chromium reports it:
	// the Access-Control-Allow-Origin value, the method, the header name.
	Param string `json:"param,omitempty"`
	// Preflight reports that the failure was on the preflight.
	Preflight bool `json:"preflight,omitempty"`
	// ReachedServer reports whether the actual request (not only its
	// preflight) reached the server. CORS does not stop side effects: a
	// blocked POST that reached the server was still processed there;
	// only its response was withheld from script.
	ReachedServer bool `json:"reached_server"`
	// NetError is the net error Chromium completes the request with:
	// "net::ERR_FAILED" for CORS errors.
	NetError string `json:"net_error,omitempty"`
	// Unreachable reports that a request got no response at all
	// (connection refused, DNS failure, timeout): the browser refused
	// nothing, the server could not be reached.
	Unreachable bool `json:"unreachable,omitempty"`
	// Engine is the engine whose fetch() refused: Transport.Engine, or
	// the engine of the pure function.
	Engine Engine `json:"engine"`
	// EngineReason is the engine's own name for the CORS error, where the
	// engine names it: Chromium's is Reason; Firefox's is the key of its
	// console message, such as "CORSAllowOriginNotMatchingOrigin" for
	// AllowOriginMismatch. Firefox also logs a failed redirect in CORS
	// mode as "CORSDidNotSucceed2", which Chromium reports without a CORS
	// error. Empty for WebKit, whose console the tests cannot read.
	EngineReason string `json:"engine_reason,omitempty"`
	// EngineMessage is the engine's console message for the error, in the
	// engine's words, where known (Chromium's is Message).
	EngineMessage string `json:"engine_message,omitempty"`
	// Fix says what the server must change so that the request passes.
	Fix Fix `json:"fix"`
	// Trace is every step of the exchange up to the failure.
	Trace []Step `json:"trace"`

	status    int    // the status of the response that failed, for Firefox's message
	acaoLines int    // how many Access-Control-Allow-Origin lines it had
	firefox   string // Firefox's wording of a refusal, "" when not known
	network   bool   // a network error: no response, a redirect loop, a broken redirect
	invalid   bool   // fetch() threw before sending: the script's request is invalid
	mixed     bool   // blocked as mixed content
}

// Fix is what a server must do so that Chromium allows the request.
type Fix struct {
	// Header and Value are the response header the server must send, or
	// both empty when the fix is not a header.
	Header string `json:"header,omitempty"`
	Value  string `json:"value,omitempty"`
	// CORSConfig is the matching change to the project's cors.Config, in
	// Go, or in words when the fix is not a configuration change.
	CORSConfig string `json:"cors_config,omitempty"`
	// Advice explains the fix in a sentence.
	Advice string `json:"advice,omitempty"`
}

// Error returns EngineMessage when the engine's console message is known,
// else Message.
func (e *Error) Error() string {
	if e.EngineMessage != "" {
		return e.EngineMessage
	}
	return e.Message
}

// newError builds the error for a CorsError name.
func newError(reason Reason, param, origin string, preflight bool) *Error {
	e := &Error{Reason: reason, Param: param, Origin: origin, Preflight: preflight, NetError: "net::ERR_FAILED"}
	e.Fix = fixFor(reason, param, origin)
	e.setMessage("", "", "")
	return e
}

// setMessage writes the console message for the final URL and, after
// redirects, the URL the fetch started with. page is the page's origin,
// which the message names even when a redirect tainted the request's
// origin to "null"; "" means e.Origin.
func (e *Error) setMessage(url, initial, page string) {
	e.URL = url
	if e.Reason == "" {
		return
	}
	if page == "" {
		page = e.Origin
	}
	var b strings.Builder
	b.WriteString("Access to fetch ")
	if url != "" {
		fmt.Fprintf(&b, "at '%s' ", url)
		if initial != "" && initial != url {
			fmt.Fprintf(&b, "(redirected from '%s') ", initial)
		}
	}
	fmt.Fprintf(&b, "from origin '%s' has been blocked by CORS policy: ", page)
	if preflightReasons[e.Reason] {
		b.WriteString("Response to preflight request doesn't pass access control check: ")
	}
	b.WriteString(detail(e.Reason, e.Param))
	e.Message = b.String()
}

// encodeHint prints a failed parameter as Blink does: printable ASCII as
// is, anything else as \uXXXX.
func encodeHint(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 0x20 <= c && c < 0x7f {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\u%04X", c)
		}
	}
	return b.String()
}

// detail is the part of Chromium's console message that names the rule.
func detail(reason Reason, param string) string {
	const valid = " Have the server send the header with a valid value."
	hint := encodeHint(param)
	switch reason.base() {
	case "DisallowedByMode":
		return "Cross origin requests are not allowed by request mode."
	case "InvalidResponse":
		return "The response is invalid."
	case "WildcardOriginNotAllowed":
		return "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
	case "MissingAllowOriginHeader":
		// Chromium no longer adds "If an opaque response serves your
		// needs, set the request's mode to 'no-cors'...".
		return "No 'Access-Control-Allow-Origin' header is present on the requested resource."
	case "MultipleAllowOriginValues":
		return "The 'Access-Control-Allow-Origin' header contains multiple values '" + hint + "', but only one is allowed." + valid
	case "InvalidAllowOriginValue":
		return "The 'Access-Control-Allow-Origin' header contains the invalid value '" + hint + "'." + valid
	case "AllowOriginMismatch":
		return "The 'Access-Control-Allow-Origin' header has a value '" + hint + "' that is not equal to the supplied origin." + valid
	case "InvalidAllowCredentials":
		return "The value of the 'Access-Control-Allow-Credentials' header in the response is '" + hint + "' which must be 'true' when the request's credentials mode is 'include'."
	case "CorsDisabledScheme":
		return "Cross origin requests are only supported for protocol schemes: http, https."
	case "InvalidStatus":
		return "It does not have HTTP ok status."
	case "DisallowedRedirect":
		return "Redirect is not allowed for a preflight request."
	case "InvalidAllowMethodsPreflightResponse":
		return "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
	case "InvalidAllowHeadersPreflightResponse":
		return "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
	case "MethodDisallowedByPreflightResponse":
		return "Method " + hint + " is not allowed by Access-Control-Allow-Methods in preflight response."
	case "HeaderDisallowedByPreflightResponse":
		return "Request header field " + hint + " is not allowed by Access-Control-Allow-Headers in preflight response."
	case "RedirectContainsCredentials":
		return "Redirect location '" + hint + "' contains a username and password, which is disallowed for cross-origin requests."
	case InsecureLocalNetwork:
		return "The request client is not a secure context and the resource is in more-private address space `" + hint + "`."
	case LocalNetworkAccessPermissionDenied:
		return "Permission was denied for this request to access the `" + hint + "` address space."
	}
	return string(reason)
}

// canonicalName writes a lower-case header name the way people write it in
// code: X-Request-Id.
func canonicalName(n string) string {
	b := []byte(n)
	up := true
	for i, c := range b {
		if up && 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// fixFor returns the server-side fix for a CorsError.
func fixFor(reason Reason, param, origin string) Fix {
	switch reason.base() {
	case "MissingAllowOriginHeader", "MultipleAllowOriginValues", "InvalidAllowOriginValue", "AllowOriginMismatch":
		return originFix(reason, origin)
	case "WildcardOriginNotAllowed":
		if origin == "null" {
			return originFix(reason, origin)
		}
		return Fix{
			Header:     "Access-Control-Allow-Origin",
			Value:      origin,
			CORSConfig: fmt.Sprintf("cors.Config{Origins: []string{%q}, Credentials: true}", origin),
			Advice:     "A credentialed request needs the request's own origin echoed in Access-Control-Allow-Origin, never \"*\", and Access-Control-Allow-Credentials: true.",
		}
	case "InvalidAllowCredentials":
		return Fix{
			Header:     "Access-Control-Allow-Credentials",
			Value:      "true",
			CORSConfig: fmt.Sprintf("cors.Config{Origins: []string{%q}, Credentials: true}", origin),
			Advice:     "A request with credentials: 'include' needs Access-Control-Allow-Credentials: true, exactly, in lower case, on one line.",
		}
	case "MethodDisallowedByPreflightResponse":
		return Fix{
			Header:     "Access-Control-Allow-Methods",
			Value:      param,
			CORSConfig: fmt.Sprintf("cors.Config{Methods: []string{%q}}", param),
			Advice:     fmt.Sprintf("List %s in Access-Control-Allow-Methods; methods are compared case-sensitively.", param),
		}
	case "HeaderDisallowedByPreflightResponse":
		return headerFix(param)
	case InsecureLocalNetwork, LocalNetworkAccessPermissionDenied:
		return localNetworkFix(reason, param)
	}
	return fixedFixes[reason.base()]
}

// originFix is the fix for a missing or wrong Access-Control-Allow-Origin.
func originFix(reason Reason, origin string) Fix {
	f := Fix{
		Header:     "Access-Control-Allow-Origin",
		Value:      origin,
		CORSConfig: fmt.Sprintf("cors.Config{Origins: []string{%q}}", origin),
		Advice:     "Send exactly one Access-Control-Allow-Origin value, equal byte for byte to the request's Origin header (or \"*\" for requests without credentials).",
	}
	if origin == "null" {
		f.Advice = "The request's origin is opaque (a sandboxed page, a file: URL, or a request tainted by a cross-origin redirect), so it sends Origin: null. Allowing \"null\" allows every sandboxed page on the web; serve the page from a real origin, or avoid the cross-origin redirect, instead."
		f.CORSConfig = "serve the page from a real origin and list that origin in cors.Config.Origins; allowing \"null\" is unsafe"
	}
	if reason == reason.base() || reason.base() == "WildcardOriginNotAllowed" {
		return f
	}
	f.Advice += " The preflight (OPTIONS) response needs it too: answer preflights in the CORS middleware, before authentication and routing."
	if reason == PreflightMissingAllowOriginHeader {
		// Middlewares, ours included, refuse a preflight whose method
		// or headers they do not allow by sending no CORS headers at
		// all, which Chromium reports as a missing Allow-Origin.
		f.Advice += " If the origin is already allowed, the server refused the preflight for another reason: a CORS middleware answers a preflight whose method or request headers it does not allow without any CORS headers, so also check that the method is in cors.Config.Methods and every header of Access-Control-Request-Headers in cors.Config.RequestHeaders."
	}
	return f
}

func headerFix(param string) Fix {
	f := Fix{
		Header:     "Access-Control-Allow-Headers",
		Value:      canonicalName(param),
		CORSConfig: fmt.Sprintf("cors.Config{RequestHeaders: []string{%q}}", canonicalName(param)),
		Advice:     fmt.Sprintf("List %s in Access-Control-Allow-Headers.", canonicalName(param)),
	}
	if param == "authorization" {
		f.Advice += " The wildcard \"*\" does not cover Authorization: it must be listed by name."
	}
	return f
}

// fixedFixes are the fixes that depend on nothing but the reason.
var fixedFixes = map[Reason]Fix{
	"InvalidStatus": {
		CORSConfig: "put the cors middleware in front of the handler: it answers preflights itself with 204",
		Advice:     "Answer the preflight (OPTIONS) with a 2xx status. Routers that register only \"POST /path\" answer OPTIONS with 405, and authentication middleware with 401: preflights never carry credentials.",
	},
	"DisallowedRedirect": {
		CORSConfig: "serve the exact URL the page fetches; the cors middleware must answer the preflight before any redirect (trailing slash, http to https)",
		Advice:     "Answer the preflight at the requested URL itself: Chromium never follows a redirect of a preflight.",
	},
	"InvalidAllowMethodsPreflightResponse": {
		Header:     "Access-Control-Allow-Methods",
		Value:      "GET, POST, PUT, DELETE",
		CORSConfig: "cors.Config{Methods: []string{\"PUT\", \"DELETE\"}}",
		Advice:     "Send a comma-separated list of method tokens; one malformed element rejects the whole preflight.",
	},
	"InvalidAllowHeadersPreflightResponse": {
		Header:     "Access-Control-Allow-Headers",
		Value:      "Content-Type, Authorization",
		CORSConfig: "cors.Config{RequestHeaders: []string{\"Content-Type\", \"Authorization\"}}",
		Advice:     "Send a comma-separated list of header names; one malformed element rejects the whole preflight.",
	},
	"RedirectContainsCredentials": {
		CORSConfig: "not a CORS setting: fix the redirect",
		Advice:     "Remove the user name and password from the Location of the redirect.",
	},
	NoCorsRedirectModeNotFollow: {
		CORSConfig: "not a server setting: the page asked for mode 'no-cors' with a redirect mode other than 'follow'",
		Advice:     "A no-cors request must use redirect: 'follow'; drop the redirect option, or use mode 'cors'.",
	},
	"DisallowedByMode": {
		CORSConfig: "not a server setting: the page asked for mode 'same-origin'",
		Advice:     "The request's mode is 'same-origin' and the URL is cross-origin; use mode 'cors'.",
	},
}
