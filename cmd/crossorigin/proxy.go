package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
)

// proxyEnvPrefix prefixes the environment variable of every proxy flag:
// --allow-port is CROSSORIGIN_PROXY_ALLOW_PORT.
const proxyEnvPrefix = "CROSSORIGIN_PROXY_"

// runProxy runs the CORS proxy until ctx is cancelled, then shuts down
// gracefully. SIGHUP reloads the configuration (flags, environment and
// --config file, read again).
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newProxyFlags(stderr)
	perr := f.parse(args)
	if errors.Is(perr, flag.ErrHelp) {
		f.cl.Help(stdout)
		return 0
	}
	s, errs := f.settings(stderr)
	if *f.checkConfig {
		return checkProxyConfig(s, errs, stdout, stderr)
	}
	if perr != nil {
		// Bad flags: list the proxy's own problems too, but reach
		// nothing (no Redis).
		if p, err := proxy.New(s.config); err != nil {
			errs = append(errs, err)
		} else {
			p.Close()
		}
		f.cl.Config(errors.Join(errs...), proxyFields)
		code, _ := f.cl.Failed(stderr)
		return code
	}
	if ownProcess {
		if !*f.pprof {
			// Nobody can read heap profiles: keep none (the runtime's
			// default samples every 512 KiB allocated and keeps a table
			// of stacks).
			runtime.MemProfileRate = 0
		}
		if *f.memLimit > 0 {
			debug.SetMemoryLimit(*f.memLimit)
		}
	}
	rt, rerrs := newProxyRuntime(ctx, s, stderr)
	defer rt.close()
	errs = append(errs, rerrs...)
	// The proxy's own checks run too, so that every problem is listed.
	p, err := rt.newProxy(s)
	if err != nil {
		errs = append(errs, err)
	}
	f.cl.Config(errors.Join(errs...), proxyFields)
	if code, failed := f.cl.Failed(stderr); failed {
		return code
	}
	live := rt.live
	live.swap(p)
	defer func() { live.current().Close() }()
	stop := onHangup(ctx, func() { rt.reload(args, s, live) })
	defer stop()
	return serveProxy(ctx, s, rt, live, stderr)
}

// checkProxyConfig is --check-config: it reports whether the configuration
// is valid without serving (nor reaching Redis).
func checkProxyConfig(s *proxySettings, errs []error, stdout, stderr io.Writer) int {
	if raw := *s.flags.redisURL; raw != "" {
		if rc, err := newRedisClient(raw); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %v; %s", s.flags.label("redis"), redactURL(raw), err, redisUsage))
		} else {
			_ = rc.Close()
		}
	}
	if m := *s.flags.redisFail; m != "open" && m != "closed" {
		errs = append(errs, fmt.Errorf("%s %q: use open or closed", s.flags.label("redis-fail"), m))
	}
	if n := *s.flags.redisPrefetch; n < 0 {
		errs = append(errs, fmt.Errorf("%s %d: use 0 (one Redis round trip per check) or a positive number of tokens", s.flags.label("redis-prefetch"), n))
	}
	if p, err := proxy.New(s.config); err != nil {
		errs = append(errs, err)
	} else {
		p.Close()
	}
	s.flags.cl.Config(errors.Join(errs...), proxyFields)
	if code, failed := s.flags.cl.Failed(stderr); failed {
		return code
	}
	fmt.Fprintln(stdout, "crossorigin proxy: the configuration is valid")
	return 0
}

// proxyFlags are the proxy command's flags, bound to what they set.
type proxyFlags struct {
	cl *cmdLine
	fs *flag.FlagSet
	c  proxy.Config // the fields flags set directly

	listen, helpFile, clientIP, rateIP, rateOrig, rateHost *string
	redisURL, redisFail, logFmt, tlsCert, tlsKey, upCA     *string
	otlp, configFile, metricsListen                        *string
	origins, deny, require, remove, set                    *[]string
	allowH, denyH, credH, private, ports                   *[]string
	envProxy, checkConfig, pprof                           *bool
	grace                                                  *time.Duration
	redisPrefetch                                          *int
	maxReq, maxResp, maxHdr, cache, memLimit               *int64
}

