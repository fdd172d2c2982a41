package scan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crossorigin/crossorigin/internal/configerr"
	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// Config configures a Scanner. The zero value scans with GET through
// http.DefaultTransport, which honours HTTPS_PROXY, HTTP_PROXY, NO_PROXY and
// the system certificate pool (SSL_CERT_FILE), with 8 requests in flight,
// no rate limit and 30 seconds for each target.
type Config struct {
	// Method is the method of the probes that carry an Origin; default GET.
	Method string
	// Header is added to every probe, for example Authorization.
	Header http.Header
	// Cookie is sent as the Cookie header of every probe, so that the scan
	// sees what a logged-in victim's browser would get.
	Cookie string
	// Origins are origins the site trusts on purpose, if known, such as
	// the front end that calls an API. They are never reported
	// themselves: the scan tries the bypasses of each one the target
	// accepts (prefix, suffix, unescaped dot, substring, special
	// characters, plain HTTP, other ports, subdomains), besides those of
	// the target's own origin and of the siblings it guesses from the
	// registrable domain.
	Origins []string
	// Transport sends the probes; nil means http.DefaultTransport. To
	// reach a server under a name that does not resolve to it (a test
	// server on loopback, a host before its DNS change), give a
	// transport whose DialContext connects where the name should lead.
	Transport http.RoundTripper
	// InsecureSkipVerify skips the verification of TLS certificates, for
	// servers with self-signed ones. Reports say that it was on. It needs
	// Transport to be nil or an *http.Transport.
	InsecureSkipVerify bool
	// Concurrency bounds the requests in flight over all targets;
	// 0 means 8.
	Concurrency int
	// Rate bounds the requests per second over all targets and every
	// Scan of the Scanner; 0 means no limit.
	Rate float64
	// Timeout bounds the whole scan of each target, whatever the target
	// does (answers slowly, switches protocols and goes silent, never
	// answers): the time during which the target has requests in
	// flight, not counting waits for Rate or for Concurrency slots held
	// by other targets. 0 means 30 seconds.
	Timeout time.Duration
	// JSONPParams are the query parameters tried as JSONP callbacks;
	// nil means "callback" and "jsonp", empty means none.
	JSONPParams []string
}

// ConfigError is one problem of a Config: its Field, the offending Value,
// the Problem and how to Fix it. New returns every problem at once, joined
// with errors.Join. Its Error method returns one line, such as
//
//	scan: Concurrency "-1": negative (fix: use a positive number, or 0 for the default (8))
//
// The type is shared by every package of the module that takes a Config.
type ConfigError = configerr.Error

// TargetError reports a URL that cannot be scanned.
type TargetError struct {
	URL    string
	Reason string
}

// Error returns the URL and why it cannot be scanned.
func (e *TargetError) Error() string {
	return fmt.Sprintf("scan: target %q: %s", e.URL, e.Reason)
}

// A Scanner probes URLs for CORS misconfigurations. It is safe for
// concurrent use. The zero Scanner scans as New(Config{}) does.
type Scanner struct {
	method      string
	header      http.Header
	friendly    []string
	jsonp       []string
	client      *http.Client
	concurrency int
	timeout     time.Duration
	limiter     *rate.Limiter // nil: no limit
	insecure    bool
}

// Defaults of the zero Config.
const (
	defaultConcurrency = 8
	defaultTimeout     = 30 * time.Second
)

// maxRedirects bounds the redirects a probe follows, as careful scanners
// do; browsers follow up to 20.
const maxRedirects = 5

// errOtherSite stops a probe whose redirect leaves the target's site: the
// CORS headers of another site say nothing about the target.
var errOtherSite = errors.New("redirect to another site")

// problems collects the problems of a Config.
type problems []error

func (p *problems) add(field, value, problem, fix string) {
	*p = append(*p, &ConfigError{Package: "scan", Field: field, Value: value, Problem: problem, Fix: fix})
}

// New checks cfg and returns a Scanner. Every problem is reported, joined,
// as a *ConfigError.
func New(cfg Config) (*Scanner, error) {
	var errs problems
	s := &Scanner{
		method: cmpOr(cfg.Method, http.MethodGet), concurrency: cfg.Concurrency, jsonp: cfg.JSONPParams,
		timeout: cfg.Timeout, insecure: cfg.InsecureSkipVerify,
	}
	s.checkMethod(&errs)
	s.header = checkHeader(&errs, cfg.Header, cfg.Cookie)
	s.friendly = checkOrigins(&errs, cfg.Origins)
	s.checkNumbers(&errs, cfg.Rate)
	if s.jsonp == nil {
		s.jsonp = []string{"callback", "jsonp"}
	}
	for _, p := range s.jsonp {
		if p == "" || url.QueryEscape(p) != p {
			errs.add("JSONPParams", p, "not a plain query parameter name", "use plain parameter names such as callback")
		}
	}
	tr, err := transport(cfg.Transport, cfg.InsecureSkipVerify)
	if err != nil {
		errs.add("InsecureSkipVerify", fmt.Sprintf("%T", cfg.Transport), err.Error(), "")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.client = &http.Client{
		Transport: tr, // no Timeout: each target's budget bounds its requests
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if registrableOf(req.URL) != registrableOf(via[0].URL) {
				return errOtherSite
			}
			return nil
		},
	}
	return s, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Scanner) checkMethod(errs *problems) {
	if !fetch.IsToken(s.method) {
		errs.add("Method", s.method, "not a method name", "use an HTTP method token such as GET or PUT")
	} else if s.method == http.MethodOptions {
		errs.add("Method", s.method, "preflights are probed anyway", "give the method of the actual request")
	}
}

