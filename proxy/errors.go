package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	classRequestTooLarge        // request body over the cap
	classHeaderTooLarge         // request headers over the cap
	classRateLimited            // a rate limit is exhausted
	classOverloaded             // too many requests in flight
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
}{
	classNone:             {"", 200, ""},
	classBadTarget:        {"bad_target", http.StatusBadRequest, "the target URL is not valid"},
	classBlocked:          {"blocked", http.StatusForbidden, "the target is not allowed"},
	classOriginDenied:     {"origin_denied", http.StatusForbidden, "requests from this origin are not allowed"},
	classPreflightRefused: {"preflight_refused", http.StatusForbidden, "the preflight asks for a method or header that is not allowed"},
	classMissingHeader:    {"missing_header", http.StatusBadRequest, "a required request header is missing"},
	classMethodNotAllowed: {"method_not_allowed", http.StatusMethodNotAllowed, "the proxy does not forward CONNECT, TRACE or TRACK"},
	classRequestTooLarge:  {"request_too_large", http.StatusRequestEntityTooLarge, "the request body is too large"},
	classHeaderTooLarge:   {"header_too_large", http.StatusRequestHeaderFieldsTooLarge, "the request headers are too large"},
	classRateLimited:      {"rate_limited", http.StatusTooManyRequests, "too many requests, retry later"},
	classOverloaded:       {"overloaded", http.StatusServiceUnavailable, "the proxy is busy, retry later"},
	classDNS:              {"dns", http.StatusBadGateway, "the target host name does not resolve"},
	classRefused:          {"refused", http.StatusBadGateway, "the target refused the connection"},
	classTimeout:          {"timeout", http.StatusGatewayTimeout, "the target did not answer in time"},
	classTLS:              {"tls", http.StatusBadGateway, "the TLS handshake with the target failed"},
	classResponseTooLarge: {"response_too_large", http.StatusBadGateway, "the target's response is too large"},
	classUpstream:         {"upstream", http.StatusBadGateway, "the target could not be reached"},
	classClientGone:       {"client_gone", 499, "the caller closed the connection"},
}

func (c class) String() string { return classInfo[c].name }

// A proxyError carries a class and, for logs only, the underlying error.
// Its detail is a short explanation written by the proxy itself (never
// network error text) that is safe to show to callers.
type proxyError struct {
	class  class
	detail string
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

// writeError answers with the class's status and a one-line body:
// "class: message". Callers have already set the CORS headers.
func writeError(w http.ResponseWriter, pe *proxyError) {
	info := classInfo[pe.class]
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Proxy-Error", info.name)
	msg := info.message
	if pe.detail != "" {
		msg = pe.detail
	}
	body := info.name + ": " + msg + "\n"
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(info.status)
	_, _ = w.Write([]byte(body))
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
