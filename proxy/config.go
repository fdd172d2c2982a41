package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/internal/configerr"
	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxRedirects          = 5
	DefaultDialTimeout           = 5 * time.Second
	DefaultTLSHandshakeTimeout   = 5 * time.Second
	DefaultResponseHeaderTimeout = 30 * time.Second
	DefaultIdleConnTimeout       = 90 * time.Second
	DefaultTimeout               = 2 * time.Minute
	DefaultMaxRequestBody        = 10 << 20  // 10 MiB
	DefaultMaxResponseBody       = 100 << 20 // 100 MiB
	DefaultMaxHeaderBytes        = 64 << 10  // 64 KiB; Node's 16 KiB is a known cors-anywhere complaint
	DefaultMaxInFlight           = 1024
	DefaultMaxIdleConnsPerHost   = 64
	DefaultMaxReplayBody         = 64 << 10 // request bodies up to this size survive a 307/308
)

// A Resolver looks up the addresses of a host name. *net.Resolver
// implements it; tests supply their own to control DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Rate is a token-bucket rate limit: Requests per Per on average, with
// bursts of up to Burst requests. The zero Rate means no limit.
type Rate struct {
	Requests int
	Per      time.Duration
	Burst    int // 0 means Requests
}

func (r Rate) enabled() bool { return r.Requests > 0 && r.Per > 0 }

func (r Rate) burst() int {
	if r.Burst > 0 {
		return r.Burst
	}
	return r.Requests
}

