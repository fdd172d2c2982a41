package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
)

// A class is the coarse kind of a failure. It is all a caller learns about
// why a request failed: raw network errors would let anyone map the
// proxy's network (which ports are closed, which names resolve).
type class uint8

const (
	classNone             class = iota
	classBadTarget              // the target URL cannot be used
	classBlocked                // the target is not allowed (address, port, host list)
	classOriginDenied           // the calling origin is not allowed
	classPreflightRefused       // a preflight asked for what the proxy does not allow
	classMissingHeader          // a required request header is missing
	classMethodNotAllowed       // CONNECT, TRACE, TRACK: never proxied
	classCredentials            // Authorization for a host that is not a credential host
	classRequestTooLarge        // request body over the cap
	classHeaderTooLarge         // request headers over the cap
	classRateLimited            // a rate limit is exhausted
	classOverloaded             // too many requests in flight
	classCircuitOpen            // the target failed repeatedly; not tried for a while
	classDNS                    // the target's name does not resolve
	classRefused                // the target refused or reset the connection
	classTimeout                // a phase took too long
	classTLS                    // the TLS handshake failed
	classResponseTooLarge       // upstream body over the cap
	classUpstream               // any other upstream failure
	classClientGone             // the caller left first (logged only, never sent)
)

var classInfo = [...]struct {
	name    string
	status  int
	message string
	fix     string // for the page's developer, when nothing more precise is known
}{
	classNone:             {"", 200, "", ""},
	classBadTarget:        {"bad_target", http.StatusBadRequest, "the target URL is not valid", "write the target as /https://host/path or /?url=https://host/path"},
	classBlocked:          {"blocked", http.StatusForbidden, "the target is not allowed", "use a public target on port 80 or 443, or ask the proxy's operator to allow this one"},
	classOriginDenied:     {"origin_denied", http.StatusForbidden, "requests from this origin are not allowed", "call the proxy from an origin it allows, or ask its operator to allow this one"},
	classPreflightRefused: {"preflight_refused", http.StatusForbidden, "the preflight asks for a method or header that is not allowed", "ask only for methods and headers that a browser may send"},
	classMissingHeader:    {"missing_header", http.StatusBadRequest, "a required request header is missing", "send one of the required headers"},
	classCredentials:      {"credentials_refused", http.StatusForbidden, "the proxy does not forward Authorization to this host", "send the request without Authorization, or ask the proxy's operator to make this host a credential host"},
	classMethodNotAllowed: {"method_not_allowed", http.StatusMethodNotAllowed, "the proxy does not forward CONNECT, TRACE or TRACK", "use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS"},
	classRequestTooLarge:  {"request_too_large", http.StatusRequestEntityTooLarge, "the request body is too large", "send a smaller body, or ask the proxy's operator to raise the cap"},
	classHeaderTooLarge:   {"header_too_large", http.StatusRequestHeaderFieldsTooLarge, "the request headers are too large", "send fewer or smaller headers"},
	classRateLimited:      {"rate_limited", http.StatusTooManyRequests, "too many requests, retry later", "wait for the seconds in Retry-After before trying again"},
	classOverloaded:       {"overloaded", http.StatusServiceUnavailable, "the proxy is busy, retry later", "retry after the seconds in Retry-After"},
	classCircuitOpen:      {"circuit_open", http.StatusServiceUnavailable, "the target failed several times in a row; the proxy does not try it again for a while", "retry after the seconds in Retry-After; check that the target is up"},
	classDNS:              {"dns", http.StatusBadGateway, "the target host name does not resolve", "check the target's host name"},
	classRefused:          {"refused", http.StatusBadGateway, "the target refused the connection", "check that the target is up and listening"},
	classTimeout:          {"timeout", http.StatusGatewayTimeout, "the target did not answer in time", "check that the target answers, and in time"},
	classTLS:              {"tls", http.StatusBadGateway, "the TLS handshake with the target failed", "check the target's certificate"},
	classResponseTooLarge: {"response_too_large", http.StatusBadGateway, "the target's response is too large", "ask for less, or ask the proxy's operator to raise the cap"},
	classUpstream:         {"upstream", http.StatusBadGateway, "the target could not be reached", "check that the target answers with plain HTTP"},
	classClientGone:       {"client_gone", 499, "the caller closed the connection", ""},
}

func (c class) String() string { return classInfo[c].name }

// A proxyError carries a class and, for logs only, the underlying error.
// Its detail is a short explanation written by the proxy itself (never
// network error text) that is safe to show to callers. field and value,
// when set, name the Config field that would allow the request and the
// value to add to it, for the fix shown to the caller.
type proxyError struct {
	class  class
	detail string
	field  string
	value  string
	err    error
}

func (e *proxyError) Error() string {
	s := e.class.String()
	if e.detail != "" {
		s += ": " + e.detail
	}
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *proxyError) Unwrap() error { return e.err }

func errorf(c class, detail string) *proxyError { return &proxyError{class: c, detail: detail} }

// needs records the Config field (and the value for it) that would have
// allowed the request.
func (e *proxyError) needs(field, value string) *proxyError {
	e.field, e.value = field, value
	return e
}

// classify maps an error from the upstream round trip to a class.
func classify(err error) class {
	var pe *proxyError
	if errors.As(err, &pe) {
		return pe.class
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return classRequestTooLarge
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return classTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return classTimeout
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return classDNS
	}
	if isTLSError(err) {
		return classTLS
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return classRefused
	}
	return classUpstream
}

// A Refusal is the JSON body of every answer in which the proxy refuses
// or fails a request, so that the calling page can read why (the CORS
// headers of the caller are on it too).
type Refusal struct {
	// Error is the class of the refusal, also sent as X-Proxy-Error:
	// "blocked", "credentials_refused", "rate_limited", "timeout" ...
	Error string `json:"error"`
	// Message says what happened, in words a web developer understands.
	Message string `json:"message"`
	// Fix says what would make the request work.
	Fix string `json:"fix"`
}

// defaultFix is the fix of a refusal that names the Config field that
// would allow the request.
func defaultFix(field, value string) string {
	if value == "" {
		return "the proxy's operator can change Config." + field
	}
	return "the proxy's operator can add " + strconv.Quote(value) + " to Config." + field
}

// writeError answers with the class's status and a Refusal. Callers have
// already set the CORS headers.
func (p *Proxy) writeError(w http.ResponseWriter, pe *proxyError) {
	info := classInfo[pe.class]
	ref := Refusal{Error: info.name, Message: info.message, Fix: info.fix}
	if pe.detail != "" {
		ref.Message = pe.detail
	}
	if pe.field != "" {
		ref.Fix = ""
		if p.c.FixFor != nil {
			ref.Fix = p.c.FixFor(pe.field, pe.value)
		}
		if ref.Fix == "" {
			ref.Fix = defaultFix(pe.field, pe.value)
		}
	}
	body, _ := json.Marshal(ref) // strings only: cannot fail
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Proxy-Error", info.name)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(info.status)
	_, _ = w.Write(body)
}

func isTLSError(err error) bool {
	var (
		rh  tls.RecordHeaderError
		ae  tls.AlertError
		cve *tls.CertificateVerificationError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
	)
	return errors.As(err, &rh) || errors.As(err, &ae) || errors.As(err, &cve) ||
		errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie)
}
