package browser

import (
	"net/http"
	"slices"
	"strings"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
)

// isSafelistedHeader is isSafelistedHeader for the engine.
func (e Engine) isSafelistedHeader(lowerName, value string) bool {
	rules := e.rules()
	switch lowerName {
	case "intervention", "device-memory", "dpr", "downlink", "width", "viewport-width", "rtt", "ect", "save-data":
		if !rules.clientHints {
			return false
		}
	case "range":
		if rules.rangeAnyCase && len(value) >= len("bytes=") && strings.EqualFold(value[:len("bytes=")], "bytes=") {
			value = "bytes=" + value[len("bytes="):]
		}
	}
	return isSafelistedHeader(lowerName, value)
}

// scriptHeaders is scriptHeaders for the engine.
func (e Engine) scriptHeaders(h http.Header) []header {
	if e.rules().userAgentForbidden {
		return scriptHeaders(h)
	}
	hs := scriptHeaders(h)
	if ua := h.Values("User-Agent"); len(ua) > 0 {
		v := strings.Trim(ua[0], " \t\r\n")
		for _, u := range ua[1:] {
			v += ", " + strings.Trim(u, " \t\r\n")
		}
		hs = append(hs, header{"user-agent", v})
		slices.SortFunc(hs, func(a, b header) int { return strings.Compare(a.name, b.name) })
	}
	return hs
}

// unsafeNames returns the names of the headers hs (as scriptHeaders keeps
// them; raw holds the values as the script set them) that need a
// preflight, in header-list order: the engine's
// CORS-unsafe request-header names.
func (e Engine) unsafeNames(hs []header, raw http.Header) []string {
	if e == Chromium {
		return unsafeNames(hs)
	}
	// Firefox keeps each value of a repeated name as an entry of its own,
	// checks each on its own and names each in
	// Access-Control-Request-Headers (dom/fetch/InternalHeaders.cpp);
	// WebKit combines them, as Chromium does.
	var entries []header
	for _, x := range hs {
		vs := rawValues(raw, x.name)
		if !e.rules().perValueHeaders || len(vs) < 2 {
			entries = append(entries, x)
			continue
		}
		for _, v := range vs {
			entries = append(entries, header{x.name, strings.Trim(v, " \t\r\n")})
		}
	}
	var unsafe, safe []string
	total := 0
	for _, x := range entries {
		if e.isSafelistedHeader(x.name, x.value) {
			safe = append(safe, x.name)
			total += len(x.value)
		} else {
			unsafe = append(unsafe, x.name)
		}
	}
	if total > fetchspec.MaxSafelistedTotal {
		unsafe = append(unsafe, safe...)
	}
	return unsafe
}

// IsSafelisted is the package's IsSafelisted for the engine: Firefox and
// WebKit safelist no client hints, and let scripts set User-Agent (which
// needs a preflight); Firefox checks each value of a repeated header on
// its own.
func (e Engine) IsSafelisted(method string, h http.Header) (bool, []string) {
	names := e.unsafeNames(e.scriptHeaders(h), h)
	slices.Sort(names)
	return isSafelistedMethod(normalizeMethod(method)) && len(names) == 0, names
}

// rawValues returns the values of the header name (lower-case) however
// the script spelled it.
func rawValues(h http.Header, name string) []string {
	var vs []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vs = append(vs, v...)
		}
	}
	return vs
}