// Config configures a Proxy. The zero Config is a usable, locked-down
// proxy: any origin may call it, only public addresses on ports 80 and 443
// are reachable, credentials are stripped, and every limit has a default.
type Config struct {
	// Origins lists the origin patterns (see package origin: exact,
	// "https://*.example.com", "http://localhost:*") allowed to use the
	// proxy. Empty means any origin, answered with
	// Access-Control-Allow-Origin: *; otherwise the caller's origin is
	// echoed with Vary: Origin. Requests without an Origin header are
	// allowed only when Origins is empty. CORS itself is done by package
	// cors, which refuses "null" (every sandboxed page sends it).
	Origins []string
	// DenyOrigins lists origin patterns that are refused even if Origins
	// allows them (cors-anywhere's originBlacklist).
	DenyOrigins []string
	// RequireHeaders makes a request fail with 400 unless it carries at
	// least one of these headers (cors-anywhere's requireHeader), which
	// stops casual use from a browser's address bar.
	RequireHeaders []string
	// RemoveHeaders are deleted from requests before they are forwarded.
	RemoveHeaders []string
	// SetHeaders are set on requests before they are forwarded.
	SetHeaders map[string]string
	// RedirectSameOrigin answers with a 301 to the target itself when the
	// target has the caller's origin, instead of proxying it.
	RedirectSameOrigin bool
	// MaxAge is sent as Access-Control-Max-Age on preflight responses.
	// Zero omits the header.
	MaxAge time.Duration
	// Help is the page served for "/" and for URLs without a target. Empty
	// means a built-in page.
	Help string
	// MaxRedirects is how many redirects the proxy follows itself; the next
	// one is handed back to the caller with Location rewritten through the
	// proxy. Zero means DefaultMaxRedirects; negative means none.
	MaxRedirects int
	// OnRequest, if set, runs before any check with the parsed target (nil
	// when the URL has none). Returning true means it has answered the
	// request (cors-anywhere's handleInitialRequest).
	OnRequest func(w http.ResponseWriter, r *http.Request, target *url.URL) bool

	// AllowHosts, if not empty, lists the only target hosts the proxy
	// reaches: "example.com" (exactly) or "*.example.com" (any subdomain).
	// It is checked on every redirect hop.
	AllowHosts []string
	// DenyHosts lists target hosts that are refused, in the same form.
	DenyHosts []string
	// AllowPrivate lists special-purpose ranges (loopback, private,
	// link-local ...) that the proxy may nevertheless connect to.
	AllowPrivate []netip.Prefix
	// AllowPorts lists target ports allowed besides 80 and 443.
	AllowPorts []int
	// CredentialHosts lists target hosts (same form as AllowHosts) for
	// which Cookie and Authorization are forwarded and Set-Cookie returned.
	// For every other host they are stripped: one proxy origin would
	// otherwise mix the cookies of every site it reaches.
	CredentialHosts []string
	// FixFor, if set, writes the "fix" of a refusal that a change of the
	// Config would have avoided: it gets the Config field ("CredentialHosts",
	// "AllowHosts", "AllowPorts" ...) and the value to add to it (the host,
	// the port; empty for a cap to raise), and returns the text the caller
	// reads. The CLI names its flags this way. Nil, or an empty result,
	// means the proxy's own text ("the proxy's operator can add
	// "api.example.com" to Config.CredentialHosts").
	FixFor func(field, value string) string
	// Resolver resolves target host names. Nil means net.DefaultResolver.
	Resolver Resolver
	// Proxy selects an outbound proxy, like http.Transport.Proxy. Nil means
	// none: the environment (HTTP_PROXY ...) is ignored. With an outbound
	// proxy the address guard only sees the proxy's address (which must be
	// public or in AllowPrivate), so the SSRF guard must then live on the
	// egress proxy. Plain-http paths then reach it in Go's escaping, which
	// keeps "//" but may normalize unusual percent-encodings.
	Proxy func(*http.Request) (*url.URL, error)
	// TLSConfig configures TLS to targets (root CAs, client certificates).
	// Nil means Go's defaults, which verify certificates.
	TLSConfig *tls.Config
	// ForwardedFor passes the client's details upstream, as
	// cors-anywhere's xfwd does: X-Forwarded-For (its address),
	// X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Port (the scheme,
	// host and port by which it reached the proxy). Off by default: the
	// proxy does not reveal its callers. What callers send in these headers
	// is always dropped.
	ForwardedFor bool
	// Forwarded sends the same details in the standard Forwarded header
	// (RFC 7239): for=, host= and proto=, and by= if ForwardedBy is set.
	// It is independent of ForwardedFor; set both for both forms.
	Forwarded bool
	// ForwardedBy names the proxy in Forwarded's by= parameter: an
	// obfuscated identifier ("_crossorigin", RFC 7239 section 6.3), which
	// does not reveal the proxy's address, or an IP address. Empty means
	// no by=.
	ForwardedBy string
	// ClientIPHeader names the header in which a trusted load balancer in
	// front of the proxy passes the client's address, for per-IP rate
	// limits: "X-Real-Ip", or "X-Forwarded-For", of which the last entry
	// (the one the load balancer added) counts. Requests without a valid
	// address there are counted by the connection's address. Empty means
	// the connection's address. Set it only behind such a load balancer:
	// otherwise every caller can name any address.
	ClientIPHeader string
	// ClientIP, if set, returns the client address used for per-IP rate
	// limits, instead of ClientIPHeader or the connection's address.
	// Either way, IPv6 clients are grouped by /64.
	ClientIP func(r *http.Request) string

	// Timeouts for each phase; zero means the default.
	DialTimeout           time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
	IdleConnTimeout       time.Duration
	// Timeout bounds a whole proxied exchange, body included.
	Timeout time.Duration

	// Size caps, counted while streaming. Zero means the default; negative
	// means no cap.
	MaxRequestBody  int64
	MaxResponseBody int64
	// MaxHeaderBytes caps the total size of the request's header fields
	// (names and values); over it the answer is 431.
	MaxHeaderBytes int
	// MaxInFlight caps concurrent proxied requests; over it the answer is
	// 503 with Retry-After. Zero means the default; negative means no cap.
	MaxInFlight int
	// BreakerFailures is how many consecutive failures of a target host
	// (unreachable, refused, timed out, TLS failed) open its circuit: for
	// BreakerCooldown its requests are answered 503 circuit_open at once
	// instead of holding a MaxInFlight slot each, then one request goes
	// through as a probe, whose success closes the circuit again. Zero
	// means DefaultBreakerFailures; negative turns the breaker off.
	BreakerFailures int
	// BreakerCooldown is how long an open circuit stays open. Zero means
	// DefaultBreakerCooldown.
	BreakerCooldown time.Duration
	// MaxIdleConnsPerHost sizes the upstream keep-alive pool; it should be
	// at least the expected concurrency per target. Zero means the default.
	MaxIdleConnsPerHost int
	// CacheBytes, when positive, turns on an in-memory shared cache of that
	// many bytes for anonymous GETs, so that many pages calling one public
	// API reach it once. It follows RFC 9111's rules for shared caches and
	// is conservative: a request with any header that could identify its
	// caller (Authorization, Cookie, an API key header) bypasses it, and
	// only responses that a shared cache may store, with a freshness
	// lifetime, are kept; nothing is revalidated. CORS headers are added per
	// caller after the cache, as for any response. Zero means no cache.
	CacheBytes int64
	// WrapUpstream, if set, wraps the transport that sends every upstream
	// hop, around the cache (so answers from the cache are hops too), for
	// instrumentation such as proxy/tracing's spans. New calls it once.
	WrapUpstream func(http.RoundTripper) http.RoundTripper

	// PerIP and PerOrigin limit requests per client address and per
	// calling site (the origin's registrable domain, so that subdomains
	// share one budget). The zero Rate means no limit.
	PerIP     Rate
	PerOrigin Rate
	// PerHost limits requests per target host (of the first hop), so that
	// the proxy cannot be used to flood one site. The zero Rate means no
	// limit.
	PerHost Rate
	// Limiter stores the rate-limit state. Nil means in memory; use
	// package proxy/redislimit to share limits among replicas.
	Limiter Limiter

	// Logger receives one access log record per request. Nil means none.
	Logger *slog.Logger
	// Metrics receives the proxy's measurements (package
	// proxy/prommetrics exports them to Prometheus). Nil means none.
	Metrics Metrics
}

