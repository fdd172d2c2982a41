package proxy

import (
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the per-host circuit breaker.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 10 * time.Second
)

// maxBreakerHosts bounds the breaker's memory: only failing hosts are
// kept, and past this many a new one is not tracked.
const maxBreakerHosts = 10_000

// An outcome is what one proxied request says of its target's health.
type outcome uint8

const (
	outcomeNone    outcome = iota // nothing learned (the caller left, or no request was sent)
	outcomeOK                     // the target answered
	outcomeFailure                // the target could not be reached or did not answer in time
)

// A breaker is the per-target-host circuit breaker: after failures
// consecutive failures of a host, requests for it are refused at once for
// cooldown (the circuit is open), so that one dead upstream cannot hold
// MaxInFlight slots for a dial timeout each; then one request goes
// through as a probe (half-open): its success closes the circuit, its
// failure opens it again.
type breaker struct {
	failures int
	cooldown time.Duration
	tracked  atomic.Int64 // len(hosts), read without the lock on the hot path
	mu       sync.Mutex
	hosts    map[string]*hostHealth
	opened   func() // counts circuits opening
}

type hostHealth struct {
	fails     int
	openUntil time.Time
	probing   bool
}

func newBreaker(failures int, cooldown time.Duration, opened func()) *breaker {
	return &breaker{failures: failures, cooldown: cooldown, hosts: map[string]*hostHealth{}, opened: opened}
}

// idle reports whether the breaker tracks no target: allow would let
// anything through.
func (b *breaker) idle() bool { return b == nil || b.tracked.Load() == 0 }

// wants reports whether report would record outcome o.
func (b *breaker) wants(o outcome) bool {
	return b != nil && (o == outcomeFailure || b.tracked.Load() != 0)
}

// allow reports whether a request for key may go upstream, and if not,
// how long until it may. A request let through an open circuit's end is
// its probe, and must be followed by report.
func (b *breaker) allow(key string, now time.Time) (time.Duration, bool) {
	if b.idle() {
		return 0, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.hosts[key]
	switch {
	case h == nil || h.fails < b.failures:
		return 0, true
	case now.Before(h.openUntil):
		return h.openUntil.Sub(now), false
	case h.probing:
		return b.cooldown, false // the probe is still on its way
	}
	h.probing = true
	return 0, true
}

// report records the outcome of a request that allow let through.
func (b *breaker) report(key string, o outcome, now time.Time) {
	if !b.wants(o) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.hosts[key]
	switch {
	case o == outcomeOK:
		if h != nil {
			delete(b.hosts, key)
			b.tracked.Add(-1)
		}
		return
	case o == outcomeNone:
		if h != nil {
			h.probing = false
		}
		return
	case h == nil:
		if len(b.hosts) >= maxBreakerHosts {
			return
		}
		h = &hostHealth{}
		b.hosts[key] = h
		b.tracked.Add(1)
	}
	h.fails++
	h.probing = false
	if h.fails >= b.failures {
		h.openUntil = now.Add(b.cooldown)
		if b.opened != nil {
			b.opened()
		}
	}
}

// upstreamFailure reports whether a failure of class c says that the
// target is unhealthy (rather than the request or the policy being wrong).
func upstreamFailure(c class) bool {
	switch c {
	case classDNS, classRefused, classTimeout, classTLS, classUpstream:
		return true
	}
	return false
}
