package browser

import (
	"net/http"
	"strconv"
	"strings"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
)

// Firefox's console messages for CORS errors, by the key of their string
// in dom/locales/en-US/chrome/security/security.properties (Firefox 153
// ESR). %1$S is the URL, %2$S the detail (a status code, a value, a
// header name). Firefox prints them to the console; script sees
// "TypeError: NetworkError when attempting to fetch resource.".
var firefoxMessages = map[string]string{
	"CORSDisabled":                         "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS disabled).",
	"CORSDidNotSucceed2":                   "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS request did not succeed). Status code: %2$S.",
	"CORSExternalRedirectNotAllowed":       "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS request external redirect not allowed).",
	"CORSRequestNotHttp":                   "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS request not http).",
	"CORSMissingAllowOrigin2":              "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: %2$S.",
	"CORSMultipleAllowOriginNotAllowed":    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).",
	"CORSAllowOriginNotMatchingOrigin":     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘%2$S’).",
	"CORSNotSupportingCredentials":         "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘%1$S’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
	"CORSMethodNotFound":                   "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).",
	"CORSMissingAllowCredentials":          "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).",
	"CORSPreflightDidNotSucceed3":          "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS preflight response did not succeed). Status code: %2$S.",
	"CORSInvalidAllowMethod":               "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: invalid token ‘%2$S’ in CORS header ‘Access-Control-Allow-Methods’).",
	"CORSInvalidAllowHeader":               "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: invalid token ‘%2$S’ in CORS header ‘Access-Control-Allow-Headers’).",
	"CORSMissingAllowHeaderFromPreflight2": "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: header ‘%2$S’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).",
}

// firefoxNetworkError is the TypeError Firefox's fetch() rejects with for
// every network error, CORS errors included.
const firefoxNetworkError = "TypeError: NetworkError when attempting to fetch resource."

// webkitNetworkError is WebKit's.
const webkitNetworkError = "TypeError: Load failed"

// firefoxKey returns the key of Firefox's console message for a CORS
// error (Reason, with the failed parameter, the status and the number of
// Access-Control-Allow-Origin lines of the response), and the detail the
// message quotes. It returns "" for failures Firefox does not log as CORS
// errors. The mapping was read off the console of Firefox 153 for every
// case of e2e/browserdiff.
func firefoxKey(e *Error) (key, detail string) {
	status := strconv.Itoa(e.status)
	switch e.Reason.base() {
	case WildcardOriginNotAllowed:
		return "CORSNotSupportingCredentials", ""
	case MissingAllowOriginHeader:
		return "CORSMissingAllowOrigin2", status
	case MultipleAllowOriginValues:
		// Firefox names repeated header lines, and compares a
		// comma-separated value with the origin like any other value
		// (cases acao-repeated-lines, acao-list).
		if e.acaoLines > 1 {
			return "CORSMultipleAllowOriginNotAllowed", ""
		}
		return "CORSAllowOriginNotMatchingOrigin", e.Param
	case InvalidAllowOriginValue, AllowOriginMismatch:
		return "CORSAllowOriginNotMatchingOrigin", e.Param
	case InvalidAllowCredentials:
		return "CORSMissingAllowCredentials", ""
	case "InvalidStatus":
		return "CORSPreflightDidNotSucceed3", status
	case "DisallowedRedirect":
		return "CORSExternalRedirectNotAllowed", ""
	case InvalidAllowMethodsPreflightResponse:
		return "CORSInvalidAllowMethod", badToken(e.Param)
	case InvalidAllowHeadersPreflightResponse:
		return "CORSInvalidAllowHeader", badToken(e.Param)
	case MethodDisallowedByPreflightResponse:
		return "CORSMethodNotFound", ""
	case HeaderDisallowedByPreflightResponse:
		return "CORSMissingAllowHeaderFromPreflight2", e.Param
	case RedirectContainsCredentials:
		return "CORSDidNotSucceed2", "(null)"
	case CorsDisabledScheme:
		return "CORSRequestNotHttp", ""
	}
	return "", ""
}

// badToken returns the first element of a comma-separated list that is
// not a token: the one Firefox's message quotes.
func badToken(list string) string {
	for el := range strings.SplitSeq(list, ",") {
		el = strings.Trim(el, " \t")
		if el != "" && !fetchspec.IsToken(el) {
			return el
		}
	}
	return list
}

// firefoxMessage fills in Firefox's message for key. Without a URL (the
// pure functions know none), the message leaves "at <url>" out.
func firefoxMessage(key, url, detail string) string {
	m := firefoxMessages[key]
	if url == "" {
		m = strings.Replace(strings.Replace(m, " at ‘%1$S’", "", 1), " at %1$S", "", 1)
	}
	return strings.NewReplacer("%1$S", url, "%2$S", detail).Replace(m)
}