func newProxyFlags(_ io.Writer) *proxyFlags {
	cl := newCmdLine("proxy", proxySynopsis, proxyFooter)
	cl.Env = envName
	fs := cl.FlagSet
	f := &proxyFlags{cl: cl, fs: fs}
	c := &f.c
	f.listen = fs.String("listen", "127.0.0.1:8080", "`ADDRESS` to listen on, e.g. 0.0.0.0:8080")
	f.configFile = fs.String("config", "", "read flags from this TOML `FILE`, e.g. proxy.toml: keys are the long flag names (deny-host = [\"a.example\"], rate-ip = \"60/1m\"); flags and environment override it; SIGHUP reloads it")
	f.checkConfig = fs.Bool("check-config", false, "validate the configuration (flags, environment, --config) and exit: 0 valid, 2 not")
	f.origins = listFlag(fs, "origin", "allow this calling origin `PATTERN`, e.g. https://app.example.com, https://*.example.com or http://localhost:*; none means any origin")
	f.deny = listFlag(fs, "deny-origin", "refuse this calling origin `PATTERN`, e.g. https://*.evil.example")
	f.require = listFlag(fs, "require-header", "refuse requests that carry none of these headers, a `NAME`, e.g. X-Requested-With")
	f.remove = listFlag(fs, "remove-header", "remove this request header before forwarding, a `NAME`, e.g. X-Debug")
	f.set = listFlag(fs, "set-header", "set a request header before forwarding, `'NAME: VALUE'`, e.g. 'X-Proxy: crossorigin'")
	f.helpFile = fs.String("help-file", "", "`FILE` served as the help page at /, e.g. help.html")
	f.allowH = listFlag(fs, "allow-host", "only reach this target `HOST`, e.g. api.example.com or *.example.com")
	f.denyH = listFlag(fs, "deny-host", "never reach this target `HOST`, e.g. internal.example.com or *.corp.example")
	f.credH = listFlag(fs, "credential-host", "forward Cookie and Authorization to, and Set-Cookie from, this target `HOST`, e.g. api.example.com")
	f.private = listFlag(fs, "allow-private", "allow connections into this special-purpose range, a `CIDR` prefix or address, e.g. 127.0.0.1/32")
	f.ports = listFlag(fs, "allow-port", "allow this target `PORT` besides 80 and 443, e.g. 8443")
	f.envProxy = fs.Bool("use-env-proxy", false, "send upstream requests through HTTP_PROXY/HTTPS_PROXY (the SSRF guard must then live on that proxy)")
	f.clientIP = fs.String("client-ip-header", "", "take the client address for rate limits from this header `NAME` set by a trusted load balancer, e.g. X-Forwarded-For (its last entry)")
	f.rateIP = fs.String("rate-ip", "", "per-client-IP limit, `N/DURATION`, e.g. 60/1m (empty: none)")
	f.rateOrig = fs.String("rate-origin", "", "per-calling-site limit, `N/DURATION`, e.g. 600/1h (empty: none)")
	f.rateHost = fs.String("rate-host", "", "per-target-host limit, `N/DURATION`, e.g. 100/1s (empty: none)")
	f.redisURL = fs.String("redis", "", redisForms)
	f.redisPrefetch = fs.Int("redis-prefetch", 64, "let one Redis check take up to `N` tokens, e.g. 16, of a busy bucket and spend them locally (exact near the limit; unspent ones are lost within 250ms, so limits only get stricter); 0: one round trip per check")
	f.redisFail = fs.String("redis-fail", "open", "`MODE` while Redis is unreachable: open (let requests through, limits unenforced) or closed (refuse them with 429), e.g. closed")
	f.logFmt = fs.String("log-format", "text", "access log `FORMAT`: text, json or none, e.g. json")
	f.grace = fs.Duration("shutdown-timeout", 15*time.Second, "how long to let requests finish on shutdown, a `DURATION`, e.g. 30s")
	f.tlsCert = fs.String("tls-cert", "", "serve HTTPS (and HTTP/2) with this PEM certificate chain `FILE`, e.g. cert.pem; needs --tls-key")
	f.tlsKey = fs.String("tls-key", "", "PEM private key `FILE` for --tls-cert, e.g. key.pem")
	f.upCA = fs.String("upstream-ca", "", "trust only the CA certificates in this PEM `FILE` for https targets, e.g. ca.pem (default: the system's roots)")
	f.maxReq = sizeFlag(fs, "max-request-body", proxy.DefaultMaxRequestBody, "request body cap, a `SIZE` in bytes or with KiB/MiB/GiB, e.g. 10MiB")
	f.maxResp = sizeFlag(fs, "max-response-body", proxy.DefaultMaxResponseBody, "response body cap, a `SIZE`, e.g. 50MiB")
	f.maxHdr = sizeFlag(fs, "max-header-bytes", proxy.DefaultMaxHeaderBytes, "request header cap, a `SIZE`, e.g. 32KiB")
	f.cache = sizeFlag(fs, "cache-size", 0, "shared in-memory cache of anonymous GET responses, a `SIZE`, e.g. 64MiB (0: no cache)")
	f.memLimit = sizeFlag(fs, "memory-limit", 0, "soft limit of the Go runtime's memory, a `SIZE`, e.g. 28MiB: the garbage collector works harder as it nears it; leave room for --cache-size and the connections, or throughput falls (0: none, or GOMEMLIMIT)")
	f.otlp = fs.String("otlp-endpoint", "", "send OpenTelemetry traces over OTLP/HTTP to this `URL`, e.g. http://127.0.0.1:4318 (empty: the OTEL_EXPORTER_OTLP_* variables decide; off without them)")
	fs.BoolVar(&c.RedirectSameOrigin, "redirect-same-origin", false, "answer 301 to the target itself when it has the caller's origin")
	fs.Var((*seconds)(&c.MaxAge), "max-age", "Access-Control-Max-Age of preflight responses, in `SECONDS` as the header says or as a duration, e.g. 600 or 10m; 0: omitted")
	fs.IntVar(&c.MaxRedirects, "max-redirects", proxy.DefaultMaxRedirects, "`N` redirects followed by the proxy, e.g. 2 (-1: none)")
	fs.BoolVar(&c.ForwardedFor, "forwarded-for", false, "pass the client's details upstream: X-Forwarded-For, -Proto, -Host and -Port")
	fs.BoolVar(&c.Forwarded, "forwarded", false, "pass the client's details upstream in the standard Forwarded header (RFC 7239)")
	fs.StringVar(&c.ForwardedBy, "forwarded-by", "", "the proxy's `NAME` in Forwarded's by=: an obfuscated identifier or an IP address, e.g. _crossorigin (needs --forwarded)")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", proxy.DefaultDialTimeout, "upstream connect timeout, a `DURATION`, e.g. 2s")
	fs.DurationVar(&c.TLSHandshakeTimeout, "tls-timeout", proxy.DefaultTLSHandshakeTimeout, "upstream TLS handshake timeout, a `DURATION`, e.g. 5s")
	fs.DurationVar(&c.ResponseHeaderTimeout, "header-timeout", proxy.DefaultResponseHeaderTimeout, "upstream response header timeout, a `DURATION`, e.g. 10s")
	fs.DurationVar(&c.IdleConnTimeout, "idle-timeout", proxy.DefaultIdleConnTimeout, "idle upstream connection lifetime, a `DURATION`, e.g. 1m")
	fs.DurationVar(&c.Timeout, "timeout", proxy.DefaultTimeout, "total time for one proxied exchange, body included, a `DURATION`, e.g. 1m")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", proxy.DefaultMaxInFlight, "`N` concurrent proxied requests before 503, e.g. 512 (-1: no cap)")
	fs.IntVar(&c.BreakerFailures, "breaker-failures", proxy.DefaultBreakerFailures, "`N` consecutive failures of a target host and port that open its circuit (503 circuit_open at once, then one probe after --breaker-cooldown), e.g. 10 (-1: no breaker)")
	fs.DurationVar(&c.BreakerCooldown, "breaker-cooldown", proxy.DefaultBreakerCooldown, "how long an open circuit stays open, a `DURATION`, e.g. 30s")
	f.metricsListen = fs.String("metrics-listen", "", "serve /metrics (Prometheus) on this separate `ADDRESS`, e.g. 127.0.0.1:9090 (empty: no metrics; never on the public listener)")
	f.pprof = fs.Bool("pprof", false, "also serve Go's /debug/pprof/ on --metrics-listen")
	fs.IntVar(&c.MaxIdleConnsPerHost, "max-idle-conns-per-host", proxy.DefaultMaxIdleConnsPerHost, "upstream keep-alive pool per host, `N`, e.g. 128; at least the expected concurrency")
	return f
}

