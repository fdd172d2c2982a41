package sharedcache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// heuristicStatus lists the status codes that RFC 9110 section 15.1 calls
// heuristically cacheable: a cache may compute a freshness lifetime for
// them when the response gives none.
var heuristicStatus = map[int]bool{
	200: true, 203: true, 204: true, 300: true, 301: true, 308: true,
	404: true, 405: true, 410: true, 414: true, 501: true,
}

// MaxHeuristic caps a lifetime derived from Last-Modified (RFC 9111
// section 4.2.2 leaves the cap to the cache).
const MaxHeuristic = 24 * time.Hour

// anonymousHeaders are the request header fields that do not identify a
// caller. A request with any other field is neither answered from the cache
// nor stored: besides Authorization and Cookie, which RFC 9111 section 3.5
// names, APIs take keys in headers of their own (X-Api-Key, ...), and a
// shared cache keyed on the URL would hand one caller's answer to the next.
// Range is left out too: partial content (section 3.4) is not handled.
var anonymousHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true,
	"Cache-Control": true, "Pragma": true, "Origin": true, "Referer": true,
	"User-Agent": true, "Via": true, "Forwarded": true, "X-Forwarded-For": true,
	"X-Forwarded-Host": true, "X-Forwarded-Proto": true, "X-Forwarded-Port": true,
	"X-Requested-With": true, "Dnt": true, "Priority": true,
	"If-None-Match": true, "If-Modified-Since": true, "Upgrade-Insecure-Requests": true,
	"Sec-Fetch-Site": true, "Sec-Fetch-Mode": true, "Sec-Fetch-Dest": true,
	"Sec-Ch-Ua": true, "Sec-Ch-Ua-Mobile": true, "Sec-Ch-Ua-Platform": true,
}

// cacheableRequest reports whether req may be answered from, or stored in,
// the cache: an anonymous GET or HEAD that does not say no-store.
func cacheableRequest(req *http.Request) bool {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return false
	}
	for k := range req.Header {
		if !anonymousHeaders[http.CanonicalHeaderKey(k)] {
			return false
		}
	}
	return !parseCacheControl(req.Header).has("no-store")
}

// mayServeStored reports whether the request lets a stored response be
// used without going to the origin (section 5.2.1): no-cache, max-age=0
// and, without Cache-Control, Pragma: no-cache (section 5.4) all forbid it.
func mayServeStored(req *http.Request, age, lifetime time.Duration) bool {
	d := parseCacheControl(req.Header)
	if d.has("no-cache") {
		return false
	}
	if len(d.m) == 0 && strings.Contains(strings.ToLower(req.Header.Get("Pragma")), "no-cache") {
		return false
	}
	if secs, ok, valid := d.seconds("max-age"); ok && (!valid || age > time.Duration(secs)*time.Second) {
		return false
	}
	if secs, ok, valid := d.seconds("min-fresh"); ok && (!valid || lifetime-age < time.Duration(secs)*time.Second) {
		return false
	}
	return age < lifetime
}

// lifetime returns how long a response may be served from a shared cache
// without validation (section 4.2.1), or 0 when it must not be stored: a
// response that needs validation on every use is not kept (a stale entry
// is revalidated, but only one that was fresh once).
func lifetime(resp *http.Response, received time.Time) time.Duration {
	if !storable(resp) {
		return 0
	}
	d := parseCacheControl(resp.Header)
	for _, name := range []string{"s-maxage", "max-age"} {
		if secs, ok, valid := d.seconds(name); ok {
			if !valid {
				return 0
			}
			return time.Duration(secs) * time.Second
		}
	}
	date := responseDate(resp, received)
	if vs := resp.Header.Values("Expires"); len(vs) > 0 {
		expires, err := http.ParseTime(vs[0])
		if err != nil || len(vs) > 1 {
			return 0 // section 5.3: an invalid Expires means already expired
		}
		return max(0, expires.Sub(date))
	}
	if !heuristicStatus[resp.StatusCode] && !d.has("public") {
		return 0
	}
	modified, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if err != nil || !modified.Before(date) {
		return 0
	}
	return min(date.Sub(modified)/10, MaxHeuristic)
}

// storable applies the storage rules of RFC 9111 section 3 for a shared
// cache, plus this cache's own refusals, each conservative.
func storable(resp *http.Response) bool {
	if resp.StatusCode < 200 || resp.StatusCode == http.StatusPartialContent ||
		resp.StatusCode == http.StatusNotModified {
		return false
	}
	d := parseCacheControl(resp.Header)
	switch {
	case d.has("no-store"), d.has("private"):
		return false // section 5.2.2.5 and 5.2.2.7
	case d.has("no-cache"), d.has("must-understand"):
		return false // would need validation on every use, or unknown semantics
	case resp.Header.Get("Set-Cookie") != "":
		return false // per-caller state; never handed to other callers here
	case resp.Header.Get("Content-Range") != "":
		return false
	}
	for _, f := range varyFields(resp.Header) {
		if f == "*" {
			return false // section 4.1: never matches
		}
	}
	return true
}

// responseDate is the Date header's value, or the time the response was
// received when it has none or an invalid one (section 4.2.3).
func responseDate(resp *http.Response, received time.Time) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return received
}

// initialAge is corrected_initial_age of section 4.2.3.
func initialAge(resp *http.Response, sent, received time.Time) time.Duration {
	apparent := max(0, received.Sub(responseDate(resp, received)))
	var ageValue time.Duration
	if secs, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("Age")), 10, 64); err == nil && secs > 0 {
		ageValue = time.Duration(min(secs, maxAgeSeconds)) * time.Second
	}
	corrected := ageValue + received.Sub(sent)
	return max(apparent, corrected)
}

// varyFields lists the lower-cased field names a response varies on. A
// response that is content-coded without saying Vary: Accept-Encoding is
// treated as if it did, since serving gzip to a caller that cannot decode
// it is the commonest way a shared cache breaks pages.
func varyFields(h http.Header) []string {
	var fields []string
	coded := h.Get("Content-Encoding") != "" && !strings.EqualFold(h.Get("Content-Encoding"), "identity")
	for _, line := range h.Values("Vary") {
		for _, f := range strings.Split(line, ",") {
			f = strings.ToLower(strings.TrimSpace(f))
			if f == "" {
				continue
			}
			if f == "accept-encoding" {
				coded = false
			}
			fields = append(fields, f)
		}
	}
	if coded {
		fields = append(fields, "accept-encoding")
	}
	return fields
}

// selecting returns the normalized values of the request's fields named
// by Vary (section 4.1): the values joined, with white space around commas
// folded, so that "gzip,br" and "gzip, br" select the same response.
func selecting(req *http.Request, fields []string) []string {
	vals := make([]string, len(fields))
	for i, f := range fields {
		var b strings.Builder
		for j, v := range req.Header.Values(f) {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(foldList(v))
		}
		vals[i] = b.String()
	}
	return vals
}

func foldList(s string) string {
	if !strings.ContainsAny(s, " \t") {
		return s
	}
	items := strings.Split(s, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return strings.Join(items, ",")
}
