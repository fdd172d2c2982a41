package csrf

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// ConfigError is one problem of a Config.
type ConfigError struct {
	Field string // the Config field, such as "TrustedOrigins"
	Value string // the offending value
	Issue string // what is wrong
	Fix   string // how to fix it
}

// Error says what is wrong with which value and how to fix it.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("csrf: %s %q: %s; %s", e.Field, e.Value, e.Issue, e.Fix)
}

func compile(c Config) (*Guard, error) {
	var errs []error
	bad := func(field, value, issue, fix string) {
		errs = append(errs, &ConfigError{Field: field, Value: value, Issue: issue, Fix: fix})
	}
	g := &Guard{
		trusted:       make(map[string]bool),
		public:        make(map[string]bool),
		allowSameSite: c.AllowSameSite,
		strict:        c.Strict,
		requireJSON:   c.RequireJSON,
		reportOnly:    c.ReportOnly,
		bypass:        make(map[string][]string),
		deny:          c.DenyHandler,
		logger:        c.Logger,
	}
	if g.logger == nil {
		g.logger = slog.Default()
	}
	for _, s := range c.TrustedOrigins {
		o, err := configOrigin(s)
		if err != nil {
			err.Field = "TrustedOrigins"
			errs = append(errs, err)
			continue
		}
		g.trusted[o.String()] = true
	}
	for _, s := range c.PublicOrigins {
		o, err := configOrigin(s)
		if err != nil {
			err.Field = "PublicOrigins"
			errs = append(errs, err)
			continue
		}
		if o.Scheme != "http" && o.Scheme != "https" {
			bad("PublicOrigins", s, "an app is served over http or https", "write https://"+o.HostPort())
			continue
		}
		if !g.public[o.String()] {
			g.public[o.String()] = true
			g.publicList = append(g.publicList, o)
		}
	}
	if h := c.RequiredHeader; h != "" {
		if issue, fix := checkRequiredHeader(h); issue != "" {
			bad("RequiredHeader", h, issue, fix)
		} else {
			g.header = http.CanonicalHeaderKey(h)
		}
	}
	for _, b := range c.Bypass {
		method, p, issue, fix := parseBypass(b)
		if issue != "" {
			bad("Bypass", b, issue, fix)
			continue
		}
		methods, seen := g.bypass[p]
		switch {
		case method == "":
			g.bypass[p] = nil // any method
		case seen && methods == nil:
			// Already bypassed for every method.
		default:
			g.bypass[p] = append(methods, method)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

// configOrigin parses an exact origin from a config, with the reasons a
// human needs when it is not one.
func configOrigin(s string) (origin.Origin, *ConfigError) {
	e := &ConfigError{Value: s}
	if strings.Contains(s, "*") {
		e.Issue = "wildcards are not allowed: they would trust subdomains an attacker may take over"
		e.Fix = "list each origin exactly, or set AllowSameSite to trust your own site"
		return origin.Origin{}, e
	}
	o, err := origin.Parse(s)
	if err != nil {
		e.Issue = "not an origin"
		e.Fix = "write an origin such as https://app.example.com"
		var oe *origin.Error
		if errors.As(err, &oe) {
			e.Issue = "not an origin: " + oe.Reason
			if oe.Hint != "" {
				e.Fix = oe.Hint
			}
		}
		return origin.Origin{}, e
	}
	if o.IsOpaque() {
		e.Issue = "null is the origin of sandboxed frames, data: URLs and redirected requests, which any site can produce"
		e.Fix = "remove it"
		return origin.Origin{}, e
	}
	return o, nil
}

// checkRequiredHeader refuses names that are not header names, and names
// that a form or a cross-origin script may send without a preflight, or
// that a script can never set.
func checkRequiredHeader(h string) (issue, fix string) {
	if !fetch.IsToken(h) {
		return "not a header name", "use a name such as X-Requested-With"
	}
	switch {
	case fetch.IsCORSSafelistedRequestHeaderName(h):
		return "CORS-safelisted: any page may send it cross-origin without a preflight", "use a custom name such as X-Requested-With"
	case fetch.IsForbiddenRequestHeaderName(h):
		return "a forbidden request header: pages cannot set it, the browser does", "use a custom name such as X-Requested-With"
	}
	return "", ""
}

// parseBypass parses "[METHOD ]/exact/path".
func parseBypass(s string) (method, p, issue, fix string) {
	p = s
	if i := strings.IndexByte(s, ' '); i >= 0 {
		method, p = s[:i], strings.TrimLeft(s[i+1:], " ")
		if !fetch.IsToken(method) {
			return "", "", "invalid method " + fmt.Sprintf("%q", method), "write a method such as POST, or only the path"
		}
		switch method {
		case "GET", "HEAD", "OPTIONS":
			return "", "", method + " requests are never checked, so the bypass has no effect", "remove it, or name the unsafe method it is for"
		}
	}
	switch {
	case p == "":
		return "", "", "no path", "write a path such as /webhook"
	case p[0] != '/':
		return "", "", "a bypass is an exact path starting with /; hosts are not supported", "write a path such as /webhook"
	case strings.ContainsAny(p, "{}"):
		return "", "", "wildcards are not supported: a bypass matches one exact path", "list each path"
	case strings.ContainsAny(p, " ?#"):
		return "", "", "a bypass is a path without spaces, query or fragment", "write only the path"
	case cleanPath(p) != p:
		return "", "", "not a clean path, so no request served by a ServeMux can match it", "write " + cleanPath(p)
	}
	return method, p, "", ""
}

// cleanPath is path.Clean keeping a trailing slash, as ServeMux does.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
