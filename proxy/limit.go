package proxy

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// A Limiter keeps token buckets by key. Implementations must be safe for
// concurrent use.
type Limiter interface {
	// Allow takes one token from the bucket named key, which refills at
	// rate r, and reports the outcome.
	Allow(ctx context.Context, key string, r Rate) (Decision, error)
}

// A Decision is the outcome of one Limiter.Allow call.
type Decision struct {
	Allowed    bool
	Limit      int           // the bucket's size (burst)
	Remaining  int           // tokens left after this request
	RetryAfter time.Duration // when refused: time until a token is available
	Reset      time.Duration // time until the bucket is full again
}

// maxMemoryKeys bounds the memory limiter: an attacker rotating client
// addresses must not grow it without limit.
const maxMemoryKeys = 100_000

const memoryShards = 32

// MemoryLimiter is a Limiter kept in this process, built on
// golang.org/x/time/rate. Buckets that are full again are forgotten.
type MemoryLimiter struct {
	maxKeys int // per shard
	seed    maphash.Seed
	shards  [memoryShards]memoryShard
}

type memoryShard struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

// NewMemoryLimiter returns an empty in-memory Limiter.
func NewMemoryLimiter() *MemoryLimiter {
	l := &MemoryLimiter{seed: maphash.MakeSeed(), maxKeys: maxMemoryKeys / memoryShards}
	for i := range l.shards {
		l.shards[i].m = make(map[string]*rate.Limiter)
	}
	return l
}

// Allow implements Limiter.
func (l *MemoryLimiter) Allow(_ context.Context, key string, r Rate) (Decision, error) {
	now := time.Now()
	burst := r.burst()
	every := r.Per / time.Duration(r.Requests)
	s := &l.shards[maphash.String(l.seed, key)%memoryShards]
	s.mu.Lock()
	lim := s.m[key]
	if lim == nil {
		if len(s.m) >= l.maxKeys {
			s.sweep(now, l.maxKeys)
		}
		lim = rate.NewLimiter(rate.Every(every), burst)
		s.m[key] = lim
	}
	res := lim.ReserveN(now, 1)
	d := Decision{Limit: burst}
	if delay := res.DelayFrom(now); !res.OK() || delay > 0 {
		res.CancelAt(now)
		d.RetryAfter = delay
	} else {
		d.Allowed = true
	}
	tokens := lim.TokensAt(now)
	s.mu.Unlock()
	d.Remaining = max(0, int(math.Floor(tokens)))
	d.Reset = time.Duration((float64(burst) - tokens) * float64(every))
	return d, nil
}

// sweep forgets full buckets (which behave like new ones), and if that is
// not enough, arbitrary ones down to three quarters of the cap, so that
// sweeps stay rare: memory stays bounded under address rotation.
func (s *memoryShard) sweep(now time.Time, maxKeys int) {
	for k, lim := range s.m {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(s.m, k)
		}
	}
	for k := range s.m {
		if len(s.m) <= maxKeys*3/4 {
			break
		}
		delete(s.m, k)
	}
}

// RedisLimiter is a Limiter whose buckets live in Redis, so that every
// replica of the proxy behind a load balancer enforces one shared limit.
// It uses GCRA (the generic cell rate algorithm, a token bucket kept as a
// single timestamp per key) in a Lua script, with Redis's own clock, so
// replicas need not agree on the time.
type RedisLimiter struct {
	client redis.Scripter
	prefix string
}

// NewRedisLimiter returns a Limiter that keeps its buckets in Redis under
// keys starting with prefix ("crossorigin:proxy:" if empty).
func NewRedisLimiter(client redis.Scripter, prefix string) *RedisLimiter {
	if prefix == "" {
		prefix = "crossorigin:proxy:"
	}
	return &RedisLimiter{client: client, prefix: prefix}
}

// gcra takes one token. KEYS[1]: the bucket; ARGV[1]: microseconds per
// token; ARGV[2]: burst. Returns {allowed, remaining, retry_after_us,
// reset_us}. The key stores the theoretical arrival time (TAT) and
// expires when the bucket would be full again. Numbers go through
// string.format because Lua prints large doubles in exponent form.
var gcra = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local window = interval * burst
local newtat = tat + interval
local allowat = newtat - window
if allowat > now then
  return {0, 0, allowat - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', string.format('%.0f', math.ceil((newtat - now) / 1000)))
local remaining = math.floor((now - allowat) / interval)
return {1, remaining, 0, newtat - now}
`)

// Allow implements Limiter.
func (l *RedisLimiter) Allow(ctx context.Context, key string, r Rate) (Decision, error) {
	burst := r.burst()
	interval := r.Per.Microseconds() / int64(r.Requests)
	if interval < 1 {
		interval = 1
	}
	v, err := gcra.Run(ctx, l.client, []string{l.prefix + key}, interval, burst).Int64Slice()
	if err != nil || len(v) != 4 {
		if err == nil {
			err = redis.Nil
		}
		return Decision{Allowed: true, Limit: burst, Remaining: burst}, err
	}
	return Decision{
		Allowed:    v[0] == 1,
		Limit:      burst,
		Remaining:  int(v[1]),
		RetryAfter: time.Duration(v[2]) * time.Microsecond,
		Reset:      time.Duration(v[3]) * time.Microsecond,
	}, nil
}