// parse reads the command line, then the environment, then the --config
// file, each for the flags that the ones before it did not set.
// It returns flag.ErrHelp for --help, or every problem joined; they are
// kept in f.cl too.
func (f *proxyFlags) parse(args []string) error {
	pos, help := f.cl.Parse(args)
	if help {
		return flag.ErrHelp
	}
	for _, a := range pos {
		f.cl.Problem(fmt.Sprintf("unexpected argument %q: proxy takes only flags", a))
	}
	f.cl.Config(flagsFromEnv(f.fs), nil)
	if *f.configFile != "" {
		set := map[string]bool{}
		f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		sources, err := applyConfigFile(f.fs, *f.configFile, set)
		f.cl.Config(err, nil)
		f.cl.Source = sources
	}
	return f.cl.Err()
}

// proxyFields names the flag that sets each proxy.Config field, for the
// library's configuration errors.
var proxyFields = map[string]string{
	"Origins": "origin", "DenyOrigins": "deny-origin", "RequireHeaders": "require-header",
	"RemoveHeaders": "remove-header", "SetHeaders": "set-header", "AllowHosts": "allow-host",
	"DenyHosts": "deny-host", "CredentialHosts": "credential-host", "AllowPrivate": "allow-private",
	"AllowPorts": "allow-port", "ClientIPHeader": "client-ip-header", "PerIP": "rate-ip",
	"PerOrigin": "rate-origin", "PerHost": "rate-host", "MaxAge": "max-age", "MaxRedirects": "max-redirects",
	"DialTimeout": "dial-timeout", "TLSHandshakeTimeout": "tls-timeout", "ResponseHeaderTimeout": "header-timeout",
	"IdleConnTimeout": "idle-timeout", "Timeout": "timeout", "MaxInFlight": "max-in-flight",
	"MaxIdleConnsPerHost": "max-idle-conns-per-host", "MaxRequestBody": "max-request-body",
	"MaxResponseBody": "max-response-body", "MaxHeaderBytes": "max-header-bytes", "CacheBytes": "cache-size",
	"Forwarded": "forwarded", "ForwardedFor": "forwarded-for", "ForwardedBy": "forwarded-by",
	"RedirectSameOrigin": "redirect-same-origin", "Help": "help-file",
	"BreakerFailures": "breaker-failures", "BreakerCooldown": "breaker-cooldown",
}

