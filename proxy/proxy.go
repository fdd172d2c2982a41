// Package proxy is a CORS proxy: an http.Handler that fetches the URL
// named in the request path ("/https://api.example.com/x") or in the url
// query parameter ("/?url=https://api.example.com/x") and returns the
// response with CORS headers, so that browser code can read resources of
// servers that do not send them.
//
//	p, err := proxy.New(proxy.Config{
//		Origins: []string{"https://app.example.com"},
//		PerIP:   proxy.Rate{Requests: 60, Per: time.Minute},
//	})
//	if err != nil {
//		log.Fatal(err) // every problem of the Config, listed
//	}
//	http.ListenAndServe("127.0.0.1:8080", p) // not behind a ServeMux: it would merge "//"
//
// It accepts cors-anywhere's URL forms and options, and is safe to expose:
// every connection, including each redirect hop, is checked at dial time
// against the IANA special-purpose address ranges (loopback, private,
// link-local and cloud metadata, unique-local, NAT64, 6to4 ...), only
// ports 80 and 443 are reached unless configured, credentials are never
// forwarded, failures are reported as coarse classes ("blocked",
// "timeout", "dns" ...) rather than network error text, and every phase
// is bounded in time and size. CORS headers come from package cors and are
// present on error responses too, so pages can read why a request failed.
//
// Rate limits are token buckets per client address and per calling site,
// kept in memory or, with package proxy/redislimit, in Redis so that every
// replica behind a load balancer enforces one limit.
package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/internal/sharedcache"
	"github.com/crossorigin/crossorigin/origin"
)

// Proxy is the CORS proxy handler. Create it with New.
type Proxy struct {
	c         *compiled
	cors      http.Handler
	guard     *guard
	transport *http.Transport
	upstream  http.RoundTripper // transport, or the cache in front of it
	cache     *sharedcache.Cache
	limiter   Limiter
	breaker   *breaker // nil when off
	metrics   Metrics  // never nil
	inFlight  atomic.Int64
	idPrefix  string
	idCounter atomic.Uint64
}