// ConfigError is one problem of a Config: its Field, the offending Value,
// the Problem and how to Fix it. New returns every problem at once, joined
// with errors.Join. Its Error method returns one line, such as
//
//	proxy: AllowPorts "0": not a port (fix: use a port between 1 and 65535)
//
// The type is shared by every package of the module that takes a Config.
type ConfigError = configerr.Error

// configError returns a problem of the proxy's Config.
func configError(field, value, problem, fix string) *ConfigError {
	return &ConfigError{Package: "proxy", Field: field, Value: value, Problem: problem, Fix: fix}
}

// hostPattern is a target host allow/deny entry.
type hostPattern struct {
	host       string // lower-case, no trailing dot
	subdomains bool   // "*.host": any strict subdomain
}

func (p hostPattern) match(host string) bool {
	if !p.subdomains {
		return host == p.host
	}
	return len(host) > len(p.host)+1 && strings.HasSuffix(host, p.host) && host[len(host)-len(p.host)-1] == '.'
}

type hostList []hostPattern

func (l hostList) match(host string) bool {
	for _, p := range l {
		if p.match(host) {
			return true
		}
	}
	return false
}

func parseHostList(field string, ss []string, errs *[]error) hostList {
	var l hostList
	for _, s := range ss {
		h := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
		p := hostPattern{host: h}
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			p = hostPattern{host: rest, subdomains: true}
		}
		if p.host == "" || strings.ContainsAny(p.host, "*/:@?#[] ") {
			*errs = append(*errs, configError(field, s, "not a host name pattern", `use a host name such as "api.example.com" or "*.example.com" (no scheme, port or path)`))
			continue
		}
		l = append(l, p)
	}
	return l
}

