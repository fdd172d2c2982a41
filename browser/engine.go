package browser

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Engine is the browser engine whose fetch() a Transport or a pure
// function models. The zero value is Chromium.
//
// The three engines agree on almost everything; where they differ, the
// code that implements the difference names the engine's source file or
// the case of e2e/browserdiff that showed it in the real engine (Chromium
// 156, Firefox 153 ESR, WebKitGTK 2.50).
type Engine int

// The engines.
const (
	Chromium Engine = iota // Chrome, Edge, Opera, Brave and every Chromium
	Firefox                // Gecko
	WebKit                 // Safari, and every browser on iOS
)

// Engines returns every engine, Chromium first.
func Engines() []Engine { return []Engine{Chromium, Firefox, WebKit} }

func (e Engine) String() string {
	switch e {
	case Firefox:
		return "Firefox"
	case WebKit:
		return "WebKit"
	}
	return "Chromium"
}

// ParseEngine parses an engine's name: "chromium", "firefox" or "webkit",
// in any case ("chrome", "gecko" and "safari" are accepted too).
func ParseEngine(s string) (Engine, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "chromium", "chrome", "blink":
		return Chromium, nil
	case "firefox", "gecko":
		return Firefox, nil
	case "webkit", "safari":
		return WebKit, nil
	}
	return Chromium, fmt.Errorf("browser: unknown engine %q; want chromium, firefox or webkit", s)
}