// New validates c and returns a Proxy. The error lists every problem of
// the configuration (errors.Join of *ConfigError).
func New(c Config) (*Proxy, error) {
	cc, err := compile(c)
	if err != nil {
		return nil, err
	}
	var m Metrics = noMetrics{}
	if c.Metrics != nil {
		m = c.Metrics
	}
	p := &Proxy{c: cc, guard: newGuard(&cc.Config), limiter: cc.Limiter, metrics: m}
	p.cors = cc.cors.Handler(http.HandlerFunc(p.serve))
	if cc.BreakerFailures > 0 {
		p.breaker = newBreaker(cc.BreakerFailures, cc.BreakerCooldown, m.CircuitOpened)
	}
	if p.limiter == nil {
		p.limiter = NewMemoryLimiter()
	}
	p.transport = &http.Transport{
		Proxy:                  cc.Proxy,
		TLSClientConfig:        cc.TLSConfig.Clone(),
		DialContext:            p.guard.dialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    cc.TLSHandshakeTimeout,
		ResponseHeaderTimeout:  cc.ResponseHeaderTimeout,
		IdleConnTimeout:        cc.IdleConnTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           cc.MaxIdleConnsPerHost * 4,
		MaxIdleConnsPerHost:    cc.MaxIdleConnsPerHost,
		MaxResponseHeaderBytes: 1 << 20,
		// Each pooled upstream connection keeps one buffer of each size
		// (Go's default is 4 KiB each) for as long as it lives; bodies of
		// any size are copied through the proxy's own 32 KiB buffer,
		// which bypasses them, and a header line longer than the buffer
		// is read in pieces, so smaller ones only save memory.
		ReadBufferSize:  upstreamBufferSize,
		WriteBufferSize: upstreamBufferSize,
		// The body goes to the caller byte for byte: no transparent gzip.
		DisableCompression: true,
	}
	p.upstream = timedTransport{p.transport}
	// A caller waits for another's request to the same URL no longer than
	// it would wait for the target's response headers itself.
	wait := min(sharedcache.DefaultCollapseWait, cc.ResponseHeaderTimeout, cc.Timeout)
	if c := sharedcache.New(p.upstream, sharedcache.Config{MaxBytes: cc.CacheBytes, CollapseWait: wait}); c != nil {
		p.upstream, p.cache = c, c
	}
	if cc.WrapUpstream != nil {
		p.upstream = cc.WrapUpstream(p.upstream)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	p.idPrefix = hex.EncodeToString(b[:]) + "-"
	return p, nil
}

// upstreamBufferSize is the size of the read and the write buffer of each
// upstream connection.
const upstreamBufferSize = 2 << 10

// CacheStats counts what the shared cache (Config.CacheBytes) did.
type CacheStats struct {
	Hits, Misses, Stores, Evictions int64
	// Collapsed counts the hits that waited for another caller's request
	// for the same URL instead of going upstream.
	Collapsed int64
	// Revalidated counts the stale responses that the target confirmed
	// with 304 Not Modified, and that were served from memory.
	Revalidated int64
	Entries     int
	Bytes       int64
}

// CacheStats returns the shared cache's counters; all zero without a cache.
func (p *Proxy) CacheStats() CacheStats {
	if p.cache == nil {
		return CacheStats{}
	}
	return CacheStats(p.cache.Stats())
}

// Close closes the idle upstream connections.
func (p *Proxy) Close() { p.transport.CloseIdleConnections() }

// credentialHeaders carry the caller's credentials; forwarded only to
// Config.CredentialHosts.
var credentialHeaders = []string{"Cookie", "Authorization"}

// exchange is the per-request state used for the access log and metrics.
type exchange struct {
	id       string
	status   int
	class    class
	bytes    int64
	host     string
	hops     int
	upstream time.Duration
	shown    Decision  // the tightest rate-limit decision so far
	limited  bool      // shown is set
	health   outcome   // what the first hop said of the target's health
	deadline time.Time // of the upstream exchange, redirects included
}

// ServeHTTP proxies one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ex := &exchange{id: p.requestID(r)}
	w.Header().Set("X-Request-Id", ex.id)
	defer p.finish(r, ex, start)

	switch r.RequestURI {
	case "/iscorsneeded":
		// cors-anywhere's probe: this endpoint itself needs no CORS.
		w.Header().Set("Content-Type", "text/plain")
		ex.status = http.StatusOK
		_, _ = io.WriteString(w, "no")
		return
	case "/robots.txt":
		// Not a host to fetch; and crawlers have nothing to do here.
		w.Header().Set("Content-Type", "text/plain")
		ex.status = http.StatusOK
		_, _ = io.WriteString(w, "User-agent: *\nDisallow: /\n")
		return
	case "/favicon.ico":
		ex.status = http.StatusNotFound
		http.NotFound(w, r)
		return
	}
	if p.c.OnRequest != nil {
		var u *url.URL
		if t, _ := parseTarget(r); t != nil {
			u = t.u
		}
		if p.c.OnRequest(w, r, u) {
			ex.status = -1
			return
		}
	}
	if p.c.deny != nil || p.c.RedirectSameOrigin {
		// The answer depends on the origin even when any other may call:
		// a denied origin is refused, a same-origin target is redirected.
		w.Header().Add("Vary", "Origin")
	}
	if p.c.deny != nil {
		if o := r.Header.Get("Origin"); o != "" && p.c.deny.Match(o) {
			p.fail(w, ex, errorf(classOriginDenied, ""))
			return
		}
	}
	// The cors package writes the CORS headers (on errors too, since they
	// are set before serve runs) and passes preflights on to serve, which
	// answers them after the origin and rate-limit checks.
	p.cors.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
}

type exchangeKey struct{}

// admit refuses, before any other work, what the proxy never serves: the
// forbidden methods, oversized headers and origins it does not allow.
func (p *Proxy) admit(w http.ResponseWriter, r *http.Request, originHdr string) *proxyError {
	if fetch.IsForbiddenMethod(r.Method) {
		// No page can send these, and a proxied CONNECT or TRACE is a tunnel
		// or a mirror of the caller's headers.
		w.Header().Set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
		return errorf(classMethodNotAllowed, "")
	}
	if headerSize(r) > p.c.MaxHeaderBytes {
		return errorf(classHeaderTooLarge, "").needs("MaxHeaderBytes", "")
	}
	if !p.c.anyOrigin && (originHdr == "" || !p.c.allow.Match(originHdr)) {
		return errorf(classOriginDenied, "")
	}
	return nil
}

