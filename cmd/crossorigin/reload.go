package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/crossorigin/crossorigin/proxy"
)

// liveHandler serves every request with the proxy that was current when
// the request arrived, so that a reload never disturbs requests in flight:
// they finish under the configuration they started with.
type liveHandler struct{ cur atomic.Pointer[proxy.Proxy] }

func (l *liveHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.cur.Load().ServeHTTP(w, r)
}

// swap makes p current and returns the proxy it replaces (nil at first).
func (l *liveHandler) swap(p *proxy.Proxy) *proxy.Proxy { return l.cur.Swap(p) }

func (l *liveHandler) current() *proxy.Proxy { return l.cur.Load() }

// onHangup calls reload, one call at a time, each time the process gets
// SIGHUP, until ctx ends; stop stops listening for it.
func onHangup(ctx context.Context, reload func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-ch:
				reload()
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { signal.Stop(ch) }
}

// restartOnly are the flags a reload cannot apply: they shape the
// listener, the Redis client, the tracer or the logs, which live as long
// as the process.
var restartOnly = []string{"listen", "tls-cert", "tls-key", "redis", "redis-fail", "otlp-endpoint", "log-format", "shutdown-timeout", "max-header-bytes", "memory-limit"}

// reload reads the configuration again (command line, environment,
// --config file) and, if it is valid, swaps in a proxy built from it. A bad
// configuration keeps the running one and logs why.
func (rt *proxyRuntime) reload(args []string, running *proxySettings, live *liveHandler) {
	f := newProxyFlags(io.Discard)
	if err := f.parse(args); err != nil {
		rt.log.Error("reload failed; the running configuration stays", "error", err)
		return
	}
	s, errs := f.settings(rt.stderr)
	if len(errs) > 0 {
		rt.log.Error("reload failed; the running configuration stays", "error", errors.Join(errs...))
		return
	}
	for _, name := range restartOnly {
		if f.fs.Lookup(name).Value.String() != running.flags.fs.Lookup(name).Value.String() {
			rt.log.Warn("reload: --" + name + " changed; it takes effect only after a restart")
		}
	}
	p, err := rt.newProxy(s)
	if err != nil {
		rt.log.Error("reload failed; the running configuration stays", "error", err)
		return
	}
	live.swap(p).Close()
	rt.log.Info("configuration reloaded", "config", *f.configFile)
}
