package proxy

import (
	"context"
	"errors"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A Limiter keeps token buckets by key. Implementations must be safe for
// concurrent use. Package proxy/redislimit keeps them in Redis, shared by
// every replica.
type Limiter interface {
	// Allow takes one token from the bucket named key, which refills at
	// rate r, and reports the outcome. When it returns an error the proxy
	// lets the request through (fails open), counts the failure and logs
	// it, unless the error wraps ErrLimiterUnavailable.
	Allow(ctx context.Context, key string, r Rate) (Decision, error)
}

// ErrLimiterUnavailable is wrapped by the errors of a Limiter that answers
// without asking its store because it knows the store is down (and has
// said so itself): the proxy lets such requests through and counts them,
// but does not log each one.
var ErrLimiterUnavailable = errors.New("proxy: rate limiter store unavailable")

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