// vet applies the policy to a request for target t: the required headers,
// the target itself, the credentials it carries, and loops.
func (p *Proxy) vet(r *http.Request, t *target) *proxyError {
	if len(p.c.requireHeader) > 0 && !hasAny(r.Header, p.c.requireHeader) {
		return errorf(classMissingHeader, "the request must carry one of these headers: "+strings.Join(p.c.requireHeader, ", "))
	}
	if pe := p.checkTarget(t.u); pe != nil {
		return pe
	}
	if pe := p.checkCredentials(r, t); pe != nil {
		return pe
	}
	if looped(r) {
		return errorf(classBlocked, "the request has already been through this proxy (a loop)")
	}
	return nil
}

// serve is the proxy behind the CORS middleware.
//
// Its checks run in accept, whose frame is gone by the time the request is
// forwarded: the goroutine's stack, which every connection keeps, then
// stays within its first size through the upstream round trip.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	ex := r.Context().Value(exchangeKey{}).(*exchange)
	if t := p.accept(w, r, ex); t != nil {
		p.admitted(w, r, t, ex)
	}
}

// accept applies every check to a request before it is forwarded; it
// returns its target, or nil when it has answered the request itself.
func (p *Proxy) accept(w http.ResponseWriter, r *http.Request, ex *exchange) *target {
	originHdr := r.Header.Get("Origin")
	if pe := p.admit(w, r, originHdr); pe != nil {
		p.fail(w, ex, pe)
		return nil
	}
	if !p.rateLimit(w, r, originHdr, ex) {
		return nil
	}
	if r.Method == http.MethodOptions && originHdr != "" && len(r.Header["Access-Control-Request-Method"]) > 0 {
		if w.Header().Get("Access-Control-Allow-Origin") == "" {
			p.fail(w, ex, errorf(classPreflightRefused, ""))
			return nil
		}
		ex.status = http.StatusNoContent
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	t, perr := parseTarget(r)
	if t != nil {
		ex.host = t.u.Host
	}
	if perr != nil {
		p.fail(w, ex, perr)
		return nil
	}
	if t == nil {
		p.help(w, ex)
		return nil
	}
	if pe := p.vet(r, t); pe != nil {
		p.fail(w, ex, pe)
		return nil
	}
	if p.c.PerHost.enabled() {
		check := [1]limitCheck{{dimHost, p.c.PerHost, hostKey(t.u)}}
		if !p.limit(w, r, ex, check[:]) {
			return nil
		}
	}
	if p.c.RedirectSameOrigin && originHdr != "" {
		if o, err := origin.Parse(originHdr); err == nil && o == origin.FromURL(t.u) {
			// Only this origin gets the redirect: no cache may hand it to
			// another (Vary: Origin is set above), and shared caches keep
			// none of it.
			w.Header().Set("Location", t.String())
			w.Header().Set("Cache-Control", "private")
			ex.status = http.StatusMovedPermanently
			w.WriteHeader(http.StatusMovedPermanently)
			return nil
		}
	}
	if p.c.MaxRequestBody > 0 && r.ContentLength > p.c.MaxRequestBody {
		p.fail(w, ex, errorf(classRequestTooLarge, "").needs("MaxRequestBody", ""))
		return nil
	}
	return t
}

// admitted forwards an accepted request, unless its target's circuit is
// open or too many requests are in flight.
func (p *Proxy) admitted(w http.ResponseWriter, r *http.Request, t *target, ex *exchange) {
	// The breaker's key is spelled only when the breaker has something to
	// say: while every target is healthy, it has nothing to track.
	var key string
	if !p.breaker.idle() {
		key = breakerKey(t.u)
		if wait, ok := p.breaker.allow(key, time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(wait)), 10))
			p.fail(w, ex, errorf(classCircuitOpen, ""))
			return
		}
	}
	defer func() {
		if p.breaker.wants(ex.health) {
			if key == "" {
				key = breakerKey(t.u)
			}
			p.breaker.report(key, ex.health, time.Now())
		}
	}()
	if n := p.inFlight.Add(1); p.c.MaxInFlight > 0 && n > int64(p.c.MaxInFlight) {
		p.inFlight.Add(-1)
		w.Header().Set("Retry-After", "1")
		p.fail(w, ex, errorf(classOverloaded, ""))
		return
	}
	p.metrics.InFlight(1)
	defer func() {
		p.inFlight.Add(-1)
		p.metrics.InFlight(-1)
	}()
	p.forward(w, r, t, ex)
}

