package browser

// Reason is the name of a CORS error as Chromium's network service names it
// (network::mojom::CorsError), the name DevTools shows in the Network panel
// and the Issues panel. The empty Reason means no CORS error: the request
// passed, or it failed in a way that is not a CORS error (see Error.NetError).
type Reason string

// The CORS errors the package reports. A Reason names the check that failed;
// the ones that start with Preflight, and those that end in
// PreflightResponse, are failures of the preflight.
const (
	// DisallowedByMode: the request's mode is "same-origin" and its URL is
	// cross-origin.
	DisallowedByMode Reason = "DisallowedByMode"
	// NoCorsRedirectModeNotFollow: the request's mode is "no-cors" and its
	// redirect mode is not "follow".
	NoCorsRedirectModeNotFollow Reason = "NoCorsRedirectModeNotFollow"
	// InvalidResponse: the response is a network error.
	InvalidResponse Reason = "InvalidResponse"
	// CorsDisabledScheme: the URL's scheme is not http or https.
	CorsDisabledScheme Reason = "CorsDisabledScheme"

	// The CORS check of a response.
	WildcardOriginNotAllowed  Reason = "WildcardOriginNotAllowed"  // Access-Control-Allow-Origin "*" with credentials
	MissingAllowOriginHeader  Reason = "MissingAllowOriginHeader"  // no Access-Control-Allow-Origin
	MultipleAllowOriginValues Reason = "MultipleAllowOriginValues" // a list where one origin is allowed
	InvalidAllowOriginValue   Reason = "InvalidAllowOriginValue"   // a value that is not an origin
	AllowOriginMismatch       Reason = "AllowOriginMismatch"       // an origin that is not the request's
	InvalidAllowCredentials   Reason = "InvalidAllowCredentials"   // credentials without Access-Control-Allow-Credentials: true

	// The same checks of a preflight response, and the preflight's own.
	PreflightWildcardOriginNotAllowed  Reason = "PreflightWildcardOriginNotAllowed"
	PreflightMissingAllowOriginHeader  Reason = "PreflightMissingAllowOriginHeader"
	PreflightMultipleAllowOriginValues Reason = "PreflightMultipleAllowOriginValues"
	PreflightInvalidAllowOriginValue   Reason = "PreflightInvalidAllowOriginValue"
	PreflightAllowOriginMismatch       Reason = "PreflightAllowOriginMismatch"
	PreflightInvalidAllowCredentials   Reason = "PreflightInvalidAllowCredentials"
	PreflightInvalidStatus             Reason = "PreflightInvalidStatus"      // a status outside 200-299
	PreflightDisallowedRedirect        Reason = "PreflightDisallowedRedirect" // a redirect, which is never followed

	InvalidAllowMethodsPreflightResponse Reason = "InvalidAllowMethodsPreflightResponse" // Access-Control-Allow-Methods does not parse
	InvalidAllowHeadersPreflightResponse Reason = "InvalidAllowHeadersPreflightResponse" // Access-Control-Allow-Headers does not parse
	MethodDisallowedByPreflightResponse  Reason = "MethodDisallowedByPreflightResponse"  // the method is not allowed
	HeaderDisallowedByPreflightResponse  Reason = "HeaderDisallowedByPreflightResponse"  // a request header is not allowed

	// RedirectContainsCredentials: a redirect's Location has a user name or
	// password.
	RedirectContainsCredentials Reason = "RedirectContainsCredentials"
)

// preflightReasons are the CorsError names that Chromium prefixes with
// "Response to preflight request doesn't pass access control check".
var preflightReasons = map[Reason]bool{
	PreflightWildcardOriginNotAllowed:  true,
	PreflightMissingAllowOriginHeader:  true,
	PreflightMultipleAllowOriginValues: true,
	PreflightInvalidAllowOriginValue:   true,
	PreflightAllowOriginMismatch:       true,
	PreflightInvalidAllowCredentials:   true,
	PreflightInvalidStatus:             true,
	PreflightDisallowedRedirect:        true,
}

// preflightVariant returns the name Chromium gives a CORS check failure when
// it happens on a preflight response.
func (r Reason) preflightVariant() Reason { return "Preflight" + r }

// base returns the name without its Preflight prefix: the check that failed,
// whatever response it failed on.
func (r Reason) base() Reason {
	if len(r) > len("Preflight") && r[:len("Preflight")] == "Preflight" {
		return r[len("Preflight"):]
	}
	return r
}
