package browser

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/origin"
)

// This file holds the Transport's hooks for the engines' differences; the
// rules themselves are in engine.go.

// now is the preflight cache's clock.
func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// unsafeNames returns the names of the request's headers that need a
// preflight, in the engine's way.
func (f *fetch) unsafeNames() []string {
	if f.rules.preflightKeepsNames && f.preflighted {
		return f.preflightNames
	}
	names := f.t.Engine.unsafeNames(f.headers, f.req.Header)
	f.preflightNames = names
	return names
}

// preflightOrigin is the origin a preflight carries and is checked
// against: the request's origin, or the page's in Firefox.
func (f *fetch) preflightOrigin() string {
	if f.rules.preflightPageOrigin {
		return f.pageSer
	}
	return f.requestOrigin()
}

// preflightHeaders adds to a preflight the script's headers the engine
// sends on it: WebKit sends the script's User-Agent (case hdr-user-agent).
func (f *fetch) preflightHeaders(h http.Header) {
	if !f.rules.preflightUserAgent {
		return
	}
	for _, x := range f.headers {
		if x.name == "user-agent" {
			h.Set("User-Agent", x.value)
		}
	}
}

// returnsToPage fails a redirect back to the page's origin of a request
// that began same-origin and left it, as WebKit does.
func (f *fetch) returnsToPage(next *url.URL) error {
	if !f.rules.noReturnToPage || !f.startedSameOrigin || !f.crossOrigin || !f.sameOrigin(next) {
		return nil
	}
	f.step(Step{Kind: StepRedirect, URL: next.String(), Rule: "WebKit refuses a redirect back to the page's origin after the request left it"})
	return netError("net::ERR_FAILED", "TypeError: Failed to fetch (WebKit refuses a redirect back to the page's origin after the request left it)")
}

// cookieJar returns the jar whose cookies go along with the request, nil
// when none do, and whether cookies the response sets are stored in it.
//
// A CookieJar does not tell which cookies are SameSite=None, so every
// cookie is taken to have no SameSite attribute, which each engine reads
// its own way (see cookiePolicy).
func (f *fetch) cookieJar(creds bool) (http.CookieJar, bool) {
	t := f.t
	if !creds || t.Jar == nil {
		return nil, false
	}
	sameSite := !f.page.IsOpaque() && f.page.SameSite(origin.FromURL(f.url))
	switch f.rules.cookies {
	case cookiesLax:
		if !sameSite {
			return nil, false
		}
		return t.Jar, true
	case cookiesPartitioned:
		if sameSite {
			return t.Jar, true
		}
		return t.partition(f.page), true
	case cookiesNoThirdParty:
		return t.Jar, !f.page.IsOpaque() && strings.EqualFold(f.page.Host, f.url.Hostname())
	}
	return nil, false
}

// partition returns Firefox's cookie jar for cross-site requests of pages
// of the site of page (one for every opaque page).
func (t *Transport) partition(page origin.Origin) http.CookieJar {
	key := "null"
	if !page.IsOpaque() {
		key = page.Site()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.partitions == nil {
		t.partitions = make(map[string]http.CookieJar)
	}
	j := t.partitions[key]
	if j == nil {
		j, _ = cookiejar.New(nil) // fails only with options
		t.partitions[key] = j
	}
	return j
}

// cacheAllows reports whether a cached preflight result lets a request
// skip the preflight, by the engine's rules.
func (e Engine) cacheAllows(r *preflightResult, creds bool, method string, names []string) bool {
	rules := e.rules()
	// Chromium checks cache entries with the standard's rule, so a cached
	// "*" never covers Authorization although a fresh one does.
	strictAuth := !rules.cachedStarAuthorization
	if !rules.cachedStarByRequest {
		return r.allows(creds, method, names, strictAuth)
	}
	if creds && !r.credentials {
		return false
	}
	byRequest := *r
	byRequest.credentials = creds
	return byRequest.allowsMethod(method) && byRequest.disallowedHeader(names, strictAuth) == ""
}

// merge adds the methods and headers of a new preflight result to an
// older one for the same key, as Firefox's cache keeps one entry per
// method and header name. The merged entry lives as long as the new one
// (a simplification: Firefox times each name on its own).
func merge(old, r *preflightResult) *preflightResult {
	m := *r
	m.methods = make(map[string]bool, len(old.methods)+len(r.methods))
	m.headers = make(map[string]bool, len(old.headers)+len(r.headers))
	for _, src := range []*preflightResult{old, r} {
		if src.credentials != r.credentials {
			continue
		}
		for k := range src.methods {
			m.methods[k] = true
		}
		for k := range src.headers {
			m.headers[k] = true
		}
	}
	return &m
}
