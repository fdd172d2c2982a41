package csrf

import (
	"errors"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/crossorigin/crossorigin/internal/configerr"
	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// ConfigError is one problem of a Config: its Field, the offending Value,
// the Problem and how to Fix it. New returns every problem at once, joined
// with errors.Join. Its Error method returns one line, such as
//
//	csrf: TrustedOrigins "https://*.example.com": wildcards are not allowed: ... (fix: ...)
//
// The type is shared by every package of the module that takes a Config.
type ConfigError = configerr.Error

func compile(c Config) (*Guard, error) {
	var errs []error
	bad := func(field, value, issue, fix string) {
		errs = append(errs, &ConfigError{Package: "csrf", Field: field, Value: value, Problem: issue, Fix: fix})
	}
	g := &Guard{
		trusted:       make(map[string]bool),
		public:        make(map[string]bool),
		allowSameSite: c.AllowSameSite,
		strict:        c.Strict,
		requireJSON:   c.RequireJSON,
		reportOnly:    c.ReportOnly,
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
	g.bypass = compileBypass(c.Bypass, bad)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

// configOrigin parses an exact origin from a config, with the reasons a
// human needs when it is not one.
func configOrigin(s string) (origin.Origin, *ConfigError) {
	e := &ConfigError{Package: "csrf", Value: s}
	if strings.Contains(s, "*") {
		e.Problem = "wildcards are not allowed: they would trust subdomains an attacker may take over"
		e.Fix = "list each origin exactly, or set AllowSameSite to trust your own site"
		return origin.Origin{}, e
	}
	o, err := origin.Parse(s)
	if err != nil {
		e.Problem = "not an origin"
		e.Fix = "write an origin such as https://app.example.com"
		var oe *origin.Error
		if errors.As(err, &oe) {
			e.Problem, e.Err = "not an origin: "+oe.Reason, err
			if oe.Hint != "" {
				e.Fix = oe.Hint
			}
		}
		return origin.Origin{}, e
	}
	if o.IsOpaque() {
		e.Problem = "null is the origin of sandboxed frames, data: URLs and redirected requests, which any site can produce"
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

// cleanPath is path.Clean keeping a trailing slash, as ServeMux does.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
