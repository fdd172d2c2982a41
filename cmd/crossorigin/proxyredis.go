package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crossorigin/crossorigin/proxy/redislimit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// redisForms is the help text of --redis: one example per form.
const redisForms = `share rate limits among replicas through Redis, a ` + "`URL`" + `, e.g. redis://127.0.0.1:6379/0. Forms:
          redis://[user:password@]127.0.0.1:6379/0 (one server; rediss:// for TLS)
          redis+sentinel://[user:password@]10.0.0.1:26379,10.0.0.2:26379/mymaster[/0] (a master found through Sentinels)
          redis+cluster://[user:password@]10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000 (a Redis Cluster)
          rediss+sentinel:// and rediss+cluster:// use TLS; go-redis options go in the query (?dial_timeout=1s)`

// redisUsage is the fix shown for a --redis value that cannot be used.
const redisUsage = "use redis://host:6379/0, rediss://host:6380/0, redis+sentinel://host:26379,host2:26379/mastername or redis+cluster://host:7000,host2:7000,host3:7000"

// redisURL is a --redis value taken apart.
type redisURL struct {
	base     string // redis or rediss
	kind     string // "", "cluster" or "sentinel"
	userinfo string // "user:password@" or ""
	hosts    []string
	path     string
	query    url.Values
}

// parseRedisURL splits scheme[+kind]://[userinfo@]host:port[,host:port...][/path][?query].
func parseRedisURL(raw string) (*redisURL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, fmt.Errorf("no scheme")
	}
	u := &redisURL{}
	u.base, u.kind, _ = strings.Cut(scheme, "+")
	if (u.base != "redis" && u.base != "rediss") || (u.kind != "" && u.kind != "cluster" && u.kind != "sentinel") {
		return nil, fmt.Errorf("unknown scheme %q", scheme)
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	hostlist := authority
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		u.userinfo, hostlist = authority[:i+1], authority[i+1:]
	}
	u.hosts = strings.Split(hostlist, ",")
	for _, h := range u.hosts {
		if host, port, err := net.SplitHostPort(h); err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("address %q is not host:port", h)
		}
	}
	var query string
	u.path, query, _ = strings.Cut(tail, "?")
	var err error
	if u.query, err = url.ParseQuery(query); err != nil {
		return nil, fmt.Errorf("query: %v", err)
	}
	return u, nil
}

// goRedis writes u in go-redis's own URL form with this path: the first
// address in the authority, the others as addr parameters.
func (u *redisURL) goRedis(path string) string {
	q := url.Values{}
	for k, v := range u.query {
		q[k] = v
	}
	for _, h := range u.hosts[1:] {
		q.Add("addr", h)
	}
	s := u.base + "://" + u.userinfo + u.hosts[0] + path
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// newRedisClient builds the go-redis client that --redis names. The
// client bounds every socket read by its context's deadline
// (ContextTimeoutEnabled), so the limiter's timeout holds without a
// goroutine per check.
func newRedisClient(raw string) (redis.UniversalClient, error) {
	u, err := parseRedisURL(raw)
	if err != nil {
		return nil, err
	}
	switch u.kind {
	case "":
		if len(u.hosts) > 1 {
			return nil, fmt.Errorf("several addresses: use redis+cluster:// for a cluster or redis+sentinel:// for Sentinels")
		}
		o, err := redis.ParseURL(u.goRedis(u.path))
		if err != nil {
			return nil, err
		}
		o.ContextTimeoutEnabled = true
		return redis.NewClient(o), nil
	case "cluster":
		if strings.Trim(u.path, "/") != "" {
			return nil, fmt.Errorf("a cluster has no database number (path %q)", u.path)
		}
		o, err := redis.ParseClusterURL(u.goRedis(""))
		if err != nil {
			return nil, err
		}
		o.ContextTimeoutEnabled = true
		return redis.NewClusterClient(o), nil
	case "sentinel":
		master, db, _ := strings.Cut(strings.TrimPrefix(u.path, "/"), "/")
		if master == "" {
			return nil, fmt.Errorf("no master name: write the Sentinels' name for it as the path (/mymaster)")
		}
		u.query.Set("master_name", master)
		o, err := redis.ParseFailoverURL(u.goRedis("/" + db))
		if err != nil {
			return nil, err
		}
		// The user and password authenticate to the master as well as to
		// the Sentinels, unless the query sets the master's own.
		if o.Password == "" {
			o.Username, o.Password = o.SentinelUsername, o.SentinelPassword
		}
		o.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(o), nil
	}
	return nil, fmt.Errorf("unknown scheme %q", u.base+"+"+u.kind)
}

// redactURL hides the password of a --redis value in messages.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// redisLimiter builds the rate limiter of --redis and --redis-fail,
// checks that Redis answers, and registers the degraded gauge. It routes
// go-redis's own log lines through log. The returned function closes
// the limiter and the client.
func redisLimiter(ctx context.Context, raw, failMode string, prefetch int, reg prometheus.Registerer, log *slog.Logger) (*redislimit.Limiter, func(), []error) {
	var errs []error
	if prefetch < 0 {
		errs = append(errs, fmt.Errorf("--redis-prefetch %d: use 0 (one Redis round trip per check) or a positive number of tokens", prefetch))
	}
	var failClosed bool
	switch failMode {
	case "open":
	case "closed":
		failClosed = true
	default:
		errs = append(errs, fmt.Errorf("--redis-fail %q: use open (let requests through while Redis is unreachable) or closed (refuse them with 429)", failMode))
	}
	if raw == "" {
		return nil, func() {}, errs
	}
	rc, err := newRedisClient(raw)
	if err != nil {
		return nil, func() {}, append(errs, fmt.Errorf("--redis %q: %v; %s", redactURL(raw), err, redisUsage))
	}
	redis.SetLogger(redislimit.Logger{L: log})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = rc.Ping(pctx).Err()
	cancel()
	if err != nil {
		errs = append(errs, fmt.Errorf("--redis: cannot reach Redis at %q: %v", redactURL(raw), err))
	}
	lim := redislimit.New(rc, redislimit.Options{FailClosed: failClosed, Logger: log, AutoPipeline: true, Prefetch: prefetch})
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "crossorigin", Subsystem: "proxy", Name: "rate_limiter_degraded",
		Help: "1 while Redis is unreachable and rate limits are not enforced (or, with --redis-fail closed, every request is refused).",
	}, func() float64 {
		if lim.Ready() != nil {
			return 1
		}
		return 0
	}))
	return lim, func() {
		_ = lim.Close()
		// A batch stuck on a hung Redis would hold Close for its read
		// timeouts; shutdown waits a second at most.
		done := make(chan struct{})
		go func() {
			_ = rc.Close()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}, errs
}

// serveReady answers /readyz: 200 while the rate limits are enforced, 503
// with the reason while the Redis limiter is degraded. /healthz stays a
// liveness check: a fail-open proxy keeps serving while Redis is away, so
// point a load balancer's health check at /healthz and alert on /readyz
// (or on the crossorigin_proxy_rate_limiter_degraded metric).
func serveReady(w http.ResponseWriter, lim *redislimit.Limiter) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Cache-Control", "no-store")
	if lim != nil {
		if err := lim.Ready(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, err.Error()+"\n")
			return
		}
	}
	_, _ = io.WriteString(w, "ok\n")
}