// compileSetHeaders validates SetHeaders, in the order of their names so
// that the problems are listed the same way every time. A value must be a
// header value (Fetch) that Go will also send: no control characters but
// tab, no leading or trailing white space. Go's transport would refuse the
// others on every request, and CR or LF would split the header.
func compileSetHeaders(m map[string]string, errs *[]error) [][2]string {
	names := slices.Sorted(maps.Keys(m))
	out := make([][2]string, 0, len(names))
	for _, k := range names {
		v := m[k]
		switch {
		case !fetch.IsToken(k):
			*errs = append(*errs, configError("SetHeaders", k, "not a header name", "a header name is a token: letters, digits and !#$%&'*+-.^_`|~, nothing else (no spaces, colons or control characters)"))
		case !fetch.IsHeaderValue(v) || hasControl(v):
			*errs = append(*errs, configError("SetHeaders", k+": "+v, "the value has control characters (CR, LF, NUL, DEL ...) or white space at an end", "write the value without control characters (a tab inside is fine) and without leading or trailing white space"))
		default:
			out = append(out, [2]string{http.CanonicalHeaderKey(k), v})
		}
	}
	return out
}

// hasControl reports whether s holds a control character other than tab,
// which RFC 9110's field-value excludes and Go's transport refuses.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// compiled is a validated Config with defaults applied.
type compiled struct {
	Config
	allow, deny   *origin.Matcher
	anyOrigin     bool
	allowHosts    hostList
	denyHosts     hostList
	credHosts     hostList
	requireHeader []string
	removeHeaders []string
	setHeaders    [][2]string
	cors          *cors.Middleware
}

