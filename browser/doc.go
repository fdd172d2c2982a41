// Package browser models the browser's side of CORS as the three browser
// engines implement it, Chromium by default, Firefox and WebKit on
// request: which requests need a preflight, how the preflight is built
// and judged, how the preflight cache is keyed, the CORS check on every
// response, which response headers script may read, and how redirects are
// followed. It answers "would Chromium's (or Firefox's, or Safari's)
// fetch() let my page read this?" without a browser, and explains every
// "no" in the words the engine prints.
//
// Two faces share one implementation:
//
//   - Pure functions ([IsSafelisted], [CheckPreflight], [CheckResponse],
//     [ReadableHeaders]) judge a request or a response without I/O. The
//     scanner and the playground use them.
//   - [Transport] is a [net/http.RoundTripper] that behaves like fetch()
//     called from a page of a given origin: it drops forbidden headers, sends
//     the preflight when Chromium would (or takes the answer from its
//     preflight cache), performs the CORS check, follows redirects itself, and
//     hands back only the headers script could read. API teams use it in
//     ordinary Go tests to see their endpoints the way a browser does.
//
// A blocked request fails with an [*Error] whose [Reason] is Chromium's
// network::mojom::CorsError name (the name DevTools shows in the Network
// panel or, for a few errors such as [DisallowedByMode], only in the Issues
// panel), whose Message is
// the console message, and whose Fix says what the server must send. CORS
// does not stop side effects: Error.ReachedServer says whether the actual
// request reached the server before the browser refused to expose the
// response.
//
//	client := &http.Client{Transport: &browser.Transport{
//		Origin:      "https://app.example.com",
//		Credentials: browser.Include,
//	}}
//	resp, err := client.Do(req)
//	var ce *browser.Error
//	if errors.As(err, &ce) {
//		fmt.Println(ce.Reason, ce.Fix.CORSConfig) // AllowOriginMismatch cors.Config{...}
//		for _, s := range ce.Trace {
//			fmt.Println(s) // what was sent, what came back, which rule decided
//		}
//	}
//
// A successful exchange has its trace in [Trace](resp) and its Fetch
// response type ("basic", "cors", "opaque", "opaqueredirect") in
// [ResponseType](resp).
//
// # Chromium versus the Fetch standard
//
// Where Chromium and the Fetch standard disagree, this package does what
// Chromium does; each departure is marked in a comment beside the code that
// implements it. The differential test in e2e/browserdiff (more than 300
// cases, run against headless Chromium) found or confirmed these:
//
//   - Extra safelisted request headers. Besides Accept, Accept-Language,
//     Content-Language, Content-Type and Range, Chromium treats the client
//     hints a script can set (DPR, Device-Memory, Width, Viewport-Width, RTT,
//     Downlink, ECT, Save-Data) and Intervention as CORS-safelisted when their
//     values are well formed, so they never trigger a preflight.
//   - User-Agent is a forbidden request header in Chromium (crbug.com/571722)
//     and is dropped silently; the standard lets scripts set it.
//   - Access-Control-Allow-Headers: * covers Authorization on a fresh
//     preflight (Chromium only warns in DevTools); the standard requires
//     Authorization to be listed by name. A cached preflight result is
//     checked with the standard's rule, so a request with Authorization
//     answered by "*" is preflighted again every time, whatever the
//     Access-Control-Max-Age.
//   - Access-Control-Max-Age: a negative value disables caching (the standard
//     treats it as a parse failure and uses the 5 second default); a value
//     Chromium cannot parse (garbage, several values, an overflow) falls
//     back to 5 seconds, while a leading "+" is accepted; every value is
//     capped at 2 hours (the standard leaves the cap to the user agent).
//   - The preflight cache holds one entry per (page origin, URL), not one per
//     method and header name: a new preflight to the same URL replaces the
//     whole entry, so methods and headers allowed by an earlier preflight are
//     forgotten. An entry that no longer suffices is dropped on lookup. A
//     page with an opaque origin (a sandboxed page) gets no cache at all and
//     preflights every time.
//   - The preflight's own CORS check wins over its status: a 4xx or 5xx
//     preflight without Access-Control-Allow-Origin fails with
//     PreflightMissingAllowOriginHeader, not PreflightInvalidStatus.
//   - Access-Control-Allow-Methods, -Allow-Headers and -Expose-Headers skip
//     empty elements (" ,PUT,,") but reject the whole list when one element
//     is not a token.
//   - A redirect response in CORS mode is CORS-checked even when the redirect
//     mode is "manual", so a cross-origin redirect without
//     Access-Control-Allow-Origin fails with a CORS error rather than
//     producing an opaque-redirect response.
//   - A redirect to a URL with credentials fails even for a same-origin
//     request (net::ERR_ABORTED, no CORS error); the standard refuses it
//     only when the new URL is cross-origin to the request's origin.
//   - A same-origin-mode fetch that is redirected cross-origin fails with
//     net::ERR_ABORTED and no CORS error (no DisallowedByMode).
//
// # Firefox and WebKit
//
// Transport.Engine (and the methods of [Engine], such as
// Firefox.CheckPreflight) select the engine. Error.Reason stays
// Chromium's name whatever the engine, so code that switches on it works
// for all three; Error.EngineReason and Error.EngineMessage carry the
// engine's own name and console message where it is known (Firefox's
// console keys, such as CORSAllowOriginNotMatchingOrigin). The same 493
// cases of e2e/browserdiff run in Firefox 153 ESR and WebKitGTK 2.50,
// each against the model of its engine. Where the engines differ from
// Chromium:
//
//   - Access-Control-Max-Age is capped at 24 hours in Firefox and at 10
//     minutes in WebKit (2 hours in Chromium); Firefox caches nothing when
//     the value is not all digits ("abc", "1.5", "+600", "600, 600").
//   - Neither safelists client hints or Intervention, and both let
//     scripts set User-Agent, which then needs a preflight (WebKit sends
//     it on the preflight too). WebKit safelists "BYTES=0-1".
//   - Firefox checks each value of a repeated header on its own and names
//     it once per value in Access-Control-Request-Headers.
//   - Both cache preflights of opaque-origin pages. Firefox keys its cache
//     by credentials mode too and adds a new preflight's methods and
//     headers to the entry; WebKit lets a cached "*" cover Authorization
//     and checks it against the new request's credentials mode.
//   - Both preflight again after a redirect of a preflighted request, even
//     one the redirect made simple (WebKit with the original header
//     names); Firefox sends the page's origin, not "null", on a preflight
//     after a cross-origin redirect. Both follow a same-origin redirect
//     whose Location has credentials. WebKit refuses a redirect back to
//     the page's origin of a request that began same-origin and left it.
//   - Cookies without SameSite are None in both. Firefox partitions the
//     cookies of cross-site requests by the page's site (Total Cookie
//     Protection); WebKit sends its cookies from every page and lets only
//     the page's own host set them (WebKitGTK's default policy; Safari
//     adds Intelligent Tracking Prevention, which is not modelled).
//   - All three let Access-Control-Allow-Headers: * cover Authorization
//     on a fresh preflight, against the standard.
//
// # What the Transport does not model
//
// Go's net/http refuses to send a header value with a control character
// (DEL, for instance) that Chromium sends; the Transport then fails with an
// Error that says so. Like Chromium's HTTP cache, it rewrites a Range header
// that names one byte range into its canonical form ("BYTES = 0-1" is sent
// as "bytes=0-1").
//
// Cookies go through Transport.Jar, which cannot say which cookies have
// which SameSite attribute: every cookie is treated as having none, which
// Chromium reads as SameSite=Lax, so in Chromium cookies go along (and are
// stored) only when the URL is same-site with the page. There is no HTTP
// cache, no service workers and no streaming request bodies. Mixed content
// is blocked as every engine blocks it for fetch(): an https page's request
// (or redirect) to an http URL that is not loopback fails before it is sent,
// without a CORS error.
//
// # Local Network Access
//
// Chromium refuses a page's request to a more private address space
// (public to private or loopback, private to loopback) before sending it:
// with InsecureLocalNetwork when the page is not a secure context (a data:
// document, a plain-http page), and without the local-network-access
// permission (Transport.LocalNetworkAccess) otherwise. Firefox holds such
// a request at a permission prompt, except from an opaque-origin page or
// from private to loopback; WebKit has no such check. The target's space
// comes from its IP address (DNS for a name); the page's from
// Transport.PageAddressSpace, or from the origin's host when it is an IP
// address or localhost. A page named by a host name whose space is not
// given is not checked: the Transport cannot know where it was served from.
package browser
