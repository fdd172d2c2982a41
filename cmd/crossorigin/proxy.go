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
	"net"
	"net/http"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/proxy/tracing"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// proxyEnvPrefix prefixes the environment variable of every proxy flag:
// --allow-port is CROSSORIGIN_PROXY_ALLOW_PORT.
const proxyEnvPrefix = "CROSSORIGIN_PROXY_"

// runProxy runs the CORS proxy until ctx is cancelled, then shuts down
// gracefully.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crossorigin proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		c        proxy.Config
		listen   = fs.String("listen", "127.0.0.1:8080", "address to listen on")
		origins  = listFlag(fs, "origin", "allow this calling origin pattern (https://app.example.com, https://*.example.com, http://localhost:*); none means any origin")
		deny     = listFlag(fs, "deny-origin", "refuse this calling origin pattern")
		require  = listFlag(fs, "require-header", "refuse requests that carry none of these headers (e.g. X-Requested-With)")
		remove   = listFlag(fs, "remove-header", "remove this request header before forwarding")
		set      = listFlag(fs, "set-header", `set a request header before forwarding, as "Name: value"`)
		helpFile = fs.String("help-file", "", "file served as the help page at /")
		allowH   = listFlag(fs, "allow-host", `only reach this target host ("api.example.com" or "*.example.com")`)
		denyH    = listFlag(fs, "deny-host", "never reach this target host")
		credH    = listFlag(fs, "credential-host", "forward Cookie and Authorization to, and Set-Cookie from, this target host")
		private  = listFlag(fs, "allow-private", "allow connections into this special-purpose range (CIDR, e.g. 127.0.0.1/32)")
		ports    = listFlag(fs, "allow-port", "allow this target port besides 80 and 443")
		envProxy = fs.Bool("use-env-proxy", false, "send upstream requests through HTTP_PROXY/HTTPS_PROXY (the SSRF guard must then live on that proxy)")
		clientIP = fs.String("client-ip-header", "", "take the client address for rate limits from this header set by a trusted load balancer (X-Forwarded-For: last entry)")
		rateIP   = fs.String("rate-ip", "", `per-client-IP limit "N/DURATION", e.g. 60/1m (empty: none)`)
		rateOrig = fs.String("rate-origin", "", `per-calling-site limit "N/DURATION", e.g. 600/1h (empty: none)`)
		rateHost = fs.String("rate-host", "", `per-target-host limit "N/DURATION", e.g. 100/1s (empty: none)`)
		redisURL = fs.String("redis", "", redisForms)
		logFmt   = fs.String("log-format", "text", "access log format: text, json or none")
		grace    = fs.Duration("shutdown-timeout", 15*time.Second, "how long to let requests finish on shutdown")
		tlsCert  = fs.String("tls-cert", "", "serve HTTPS (and HTTP/2) with this PEM certificate chain; needs --tls-key")
		tlsKey   = fs.String("tls-key", "", "PEM private key for --tls-cert")
		upCA     = fs.String("upstream-ca", "", "trust only the CA certificates in this PEM file for https targets (default: the system's roots)")
		maxReq   = sizeFlag(fs, "max-request-body", proxy.DefaultMaxRequestBody, "request body cap (bytes, or with KiB/MiB/GiB)")
		maxResp  = sizeFlag(fs, "max-response-body", proxy.DefaultMaxResponseBody, "response body cap")
		maxHdr   = sizeFlag(fs, "max-header-bytes", proxy.DefaultMaxHeaderBytes, "request header cap")
		cache    = sizeFlag(fs, "cache-size", 0, "shared in-memory cache of anonymous GET responses, e.g. 64MiB (0: no cache)")
		otlp     = fs.String("otlp-endpoint", "", "send OpenTelemetry traces over OTLP/HTTP to this URL, e.g. http://127.0.0.1:4318 (empty: the OTEL_EXPORTER_OTLP_* variables decide; off without them)")
	)
	redisFail := fs.String("redis-fail", "open", "while Redis is unreachable: open (let requests through, limits unenforced) or closed (refuse them with 429)")
	fs.BoolVar(&c.RedirectSameOrigin, "redirect-same-origin", false, "answer 301 to the target itself when it has the caller's origin")
	fs.Var((*seconds)(&c.MaxAge), "max-age", "Access-Control-Max-Age of preflight responses, in seconds as the header says (600) or as a duration (10m); 0: omitted")
	fs.IntVar(&c.MaxRedirects, "max-redirects", proxy.DefaultMaxRedirects, "redirects followed by the proxy (-1: none)")
	fs.BoolVar(&c.ForwardedFor, "forwarded-for", false, "add X-Forwarded-For with the client's address")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", proxy.DefaultDialTimeout, "upstream connect timeout")
	fs.DurationVar(&c.TLSHandshakeTimeout, "tls-timeout", proxy.DefaultTLSHandshakeTimeout, "upstream TLS handshake timeout")
	fs.DurationVar(&c.ResponseHeaderTimeout, "header-timeout", proxy.DefaultResponseHeaderTimeout, "upstream response header timeout")
	fs.DurationVar(&c.IdleConnTimeout, "idle-timeout", proxy.DefaultIdleConnTimeout, "idle upstream connection lifetime")
	fs.DurationVar(&c.Timeout, "timeout", proxy.DefaultTimeout, "total time for one proxied exchange, body included")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", proxy.DefaultMaxInFlight, "concurrent proxied requests before 503 (-1: no cap)")
	fs.IntVar(&c.MaxIdleConnsPerHost, "max-idle-conns-per-host", proxy.DefaultMaxIdleConnsPerHost, "upstream keep-alive pool per host; at least the expected concurrency")
	fs.Usage = func() { proxyUsage(fs) }

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "crossorigin proxy: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := flagsFromEnv(fs); err != nil {
		fmt.Fprintf(stderr, "crossorigin proxy: %v\n", err)
		return 2
	}

	// Translate flags into the Config, collecting every problem.
	var errs []error
	c.Origins, c.DenyOrigins = *origins, *deny
	c.RequireHeaders, c.RemoveHeaders = *require, *remove
	c.AllowHosts, c.DenyHosts, c.CredentialHosts = *allowH, *denyH, *credH
	c.MaxRequestBody, c.MaxResponseBody, c.MaxHeaderBytes = *maxReq, *maxResp, int(*maxHdr)
	c.CacheBytes = *cache
	if len(*set) > 0 {
		c.SetHeaders = map[string]string{}
		for _, kv := range *set {
			k, v, ok := strings.Cut(kv, ":")
			if !ok {
				errs = append(errs, fmt.Errorf(`--set-header %q: write it as "Name: value"`, kv))
				continue
			}
			c.SetHeaders[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	for _, s := range *private {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if a, aerr := netip.ParseAddr(s); aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--allow-private %q: use a CIDR prefix such as 127.0.0.1/32 or 10.0.0.0/8", s))
			continue
		}
		c.AllowPrivate = append(c.AllowPrivate, p)
	}
	for _, s := range *ports {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--allow-port %q: use a port number", s))
			continue
		}
		c.AllowPorts = append(c.AllowPorts, n)
	}
	var err error
	if c.PerIP, err = parseRate("--rate-ip", *rateIP); err != nil {
		errs = append(errs, err)
	}
	if c.PerOrigin, err = parseRate("--rate-origin", *rateOrig); err != nil {
		errs = append(errs, err)
	}
	if c.PerHost, err = parseRate("--rate-host", *rateHost); err != nil {
		errs = append(errs, err)
	}
	if *helpFile != "" {
		b, err := os.ReadFile(*helpFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--help-file: %v", err))
		}
		c.Help = string(b)
	}
	if *envProxy {
		c.Proxy = http.ProxyFromEnvironment
	}
	c.ClientIPHeader = *clientIP
	switch *logFmt {
	case "text":
		c.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		c.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	case "none":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: use text, json or none", *logFmt))
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key: give both, or neither for plain HTTP"))
	}
	var certs []tls.Certificate
	if *tlsCert != "" && *tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("--tls-cert/--tls-key: %v", err))
		}
		certs = append(certs, cert)
	}
	if *upCA != "" {
		pool := x509.NewCertPool()
		b, err := os.ReadFile(*upCA)
		if err != nil || !pool.AppendCertsFromPEM(b) {
			errs = append(errs, fmt.Errorf("--upstream-ca %q: not a readable PEM file of certificates", *upCA))
		}
		c.TLSConfig = &tls.Config{RootCAs: pool}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	c.Registerer = reg
	opsLog := slog.New(slog.NewTextHandler(stderr, nil))
	if *logFmt == "json" {
		opsLog = slog.New(slog.NewJSONHandler(stderr, nil))
	}
	lim, closeRedis, rerrs := redisLimiter(ctx, *redisURL, *redisFail, reg, opsLog)
	defer closeRedis()
	errs = append(errs, rerrs...)
	if lim != nil {
		c.Limiter = lim
	}
	tr, err := tracing.New(ctx, tracing.Config{Endpoint: *otlp})
	if err != nil {
		errs = append(errs, fmt.Errorf("--otlp-endpoint: %v", err))
	}
	defer func() { _ = tr.Shutdown(context.Background()) }()
	c.WrapUpstream = tr.Transport
	p, err := proxy.New(c)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "crossorigin proxy: invalid configuration:\n%v\n", err)
		return 2
	}
	defer p.Close()

	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	proxied := tr.Handler(p)
	srv := &http.Server{
		// No ServeMux: it would clean "//" out of target paths.
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/healthz":
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "ok\n")
			case "/readyz":
				serveReady(w, lim)
			case "/metrics":
				metrics.ServeHTTP(w, r)
			default:
				proxied.ServeHTTP(w, r)
			}
		}),
		// The handler enforces the exact cap (431 with CORS headers); the
		// server's own cap only stops what is far beyond it.
		MaxHeaderBytes:    int(*maxHdr) + 8<<10,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(stderr, nil).WithAttrs([]slog.Attr{slog.String("component", "http")}), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "crossorigin proxy: %v\n", err)
		return 2
	}
	scheme, serve := "http", func() error { return srv.Serve(ln) }
	if certs != nil {
		// ServeTLS offers HTTP/2 as well as HTTP/1.1.
		srv.TLSConfig = &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}
		scheme, serve = "https", func() error { return srv.ServeTLS(ln, "", "") }
	}
	fmt.Fprintf(stderr, "crossorigin proxy: listening on %s://%s\n", scheme, ln.Addr())
	served := make(chan error, 1)
	go func() { served <- serve() }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "crossorigin proxy: %v\n", err)
		return 2
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "crossorigin proxy: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "crossorigin proxy: shutdown: %v\n", err)
		return 2
	}
	return 0
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

func proxyUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: crossorigin proxy [flags]

Runs the CORS proxy: GET /https://api.example.com/path (or /?url=...)
fetches the target and answers with CORS headers. Only public addresses on
ports 80 and 443 are reached unless --allow-private/--allow-port say
otherwise; credentials are stripped. /healthz (liveness), /readyz (503
while the Redis rate limits are degraded) and /metrics (Prometheus) are
served beside the proxy. SIGINT/SIGTERM shut it down gracefully.

Every flag can also be set by an environment variable: --allow-port is
CROSSORIGIN_PROXY_ALLOW_PORT; repeatable flags take a comma-separated list.

Flags:
`)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	for _, n := range names {
		f := fs.Lookup(n)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  --%s\n        %s%s [%s]\n", n, f.Usage, def, envName(n))
	}
	fmt.Fprint(w, "\nExit codes: 0 stopped cleanly, 2 usage, configuration or runtime error.\n")
}
