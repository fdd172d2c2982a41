package redislimit

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
)

const (
	leaseShards = 32
	// maxLeases bounds the prefetched buckets kept here: an attacker
	// rotating addresses must not grow them without limit.
	maxLeases = 32_768
)

// leases holds tokens taken from Redis but not spent yet, per key.
type leases struct {
	max  int // the largest take
	ttl  time.Duration
	seed maphash.Seed
	sh   [leaseShards]leaseShard
}

type leaseShard struct {
	mu sync.Mutex
	m  map[string]*lease
}

// A lease is the tokens of one key held here.
type lease struct {
	n       int       // tokens left to spend
	expires time.Time // when the rest is lost
	size    int       // the next take
	d       proxy.Decision
	granted time.Time // when d was Redis's answer
}

func newLeases(maxTake int, ttl time.Duration) *leases {
	l := &leases{max: maxTake, ttl: ttl, seed: maphash.MakeSeed()}
	for i := range l.sh {
		l.sh[i].m = make(map[string]*lease)
	}
	return l
}

func (l *leases) shard(key string) *leaseShard {
	return &l.sh[maphash.String(l.seed, key)%leaseShards]
}

// take spends one token held for key, if there is one.
func (l *leases) take(key string, burst int) (proxy.Decision, bool) {
	s := l.shard(key)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil || e.n == 0 || !now.Before(e.expires) || e.d.Limit != burst {
		return proxy.Decision{}, false
	}
	e.n--
	d := e.d
	d.Remaining += e.n
	d.Reset = max(0, d.Reset-now.Sub(e.granted))
	return d, true
}

// want is how many tokens the next take for key asks for: it doubles
// while takes are spent before they expire and halves when tokens were
// lost.
func (l *leases) want(key string) int {
	s := l.shard(key)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		return 1
	}
	switch {
	case e.n > 0: // expired with tokens left
		e.size = max(1, e.size/2)
		e.n = 0
	case now.Before(e.expires): // spent in time: the key is busy
		e.size = min(l.max, e.size*2)
	}
	return e.size
}

// put keeps n more tokens for key, granted with decision d.
func (l *leases) put(key string, n int, d proxy.Decision) {
	s := l.shard(key)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		if len(s.m) >= maxLeases/leaseShards {
			s.sweep(now)
		}
		e = &lease{size: 1}
		s.m[key] = e
	}
	if !now.Before(e.expires) {
		e.n = 0
	}
	e.n += n
	e.expires = now.Add(l.ttl)
	e.d, e.granted = d, now
}

// sweep forgets expired leases, and if that is not enough, arbitrary
// ones down to three quarters of the cap.
func (s *leaseShard) sweep(now time.Time) {
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
		}
	}
	for k := range s.m {
		if len(s.m) <= maxLeases/leaseShards*3/4 {
			break
		}
		delete(s.m, k)
	}
}