func checkHeader(errs *problems, header http.Header, cookie string) http.Header {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for name, values := range h {
		if !fetch.IsToken(name) {
			errs.add("Header", name, "not a header name", "use a token: letters, digits and !#$%&'*+-.^_`|~")
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				errs.add("Header", name+": "+v, "the value holds CR, LF or NUL", "remove them")
			}
		}
		switch http.CanonicalHeaderKey(name) {
		case "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers":
			errs.add("Header", name, "the scan sets this header itself in every probe", "remove it")
		}
	}
	if cookie != "" {
		if strings.ContainsAny(cookie, "\r\n\x00") {
			errs.add("Cookie", cookie, "the value holds CR, LF or NUL", "remove them")
		} else {
			h.Set("Cookie", cookie)
		}
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", "crossorigin-scan (+https://github.com/crossorigin/crossorigin)")
	}
	return h
}

func checkOrigins(errs *problems, origins []string) []string {
	var out []string
	for _, o := range origins {
		p, err := origin.Parse(o)
		if err != nil || p.IsOpaque() {
			errs.add("Origins", o, "not an origin", "give full origins as browsers send them, such as https://app.example.com")
			continue
		}
		out = append(out, p.String())
	}
	return out
}

func (s *Scanner) checkNumbers(errs *problems, perSecond float64) {
	if s.concurrency < 0 {
		errs.add("Concurrency", fmt.Sprint(s.concurrency), "negative", "use a positive number, or 0 for the default (8)")
	} else if s.concurrency == 0 {
		s.concurrency = defaultConcurrency
	}
	if s.timeout < 0 {
		errs.add("Timeout", s.timeout.String(), "negative", "use a positive duration, or 0 for the default (30s)")
	} else if s.timeout == 0 {
		s.timeout = defaultTimeout
	}
	switch {
	case perSecond < 0 || perSecond != perSecond:
		errs.add("Rate", fmt.Sprint(perSecond), "negative or not a number", "use a positive number of requests per second, or 0 for no limit")
	case perSecond > 0:
		s.limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
}

// transport returns the RoundTripper of the probes: rt, or a clone of the
// default transport, with certificate checks off when insecure.
func transport(rt http.RoundTripper, insecure bool) (http.RoundTripper, error) {
	if !insecure {
		return rt, nil
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return nil, errors.New("certificate checks can be turned off only on an *http.Transport; configure your RoundTripper's TLS instead")
	}
	tr = tr.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.InsecureSkipVerify = true
	return tr, nil
}

// registrableOf returns the registrable domain of u's host. Redirects from
// http to https on the same domain are common and harmless, so the scheme
// does not count.
func registrableOf(u *url.URL) string {
	o := origin.FromURL(u)
	if o.IsOpaque() {
		return ""
	}
	return strings.TrimPrefix(o.Site(), o.Scheme+"://")
}

// defaultScanner is what the zero Scanner scans with.
var defaultScanner = sync.OnceValue(func() *Scanner {
	s, err := New(Config{})
	if err != nil {
		panic("scan: the zero Config is invalid: " + err.Error()) // a bug in this package
	}
	return s
})

// ParseTarget checks that raw is a URL a Scanner can scan: http or https,
// with a host that is valid in an origin and no userinfo. The error is a
// *TargetError.
func ParseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	reason := ""
	switch {
	case err != nil:
		reason = "not a URL: " + err.Error()
	case u.Scheme != "http" && u.Scheme != "https":
		reason = "only http and https URLs can be scanned"
	case u.Host == "":
		reason = "the URL has no host"
	case u.User != nil:
		reason = "remove the userinfo; send credentials in a header or a cookie instead"
	case origin.FromURL(u).IsOpaque():
		reason = "the host is not valid in an origin"
	}
	if reason != "" {
		return nil, &TargetError{URL: raw, Reason: reason}
	}
	u.Fragment = ""
	return u, nil
}

// Scan probes every URL and returns what it found. Targets are scanned
// concurrently; a target that cannot be reached, or whose scan runs out of
// Config.Timeout, is listed in the report with its error (with the
// findings of the probes it answered), and Scan carries on with the
// others. Scan returns an error for URLs it cannot scan at all (joined
// *TargetError values; no report then) and when ctx ends: then the report
// holds the findings so far, Report.Interrupted is set and the error is
// ctx's.
func (s *Scanner) Scan(ctx context.Context, urls ...string) (*Report, error) {
	if s.client == nil {
		s = defaultScanner()
	}
	var errs []error
	runs := make([]*run, 0, len(urls))
	for _, raw := range urls {
		u, err := ParseTarget(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		runs = append(runs, &run{s: s, url: u, target: newTarget(origin.FromURL(u)), label: label(10)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sem := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() { r.scan(ctx, sem) })
	}
	wg.Wait()
	rep := &Report{Insecure: s.insecure, Interrupted: ctx.Err() != nil}
	for _, r := range runs {
		rep.Targets = append(rep.Targets, r.summary())
		rep.Findings = append(rep.Findings, r.findings...)
	}
	rep.sort()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}