// checkCredentials refuses Authorization for a host that is not a
// credential host: dropping it would turn into a puzzling 401 from the
// target. (Cookies are the browser's, not the page's, and are dropped.)
func (p *Proxy) checkCredentials(r *http.Request, t *target) *proxyError {
	if len(r.Header["Authorization"]) == 0 {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(t.u.Hostname()), ".")
	if p.c.credHosts.match(host) {
		return nil
	}
	return errorf(classCredentials, "the proxy does not forward Authorization to "+host+", which is not one of its credential hosts").needs("CredentialHosts", host)
}

func hasAny(h http.Header, names []string) bool {
	for _, n := range names {
		if len(h[n]) > 0 {
			return true
		}
	}
	return false
}

// headerSize is the size of the request's header fields as sent.
func headerSize(r *http.Request) int {
	n := len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// A limitCheck is one rate limit to apply: its dimension (an index of
// metrics.rateLimited), its rate and its bucket.
type limitCheck struct {
	dim  int
	rate Rate
	key  string
}

// rateLimit applies the per-IP and per-origin limits, before anything else
// (preflights included).
func (p *Proxy) rateLimit(w http.ResponseWriter, r *http.Request, originHdr string, ex *exchange) bool {
	var checks [2]limitCheck
	n := 0
	if p.c.PerIP.enabled() {
		checks[n] = limitCheck{dimIP, p.c.PerIP, "ip:" + p.clientIP(r)}
		n++
	}
	if p.c.PerOrigin.enabled() && originHdr != "" {
		checks[n] = limitCheck{dimOrigin, p.c.PerOrigin, originKey(originHdr)}
		n++
	}
	return p.limit(w, r, ex, checks[:n])
}

// limit takes a token from each bucket in turn and stops at the first
// refusal (429). The rate-limit headers describe the tightest bucket of
// the request so far.
func (p *Proxy) limit(w http.ResponseWriter, r *http.Request, ex *exchange, checks []limitCheck) bool {
	if len(checks) == 0 {
		return true
	}
	var denied bool
	for _, lc := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), 500*time.Millisecond)
		d, err := p.limiter.Allow(ctx, lc.key, lc.rate)
		cancel()
		if err != nil {
			// Fail open: a broken limiter store must not take the proxy down.
			p.metrics.LimiterError()
			if p.c.Logger != nil && !errors.Is(err, ErrLimiterUnavailable) {
				p.c.Logger.LogAttrs(r.Context(), slog.LevelWarn, "rate limiter failed", slog.String("id", ex.id), slog.Any("err", err))
			}
			continue
		}
		if !ex.limited || !d.Allowed || d.Remaining < ex.shown.Remaining {
			ex.shown, ex.limited = d, true
		}
		if !d.Allowed {
			p.metrics.RateLimited(dimNames[lc.dim])
			denied = true
			break
		}
	}
	if !ex.limited {
		return true
	}
	h := w.Header()
	h.Set("X-Ratelimit-Limit", strconv.Itoa(ex.shown.Limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(ex.shown.Remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(ceilSeconds(ex.shown.Reset), 10))
	if denied {
		h.Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(ex.shown.RetryAfter)), 10))
		p.fail(w, ex, errorf(classRateLimited, ""))
		return false
	}
	return true
}

func ceilSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

// originKey keys the per-origin limit by site (scheme and registrable
// domain), so that a caller cannot multiply its budget with subdomains.
func originKey(o string) string {
	po, err := origin.Parse(o)
	if err != nil {
		return "o:invalid"
	}
	if po.IsOpaque() {
		return "o:null"
	}
	return "o:" + po.Site()
}