// proxySettings is what the flags say, translated: the proxy's Config
// and the server's own settings.
type proxySettings struct {
	config proxy.Config
	certs  []tls.Certificate
	flags  *proxyFlags
}

// minMemoryLimit is the smallest --memory-limit: below it the collector
// would run all the time for the proxy's own baseline.
const minMemoryLimit = 16 << 20

// settings translates the flags, collecting every problem.
func (f *proxyFlags) settings(stderr io.Writer) (*proxySettings, []error) {
	s := &proxySettings{config: f.c, flags: f}
	c := &s.config
	c.Origins, c.DenyOrigins = *f.origins, *f.deny
	c.RequireHeaders, c.RemoveHeaders = *f.require, *f.remove
	c.AllowHosts, c.DenyHosts, c.CredentialHosts = *f.allowH, *f.denyH, *f.credH
	c.MaxRequestBody, c.MaxResponseBody, c.MaxHeaderBytes = *f.maxReq, *f.maxResp, int(*f.maxHdr)
	c.CacheBytes = *f.cache
	c.ClientIPHeader = *f.clientIP
	var errs []error
	if n := *f.memLimit; n != 0 && n < minMemoryLimit {
		errs = append(errs, fmt.Errorf("--memory-limit %d: at least %d MiB, or 0 for none", n, minMemoryLimit>>20))
	}
	c.FixFor = proxyFix
	if *f.envProxy {
		c.Proxy = http.ProxyFromEnvironment
	}
	errs = append(errs, f.setHeaders(c)...)
	errs = append(errs, f.addresses(c)...)
	errs = append(errs, f.rates(c)...)
	errs = append(errs, f.files(s)...)
	if err := f.logger(c, stderr); err != nil {
		errs = append(errs, err)
	}
	return s, errs
}

