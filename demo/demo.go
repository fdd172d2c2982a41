// Package demo runs the two-origin playground behind `crossorigin demo`: a
// page origin that serves an embedded page, an API origin that applies a
// live CORS policy, and a CORS proxy in front of an upstream without CORS.
// Every server listens on loopback only; the page is addressed as localhost.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
)

// Config says where the playground listens. A zero port picks a free one.
type Config struct {
	ListenHost   string // IPv4 loopback address to listen on; default 127.0.0.1, which the page calls localhost
	PagePort     int    // page origin, http://localhost:PagePort
	APIPort      int    // API origin, http://localhost:APIPort
	ProxyPort    int    // CORS proxy, http://localhost:ProxyPort
	UpstreamPort int    // upstream without CORS behind the proxy

	// Logger receives the servers' records, such as the CSRF guard's
	// denials. Nil discards them.
	Logger *slog.Logger
}

// ListenError reports a server that could not bind its port.
type ListenError struct {
	Server string // "page", "api", "proxy" or "upstream"
	Addr   string // host:port it tried
	Field  string // the Config field that picks another port, such as "PagePort"
	Err    error
}

// Error says which server could not listen, and for a port in use, which
// Config field picks another.
func (e *ListenError) Error() string {
	msg := fmt.Sprintf("demo: cannot listen for the %s server on %s: %v", e.Server, e.Addr, e.Err)
	if isAddrInUse(e.Err) {
		msg = fmt.Sprintf("demo: port %s for the %s server is already in use", portOf(e.Addr), e.Server)
		if e.Field != "" {
			msg += fmt.Sprintf("; pick another with %s (or stop the program that holds it)", e.Field)
		}
	}
	return msg
}

// Unwrap returns the error from net.Listen.
func (e *ListenError) Unwrap() error { return e.Err }

// InUse reports whether the port was already taken.
func (e *ListenError) InUse() bool { return isAddrInUse(e.Err) }

func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return p
}

// Demo is a running playground.
type Demo struct {
	PageURL     string // page origin, e.g. http://localhost:3000
	APIURL      string // API origin, e.g. http://localhost:3001
	ProxyURL    string // proxy origin, e.g. http://localhost:3002
	UpstreamURL string // upstream without CORS, e.g. http://127.0.0.1:41234

	servers   []*http.Server
	listeners []net.Listener
	api       *apiServer
	log       *requestLog
	proxy     *proxy.Proxy
	client    *http.Transport // the predictions' connections to the servers

	closeOnce sync.Once
}

// Listen binds every server's port, so that a port already in use fails
// here with a *ListenError, before anything is served.
func Listen(cfg Config) (*Demo, error) {
	host := cfg.ListenHost
	if host == "" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		// IPv4 only: the proxy's host allowlist, which pins it to the
		// upstream, takes names and IPv4 addresses.
		return nil, fmt.Errorf("demo: listen host %q is not an IPv4 loopback address; the playground serves a CORS proxy and must stay on this machine (use 127.0.0.1)", host)
	}
	// The page is addressed as localhost, which browsers resolve to
	// 127.0.0.1; other loopback addresses are used as they are.
	name := ip.String()
	if ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
		name = "localhost"
	}
	d := &Demo{}
	specs := []struct {
		name, field string
		port        int
	}{
		{"page", "PagePort", cfg.PagePort},
		{"api", "APIPort", cfg.APIPort},
		{"proxy", "ProxyPort", cfg.ProxyPort},
		{"upstream", "UpstreamPort", cfg.UpstreamPort},
	}
	ports := make([]int, len(specs))
	for i, s := range specs {
		addr := net.JoinHostPort(host, strconv.Itoa(s.port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			d.closeListeners()
			return nil, &ListenError{Server: s.name, Addr: addr, Field: s.field, Err: err}
		}
		d.listeners = append(d.listeners, ln)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	d.PageURL = "http://" + net.JoinHostPort(name, strconv.Itoa(ports[0]))
	d.APIURL = "http://" + net.JoinHostPort(name, strconv.Itoa(ports[1]))
	d.ProxyURL = "http://" + net.JoinHostPort(name, strconv.Itoa(ports[2]))
	d.UpstreamURL = "http://" + net.JoinHostPort(host, strconv.Itoa(ports[3]))

	log := newRequestLog(2000)
	d.log = log
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if d.api, err = newAPIServer(d.PageURL, d.ProxyURL+"/"+d.UpstreamURL+"/data", log, logger); err != nil {
		d.closeListeners()
		return nil, err
	}
	if d.proxy, err = newProxyServer(d.PageURL, ip, ports[3]); err != nil {
		d.closeListeners()
		return nil, err
	}
	d.client = &http.Transport{
		Proxy:                 nil, // the servers are on loopback; never through HTTP_PROXY
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	handlers := []http.Handler{
		newPageServer(d, log),
		d.api,
		log.logged("proxy", d.proxy),
		newUpstreamServer(log),
	}
	for _, h := range handlers {
		d.servers = append(d.servers, &http.Server{
			Handler:           h,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			ReadHeaderTimeout: 10 * time.Second,
			MaxHeaderBytes:    64 << 10,
		})
	}
	return d, nil
}

func (d *Demo) closeListeners() {
	for _, ln := range d.listeners {
		_ = ln.Close()
	}
}

// Serve serves every server until ctx is done, then shuts them down
// gracefully, giving in-flight requests up to two seconds.
func (d *Demo) Serve(ctx context.Context) error {
	errc := make(chan error, len(d.servers))
	for i, srv := range d.servers {
		go func() { errc <- srv.Serve(d.listeners[i]) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if serr := d.Shutdown(shutCtx); err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Shutdown stops every server gracefully: requests in flight finish, until
// ctx ends; then the connections still open are closed.
func (d *Demo) Shutdown(ctx context.Context) error {
	var errs []error
	d.closeOnce.Do(func() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, srv := range d.servers {
			wg.Go(func() {
				err := srv.Shutdown(ctx)
				if ctx.Err() != nil {
					// Browsers open spare connections ahead of need, which
					// Shutdown waits for (up to 5 seconds); by now nothing
					// that matters is in flight.
					err = srv.Close()
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		d.closeListeners()
		d.proxy.Close()
		d.client.CloseIdleConnections()
	})
	return errors.Join(errs...)
}
