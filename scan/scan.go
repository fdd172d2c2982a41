package scan

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// Config configures a Scanner. The zero value scans with GET through
// http.DefaultTransport, which honours HTTPS_PROXY, HTTP_PROXY, NO_PROXY and
// the system certificate pool (SSL_CERT_FILE).
type Config struct {
	// Method is the method of the probes that carry an Origin; default GET.
	Method string
	// Header is added to every probe, for example Authorization.
	Header http.Header
	// Cookie is sent as the Cookie header of every probe, so that the scan
	// sees what a logged-in victim's browser would get.
	Cookie string
	// Origins are origins the site trusts on purpose, if known. They are
	// never reported; they let the scan see the CORS headers of an allowed
	// origin (for Vary and preflight checks) when the site's own origin
	// and the usual guesses (https://app.<domain>, https://www.<domain>)
	// are not trusted.
	Origins []string
	// Transport sends the probes; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Concurrency bounds the requests in flight over all targets;
	// 0 means 8.
	Concurrency int
	// Timeout bounds each request; 0 means 10 seconds.
	Timeout time.Duration
	// JSONPParams are the query parameters tried as JSONP callbacks;
	// nil means "callback" and "jsonp", empty means none.
	JSONPParams []string
}

// ConfigError is one problem with a Config.
type ConfigError struct {
	Field string // the Config field, such as "Method"
	Value string // the offending value
	Fix   string // what to do instead
}

// Error returns the problem and its fix in one line.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("scan: Config.%s %q: %s", e.Field, e.Value, e.Fix)
}

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
// concurrent use.
type Scanner struct {
	method      string
	header      http.Header
	friendly    []string
	jsonp       []string
	client      *http.Client
	concurrency int
}

// maxRedirects bounds the redirects a probe follows, as careful scanners
// do; browsers follow up to 20.
const maxRedirects = 5

// errOtherSite stops a probe whose redirect leaves the target's site: the
// CORS headers of another site say nothing about the target.
var errOtherSite = errors.New("redirect to another site")

