// Package redislimit keeps the proxy's rate limits in Redis, so that every
// replica of the proxy behind a load balancer enforces one shared limit.
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}})
//	lim := redislimit.New(rdb, redislimit.Options{})
//	defer lim.Close()
//	p, err := proxy.New(proxy.Config{
//		PerIP:   proxy.Rate{Requests: 60, Per: time.Minute},
//		Limiter: lim,
//	})
//
// Any go-redis client works: a single node, a Sentinel-managed master
// (redis.NewFailoverClient) or a Redis Cluster (redis.NewClusterClient).
// Every check is one Lua script on one key, and the key's hash tag keeps it
// in one cluster slot.
//
// A Redis that hangs or vanishes must not stall the proxy. Each check is
// bounded by Options.Timeout whatever the client's own settings (go-redis
// ignores context deadlines on socket reads unless ContextTimeoutEnabled is
// set; the limiter then waits for the answer on the side). After
// Options.FailAfter consecutive failures the limiter stops asking Redis:
// it answers at once, letting requests through (or, with
// Options.FailClosed, refusing them with 429), logs that limits are
// degraded, and probes Redis in the background until it answers again.
// Limiter.Ready reports the state, for a readiness endpoint and a metric.
package redislimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
	"github.com/redis/go-redis/v9"
)

// Defaults for the zero values of Options.
const (
	DefaultPrefix     = "crossorigin:proxy:"
	DefaultTimeout    = 200 * time.Millisecond
	DefaultFailAfter  = 3
	DefaultRetryEvery = time.Second
	DefaultLeaseTTL   = 250 * time.Millisecond
)

// maxPending bounds the checks waiting on the side for a client that
// ignores deadlines: beyond it, a check fails at once instead of adding a
// goroutine that a hung Redis would hold for the client's read timeout.
const maxPending = 256

// Options configures a Limiter. The zero Options is usable.
type Options struct {
	// Prefix starts every key. Empty means DefaultPrefix.
	Prefix string
	// Timeout bounds each check, including waiting for a connection.
	// Zero means DefaultTimeout; a shorter deadline of the caller's
	// context wins.
	Timeout time.Duration
	// FailAfter is how many consecutive failed checks make the limiter
	// stop asking Redis. Zero means DefaultFailAfter.
	FailAfter int
	// RetryEvery is how often Redis is probed while the limiter is not
	// asking it. Zero means DefaultRetryEvery.
	RetryEvery time.Duration
	// FailClosed refuses requests (429, Retry-After: RetryEvery) while
	// Redis cannot be asked. The default lets them through: a broken
	// limiter store must not take the proxy down.
	FailClosed bool
	// Logger receives a record when limits become degraded and when they
	// are enforced again. Nil means slog.Default().
	Logger *slog.Logger
	// Prefetch lets one check take up to this many tokens of a busy bucket
	// and spend the rest here, for later requests with the same key: at
	// high rates most checks then need no round trip. Never more than
	// the limit passes: tokens taken but not spent within LeaseTTL are
	// lost, so a limit can only get stricter. The size of a take adapts
	// to the key's traffic (it doubles while a take is spent in time and
	// halves when tokens are lost), and Redis never hands out more than a
	// quarter of the tokens left, so a bucket near its limit is exact.
	// 0 or 1 means one round trip per check.
	Prefetch int
	// LeaseTTL is how long prefetched tokens stay usable. Zero means
	// DefaultLeaseTTL.
	LeaseTTL time.Duration
	// AutoPipeline sends the checks of concurrent requests to Redis in
	// batches (go-redis's AutoPipeline, on *redis.Client, failover and
	// cluster clients): one write and one read for many checks, which
	// halves the client's CPU per check under load. The deadline of each
	// check still holds (the limiter enforces it). Ignored if the client
	// cannot pipeline.
	AutoPipeline bool
}

// Limiter is a proxy.Limiter whose buckets live in Redis. It uses GCRA
// (the generic cell rate algorithm: a token bucket kept as one timestamp
// per key) in a Lua script with Redis's own clock, so replicas need not
// agree on the time. Create it with New; it is safe for concurrent use.
type Limiter struct {
	client     redis.UniversalClient
	scripter   redis.Scripter // client, or its AutoPipeliner
	leases     *leases        // nil without Options.Prefetch
	prefix     string
	timeout    time.Duration
	failAfter  int32
	retryEvery time.Duration
	failClosed bool
	log        *slog.Logger
	// honoursDeadline: the client bounds socket reads by the context's
	// deadline (ContextTimeoutEnabled), so checks need not run on the side.
	honoursDeadline bool

	fails   atomic.Int32 // consecutive failed checks
	down    atomic.Bool  // not asking Redis; a probe is running
	pending atomic.Int32 // checks running on the side

	mu      sync.Mutex
	lastErr error // why the limiter went down
	since   time.Time
	closed  bool
	stop    chan struct{}
}