func (f *proxyFlags) setHeaders(c *proxy.Config) []error {
	if len(*f.set) == 0 {
		return nil
	}
	var errs []error
	c.SetHeaders = map[string]string{}
	for _, kv := range *f.set {
		k, v, ok := strings.Cut(kv, ":")
		if !ok {
			errs = append(errs, fmt.Errorf(`%s %q: write it as "Name: value"`, f.label("set-header"), kv))
			continue
		}
		c.SetHeaders[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return errs
}

func (f *proxyFlags) addresses(c *proxy.Config) []error {
	var errs []error
	for _, s := range *f.private {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if a, aerr := netip.ParseAddr(s); aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: use a CIDR prefix such as 127.0.0.1/32 or 10.0.0.0/8", f.label("allow-private"), s))
			continue
		}
		c.AllowPrivate = append(c.AllowPrivate, p)
	}
	for _, s := range *f.ports {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: use a port number", f.label("allow-port"), s))
			continue
		}
		c.AllowPorts = append(c.AllowPorts, n)
	}
	return errs
}

func (f *proxyFlags) rates(c *proxy.Config) []error {
	var errs []error
	for _, r := range []struct {
		flag, value string
		dst         *proxy.Rate
	}{{"rate-ip", *f.rateIP, &c.PerIP}, {"rate-origin", *f.rateOrig, &c.PerOrigin}, {"rate-host", *f.rateHost, &c.PerHost}} {
		rate, err := parseRate(f.label(r.flag), r.value)
		if err != nil {
			errs = append(errs, err)
		}
		*r.dst = rate
	}
	return errs
}

// label names a flag in a problem: where the config file set it
// ("proxy.toml:3: rate-ip"), or else as it is spelled on the command line.
func (f *proxyFlags) label(name string) string {
	if src, ok := f.cl.Source[name]; ok {
		return src
	}
	return flagLabel(name)
}

// files reads the files the flags name: help page, certificates, CAs.
func (f *proxyFlags) files(s *proxySettings) []error {
	var errs []error
	if *f.helpFile != "" {
		b, err := os.ReadFile(*f.helpFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", f.label("help-file"), err))
		}
		s.config.Help = string(b)
	}
	if *f.pprof && *f.metricsListen == "" {
		errs = append(errs, errors.New("--pprof: needs --metrics-listen (pprof is never served on the public listener)"))
	}
	if (*f.tlsCert == "") != (*f.tlsKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key: give both, or neither for plain HTTP"))
	}
	if *f.tlsCert != "" && *f.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(*f.tlsCert, *f.tlsKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("--tls-cert/--tls-key: %v", err))
		}
		s.certs = append(s.certs, cert)
	}
	if *f.upCA != "" {
		pool := x509.NewCertPool()
		b, err := os.ReadFile(*f.upCA)
		if err != nil || !pool.AppendCertsFromPEM(b) {
			errs = append(errs, fmt.Errorf("%s %q: not a readable PEM file of certificates", f.label("upstream-ca"), *f.upCA))
		}
		s.config.TLSConfig = &tls.Config{RootCAs: pool}
	}
	return errs
}

func (f *proxyFlags) logger(c *proxy.Config, stderr io.Writer) error {
	switch *f.logFmt {
	case "text":
		c.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		c.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	case "none":
	default:
		return fmt.Errorf("%s %q: use text, json or none", f.label("log-format"), *f.logFmt)
	}
	return nil
}

// opsLogger is the log of the proxy's own events (reloads, Redis): slog
// in the access log's format, text when the access log is off.
func (f *proxyFlags) opsLogger(stderr io.Writer) *slog.Logger {
	if *f.logFmt == "json" {
		return slog.New(slog.NewJSONHandler(stderr, nil))
	}
	return slog.New(slog.NewTextHandler(stderr, nil))
}

