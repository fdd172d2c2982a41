package csrf

import (
	"fmt"
	"net/http"
	"strings"
)

// bypassHandler marks the bypass patterns in the Guard's ServeMux: a
// request is bypassed when the mux routes it to this very handler, not
// when the mux would redirect it there (CVE-2025-47910).
var bypassHandler http.Handler = new(bypassMark)

type bypassMark struct{}

func (*bypassMark) ServeHTTP(http.ResponseWriter, *http.Request) {}

// compileBypass registers the Bypass patterns in a ServeMux, or returns
// the problems of each; nil when there are none.
func compileBypass(patterns []string, bad func(field, value, issue, fix string)) *http.ServeMux {
	if len(patterns) == 0 {
		return nil
	}
	mux := http.NewServeMux()
	seen := make(map[string]bool, len(patterns))
	for _, p := range patterns {
		if seen[p] {
			continue // the same pattern twice is harmless
		}
		seen[p] = true
		if issue, fix := checkBypass(p); issue != "" {
			bad("Bypass", p, issue, fix)
			continue
		}
		if issue := register(mux, p); issue != "" {
			bad("Bypass", p, issue, "write a ServeMux pattern such as /webhook, /hooks/ or POST /api/{id}/webhook")
		}
	}
	return mux
}

// register adds a pattern to mux, turning ServeMux's panic on an invalid
// or conflicting pattern into the text of a configuration problem.
func register(mux *http.ServeMux, pattern string) (issue string) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
				// "pattern A (registered at file:line) conflicts with
				// pattern B (...):\nA matches the same requests as B"
				msg = "conflicts with another bypass: " + msg[i+1:]
			} else if _, rest, ok := strings.Cut(msg, ": at offset "); ok {
				msg = "not a ServeMux pattern: at offset " + rest
			}
			issue = strings.TrimPrefix(msg, "http: ")
		}
	}()
	mux.Handle(pattern, bypassHandler)
	return ""
}

// checkBypass refuses what ServeMux accepts but cannot be meant: a
// pattern for a method that is never checked, a pattern that covers every
// path, and paths that no request served by a ServeMux can match.
func checkBypass(s string) (issue, fix string) {
	if strings.TrimSpace(s) == "" {
		return "empty", "write a ServeMux pattern such as /webhook"
	}
	method, rest := "", s
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		method, rest = s[:i], strings.TrimLeft(s[i+1:], " \t")
	}
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return method + " requests are never checked, so the bypass has no effect", "remove it, or name the unsafe method it is for"
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return "", "" // ServeMux says what is wrong
	}
	host, p := rest[:slash], rest[slash:]
	if host == "" && (p == "/" || strings.HasPrefix(p, "/{") && strings.HasSuffix(p, "...}") && !strings.Contains(p[1:], "/")) {
		return "the pattern covers every path, so nothing would be checked", "bypass only the paths that need it, such as /hooks/"
	}
	if strings.ContainsAny(p, "?#") {
		return "a pattern matches the path only, never a query or fragment", "write only the path"
	}
	if c := cleanPath(p); c != p {
		return "not a clean path, so no request served by a ServeMux can match it", "write " + c
	}
	return "", ""
}

// bypassed reports whether the ServeMux of the bypass patterns routes the
// request to a pattern (not redirects it to one). A path written with
// percent-escapes (RawPath set) is never bypassed: routers differ on how
// they match them, and the app's own may not route it where ServeMux
// would.
func (g *Guard) bypassed(r *http.Request) bool {
	if g.bypass == nil || r.URL == nil || r.URL.RawPath != "" {
		return false
	}
	h, _ := g.bypass.Handler(r)
	return h == bypassHandler
}