// inEngineWords completes a failed exchange's error with the engine's own
// words: Error.Engine, EngineReason and EngineMessage, and the TypeError
// text of a failure that is no CORS error.
func (f *fetch) inEngineWords(e *Error) {
	if e.URL == "" {
		e.URL = f.url.String()
	}
	f.t.Engine.nameError(e, f.corsFlag)
}

// nameError is inEngineWords for an error the engine e produced; cors says
// whether the request was in CORS mode across origins, where Firefox logs
// a failed redirect or an unreachable server as a CORS error.
func (e Engine) nameError(err *Error, cors bool) {
	err.Engine = e
	modeOnly := err.Reason == DisallowedByMode || err.Reason == NoCorsRedirectModeNotFollow
	switch e {
	case Chromium:
		if err.Reason != "" {
			err.EngineReason, err.EngineMessage = string(err.Reason), err.Message
		}
		return
	case Firefox:
		key, detail := firefoxKey(err)
		if key == "" && cors && err.Reason == "" && (err.Unreachable || isRedirectFailure(err.NetError)) {
			// Firefox logs these as a CORS request that did not
			// succeed (cases redir-loop, redir-bad-location,
			// redir-to-data-url, redir-chain-21).
			key, detail = "CORSDidNotSucceed2", "(null)"
		}
		if key != "" {
			err.EngineReason, err.EngineMessage = key, firefoxMessage(key, err.URL, detail)
		}
		switch {
		case err.firefox != "":
			err.Message = "TypeError: Window.fetch: " + err.firefox
		case err.Reason == "" || modeOnly:
			err.Message = inOtherWords(err.Message, firefoxNetworkError)
		}
	case WebKit:
		// WebKit's console is out of the tests' reach, so its names and
		// messages stay unknown; script sees "TypeError: Load failed".
		if err.Reason == "" || modeOnly {
			err.Message = inOtherWords(err.Message, webkitNetworkError)
		}
	}
}

// inOtherWords replaces Chromium's "TypeError: Failed to fetch" (or a
// console message that stands for it) at the start of msg with the
// engine's TypeError, keeping the explanation in parentheses.
func inOtherWords(msg, typeError string) string {
	if rest, ok := strings.CutPrefix(msg, "TypeError: Failed to fetch"); ok {
		return typeError + rest
	}
	if strings.HasPrefix(msg, "Fetch API cannot load") {
		return typeError + " (" + msg + ")"
	}
	return msg
}

// isRedirectFailure reports the net errors of a redirect that cannot be
// followed.
func isRedirectFailure(netErr string) bool {
	switch netErr {
	case "net::ERR_TOO_MANY_REDIRECTS", "net::ERR_INVALID_REDIRECT", "net::ERR_UNSAFE_REDIRECT":
		return true
	}
	return false
}

// refusal returns the error for what fetch() refuses before sending
// anything; firefox is Firefox's wording, "" when not known.
func (f *fetch) refusal(msg, firefox string) *Error {
	e := netError("", msg)
	e.firefox = firefox
	return e
}

// CheckResponse is the package's CheckResponse as the engine performs it;
// status is the response's status code, which Firefox's message quotes.
// The CORS check is the same in the three engines; the names and messages
// are the engine's.
func (e Engine) CheckResponse(origin string, credentials bool, status int, h http.Header) *Error {
	err := CheckResponse(origin, credentials, h)
	if err == nil {
		return nil
	}
	err.status, err.acaoLines = status, len(h.Values("Access-Control-Allow-Origin"))
	e.nameError(err, true)
	return err
}

// CheckPreflight is the package's CheckPreflight as the engine performs
// it, with the engine's names and messages. A fresh preflight is judged
// alike by the three engines (all three let Access-Control-Allow-Headers:
// * cover Authorization, against the standard).
func (e Engine) CheckPreflight(origin string, credentials bool, method string, headerNames []string, status int, h http.Header) *Error {
	err := CheckPreflight(origin, credentials, method, headerNames, status, h)
	if err == nil {
		return nil
	}
	err.status, err.acaoLines = status, len(h.Values("Access-Control-Allow-Origin"))
	e.nameError(err, true)
	return err
}

// ReadableHeaders is the package's ReadableHeaders: the three engines
// expose the same headers.
func (e Engine) ReadableHeaders(credentials bool, h http.Header) http.Header {
	return ReadableHeaders(credentials, h)
}