// fixFlags names the flag of each Config field that a refusal's fix can
// point at.
var fixFlags = map[string]string{
	"CredentialHosts": "--credential-host",
	"AllowHosts":      "--allow-host",
	"AllowPorts":      "--allow-port",
	"AllowPrivate":    "--allow-private",
	"MaxRequestBody":  "--max-request-body",
	"MaxResponseBody": "--max-response-body",
	"MaxHeaderBytes":  "--max-header-bytes",
}

// proxyFix writes the fix of a refusal in flags: "the proxy's operator
// can add --credential-host api.example.com".
func proxyFix(field, value string) string {
	f, ok := fixFlags[field]
	switch {
	case !ok:
		return ""
	case value == "":
		return "the proxy's operator can set " + f
	}
	return "the proxy's operator can add " + f + " " + value
}

// parseRate parses "N/DURATION" ("60/1m", "600/1h"); empty means no limit.
func parseRate(flagName, s string) (proxy.Rate, error) {
	if s == "" {
		return proxy.Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	req, err1 := strconv.Atoi(n)
	d, err2 := time.ParseDuration(per)
	if !ok || err1 != nil || err2 != nil || req <= 0 || d <= 0 {
		return proxy.Rate{}, fmt.Errorf("%s %q: write it as requests/duration, e.g. 60/1m", flagName, s)
	}
	return proxy.Rate{Requests: req, Per: d}, nil
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// repeatable marks flags whose environment variable holds a comma list.
type repeatable interface{ repeatable() }

func (l *stringList) repeatable() {}

func listFlag(fs *flag.FlagSet, name, usage string) *[]string {
	var l stringList
	fs.Var(&l, name, usage+" (repeatable)")
	return (*[]string)(&l)
}

// seconds is a duration flag that also takes plain seconds, the unit of
// Access-Control-Max-Age itself: "600" and "10m" are the same.
type seconds time.Duration

func (d *seconds) String() string { return time.Duration(*d).String() }
func (d *seconds) Set(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*d = seconds(time.Duration(n) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want seconds (600) or a duration (10m)")
	}
	*d = seconds(v)
	return nil
}

// Get returns the duration, for flag.Getter.
func (d *seconds) Get() any { return time.Duration(*d) }

// byteSize is a size flag: "1048576", "64KiB", "10MiB", "1GiB".
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }
func (b *byteSize) Set(s string) error {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < -1 || n > (1<<62)/mult {
		return errors.New("use a byte count such as 1048576, 64KiB or 10MiB (-1: no cap)")
	}
	*b = byteSize(n * mult)
	return nil
}

func sizeFlag(fs *flag.FlagSet, name string, def int64, usage string) *int64 {
	b := byteSize(def)
	fs.Var(&b, name, usage)
	return (*int64)(&b)
}

func envName(flagName string) string {
	return proxyEnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagsFromEnv sets every flag not given on the command line from its
// environment variable; repeatable flags take a comma-separated list.
func flagsFromEnv(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		v, ok := os.LookupEnv(envName(f.Name))
		if !ok {
			return
		}
		vals := []string{v}
		if _, rep := f.Value.(repeatable); rep {
			vals = nil
			for s := range strings.SplitSeq(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					vals = append(vals, s)
				}
			}
		}
		for _, s := range vals {
			if err := fs.Set(f.Name, s); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", envName(f.Name), v, err))
			}
		}
	})
	return errors.Join(errs...)
}

const proxySynopsis = `Usage: crossorigin proxy [flags]

Runs the CORS proxy: GET /https://api.example.com/path (or /?url=...)
fetches the target and answers with CORS headers. Only public addresses on
ports 80 and 443 are reached unless --allow-private/--allow-port say
otherwise; cookies are stripped and Authorization refused unless the
target is a --credential-host. /healthz (liveness) and /readyz (503 while
the Redis rate limits are degraded) are served beside the proxy; /metrics
(Prometheus) only on --metrics-listen. SIGINT/SIGTERM shut it down
gracefully.

Every flag can also be set by an environment variable: --allow-port is
CROSSORIGIN_PROXY_ALLOW_PORT; repeatable flags take a comma-separated list.`

const proxyFooter = "Exit codes: 0 stopped cleanly, 2 usage, configuration or runtime error."