// compile validates c and applies the defaults, one small step per field
// (or group of like fields), collecting every problem.
func compile(c Config) (*compiled, error) {
	cc := &compiled{Config: c}
	var errs []error
	for _, step := range [...]func(*compiled, *[]error){
		(*compiled).compileOrigins,
		(*compiled).compileHeaderNames,
		(*compiled).compileForwarded,
		(*compiled).compileHosts,
		(*compiled).compileAddresses,
		(*compiled).compileTimeouts,
		(*compiled).compileSizes,
		(*compiled).compileBreaker,
		(*compiled).compileRates,
	} {
		step(cc, &errs)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := cc.compileCORS(); err != nil {
		return nil, err
	}
	return cc, nil
}

func (cc *compiled) compileOrigins(errs *[]error) {
	if len(cc.Origins) == 0 {
		cc.anyOrigin = true
	} else if m, err := origin.Compile(cc.Origins...); err != nil {
		*errs = append(*errs, wrapOriginErrors("Origins", err)...)
	} else if m.MatchesAny() {
		cc.anyOrigin = true
	} else {
		cc.allow = m
	}
	if len(cc.DenyOrigins) > 0 {
		m, err := origin.Compile(cc.DenyOrigins...)
		if err != nil {
			*errs = append(*errs, wrapOriginErrors("DenyOrigins", err)...)
		}
		cc.deny = m
	}
}

// headerNames canonicalizes a list of header names, refusing what is not
// one.
func headerNames(field string, names []string, example string, errs *[]error) []string {
	var out []string
	for _, h := range names {
		if !fetch.IsToken(h) {
			*errs = append(*errs, configError(field, h, "not a header name", "use a header name such as "+example))
			continue
		}
		out = append(out, http.CanonicalHeaderKey(h))
	}
	return out
}

func (cc *compiled) compileHeaderNames(errs *[]error) {
	cc.requireHeader = headerNames("RequireHeaders", cc.RequireHeaders, "X-Requested-With", errs)
	cc.removeHeaders = headerNames("RemoveHeaders", cc.RemoveHeaders, "Cookie", errs)
	if cc.ClientIPHeader != "" {
		if h := headerNames("ClientIPHeader", []string{cc.ClientIPHeader}, "X-Forwarded-For", errs); h != nil {
			cc.ClientIPHeader = h[0]
		}
	}
	cc.setHeaders = compileSetHeaders(cc.SetHeaders, errs)
}

func (cc *compiled) compileForwarded(errs *[]error) {
	switch {
	case cc.ForwardedBy == "":
	case !validForwardedNode(cc.ForwardedBy):
		*errs = append(*errs, configError("ForwardedBy", cc.ForwardedBy, "not an obfuscated identifier or an IP address", `use an identifier that starts with "_" and has only letters, digits, ".", "_" and "-" (such as "_crossorigin"), or an IP address`))
	case !cc.Forwarded:
		*errs = append(*errs, configError("ForwardedBy", cc.ForwardedBy, "is only sent in the Forwarded header, which is off", "set Forwarded too, or leave ForwardedBy empty"))
	}
}

// compileHosts runs after compileOrigins, whose anyOrigin it reads.
func (cc *compiled) compileHosts(errs *[]error) {
	cc.allowHosts = parseHostList("AllowHosts", cc.AllowHosts, errs)
	cc.denyHosts = parseHostList("DenyHosts", cc.DenyHosts, errs)
	cc.credHosts = parseHostList("CredentialHosts", cc.CredentialHosts, errs)
	if len(cc.CredentialHosts) > 0 && cc.anyOrigin {
		*errs = append(*errs, configError("CredentialHosts", "",
			"forwarding credentials while any origin may call the proxy lets every website make its visitors' browsers send the proxy origin's cookies to these hosts (cross-site request forgery through the proxy)",
			"list the calling origins in Origins"))
	}
}

func (cc *compiled) compileAddresses(errs *[]error) {
	for _, p := range cc.AllowPrivate {
		if !p.IsValid() {
			*errs = append(*errs, configError("AllowPrivate", p.String(), "not a CIDR prefix", "use a CIDR prefix such as 127.0.0.1/32 or 10.0.0.0/8"))
		} else if p.Bits() == 0 {
			*errs = append(*errs, configError("AllowPrivate", p.String(), "allowing every address disables the SSRF guard", "list the internal ranges you need"))
		}
	}
	for _, p := range cc.AllowPorts {
		if p <= 0 || p > 65535 {
			*errs = append(*errs, configError("AllowPorts", fmt.Sprint(p), "not a port", "use a port between 1 and 65535"))
		}
	}
}

func (cc *compiled) compileTimeouts(errs *[]error) {
	for _, d := range [...]struct {
		field string
		v     *time.Duration
		def   time.Duration
	}{
		{"DialTimeout", &cc.DialTimeout, DefaultDialTimeout},
		{"TLSHandshakeTimeout", &cc.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout},
		{"ResponseHeaderTimeout", &cc.ResponseHeaderTimeout, DefaultResponseHeaderTimeout},
		{"IdleConnTimeout", &cc.IdleConnTimeout, DefaultIdleConnTimeout},
		{"Timeout", &cc.Timeout, DefaultTimeout},
	} {
		switch {
		case *d.v < 0:
			*errs = append(*errs, configError(d.field, d.v.String(), "negative", "use a positive duration, or 0 for the default"))
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if cc.MaxAge < 0 {
		*errs = append(*errs, configError("MaxAge", cc.MaxAge.String(), "negative", "use a positive duration, or 0 to omit Access-Control-Max-Age"))
	}
	if cc.MaxRedirects == 0 {
		cc.MaxRedirects = DefaultMaxRedirects
	} else if cc.MaxRedirects < 0 {
		cc.MaxRedirects = 0
	}
}

// orDefault sets *v to def if it is 0.
func orDefault[T int | int64](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

func (cc *compiled) compileSizes(errs *[]error) {
	orDefault(&cc.MaxRequestBody, DefaultMaxRequestBody)
	orDefault(&cc.MaxResponseBody, DefaultMaxResponseBody)
	orDefault(&cc.MaxHeaderBytes, DefaultMaxHeaderBytes)
	orDefault(&cc.MaxInFlight, DefaultMaxInFlight)
	orDefault(&cc.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	if cc.MaxHeaderBytes < 0 {
		*errs = append(*errs, configError("MaxHeaderBytes", fmt.Sprint(cc.MaxHeaderBytes), "negative", "use a positive size, or 0 for the default 64 KiB"))
	}
	if cc.MaxIdleConnsPerHost < 0 {
		*errs = append(*errs, configError("MaxIdleConnsPerHost", fmt.Sprint(cc.MaxIdleConnsPerHost), "negative", "use a positive number, at least the expected concurrency"))
	}
	if cc.CacheBytes < 0 {
		*errs = append(*errs, configError("CacheBytes", fmt.Sprint(cc.CacheBytes), "negative", "use a positive size in bytes, or 0 for no cache"))
	}
}

func (cc *compiled) compileBreaker(errs *[]error) {
	orDefault(&cc.BreakerFailures, DefaultBreakerFailures)
	if cc.BreakerCooldown == 0 {
		cc.BreakerCooldown = DefaultBreakerCooldown
	} else if cc.BreakerCooldown < 0 {
		*errs = append(*errs, configError("BreakerCooldown", cc.BreakerCooldown.String(), "is negative", "use a positive duration, or 0 for the default"))
	}
}

func (cc *compiled) compileRates(errs *[]error) {
	for _, r := range [...]struct {
		field string
		r     Rate
	}{{"PerIP", cc.PerIP}, {"PerOrigin", cc.PerOrigin}, {"PerHost", cc.PerHost}} {
		if r.r.Requests < 0 || r.r.Per < 0 || r.r.Burst < 0 || (r.r.Requests > 0) != (r.r.Per > 0) {
			*errs = append(*errs, configError(r.field, fmt.Sprintf("%d/%s burst %d", r.r.Requests, r.r.Per, r.r.Burst), "negative, or only one of Requests and Per set", "set both Requests and Per to positive values, or leave the Rate zero for no limit"))
		}
	}
}

// compileCORS builds the CORS middleware. The proxy lets pages send any
// method and header (it strips credentials itself) and read every
// response header; it never allows credentialed requests, so wildcards
// are what browsers honour.
func (cc *compiled) compileCORS() error {
	corsConfig := cors.Config{
		Origins:              cc.Origins,
		Methods:              []string{"*"},
		RequestHeaders:       []string{"*"},
		ExposedHeaders:       []string{"*"},
		MaxAge:               cc.MaxAge,
		PrivateNetwork:       true,
		PreflightPassthrough: true,
	}
	if cc.anyOrigin {
		corsConfig.Origins = []string{"*"}
	}
	// "*" does not cover Authorization. The preflight lets it through (it
	// is only a question) so that the request itself can be answered: sent
	// on to a credential host, or refused in words the page can read.
	corsConfig.RequestHeaders = append(corsConfig.RequestHeaders, "Authorization")
	m, err := cors.New(corsConfig)
	if err != nil {
		var out []error
		for _, e := range configerr.All(err) {
			var ce *cors.ConfigError
			if errors.As(e, &ce) {
				pe := *ce // the same field in the proxy's Config
				pe.Package = "proxy"
				out = append(out, &pe)
			} else {
				pe := configError("Origins", "", e.Error(), "")
				pe.Err = e
				out = append(out, pe)
			}
		}
		return errors.Join(out...)
	}
	cc.cors = m
	return nil
}

// wrapOriginErrors turns origin parse errors into ConfigErrors naming the field.
func wrapOriginErrors(field string, err error) []error {
	var out []error
	for _, e := range configerr.All(err) {
		pe := configError(field, "", e.Error(), "")
		var oe *origin.Error
		if errors.As(e, &oe) {
			pe.Value, pe.Problem, pe.Fix = oe.Input, oe.Reason, oe.Hint
		}
		pe.Err = e
		out = append(out, pe)
	}
	return out
}