// clientIP is the per-IP rate-limit key of the request's client: its
// address in canonical form, IPv4-mapped IPv6 as IPv4, and IPv6 grouped by
// /64, since one host usually owns a whole /64 and could otherwise take a
// fresh budget with every address of it.
func (p *Proxy) clientIP(r *http.Request) string {
	var a string
	switch {
	case p.c.ClientIP != nil:
		a = p.c.ClientIP(r)
	case p.c.ClientIPHeader != "":
		a = headerAddr(r.Header[p.c.ClientIPHeader])
	}
	if a == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		a = host
	}
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return a
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		pfx, _ := ip.Prefix(64)
		return pfx.String()
	}
	return ip.String()
}

// headerAddr is the client address in a header set by a load balancer:
// for a list (X-Forwarded-For), the last entry, which is the one the load
// balancer added. It is "" if that is not an IP address.
func headerAddr(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	v := vs[len(vs)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")); err == nil {
		return a.String()
	}
	return ""
}

// breakerKey is the circuit breaker's key of a target: its canonical host
// and port, since one dead service must not close the others of a host.
func breakerKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return "h:" + canonicalHost(u) + ":" + port
}

// hostKey is the per-host rate-limit key of a target: its host in one
// canonical spelling (lower case, no trailing dot, IP addresses in
// canonical form, IPv4-mapped IPv6 as IPv4), so that "VICTIM.example.",
// "victim.example:443" and "[::ffff:127.0.0.2]" cannot each take a budget
// of their own. The port does not count: every port of a host shares one.
func hostKey(u *url.URL) string { return "h:" + canonicalHost(u) }

// canonicalHost is the target's host in the spelling of hostKey.
func canonicalHost(u *url.URL) string {
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	// A dotted-quad IPv4 address that parses is already canonical
	// (ParseAddr refuses leading zeros); anything else is spelled anew.
	if ip, err := netip.ParseAddr(h); err == nil && !(ip.Is4() && !strings.Contains(h, ":")) {
		h = ip.Unmap().String()
	}
	return h
}

const defaultHelp = `crossorigin proxy: a CORS proxy.

Usage:
  /https://api.example.com/path?query    fetch a URL
  /api.example.com/path                  the scheme may be omitted (port 443 means https)
  /?url=https://api.example.com/path     the URL as a query parameter

Only public addresses on ports 80 and 443 are reached. Cookies are not
forwarded, and requests with Authorization are refused, unless the target
is a credential host. Refusals and failures answer with a status and a
JSON body: {"error": "blocked", "message": "...", "fix": "..."}.
`

func (p *Proxy) help(w http.ResponseWriter, ex *exchange) {
	body := p.c.Help
	if body == "" {
		body = defaultHelp
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ex.status = http.StatusOK
	_, _ = io.WriteString(w, body)
}

// fail answers with pe's status and class. CORS headers are already set,
// so browser code can read the failure.
func (p *Proxy) fail(w http.ResponseWriter, ex *exchange, pe *proxyError) {
	ex.status = classInfo[pe.class].status
	ex.class = pe.class
	p.writeError(w, pe)
}

func (p *Proxy) finish(r *http.Request, ex *exchange, start time.Time) {
	if ex.status < 0 { // answered by OnRequest
		return
	}
	if ex.status == 0 {
		ex.status = http.StatusOK
	}
	p.metrics.Request(ex.status)
	if ex.class != classNone {
		p.metrics.Refused(ex.class.String())
	}
	if p.c.Logger == nil {
		return
	}
	attrs := [...]slog.Attr{
		slog.String("id", ex.id),
		slog.String("method", r.Method),
		slog.String("client", r.RemoteAddr),
		slog.String("origin", r.Header.Get("Origin")),
		slog.String("target", ex.host),
		slog.Int("status", ex.status),
		slog.String("class", ex.class.String()),
		slog.Int64("bytes", ex.bytes),
		slog.Int("redirects", ex.hops),
		slog.Duration("upstream", ex.upstream),
		slog.Duration("duration", time.Since(start)),
	}
	p.c.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs[:]...)
}

// requestID keeps a caller's X-Request-Id if it is short and plain, and
// otherwise makes one.
func (p *Proxy) requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && plainID(id) {
		return id
	}
	var b [32]byte
	return string(strconv.AppendUint(append(b[:0], p.idPrefix...), p.idCounter.Add(1), 36))
}

func plainID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// bufPool holds the buffers bodies are copied through.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// errResponseTooLarge aborts a response that grew past the cap mid-stream.
var errResponseTooLarge = errors.New("response over the size cap")