// ErrDegraded is wrapped by the errors of checks answered without asking
// Redis, and by Ready, while Redis is unreachable.
var ErrDegraded = errors.New("redislimit: rate limits degraded, Redis unreachable")

// New returns a Limiter that keeps its buckets in Redis through client.
// Close stops its background probe; the client remains the caller's.
func New(client redis.UniversalClient, o Options) *Limiter {
	l := &Limiter{
		client:     client,
		prefix:     o.Prefix,
		timeout:    o.Timeout,
		failAfter:  int32(o.FailAfter),
		retryEvery: o.RetryEvery,
		failClosed: o.FailClosed,
		log:        o.Logger,
		stop:       make(chan struct{}),
	}
	if l.prefix == "" {
		l.prefix = DefaultPrefix
	}
	if l.timeout <= 0 {
		l.timeout = DefaultTimeout
	}
	if l.failAfter <= 0 {
		l.failAfter = DefaultFailAfter
	}
	if l.retryEvery <= 0 {
		l.retryEvery = DefaultRetryEvery
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	l.scripter = client
	if o.Prefetch > 1 {
		ttl := o.LeaseTTL
		if ttl <= 0 {
			ttl = DefaultLeaseTTL
		}
		l.leases = newLeases(o.Prefetch, ttl)
	}
	switch c := client.(type) {
	case *redis.Client:
		l.honoursDeadline = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		l.honoursDeadline = c.Options().ContextTimeoutEnabled
	}
	if o.AutoPipeline && client != nil {
		if ap, err := client.AutoPipeline(); err == nil {
			// Batched commands run on the pipeliner's own context.
			l.scripter, l.honoursDeadline = ap, false
		}
	}
	return l
}

// gcra takes up to ARGV[3] tokens, but never more than a quarter of those
// left (so that near the limit it takes exactly one). KEYS[1]: the bucket;
// ARGV[1]: microseconds per token; ARGV[2]: burst. Returns {granted,
// remaining, retry_after_us, reset_us}; granted 0 is a refusal. The key
// stores the theoretical arrival time (TAT) and expires when the bucket
// would be full again. Numbers go through string.format because Lua
// prints large doubles in exponent form.
var gcra = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local avail = math.floor((now + interval * burst - tat) / interval)
if avail < 1 then
  return {0, 0, tat + interval - interval * burst - now, tat - now}
end
local g = math.min(want, math.max(1, math.floor(avail / 4)))
local newtat = tat + g * interval
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', string.format('%.0f', math.ceil((newtat - now) / 1000)))
return {g, avail - g, 0, newtat - now}
`)

// Key returns the Redis key of the bucket named key: the prefix, then the
// name in braces, a hash tag that puts the bucket in one cluster slot
// whatever the prefix.
func (l *Limiter) Key(key string) string {
	return l.prefix + "{" + key + "}"
}

// Allow implements proxy.Limiter. A check that fails returns an error
// (the proxy then lets the request through), or with Options.FailClosed a
// refusal. While Redis is not asked, Allow answers at once in the same way,
// with an error wrapping ErrDegraded and proxy.ErrLimiterUnavailable.
func (l *Limiter) Allow(ctx context.Context, key string, r proxy.Rate) (proxy.Decision, error) {
	burst := r.Burst
	if burst <= 0 {
		burst = r.Requests
	}
	want := 1
	if l.leases != nil {
		if d, ok := l.leases.take(key, burst); ok {
			return d, nil
		}
		want = l.leases.want(key)
	}
	if l.down.Load() {
		return l.degraded(burst, errDegraded)
	}
	interval := int64(1)
	if r.Requests > 0 {
		interval = max(1, r.Per.Microseconds()/int64(r.Requests))
	}
	v, err := run(l, ctx, func(ctx context.Context) ([]int64, error) {
		return gcra.Run(ctx, l.scripter, []string{l.Key(key)}, interval, burst, want).Int64Slice()
	})
	if err == nil && len(v) != 4 {
		err = fmt.Errorf("redislimit: unexpected script reply %v", v)
	}
	if err != nil {
		l.failed(err)
		return l.degraded(burst, fmt.Errorf("redislimit: %w", err))
	}
	if l.fails.Load() != 0 {
		l.fails.Store(0)
	}
	d := proxy.Decision{
		Allowed:    v[0] >= 1,
		Limit:      burst,
		Remaining:  int(v[1]),
		RetryAfter: time.Duration(v[2]) * time.Microsecond,
		Reset:      time.Duration(v[3]) * time.Microsecond,
	}
	if l.leases != nil && v[0] >= 1 {
		// Even a take of one is noted: its timing sizes the next take.
		l.leases.put(key, int(v[0])-1, d)
	}
	return d, nil
}

// degraded answers a check that Redis did not answer.
func (l *Limiter) degraded(burst int, cause error) (proxy.Decision, error) {
	if l.failClosed {
		return proxy.Decision{Limit: burst, RetryAfter: l.retryEvery, Reset: l.retryEvery}, nil
	}
	return proxy.Decision{Allowed: true, Limit: burst, Remaining: burst}, cause
}

// errDegraded answers the checks made while Redis is not asked: the proxy
// lets them through and counts them without logging each one (the limiter
// logged the change of state).
var errDegraded = fmt.Errorf("%w: %w", ErrDegraded, proxy.ErrLimiterUnavailable)

// run calls f with the deadline of one check. If the client does not
// bound socket reads by the context, f runs on the side and run stops
// waiting at the deadline, so a Redis that accepts connections and never
// answers costs each check Timeout at most, not the client's read timeout.
func run[T any](l *Limiter, ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if l.honoursDeadline {
		return f(ctx)
	}
	var zero T
	if l.pending.Add(1) > maxPending {
		l.pending.Add(-1)
		return zero, errors.New("redislimit: too many checks waiting for Redis")
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer l.pending.Add(-1)
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case res := <-done:
		return res.v, res.err
	case <-ctx.Done():
		return zero, fmt.Errorf("no answer within %v: %w", l.timeout, ctx.Err())
	}
}

// failed counts a failed check; the FailAfter-th in a row takes the
// limiter down and starts the background probe.
func (l *Limiter) failed(err error) {
	if l.fails.Add(1) < l.failAfter {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.down.Load() {
		return
	}
	l.lastErr, l.since = err, time.Now()
	l.down.Store(true)
	mode := "letting requests through (fail open)"
	if l.failClosed {
		mode = "refusing requests with 429 (fail closed)"
	}
	l.log.LogAttrs(context.Background(), slog.LevelError, "rate limits degraded: Redis unreachable, "+mode,
		slog.Int("failures", int(l.fails.Load())), slog.Any("err", err), slog.Duration("retry_every", l.retryEvery))
	go l.probe()
}

// probe pings Redis every RetryEvery until it answers, then lets checks
// ask it again.
func (l *Limiter) probe() {
	t := time.NewTicker(l.retryEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		_, err := run(l, context.Background(), func(ctx context.Context) (string, error) {
			return l.client.Ping(ctx).Result()
		})
		l.mu.Lock()
		if err != nil {
			l.lastErr = err
			l.mu.Unlock()
			continue
		}
		down := time.Since(l.since)
		l.fails.Store(0)
		l.down.Store(false)
		l.mu.Unlock()
		l.log.LogAttrs(context.Background(), slog.LevelInfo, "rate limits enforced again: Redis answers",
			slog.Duration("degraded_for", down.Round(time.Millisecond)))
		return
	}
}

// Ready returns nil while the limiter asks Redis, and otherwise an error
// wrapping ErrDegraded that says since when and why.
func (l *Limiter) Ready() error {
	if !l.down.Load() {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.down.Load() {
		return nil
	}
	return fmt.Errorf("%w since %s (%s ago): %v", ErrDegraded, l.since.UTC().Format(time.RFC3339),
		time.Since(l.since).Round(time.Second), l.lastErr)
}

// Close stops the background probe. The limiter keeps answering checks,
// and the client stays open: it is the caller's to close.
func (l *Limiter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.stop)
	}
	return nil
}

// Logger adapts a *slog.Logger to go-redis's logging interface, so that
// go-redis's own messages join the application's structured log:
//
//	redis.SetLogger(redislimit.Logger{L: slog.Default()})
type Logger struct {
	L *slog.Logger // nil means slog.Default()
}

// Printf logs one go-redis message at level Warn (go-redis logs only
// trouble: failed dials, bad connections, pool problems).
func (g Logger) Printf(ctx context.Context, format string, v ...any) {
	l := g.L
	if l == nil {
		l = slog.Default()
	}
	if ctx == nil {
		ctx = context.Background()
	}
	l.LogAttrs(ctx, slog.LevelWarn, fmt.Sprintf(format, v...), slog.String("component", "go-redis"))
}

var _ proxy.Limiter = (*Limiter)(nil)
