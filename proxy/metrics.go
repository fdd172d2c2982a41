package proxy

import "time"

// Metrics receives the proxy's measurements, so that the proxy names no
// metrics library: package proxy/prommetrics exports them to Prometheus.
// Implementations must be safe for concurrent use and cheap: Request,
// Upstream and InFlight run on every proxied request.
type Metrics interface {
	// Request counts one answered request by its status code.
	Request(status int)
	// Upstream observes one upstream round trip (one hop), from sending
	// the request to its response headers.
	Upstream(d time.Duration)
	// Refused counts a refusal or failure by its code, the "error" of its
	// Refusal: "blocked", "rate_limited", "timeout" ...
	Refused(code string)
	// RateLimited counts a request refused by a rate limit, by dimension:
	// "ip", "origin" or "host".
	RateLimited(dimension string)
	// LimiterError counts a rate-limit check that failed (for example,
	// Redis unreachable); the request was let through.
	LimiterError()
	// InFlight adds delta (1 or -1) to the number of requests being
	// proxied right now.
	InFlight(delta int)
	// CircuitOpened counts a target's circuit opening after consecutive
	// failures (Config.BreakerFailures).
	CircuitOpened()
}

// noMetrics is the Metrics of a Config without any.
type noMetrics struct{}

func (noMetrics) Request(int)            {}
func (noMetrics) Upstream(time.Duration) {}
func (noMetrics) Refused(string)         {}
func (noMetrics) RateLimited(string)     {}
func (noMetrics) LimiterError()          {}
func (noMetrics) InFlight(int)           {}
func (noMetrics) CircuitOpened()         {}

// Rate-limit dimensions, as Metrics.RateLimited names them.
const (
	dimIP = iota
	dimOrigin
	dimHost
)

var dimNames = [...]string{dimIP: "ip", dimOrigin: "origin", dimHost: "host"}