// MarshalText implements encoding.TextMarshaler: "chromium", "firefox",
// "webkit".
func (e Engine) MarshalText() ([]byte, error) {
	if e < Chromium || e > WebKit {
		return nil, fmt.Errorf("browser: invalid Engine %d", int(e))
	}
	return []byte(strings.ToLower(e.String())), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseEngine.
func (e *Engine) UnmarshalText(b []byte) error {
	v, err := ParseEngine(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// MaxAgeCap returns the longest time the engine caches a preflight result,
// whatever Access-Control-Max-Age says:
//
//   - Chromium: 2 hours (services/network/cors/preflight_result.cc,
//     kMaxTimeout);
//   - Firefox: 24 hours (netwerk/protocol/http/nsCORSListenerProxy.cpp
//     caps the parsed value at 86400);
//   - WebKit: 10 minutes (Source/WebCore/loader/CrossOriginPreflightResultCache.cpp,
//     maxPreflightCacheTimeout).
//
// Access-Control-Max-Age: 86400 therefore buys ten minutes in Safari.
func (e Engine) MaxAgeCap() time.Duration {
	switch e {
	case Firefox:
		return 24 * time.Hour
	case WebKit:
		return 10 * time.Minute
	}
	return MaxMaxAge
}

// parseMaxAge returns how long the engine caches a preflight result given
// its Access-Control-Max-Age value (nil when absent).
func (e Engine) parseMaxAge(v *string) time.Duration {
	if e != Firefox {
		return min(parseMaxAge(v), e.MaxAgeCap())
	}
	// Firefox (nsCORSListenerProxy.cpp, AddResultToCache) takes the
	// value only when it is all digits: anything else ("abc", "1.5",
	// "+600", "600, 600", "1 0") caches nothing, where Chromium and WebKit
	// fall back to 5 seconds (cases cache-garbage, cache-fraction,
	// cache-plus, cache-repeated, x-max-age-space-inside). An absent or
	// blank value means the 5 second default, as elsewhere (cache-absent,
	// cache-empty).
	if v == nil || strings.Trim(*v, " \t") == "" {
		return DefaultMaxAge
	}
	s := strings.Trim(*v, " \t")
	if !isDigits(s) {
		return 0
	}
	secs := int64(0)
	for i := 0; i < len(s); i++ {
		secs = min(secs*10+int64(s[i]-'0'), int64(e.MaxAgeCap()/time.Second))
	}
	return time.Duration(secs) * time.Second
}

// engineRules are the behaviours in which the engines differ, as switches
// the Transport consults. Each is named after what the engine does.
type engineRules struct {
	// clientHints: the client hints a script can set and Intervention
	// are CORS-safelisted (Chromium); Firefox and WebKit follow the
	// standard and preflight them (cases hdr-dpr, x-hdr-*, x-total-1024).
	clientHints bool
	// userAgentForbidden: User-Agent is a forbidden header (Chromium,
	// crbug.com/571722); Firefox and WebKit send it, after a preflight
	// (case hdr-user-agent).
	userAgentForbidden bool
	// preflightUserAgent: a User-Agent the script set goes on the
	// preflight too (WebKit, case hdr-user-agent).
	preflightUserAgent bool
	// rangeAnyCase: Range is safelisted with "bytes" in any case (WebKit,
	// case range-upper).
	rangeAnyCase bool
	// perValueHeaders: each value of a repeated header is checked on its
	// own and named once per value in Access-Control-Request-Headers
	// (Firefox keeps the values as separate entries: cases ct-repeated,
	// hdr-accept-repeated-long, hdr-custom-repeated).
	perValueHeaders bool
	// cacheOpaque: a page with an opaque origin has a preflight cache
	// (Firefox and WebKit; Chromium's network isolation key is transient:
	// case cache-null-origin).
	cacheOpaque bool
	// cacheKeyCredentials: the credentials mode is part of the cache key
	// (Firefox's nsPreflightCache: case cache-key-include-then-omit).
	cacheKeyCredentials bool
	// cacheMerge: a new preflight adds its methods and headers to the
	// entry, as the standard says, instead of replacing it (Firefox:
	// cases cache-new-preflight-replaces-methods and -headers).
	cacheMerge bool
	// cachedStarAuthorization: a cached Access-Control-Allow-Headers: *
	// covers Authorization as a fresh one does (WebKit: cases
	// x-cache-star-then-authorization, x-cache-star-authorization-twice).
	cachedStarAuthorization bool
	// cachedStarByRequest: a cached "*" counts when the new request is
	// not credentialed, whatever the cached preflight's credentials mode
	// (WebKit: case x-cache-include-then-omit-star).
	cachedStarByRequest bool
	// preflightAfterRedirect: a request that was preflighted is
	// preflighted again after each redirect, even when the redirect made
	// it simple (Firefox and WebKit: cases redir-put-303-becomes-get,
	// redir-json-302-becomes-simple-get).
	preflightAfterRedirect bool
	// preflightKeepsNames: that second preflight lists the header names
	// of the first, even those the redirect removed (WebKit:
	// redir-json-302-becomes-simple-get asks for content-type).
	preflightKeepsNames bool
	// preflightPageOrigin: a preflight carries, and is checked against,
	// the page's origin even after a cross-origin redirect tainted the
	// request's origin (Firefox: cases redir-put-307-to-other,
	// x-redir-put-307-cross-preflight-null).
	preflightPageOrigin bool
	// redirectCredentialsSameOrigin: a redirect to a URL with credentials
	// that stays same-origin is followed, as the standard says (Firefox
	// and WebKit: case redir-credentials-same-origin-page).
	redirectCredentialsSameOrigin bool
	// noReturnToPage: a request that began same-origin and was
	// redirected to another origin fails when a redirect leads back to
	// the page's origin (WebKit: cases redir-same-origin-page-round-trip,
	// port-redirect-to-other-port-and-back).
	noReturnToPage bool
	// cookies is how cookies go along.
	cookies cookiePolicy
	// localNetworkAccess is the engine's Local Network Access (lna.go).
	localNetworkAccess lnaPolicy
}

// cookiePolicy is how an engine decides which cookies go along with a
// credentialed request and which cookies a response may set.
type cookiePolicy int

const (
	// cookiesLax: a cookie without SameSite is Lax (Chromium): only
	// same-site requests from a page with a real origin carry or set
	// cookies.
	cookiesLax cookiePolicy = iota
	// cookiesPartitioned: a cookie without SameSite is None, but
	// cross-site requests (and every request of an opaque page) use a
	// jar of their own per page site (Firefox's Total Cookie Protection:
	// cases site-cred-include, site-cookie-set-then-include,
	// cookie-set-null-page).
	cookiesPartitioned
	// cookiesNoThirdParty: a cookie without SameSite is None, so every
	// credentialed request carries the jar's cookies, from any page; a
	// response sets cookies only when its host is the page's
	// (WebKitGTK's default policy, accept-no-third-party: cases
	// site-cred-include, null-cred-acao-null, cookie-set-include-then-include).
	cookiesNoThirdParty
)

var rulesByEngine = [...]engineRules{
	Chromium: {clientHints: true, userAgentForbidden: true, localNetworkAccess: lnaChromium},
	Firefox: {
		localNetworkAccess:            lnaFirefox,
		perValueHeaders:               true,
		cacheOpaque:                   true,
		cacheKeyCredentials:           true,
		cacheMerge:                    true,
		preflightAfterRedirect:        true,
		preflightPageOrigin:           true,
		redirectCredentialsSameOrigin: true,
		cookies:                       cookiesPartitioned,
	},
	WebKit: {
		preflightUserAgent:            true,
		rangeAnyCase:                  true,
		cacheOpaque:                   true,
		cachedStarAuthorization:       true,
		cachedStarByRequest:           true,
		preflightAfterRedirect:        true,
		preflightKeepsNames:           true,
		redirectCredentialsSameOrigin: true,
		noReturnToPage:                true,
		cookies:                       cookiesNoThirdParty,
	},
}

// rules returns the engine's rules; an invalid engine gets Chromium's.
func (e Engine) rules() *engineRules {
	if e < Chromium || e > WebKit {
		e = Chromium
	}
	return &rulesByEngine[e]
}

// PreflightMaxAge returns how long the engine caches the result of a
// successful preflight whose response has the headers h: its
// Access-Control-Max-Age as the engine parses and caps it, or the 5
// second default. Zero means not cached.
func (e Engine) PreflightMaxAge(h http.Header) time.Duration {
	return e.parseMaxAge(headerValue(h, "Access-Control-Max-Age"))
}