// New checks cfg and returns a Scanner. Every problem is reported, joined,
// as a *ConfigError.
func New(cfg Config) (*Scanner, error) {
	var errs []error
	bad := func(field, value, fix string) {
		errs = append(errs, &ConfigError{Field: field, Value: value, Fix: fix})
	}
	s := &Scanner{method: cfg.Method, header: cfg.Header.Clone(), concurrency: cfg.Concurrency, jsonp: cfg.JSONPParams}
	if s.method == "" {
		s.method = http.MethodGet
	}
	if !fetch.IsToken(s.method) {
		bad("Method", s.method, "use an HTTP method token such as GET or PUT")
	} else if s.method == http.MethodOptions {
		bad("Method", s.method, "preflights are probed anyway; give the method of the actual request")
	}
	if s.header == nil {
		s.header = http.Header{}
	}
	for name, values := range s.header {
		if !fetch.IsToken(name) {
			bad("Header", name, "header names are tokens (letters, digits and !#$%&'*+-.^_`|~)")
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				bad("Header", name+": "+v, "remove CR, LF and NUL from header values")
			}
		}
		switch http.CanonicalHeaderKey(name) {
		case "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers":
			bad("Header", name, "the scan sets this header itself in every probe")
		}
	}
	if cfg.Cookie != "" {
		if strings.ContainsAny(cfg.Cookie, "\r\n\x00") {
			bad("Cookie", cfg.Cookie, "remove CR, LF and NUL")
		} else {
			s.header.Set("Cookie", cfg.Cookie)
		}
	}
	if s.header.Get("User-Agent") == "" {
		s.header.Set("User-Agent", "crossorigin-scan (+https://github.com/crossorigin/crossorigin)")
	}
	for _, o := range cfg.Origins {
		p, err := origin.Parse(o)
		if err != nil || p.IsOpaque() {
			bad("Origins", o, "give full origins as browsers send them, such as https://app.example.com")
			continue
		}
		s.friendly = append(s.friendly, p.String())
	}
	if s.concurrency < 0 {
		bad("Concurrency", fmt.Sprint(s.concurrency), "use a positive number, or 0 for the default (8)")
	} else if s.concurrency == 0 {
		s.concurrency = 8
	}
	if cfg.Timeout < 0 {
		bad("Timeout", cfg.Timeout.String(), "use a positive duration, or 0 for the default (10s)")
	}
	if s.jsonp == nil {
		s.jsonp = []string{"callback", "jsonp"}
	}
	for _, p := range s.jsonp {
		if p == "" || url.QueryEscape(p) != p {
			bad("JSONPParams", p, "use plain parameter names such as callback")
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	s.client = &http.Client{
		Transport: cfg.Transport,
		Timeout:   timeout,
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

// Scan probes every URL and returns what it found. Targets are scanned
// concurrently; a target that cannot be reached is listed in the report
// with its error, and Scan carries on with the others. Scan returns an
// error only for URLs it cannot scan at all (joined *TargetError values)
// and when ctx ends.
func (s *Scanner) Scan(ctx context.Context, urls ...string) (*Report, error) {
	var errs []error
	targets := make([]*run, len(urls))
	for i, raw := range urls {
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			errs = append(errs, &TargetError{URL: raw, Reason: "not a URL: " + err.Error()})
			continue
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, &TargetError{URL: raw, Reason: "only http and https URLs can be scanned"})
			continue
		case u.Host == "":
			errs = append(errs, &TargetError{URL: raw, Reason: "the URL has no host"})
			continue
		case u.User != nil:
			errs = append(errs, &TargetError{URL: raw, Reason: "remove the userinfo; send credentials with a header or --cookie"})
			continue
		}
		u.Fragment = ""
		o := origin.FromURL(u)
		if o.IsOpaque() {
			errs = append(errs, &TargetError{URL: raw, Reason: "the host is not valid in an origin"})
			continue
		}
		targets[i] = &run{s: s, url: u, target: newTarget(o), label: label(10)}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sem := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	for _, r := range targets {
		wg.Go(func() { r.scan(ctx, sem) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &Report{}
	for _, r := range targets {
		rep.Targets = append(rep.Targets, r.summary())
		rep.Findings = append(rep.Findings, r.findings...)
	}
	rep.sort()
	return rep, nil
}

// A run is the scan of one target.
type run struct {
	s      *Scanner
	url    *url.URL
	target target
	label  string

	results   []*result
	findings  []Finding
	err       error
	sensitive int // sensitiveUnknown, sensitiveYes or sensitiveNo
}

// result is what one probe got back.
type result struct {
	probe    *probe
	req      *http.Request
	status   int
	header   http.Header
	finalURL string
	body     []byte // JSONP probes only
	bodySum  [32]byte
	bodyLen  int64
	err      error
	dropped  bool // a redirect left the target's site
}

// ok reports whether the result can be judged.
func (r *result) ok() bool { return r.err == nil && !r.dropped }

func (r *run) scan(ctx context.Context, sem chan struct{}) {
	probes := r.target.probes(r.label, r.s.friendly, r.s.jsonp)
	if r.s.header.Get("Cookie") != "" || r.s.header.Get("Authorization") != "" {
		// Does the response hold per-user data? Compare the baseline with
		// the same request without the user's credentials.
		probes = append(probes, &probe{kind: kindAnonymous, template: "(anonymous)"})
	}
	r.results = r.send(ctx, sem, probes)
	if base := r.results[0]; base.err != nil {
		r.err = base.err
		return
	}
	if ps := r.preflightProbes(); len(ps) > 0 {
		r.results = append(r.results, r.send(ctx, sem, ps)...)
	}
	r.evaluate()
}

// send sends probes concurrently, at most cap(sem) requests in flight over
// the whole scan, and returns their results in order.
func (r *run) send(ctx context.Context, sem chan struct{}, probes []*probe) []*result {
	out := make([]*result, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i] = &result{probe: p, err: ctx.Err()}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = r.do(ctx, p)
		})
	}
	wg.Wait()
	return out
}

// maxBody bounds what is read of a response body: enough for a JSONP
// prefix, and the rest is drained up to a limit so that the connection can
// be reused.
const (
	maxBody  = 64 << 10
	maxDrain = 1 << 20
)

func (r *run) do(ctx context.Context, p *probe) *result {
	res := &result{probe: p}
	u := *r.url
	method := r.s.method
	switch p.kind {
	case kindPreflight:
		method = http.MethodOptions
	case kindJSONP:
		method = http.MethodGet
		q := u.Query()
		q.Set(p.param, p.callback)
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		res.err = err
		return res
	}
	req.Header = r.s.header.Clone()
	if p.origin != "" {
		req.Header.Set("Origin", p.origin)
	}
	if p.kind == kindPreflight || p.kind == kindAnonymous {
		req.Header.Del("Cookie") // browsers never send credentials with a preflight
		req.Header.Del("Authorization")
	}
	if p.kind == kindPreflight {
		req.Header.Set("Access-Control-Request-Method", p.reqMethod)
		req.Header.Set("Access-Control-Request-Headers", p.reqHeader)
	}
	res.req = req
	resp, err := r.s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && errors.Is(ue.Err, errOtherSite) {
			res.dropped = true
			return res
		}
		res.err = err
		return res
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	res.header = resp.Header
	res.finalURL = resp.Request.URL.String()
	if p.kind == kindJSONP {
		res.body, _ = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	}
	h := sha256.New()
	h.Write(res.body)
	n, _ := io.Copy(h, io.LimitReader(resp.Body, maxDrain))
	res.bodyLen = n + int64(len(res.body))
	h.Sum(res.bodySum[:0])
	return res
}

// preflightProbes builds the preflights: one with the most dangerous
// origin the server accepted, if any, and one with the attacker's origin
// unless that is the same. Their method and header are random, so only a
// server that echoes the request allows them.
func (r *run) preflightProbes() []*probe {
	var best, attacker *probe
	for _, res := range r.results {
		p := res.probe
		if p.class == ReflectAnyOrigin {
			attacker = p
		}
		if p.kind != kindSimple || !res.ok() || res.header.Get("Access-Control-Allow-Origin") != p.origin {
			continue
		}
		if best == nil || p.needs < best.needs {
			best = p
		}
	}
	preflight := func(p *probe, accepted bool) *probe {
		return &probe{
			kind: kindPreflight, class: p.class, origin: p.origin, template: p.template, browsers: p.browsers, needs: p.needs,
			reqMethod: "X" + strings.ToUpper(r.label), reqHeader: "x-" + r.label, accepted: accepted,
		}
	}
	var ps []*probe
	if best != nil {
		ps = append(ps, preflight(best, true))
	}
	if attacker != nil && (best == nil || best.origin != attacker.origin) {
		ps = append(ps, preflight(attacker, false))
	}
	return ps
}

// Error strings of targets are kept short in reports.
func (r *run) summary() Target {
	t := Target{URL: r.url.String(), Requests: len(r.results)}
	if r.err != nil {
		t.Error = r.err.Error()
	}
	for _, res := range r.results {
		if res.err != nil {
			t.Failed++
		}
		if res.dropped {
			t.Dropped++
		}
		if res.status == http.StatusTooManyRequests || res.status == http.StatusServiceUnavailable {
			t.Throttled++
		}
	}
	return t
}
